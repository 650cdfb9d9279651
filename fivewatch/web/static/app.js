// Live query check: asks /api/query-check and shows the error under the field, at its column,
// or the warnings of a valid query that probably means something else, with the suggestion.
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
      const warned = check.ok && check.warnings.length > 0;
      out.className = "query-check " + (warned ? "warn" : check.ok ? "good" : "bad");
      out.textContent = !check.ok ? check.pretty : !warned ? "Query OK" : "";
      if (warned) check.warnings.forEach((w) => out.append(warningLine(w, input.id)));
    }, 250);
  });
}
document.querySelectorAll("[data-query-check]").forEach(attachQueryCheck);

// A warning with its suggestion as a button (the server renders the same, _query_warnings.html).
function warningLine(warning, fieldId) {
  const line = document.createElement("span");
  line.className = "warning-line";
  const button = document.createElement("button");
  Object.assign(button, { type: "button", className: "use-suggestion" });
  Object.assign(button.dataset, { suggestion: warning.suggestion, suggestionFor: fieldId });
  button.textContent = `Use: ${warning.suggestion}`;
  line.append(`Warning: ${warning.message}. `, button);
  return line;
}

// One click puts the suggested query into its field, which is then checked again.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-suggestion]");
  const field = button && document.getElementById(button.dataset.suggestionFor);
  if (!field) return;
  field.value = button.dataset.suggestion;
  field.dispatchEvent(new Event("input"));
  button.closest(".query-warnings")?.remove();
  field.focus();
});

// Digest times: a blank time zone field gets the browser's own zone (the reader can change it).
function fillBrowserTimezone(input) {
  if (!input.value) input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
}
document.querySelectorAll("[data-browser-timezone]").forEach(fillBrowserTimezone);
