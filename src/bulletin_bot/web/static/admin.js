/* The admin console: upload with a progress bar, the issue table (remove, reindex), stats, unanswered. */
"use strict";

(() => {
  const { api, me, el } = BB;
  const $ = (id) => document.getElementById(id);
  const FACES = { web: "网页", api: "API", telegram: "Telegram" };
  const STAGES = { upload: "上传", parse: "解析", embed: "向量化", index: "写入索引" };

  function when(t) {
    const d = new Date(t * 1000);
    const p = (n) => String(n).padStart(2, "0");
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + " " + p(d.getHours()) + ":" + p(d.getMinutes());
  }

  function showResult(box, ok, message) {
    box.hidden = false;
    box.className = "result " + (ok ? "ok" : "bad");
    box.replaceChildren(...String(message).split("\n").map((line) => el("p", {}, line)));
  }

  async function loadIssues() {
    const { issues } = await api("GET", "/api/issues");
    const body = $("issues-table").querySelector("tbody");
    body.replaceChildren(...issues.map((i) => el("tr", { "data-issue": i.id },
      el("td", {}, i.date || "不详"), el("td", {}, i.title || i.publisher || "—"), el("td", {}, i.number || "—"),
      el("td", { class: "num" }, i.articles), el("td", { class: "num" }, i.chunks), el("td", {}, el("code", {}, i.id)),
      el("td", {}, el("button", { type: "button", class: "danger", onclick: () => removeIssue(i) }, "移除")))));
    if (!issues.length) body.append(el("tr", {}, el("td", { colspan: "7", class: "muted" }, "索引里还没有简报。")));
  }

  async function removeIssue(i) {
    if (!confirm("移除 " + i.label + "？\n它的文件会移到语料目录的 .removed/ 下，重建索引也不会再收录。")) return;
    try {
      const r = await api("DELETE", "/api/issues/" + encodeURIComponent(i.id));
      showResult($("reindex-result"), true, r.message);
    } catch (e) {
      showResult($("reindex-result"), false, e.message);
    }
    refresh();
  }

  async function loadStats() {
    const s = await api("GET", "/api/stats");
    const faces = Object.entries(s.by_face).map(([f, n]) => (FACES[f] || f) + " " + n).join("，") || "—";
    const rows = [
      ["问题", s.questions + "（最近 24 小时 " + s.last_day + "）"],
      ["答上", s.answered + (s.answered_share === null ? "" : "（" + Math.round(s.answered_share * 100) + "%）")],
      ["来源", faces],
      ["提问用户", s.users + "，会话 " + s.sessions],
      ["索引", s.issues + " 期简报，" + s.chunks + " 个段落"],
    ];
    $("stats").replaceChildren(...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  }

  async function loadUnanswered() {
    const { questions } = await api("GET", "/api/unanswered?limit=100");
    const body = $("unanswered-table").querySelector("tbody");
    body.replaceChildren(...questions.map((q) => el("tr", {},
      el("td", {}, q.question), el("td", { class: "num" }, q.count), el("td", {}, when(q.last)),
      el("td", {}, q.faces.map((f) => FACES[f] || f).join("、")))));
    if (!questions.length) body.append(el("tr", {}, el("td", { colspan: "4", class: "muted" }, "暂时没有答不上的问题。")));
  }

  function refresh() {
    return Promise.all([loadIssues(), loadStats(), loadUnanswered()]).catch((e) => showResult($("reindex-result"), false, e.message));
  }

  function upload(file) {
    const status = $("upload-status"), bar = $("upload-progress"), stage = $("upload-stage"), result = $("upload-result");
    result.hidden = true;
    if (!/\.(pdf|docx|txt)$/i.test(file.name)) {
      showResult(result, false, "不支持的文件类型：" + file.name + "。请上传 .pdf、.docx 或 .txt 格式的简报。");
      return;
    }
    status.hidden = false;
    $("upload-name").textContent = file.name + "（" + (file.size / 1e6).toFixed(2) + " MB）";
    bar.value = 0;
    stage.textContent = "正在上传…";
    const form = new FormData();
    form.append("file", file);
    const xhr = new XMLHttpRequest();
    let poll = null;
    xhr.open("POST", "/api/issues");
    xhr.setRequestHeader("X-CSRF-Token", BB.csrfToken || "");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (ev) => {
      if (ev.lengthComputable) bar.value = Math.round((ev.loaded / ev.total) * 50);
    });
    xhr.upload.addEventListener("load", () => {
      stage.textContent = "上传完成，正在解析和索引…";
      poll = setInterval(async () => {
        try {
          const p = await api("GET", "/api/progress");
          if (p.active && p.total) {
            const share = { parse: 0, embed: 0.1, index: 0.9 }[p.stage] ?? 0;
            const span = { parse: 0.1, embed: 0.8, index: 0.1 }[p.stage] ?? 0;
            bar.value = Math.max(bar.value, Math.round(50 + 50 * (share + span * Math.min(1, p.done / p.total))));
            stage.textContent = "正在" + (STAGES[p.stage] || p.stage) + "（" + p.done + "/" + p.total + "）…";
          }
        } catch (e) { /* the upload's own answer tells */ }
      }, 400);
    });
    xhr.addEventListener("loadend", () => {
      if (poll) clearInterval(poll);
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      if (xhr.status === 200 && data) {
        bar.value = 100;
        stage.textContent = "完成";
        showResult(result, true, data.message);
        refresh();
      } else {
        stage.textContent = "失败";
        showResult(result, false, (data && data.message) || (xhr.status ? "上传失败（" + xhr.status + "）" : "连不上服务器，请检查网络后重试。"));
      }
    });
    xhr.send(form);
  }

  async function reindex() {
    if (!confirm("用语料目录里的全部文件重建索引？期间可以照常提问。")) return;
    const button = $("reindex");
    button.disabled = true;
    button.textContent = "正在重建…";
    try {
      await api("POST", "/api/reindex");
      for (;;) {
        await new Promise((done) => setTimeout(done, 1000));
        const p = await api("GET", "/api/progress");
        if (p.active) {
          if (p.total) button.textContent = "正在" + (STAGES[p.stage] || p.stage) + "（" + p.done + "/" + p.total + "）…";
          continue;
        }
        if (p.error) showResult($("reindex-result"), false, p.error.message);
        else showResult($("reindex-result"), true, (p.result && p.result.message) || "索引已重建。");
        break;
      }
    } catch (e) {
      showResult($("reindex-result"), false, e.message);
    } finally {
      button.disabled = false;
      button.textContent = "重建索引";
      refresh();
    }
  }

  async function start() {
    const who = await me();
    BB.csrfToken = who.csrf;
    $("who").textContent = who.open ? "本机（未配置用户）" : who.name;
    $("logout").hidden = who.via !== "session";
    $("logout").addEventListener("click", BB.logout);
    const drop = $("drop");
    ["dragenter", "dragover"].forEach((t) => drop.addEventListener(t, (ev) => { ev.preventDefault(); drop.classList.add("over"); }));
    ["dragleave", "drop"].forEach((t) => drop.addEventListener(t, (ev) => { ev.preventDefault(); drop.classList.remove("over"); }));
    drop.addEventListener("drop", (ev) => { const f = ev.dataTransfer.files[0]; if (f) upload(f); });
    drop.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); $("file").click(); } });
    $("file").addEventListener("change", () => { const f = $("file").files[0]; if (f) upload(f); $("file").value = ""; });
    $("reindex").addEventListener("click", reindex);
    await refresh();
    document.body.dataset.ready = "1";
  }

  start().catch((e) => { document.body.dataset.ready = "error"; showResult($("upload-result"), false, e.message); });
})();
