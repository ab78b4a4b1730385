/*
 * Glossary words in articles as disclosures. Each `a.glossary-link` becomes a
 * button (aria-expanded, aria-controls) that shows the word's definition right
 * below it, fetched from the glossary as an htmx fragment; Escape closes it and
 * puts focus back on the word. Without JavaScript the link opens the glossary page.
 */
(function () {
  "use strict";

  var made = 0;

  function uniqueId(base) {
    var id;
    do {
      made += 1;
      id = "glossary-" + base + "-" + made;
    } while (document.getElementById(id));
    return id;
  }

  function enhance(scope) {
    var links = (scope || document).querySelectorAll("a.glossary-link[href]");
    for (var i = 0; i < links.length; i++) {
      var link = links[i];
      var href = link.getAttribute("href");
      var slug = href.split("/").filter(Boolean).pop() || "term";
      var button = document.createElement("button");
      button.type = "button";
      button.className = "glossary-term";
      button.textContent = link.textContent;
      button.setAttribute("data-href", href);
      button.setAttribute("aria-expanded", "false");
      var panel = document.createElement("span");
      panel.className = "glossary-popover";
      panel.id = uniqueId(slug);
      panel.hidden = true;
      button.setAttribute("aria-controls", panel.id);
      link.replaceWith(button);
      placeAfterSentence(button, panel);
    }
  }

  // The definition opens below the sentence that uses the word, so the sentence is
  // never split; it is the next thing a screen reader reaches after that sentence.
  function placeAfterSentence(button, panel) {
    for (var node = button.nextSibling; node; node = node.nextSibling) {
      if (node.nodeType === Node.TEXT_NODE) {
        var end = node.data.search(/[.!?:;](\s|$)/);
        if (end !== -1) {
          node.splitText(end + 1);
          node.after(panel);
          return;
        }
      }
    }
    button.parentNode.append(panel);
  }

  function line(className, text) {
    var span = document.createElement("span");
    span.className = className;
    span.textContent = text;
    return span;
  }

  function moreLink(button) {
    var link = document.createElement("a");
    link.className = "glossary-more";
    link.href = button.getAttribute("data-href");
    link.textContent = "Open \u201c" + button.textContent + "\u201d in the glossary";
    return link;
  }

  function fill(button, panel, html) {
    var fragment = new DOMParser().parseFromString(html, "text/html");
    var paragraphs = fragment.querySelectorAll(".definition p");
    if (!paragraphs.length) {
      throw new Error("no definition in the response");
    }
    panel.replaceChildren();
    for (var i = 0; i < paragraphs.length; i++) {
      panel.append(line("glossary-text", paragraphs[i].textContent.trim()));
    }
    panel.append(moreLink(button));
    panel.setAttribute("data-loaded", "true");
  }

  function load(button, panel) {
    panel.replaceChildren(line("glossary-text", "Loading the definition\u2026"));
    fetch(button.getAttribute("data-href"), { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        fill(button, panel, html);
      })
      .catch(function () {
        panel.replaceChildren(line("glossary-text", "The definition could not be loaded."), moreLink(button));
      });
  }

  function panelFor(button) {
    return document.getElementById(button.getAttribute("aria-controls"));
  }

  function open(button) {
    var panel = panelFor(button);
    if (!panel) {
      return;
    }
    button.setAttribute("aria-expanded", "true");
    panel.hidden = false;
    if (!panel.hasAttribute("data-loaded")) {
      load(button, panel);
    }
  }

  function close(button) {
    var panel = panelFor(button);
    button.setAttribute("aria-expanded", "false");
    if (panel) {
      panel.hidden = true;
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.glossary-term") : null;
    if (!button) {
      return;
    }
    if (button.getAttribute("aria-expanded") === "true") {
      close(button);
    } else {
      open(button);
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !document.activeElement) {
      return;
    }
    var focused = document.activeElement;
    var button = focused.closest("button.glossary-term");
    if (!button) {
      var panel = focused.closest(".glossary-popover");
      button = panel ? document.querySelector('[aria-controls="' + panel.id + '"]') : null;
    }
    if (button && button.getAttribute("aria-expanded") === "true") {
      close(button);
      button.focus();
      event.preventDefault();
    }
  });

  enhance(document);
  // Articles swapped in by the persona switcher bring fresh links.
  document.addEventListener("htmx:load", function (event) {
    enhance(event.target);
  });
})();
