/*
 * The persona switcher with htmx: keeps the radios and the window title in step
 * with the article shown, so that Back and Forward (htmx's history cache) restore
 * a page whose ticked option matches its content.
 */
(function () {
  "use strict";

  var root = document.documentElement;

  if (!window.htmx) {
    // htmx did not load: bring back the form's submit button (see site.css).
    root.classList.add("no-htmx");
    return;
  }

  // htmx snapshots the page (as HTML) just before it swaps in a new persona. The
  // `checked` attributes are what the snapshot keeps, so make them describe the
  // content being saved, then put the reader's live choice back.
  document.addEventListener("htmx:beforeHistorySave", function () {
    var shown = document.querySelector("[data-persona]");
    if (!shown) {
      return;
    }
    var inputs = document.querySelectorAll('.persona-switcher input[name="persona"]');
    var live = null;
    for (var i = 0; i < inputs.length; i++) {
      if (inputs[i].checked) {
        live = inputs[i];
      }
      if (inputs[i].value === shown.getAttribute("data-persona")) {
        inputs[i].setAttribute("checked", "");
      } else {
        inputs[i].removeAttribute("checked");
      }
    }
    if (live) {
      live.checked = true;
    }
  });

  // The snapshot keeps attributes, not what a reader typed: without this, Back to a search
  // shows the results for one query under a box holding another.
  document.addEventListener("htmx:beforeHistorySave", function () {
    document.querySelectorAll('input[type="search"]').forEach(function (input) {
      input.setAttribute("value", input.value);
    });
  });

  // The article's swap brings no <title>: take the new one from the article itself.
  document.addEventListener("htmx:afterSettle", function () {
    var article = document.querySelector("article[data-title]");
    if (article) {
      document.title = article.getAttribute("data-title");
    }
  });
})();
