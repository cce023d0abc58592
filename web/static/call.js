// The Call button: one click, one call. Submitting a call form disables its button, and
// a second submit of the same form (a double click, Enter pressed twice) is dropped.
// The server refuses a second call to the customer while the first is under way, too.
(function () {
  "use strict";
  if (window.clientflowCallGuard) { return; }  // the script may be included more than once
  window.clientflowCallGuard = true;
  function setBusy(form, busy) {
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.disabled = busy;
      if (busy) { button.setAttribute("aria-busy", "true"); } else { button.removeAttribute("aria-busy"); }
    });
    if (busy) { form.dataset.sending = "1"; } else { delete form.dataset.sending; }
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("call")) { return; }
    if (form.dataset.sending) { event.preventDefault(); return; }
    setBusy(form, true);
  });
  // Back to a page the browser kept in memory: its buttons must work again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form.call[data-sending]").forEach(function (form) {
      setBusy(form, false);
    });
  });
})();
