// Live query check: asks /api/query-check and shows the error under the field, at its column.
"use strict";
function attachQueryCheck(input) {
  const out = document.getElementById(input.dataset.queryCheck);
  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (!input.value.trim()) { out.textContent = ""; return; }
      const answer = await fetch("/api/query-check?q=" + encodeURIComponent(input.value));
      const check = await answer.json();
      out.className = "query-check " + (check.ok ? "good" : "bad");
      out.textContent = check.ok ? "Query OK" : check.pretty;
    }, 250);
  });
}
document.querySelectorAll("[data-query-check]").forEach(attachQueryCheck);

// Digest times: a blank time zone field gets the browser's own zone (the reader can change it).
function fillBrowserTimezone(input) {
  if (!input.value) input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
}
document.querySelectorAll("[data-browser-timezone]").forEach(fillBrowserTimezone);
