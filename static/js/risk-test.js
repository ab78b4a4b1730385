// The risk test with htmx: the new result (or the list of what is missing) replaces the
// form the reader submitted from the bottom of, so bring its heading into view; otherwise
// the score is above the top of the screen. After htmx has focused the [autofocus] box
// (that focus scrolls as little as it can, leaving the heading off the top).
(function () {
  "use strict";
  document.addEventListener("htmx:afterSettle", function (event) {
    // Only the test's own swap (#risk-test is what it replaces), never a glossary popover.
    if (!event.target || event.target.id !== "risk-test") {
      return;
    }
    window.setTimeout(function () {
      var outcome = document.querySelector("#risk-result, #risk-test .form-errors");
      if (outcome) {
        outcome.focus({ preventScroll: true });
        outcome.scrollIntoView({ block: "start" });
      }
    }, 0);
  });
})();
