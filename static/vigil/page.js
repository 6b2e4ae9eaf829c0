// Small behaviours of every page. They live here, not in the markup: the Content-Security-Policy
// refuses inline scripts and event handlers.
(function () {
  "use strict";
  // A private link shown for copying: one click selects all of it.
  document.addEventListener("click", function (event) {
    const field = event.target.closest ? event.target.closest(".copy-field") : null;
    if (field) field.select();
  });
  // The rating box refreshes itself when the ticket changes; not while the customer is
  // choosing or writing in it, which would throw their choice and comment away.
  document.addEventListener("htmx:confirm", function (event) {
    const box = event.target;
    if (box.id !== "rating-box" || event.detail.verb !== "get") return;
    if (box.contains(document.activeElement) || box.dataset.editing === "1") event.preventDefault();
  });
  document.addEventListener("input", function (event) {
    const box = event.target.closest ? event.target.closest("#rating-box") : null;
    if (box) box.dataset.editing = "1";
  });

  // A part of a ticket's page that refreshes itself when the ticket changes (the side panel,
  // the copilot's panel) waits while it holds a choice not confirmed yet: a list moved, a
  // field typed in, its button not pressed. Refreshing would throw the choice away. It says
  // the ticket changed meanwhile, and refreshes once the choice is confirmed (the form's
  // answer replaces it) or put back.
  function changedField(field) {
    if (field.tagName === "SELECT") {
      if (field.multiple) return false;
      const options = Array.from(field.options);
      const first = options.findIndex(function (o) { return o.defaultSelected; });
      return field.selectedIndex !== (first === -1 ? 0 : first);
    }
    if (field.type === "checkbox" || field.type === "radio") return field.checked !== field.defaultChecked;
    if (field.type === "hidden" || field.type === "submit" || field.type === "button") return false;
    return field.value !== field.defaultValue;
  }
  function unconfirmed(box) {
    return Array.from(box.querySelectorAll("select, input, textarea")).some(changedField);
  }
  document.addEventListener("htmx:confirm", function (event) {
    const box = event.target;
    if (!box.hasAttribute || !box.hasAttribute("data-keeps-choices")) return;
    if (event.detail.verb !== "get" || !unconfirmed(box)) return;
    event.preventDefault();
    box.dataset.behind = "1";
    const note = box.querySelector(".behind-note");
    if (note) note.hidden = false;
  });
  function catchUpIfPutBack(event) {
    const box = event.target.closest ? event.target.closest("[data-keeps-choices]") : null;
    if (!box || box.dataset.behind !== "1" || unconfirmed(box)) return;
    delete box.dataset.behind;
    if (window.htmx) window.htmx.trigger(box, "vigil:refresh");
  }
  document.addEventListener("change", catchUpIfPutBack);
  document.addEventListener("input", catchUpIfPutBack);

  // What a person just asked for (a summary; the reply box again when a reply was refused) is
  // marked by the response: focus moves there, so a screen reader reads it at once.
  function focusArrival() {
    const el = document.querySelector("[data-focus-on-arrival]");
    if (!el) return;
    el.removeAttribute("data-focus-on-arrival");
    el.focus();
  }
  document.addEventListener("DOMContentLoaded", focusArrival);
  document.addEventListener("htmx:afterSettle", focusArrival);
})();
