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

  // On the home page a new persona keeps the same address ("/"). Pushing it again would
  // add a Back step that changes nothing (htmx keys its history cache by URL), so the
  // entry is replaced instead. htmx documents this event as the place to change it.
  document.addEventListener("htmx:beforeHistoryUpdate", function (event) {
    var update = event.detail && event.detail.history;
    if (update && update.type === "push" && update.path === window.location.pathname + window.location.search) {
      update.type = "replace";
    }
  });

  // The article's swap brings no <title>: take the new one from the article itself.
  document.addEventListener("htmx:afterSettle", function () {
    var article = document.querySelector("article[data-title]");
    if (article) {
      document.title = article.getAttribute("data-title");
    }
  });
})();
