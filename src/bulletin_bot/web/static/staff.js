/* The staff page: ask, read the answer with its evidence and citations, open articles, follow up. */
"use strict";

(() => {
  const { api, me, el, issueLabel, citationText } = BB;
  const $ = (id) => document.getElementById(id);
  const EXAMPLES = [
    "万州区委何时听取党史汇报",
    "读书分享决赛评出几个一等奖？",
    "市委党史研究室2020年工作务虚会是什么时候召开的",
    "谁主持召开区委常委会？",
  ];
  let whoPromise = null;
  let session = sessionStorage.getItem("bb-session");
  if (!session) { session = newSession(); }

  function newSession() {
    const id = Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => b.toString(16).padStart(2, "0")).join("");
    sessionStorage.setItem("bb-session", id);
    return id;
  }

  /* Where to highlight inside the evidence: the offsets the answer gives, else the short answer's text. */
  function spanIn(evidence, data, short) {
    const s = data.span_start, e = data.span_end;
    if (Number.isInteger(s) && Number.isInteger(e) && s >= 0 && e > s && e <= evidence.length) return [s, e];
    const span = data.span;
    if (span && typeof span === "object" && Number.isInteger(span.start) && Number.isInteger(span.end)
        && span.start >= 0 && span.end > span.start && span.end <= evidence.length) return [span.start, span.end];
    for (const text of [typeof span === "string" ? span : (span && span.text) || null, short]) {
      if (text && evidence.includes(text)) { const i = evidence.indexOf(text); return [i, i + text.length]; }
    }
    return null;
  }

  function shortOf(data) {
    if (typeof data.short === "string" && data.short) return data.short;
    return (data.answer || "").split("。依据：")[0].split("。另见：")[0];
  }

  function highlighted(text, range, cls) {
    if (!range) return [text];
    return [text.slice(0, range[0]), el("mark", { class: cls }, text.slice(range[0], range[1])), text.slice(range[1])];
  }

  function citationList(citations, evidence, cls) {
    return el("ol", { class: cls || "cites" }, citations.map((c, i) =>
      el("li", {}, el("a", {
        href: "#", class: "cite-link", "data-issue": c.issue_id, "data-article": c.article_no,
        onclick: (ev) => { ev.preventDefault(); openArticle(c, evidence, c.text); },
      }, "[" + (i + 1) + "] " + citationText(c)))));
  }

  /* A list answer: its head line and items, from the record's fields or else from its text. */
  function listItems(data) {
    const m = (data.answer || "").match(/^(.*?)：\s*1\.\s(.*)$/s);
    if (Array.isArray(data.items) && data.items.length) return { head: m ? m[1] : (data.short || ""), items: data.items };
    if (!m) return null;
    return { head: m[1], items: m[2].split(/；\s*\d+\.\s/) };
  }

  function renderAnswer(card, data) {
    const body = el("div", { class: "a" });
    if (data.rewritten) body.append(el("p", { class: "muted" }, "（理解为：" + data.rewritten + "）"));
    const cites = data.citations || [];
    if (data.kind === "source") {
      body.append(el("p", {}, "原文："), cites.length ? citationList(cites.slice(0, 1), null) : el("p", {}, data.answer));
      if (cites.length) openArticle(cites[0], null, cites[0].text);
    } else if (data.answered) {
      const short = shortOf(data);
      const list = listItems(data);
      if (list && data.kind === "list") {
        body.append(el("p", { class: "short" }, el("strong", {}, list.head)),
          el("ol", { class: "items" }, list.items.map((t) => el("li", {}, t))));
      } else {
        body.append(el("p", { class: "short" }, el("strong", {}, short)));
      }
      if (data.evidence && data.evidence !== short) {
        body.append(el("blockquote", { class: "evidence" },
          el("span", { class: "label" }, "依据："), highlighted(data.evidence, spanIn(data.evidence, data, short), "span")));
      }
      const also = Array.isArray(data.also) ? data.also.map((t) => "《" + t + "》").join("；")
        : (data.answer || "").split("。另见：")[1];
      if (also) body.append(el("p", { class: "muted" }, "另见：" + also));
      for (const note of Array.isArray(data.notes) ? data.notes : []) body.append(el("p", { class: "muted" }, "说明：" + note));
      if (cites.length) body.append(el("p", { class: "label" }, "出处："), citationList(cites, data.evidence));
    } else {
      body.append(el("p", { class: "refusal" }, data.answer));
      if (cites.length) body.append(el("p", { class: "label" }, "相关文章："), citationList(cites.slice(0, 3), null));
    }
    if (data.kind !== "source") {
      const more = el("button", { type: "button", class: "more" }, "更多结果");
      more.addEventListener("click", () => moreResults(card, more, data.rewritten || data.question));
      body.append(more);
    }
    card.append(body);
  }

  async function moreResults(card, button, question) {
    button.disabled = true;
    button.textContent = "正在检索…";
    try {
      const data = await api("GET", "/api/search?k=10&q=" + encodeURIComponent(question));
      const box = el("div", { class: "more-results" }, el("p", { class: "label" }, "更多相关段落："));
      if (!data.hits.length) box.append(el("p", { class: "muted" }, "没有找到相关段落。"));
      data.hits.forEach((h, i) => box.append(el("div", { class: "passage" },
        el("a", { href: "#", class: "cite-link", onclick: (ev) => { ev.preventDefault(); openArticle(h, null, h.text); } },
          (i + 1) + ". " + citationText(h)),
        el("p", {}, h.text.length > 160 ? h.text.slice(0, 159) + "…" : h.text))));
      button.replaceWith(box);
    } catch (e) {
      button.disabled = false;
      button.textContent = "更多结果（" + e.message + "）";
    }
  }

  async function ask(question) {
    question = question.trim();
    if (!question) return;
    await whoPromise;
    $("welcome").hidden = true;
    const card = el("article", { class: "card" }, el("p", { class: "q" }, question));
    const waiting = el("p", { class: "muted waiting" }, "正在查找…");
    card.append(waiting);
    $("thread").append(card);
    card.scrollIntoView({ block: "end" });
    $("ask-button").disabled = true;
    try {
      const data = await api("POST", "/api/ask", { question, session });
      waiting.remove();
      renderAnswer(card, data);
    } catch (e) {
      waiting.remove();
      card.append(el("p", { class: "error" }, e.message));
    } finally {
      $("ask-button").disabled = false;
      card.scrollIntoView({ block: "nearest" });
    }
  }

  /* Characters without spaces, and where each sits in the original: evidence may differ in spacing. */
  function squeeze(text) {
    const chars = [], map = [];
    for (let i = 0; i < text.length; i++) if (!/\s/.test(text[i])) { chars.push(text[i]); map.push(i); }
    return { text: chars.join(""), map };
  }

  function findIn(paragraph, wanted) {
    if (!wanted) return null;
    const i = paragraph.indexOf(wanted);
    if (i >= 0) return [i, i + wanted.length];
    const p = squeeze(paragraph), w = squeeze(wanted).text;
    const j = w ? p.text.indexOf(w) : -1;
    return j >= 0 ? [p.map[j], p.map[j + w.length - 1] + 1] : null;
  }

  async function openArticle(c, evidence, passage) {
    const overlay = $("article");
    $("article-title").textContent = "正在打开…";
    $("article-section").textContent = $("article-subtitle").textContent = $("article-cite").textContent = "";
    $("article-body").replaceChildren();
    overlay.hidden = false;
    document.body.classList.add("reading");
    let a;
    try {
      a = await api("GET", "/api/issues/" + encodeURIComponent(c.issue_id) + "/articles/" + encodeURIComponent(c.article_no));
    } catch (e) {
      $("article-title").textContent = e.message;
      return;
    }
    $("article-section").textContent = "【" + a.section + "】";
    $("article-title").textContent = a.title;
    $("article-subtitle").textContent = a.subtitle || "";
    $("article-cite").textContent = issueLabel(a.issue) + (a.source ? " · " + a.source + "供稿" : "") + (a.page ? " · 第 " + a.page + " 页" : "");
    let marked = null;
    for (const wanted of [evidence, passage && passage.split(/(?<=[。！？])/)[0], passage]) {
      if (marked || !wanted) continue;
      a.paragraphs.forEach((p) => { if (!marked && findIn(p, wanted)) marked = wanted; });
    }
    for (const p of a.paragraphs) {
      const range = marked ? findIn(p, marked) : null;
      $("article-body").append(el("p", {}, highlighted(p, range, "evidence")));
    }
    const mark = $("article-body").querySelector("mark.evidence");
    if (mark) mark.scrollIntoView({ block: "center" });
    $("article-close").focus({ preventScroll: true });
  }

  function closeArticle() {
    $("article").hidden = true;
    document.body.classList.remove("reading");
  }

  async function loadSide() {
    try {
      const { issues } = await api("GET", "/api/issues");
      $("issues").replaceChildren(...issues.map((i) => el("li", {}, i.label, el("span", { class: "muted" }, " · " + i.articles + " 篇"))));
      if (!issues.length) { $("issues").append(el("li", { class: "muted" }, "还没有收录简报。")); $("toc-title").hidden = true; return; }
      const newest = await api("GET", "/api/issues/" + encodeURIComponent(issues[0].id));
      $("toc-title").textContent = "最新一期目录：" + newest.label;
      let section = null, list = null;
      const toc = $("toc");
      toc.replaceChildren();
      for (const a of newest.toc) {
        if (a.section !== section) { section = a.section; toc.append(el("h3", {}, "【" + section + "】")); list = el("ul", {}); toc.append(list); }
        list.append(el("li", {}, el("a", { href: "#", onclick: (ev) => { ev.preventDefault(); openArticle({ issue_id: newest.id, article_no: a.article_no }, null, null); } },
          a.title + (a.brief ? "（短讯）" : ""))));
      }
    } catch (e) {
      $("issues").replaceChildren(el("li", { class: "error" }, e.message));
    }
  }

  async function start() {
    $("examples").replaceChildren(...EXAMPLES.map((q) => el("button", { type: "button", class: "example", onclick: () => { $("q").value = ""; ask(q); } }, q)));
    $("ask-form").addEventListener("submit", (ev) => { ev.preventDefault(); const q = $("q").value; $("q").value = ""; ask(q); });
    $("article-close").addEventListener("click", closeArticle);
    $("article").addEventListener("click", (ev) => { if (ev.target === $("article")) closeArticle(); });
    document.addEventListener("keydown", (ev) => { if (ev.key === "Escape") closeArticle(); });
    $("new-chat").addEventListener("click", () => { session = newSession(); $("thread").replaceChildren(); $("welcome").hidden = false; });
    $("logout").addEventListener("click", BB.logout);
    whoPromise = me();
    const who = await whoPromise;
    $("who").textContent = who.open ? "本机（未配置用户）" : who.name;
    $("admin-link").hidden = who.role !== "admin";
    $("logout").hidden = who.via !== "session";
    document.body.dataset.ready = "1";
    loadSide();
  }

  start().catch((e) => { document.body.dataset.ready = "error"; $("thread").append(el("p", { class: "error" }, e.message)); });
})();
