/* Tierdesk console: keyboard shortcuts and two small comforts. Everything works without it.
 *
 * Shortcuts never fire while the agent types in a field, nor with Ctrl, Alt or Meta held (those
 * belong to the browser and the screen reader):
 *   g q  the queues        g n  the notifications     /  search the queue
 *   r    write a reply     n    write an internal note  s  change the status
 * Ctrl+Enter (or Cmd+Enter) in a message sends it; Esc leaves a text field.
 * The severity form says so when the chosen level is a downgrade (the customer is told).
 */
(function () {
  "use strict";

  var pendingG = false;
  var pendingTimer = null;

  function isTyping(el) {
    if (!el || el === document.body) return false;
    if (el.isContentEditable) return true;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  function go(url) {
    window.location.assign(url);
  }

  function focusComposer(kind) {
    var radio = document.getElementById("compose-" + kind);
    var field = document.getElementById(kind + "-body");
    if (!radio || !field) return false;
    radio.checked = true;
    field.focus();
    return true;
  }

  function focusById(id) {
    var el = document.getElementById(id);
    if (!el) return false;
    el.focus();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.defaultPrevented || isTyping(event.target)) return;
    var key = event.key;
    if (pendingG) {
      pendingG = false;
      window.clearTimeout(pendingTimer);
      if (key === "q") { event.preventDefault(); go("/"); }
      else if (key === "n") { event.preventDefault(); go("/notifications/"); }
      return;
    }
    var done = false;
    if (key === "g") {
      pendingG = true;
      pendingTimer = window.setTimeout(function () { pendingG = false; }, 1500);
      done = true;
    } else if (key === "/") {
      done = focusById("filter-q");
    } else if (key === "r") {
      done = focusComposer("reply");
    } else if (key === "n") {
      done = focusComposer("note");
    } else if (key === "s") {
      done = focusById("status-status");
    }
    if (done) event.preventDefault();
  });

  // Esc leaves a text field, so the shortcuts work again without reaching for the mouse.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var el = event.target;
    if (el && (el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && el.type !== "search"))) el.blur();
  });

  // Ctrl+Enter sends the message being written.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var form = event.target.closest && event.target.closest("form[data-submit-on-ctrl-enter]");
    if (!form || event.target.tagName !== "TEXTAREA") return;
    event.preventDefault();
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  });

  // A downgrade is announced to the customer: make the note stand out when one is chosen.
  function markDowngrade(select) {
    var form = select.closest("form[data-current-severity]");
    if (!form) return;
    var current = parseInt(form.getAttribute("data-current-severity"), 10);
    form.classList.toggle("is-downgrade", parseInt(select.value, 10) > current);
  }
  document.addEventListener("change", function (event) {
    if (event.target.name === "level") markDowngrade(event.target);
  });
})();
