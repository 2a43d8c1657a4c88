/* Shared by every page: the API client (JSON errors, CSRF header) and DOM helpers.
   Text from the corpus only ever goes into textContent, never into HTML. */
"use strict";

const BB = (() => {
  let csrf = null;

  class ApiError extends Error {
    constructor(status, code, message) { super(message); this.status = status; this.code = code; }
  }

  async function api(method, url, body) {
    const headers = { "Accept": "application/json" };
    const init = { method, headers, credentials: "same-origin" };
    if (method !== "GET") {
      if (csrf) headers["X-CSRF-Token"] = csrf;
      if (body instanceof FormData) init.body = body;
      else if (body !== undefined) { headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
    }
    let res;
    try { res = await fetch(url, init); } catch (e) { throw new ApiError(0, "network", "连不上服务器，请检查网络后重试。"); }
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    if (!res.ok) {
      if (res.status === 401 && !url.endsWith("/api/login")) { location.href = "/login?next=" + encodeURIComponent(location.pathname); }
      throw new ApiError(res.status, (data && data.code) || "http_" + res.status, (data && data.message) || ("请求失败（" + res.status + "）"));
    }
    return data;
  }

  async function me() {
    const who = await api("GET", "/api/me");
    csrf = who.csrf;
    return who;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  /* 《党史工作动态》2021年第1期（2021-01-08）: the same wording as the command line and the bot. */
  function issueLabel(c) {
    const name = c.issue_title || c.title ? "《" + (c.issue_title || c.title) + "》" : (c.publisher || "简报") + " ";
    const number = c.issue_number || c.number, date = c.issue_date || c.date;
    if (number && date) return name + number + "（" + date + "）";
    return (name + (number || "") + (date || "")).trim();
  }

  function citationText(c) {
    return issueLabel(c) + "·【" + c.section + "】·" + c.article_title + (c.source ? "（" + c.source + "供稿）" : "");
  }

  async function logout() {
    try { await api("POST", "/api/logout"); } catch (e) { /* already gone */ }
    location.href = "/login";
  }

  return { api, me, el, issueLabel, citationText, logout, ApiError };
})();
