/* Small progressive enhancements of the portal's forms. Everything works without them. */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    // A form that came back with errors: move focus to the summary so it is read out.
    var summary = document.querySelector(".error-summary");
    if (summary) summary.focus();

    // One tap, one send: disable the submit button once the form is on its way (the hidden
    // idempotency key already makes a second send harmless; this spares the wait).
    document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      form.addEventListener("submit", function () {
        form.querySelectorAll("button[type=submit]").forEach(function (button) {
          button.dataset.label = button.textContent;
          window.setTimeout(function () {
            button.disabled = true;
            button.textContent = "Saving…";
          }, 0);
        });
      });
    });

    // Back to a sent form (the browser's page cache): make its button usable again.
    window.addEventListener("pageshow", function (event) {
      if (!event.persisted) return;
      document.querySelectorAll("form[data-submit-once] button[type=submit]").forEach(function (b) {
        b.disabled = false;
        if (b.dataset.label) b.textContent = b.dataset.label;
      });
    });

    // "I did not do this exercise today" folds the exercise's questions away.
    document.querySelectorAll("[data-entry]").forEach(function (entry) {
      var box = entry.querySelector(".skip input[type=checkbox]");
      if (!box) return;
      var sync = function () { entry.classList.toggle("is-skipped", box.checked); };
      box.addEventListener("change", sync);
      sync();
    });
  });
})();
