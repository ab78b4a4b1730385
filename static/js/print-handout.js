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
  // Printed pages show what is one tap away on screen: the trust panel's steps and dates.
  var opened = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.trust-panel:not([open])").forEach(function (details) {
      details.open = true;
      opened.push(details);
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (details) {
      details.open = false;
    });
    opened = [];
  });
  if (new URLSearchParams(window.location.search).get("print") === "1") {
    window.addEventListener("load", function () {
      window.print();
    });
  }
})();
