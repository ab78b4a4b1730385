/*
 * Keeps a copy of the variant body in this browser while an editor types, so that
 * nothing written is lost to a closed tab, a crash, an ended session or an expired
 * form. When the form opens with text different from the copy, the editor is
 * offered the copy back; when it opens with the same text and no errors (it was
 * saved), the copy is forgotten. Loaded only on the variant form in admin.
 */
(function () {
  "use strict";

  var LAST_SENT = "insr-draft:last-sent";

  function storage(action, key, value) {
    try {
      return window.localStorage[action](key, value);
    } catch (error) {
      return null; // storage blocked: the form still works, only without the safety copy
    }
  }

  // Any admin page that confirms a save ("was changed successfully", "Published: …")
  // means the text last sent arrived: forget its copy, wherever the save led.
  if (document.querySelector(".messagelist .success")) {
    var sentKey = storage("getItem", LAST_SENT);
    if (sentKey) {
      storage("removeItem", sentKey);
      storage("removeItem", LAST_SENT);
    }
  }

  var body = document.getElementById("id_body");
  if (!body) {
    return;
  }
  var KEY = "insr-draft:" + window.location.pathname;
  var timer = null;

  // As the server stores text (topics.rendering.normalise_text): LF line endings, no
  // trailing spaces, no blank lines at either end. Without this, a saved text that the
  // server tidied would look unsaved and be offered back.
  function normalise(text) {
    return text
      .replace(/\r\n?/g, "\n")
      .split("\n")
      .map(function (line) { return line.replace(/\s+$/, ""); })
      .join("\n")
      .replace(/^\n+|\n+$/g, "");
  }

  function read() {
    try {
      return JSON.parse(window.localStorage.getItem(KEY));
    } catch (error) {
      return null; // storage blocked or the entry unreadable: nothing to offer
    }
  }

  function write(value) {
    try {
      if (value === null) {
        window.localStorage.removeItem(KEY);
      } else {
        window.localStorage.setItem(KEY, JSON.stringify(value));
      }
    } catch (error) {
      // Storage full or blocked: the form still works, only without the safety copy.
    }
  }

  function offer(draft) {
    var when = new Date(draft.savedAt);
    var list = document.createElement("ul");
    list.className = "messagelist draft-offer";
    var item = document.createElement("li");
    item.className = "warning";
    item.setAttribute("role", "status");
    item.appendChild(
      document.createTextNode(
        draft.sent
          ? "This browser kept the text you sent from this form on " + when.toLocaleString() +
              ". If it was not saved (for example because you had been signed out), you can put it back. "
          : "This browser kept text you typed here on " + when.toLocaleString() + " that was not saved. "
      )
    );
    var restore = document.createElement("button");
    restore.type = "button";
    restore.className = "button";
    restore.textContent = "Put that text back";
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "button";
    discard.textContent = "Forget it";
    item.appendChild(restore);
    item.appendChild(document.createTextNode(" "));
    item.appendChild(discard);
    list.appendChild(item);
    body.form.parentNode.insertBefore(list, body.form);

    restore.addEventListener("click", function () {
      body.value = draft.text;
      // Let the live grade panel (htmx) and anything else listening see the change.
      body.dispatchEvent(new Event("input", { bubbles: true }));
      list.remove();
      body.focus();
    });
    discard.addEventListener("click", function () {
      write(null);
      list.remove();
    });
  }

  var draft = read();
  if (draft && typeof draft.text === "string") {
    if (normalise(draft.text) !== normalise(body.value)) {
      offer(draft);
    } else if (!document.querySelector(".errornote")) {
      write(null); // the server has exactly what was typed
    }
  }

  body.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      write({ text: body.value, savedAt: Date.now(), sent: false });
    }, 400);
  });
  // Kept until a later visit shows the text saved: sending can still fail.
  body.form.addEventListener("submit", function () {
    window.clearTimeout(timer);
    write({ text: body.value, savedAt: Date.now(), sent: true });
    storage("setItem", LAST_SENT, KEY);
  });
})();
