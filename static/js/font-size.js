/*
 * Text size: "smaller" and "larger" buttons, remembered across pages in localStorage.
 *
 * Loaded in <head> without `defer`, so the saved size is applied before the first
 * paint (no flash of the default size). The server's HTML is the same for every
 * visitor: the buttons are added here, so visitors without JavaScript see no dead
 * buttons and use their browser's zoom instead. It also marks <html> with `has-js`,
 * which the stylesheet uses to hide controls that only the no-JavaScript flow needs.
 */
(function () {
  "use strict";

  var KEY = "insr-text-size";
  var MIN = -1; // 16px
  var MAX = 3; // 24px; 0 is the site's default of 18px (see site.css)
  var root = document.documentElement;

  root.classList.add("has-js");

  function clamp(step) {
    return Math.min(MAX, Math.max(MIN, step));
  }

  function saved() {
    try {
      var step = parseInt(window.localStorage.getItem(KEY), 10);
      return isNaN(step) ? 0 : clamp(step);
    } catch (error) {
      return 0; // storage blocked: the default size
    }
  }

  function current() {
    var step = parseInt(root.getAttribute("data-text-size"), 10);
    return isNaN(step) ? 0 : step;
  }

  function apply(step) {
    if (step === 0) {
      root.removeAttribute("data-text-size");
    } else {
      root.setAttribute("data-text-size", String(step));
    }
    syncButtons();
  }

  function remember(step) {
    try {
      if (step === 0) {
        window.localStorage.removeItem(KEY);
      } else {
        window.localStorage.setItem(KEY, String(step));
      }
    } catch (error) {
      // Not remembered, but still applied to this page.
    }
  }

  // aria-disabled rather than disabled, so a focused button keeps focus at the limit.
  function syncButtons() {
    var step = current();
    var buttons = document.querySelectorAll("[data-text-size-change]");
    for (var i = 0; i < buttons.length; i++) {
      var change = parseInt(buttons[i].getAttribute("data-text-size-change"), 10);
      var atLimit = change < 0 ? step <= MIN : step >= MAX;
      buttons[i].setAttribute("aria-disabled", atLimit ? "true" : "false");
    }
  }

  function button(change, symbol, label) {
    var element = document.createElement("button");
    element.type = "button";
    element.className = "text-size-button";
    element.setAttribute("data-text-size-change", String(change));
    var visible = document.createElement("span");
    visible.setAttribute("aria-hidden", "true");
    visible.textContent = symbol;
    var name = document.createElement("span");
    name.className = "visually-hidden";
    name.textContent = label;
    element.append(visible, name);
    return element;
  }

  function build() {
    var slot = document.querySelector("[data-text-size-slot]");
    // Already there when htmx restored a page from its history cache.
    if (!slot || slot.querySelector(".text-size")) {
      syncButtons();
      return;
    }
    var group = document.createElement("div");
    group.className = "text-size";
    group.setAttribute("role", "group");
    group.setAttribute("aria-labelledby", "text-size-label");
    var label = document.createElement("span");
    label.id = "text-size-label";
    label.className = "text-size-label";
    label.textContent = "Text size";
    group.append(label, button(-1, "A\u2212", "Smaller text"), button(1, "A+", "Larger text"));
    slot.append(group);
    syncButtons();
  }

  apply(saved());

  document.addEventListener("DOMContentLoaded", build);
  document.addEventListener("htmx:historyRestore", build);

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-text-size-change]") : null;
    if (!target || target.getAttribute("aria-disabled") === "true") {
      return;
    }
    var step = clamp(current() + parseInt(target.getAttribute("data-text-size-change"), 10));
    apply(step);
    remember(step);
  });

  // Another tab changed the size: follow it.
  window.addEventListener("storage", function (event) {
    if (event.key === KEY) {
      apply(saved());
    }
  });
})();
