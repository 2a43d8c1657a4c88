"use strict";

(() => {
  const form = document.getElementById("login-form");
  const next = new URLSearchParams(location.search).get("next");
  const target = next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const error = document.getElementById("login-error");
    error.textContent = "";
    document.getElementById("login-button").disabled = true;
    try {
      await BB.api("POST", "/api/login", { name: form.name.value, password: form.password.value });
      location.href = target;
    } catch (e) {
      error.textContent = e.message;
    } finally {
      document.getElementById("login-button").disabled = false;
    }
  });
  document.body.dataset.ready = "1";
})();
