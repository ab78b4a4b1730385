// "Print or save" buttons (none without JavaScript); ?print=1 opens the print dialog.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-print-slot]:empty").forEach(function (slot) {
      slot.innerHTML = '<button type="button" class="button print-button">Print or save</button>';
    });
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest(".print-button")) {
      window.print();
    }
  });
  if (new URLSearchParams(window.location.search).get("print") === "1") {
    window.addEventListener("load", function () {
      window.print();
    });
  }
})();
