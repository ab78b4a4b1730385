// A page opened from a "Patient version, ready to print" link (?print=1) opens the
// print dialog once it has loaded. Without JavaScript the page simply opens.
(function () {
  "use strict";
  if (new URLSearchParams(window.location.search).get("print") === "1") {
    window.addEventListener("load", function () {
      window.print();
    });
  }
})();
