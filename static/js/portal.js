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

    // The safety answer never waits for the network: ticking a red-flag symptom shows what to
    // do at once (emergency wins over urgent), from the levels the page carries on its boxes.
    document.querySelectorAll("[data-symptoms]").forEach(function (group) {
      var boxes = group.querySelectorAll("input[type=checkbox]");
      var answers = group.querySelectorAll("[data-answer]");
      var sync = function () {
        var level = null;
        boxes.forEach(function (box) {
          if (!box.checked || !box.dataset.level) return;
          if (box.dataset.level === "emergency" || level === null) level = box.dataset.level;
        });
        answers.forEach(function (answer) { answer.hidden = answer.dataset.answer !== level; });
      };
      boxes.forEach(function (box) { box.addEventListener("change", sync); });
      sync();
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
