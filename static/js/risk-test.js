// The risk test with htmx: the new result (or the list of what is missing) replaces the
// form the reader submitted from the bottom of, so bring its heading into view and give it
// focus; otherwise the score is above the top of the screen.
(function () {
  "use strict";
  document.addEventListener("htmx:afterSettle", function (event) {
    // Only the test's own form: a glossary popover on this page must not make it jump.
    var source = event.detail && event.detail.elt;
    if (!source || !source.matches || !source.matches(".risk-form")) {
      return;
    }
    var outcome = document.querySelector("#risk-result, #risk-test .form-errors");
    if (outcome) {
      outcome.scrollIntoView({ block: "start" });
      outcome.focus({ preventScroll: true });
    }
  });
})();
