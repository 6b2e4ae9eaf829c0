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
  function fallBehind(box) {
    box.dataset.behind = "1";
    const note = box.querySelector(".behind-note");
    if (note) note.hidden = false;
  }
  function isBox(el) {
    return !!(el && el.hasAttribute && el.hasAttribute("data-keeps-choices"));
  }
  document.addEventListener("htmx:confirm", function (event) {
    const box = event.target;
    if (!isBox(box) || event.detail.verb !== "get" || !unconfirmed(box)) return;
    event.preventDefault();
    fallBehind(box);
  });
  // A refresh already on its way when the choice was made (a field typed in while the
  // request travelled) is not put in: it would throw the choice away, or put back the
  // answer of a request that left before the choice was saved.
  document.addEventListener("htmx:beforeSwap", function (event) {
    const request = event.detail.requestConfig;
    const box = request ? request.elt : null;
    if (!isBox(box) || request.verb !== "get" || !unconfirmed(box)) return;
    event.detail.shouldSwap = false;
    fallBehind(box);
  });
  // Saving a choice stops a refresh on its way: the refresh may have been read before the
  // save, and its answer, arriving last, would put the old value back over the saved one.
  // The save's own answer is the box as it is now (a save answered elsewhere stops nothing).
  document.addEventListener("htmx:beforeRequest", function (event) {
    const request = event.detail.requestConfig;
    const box = request ? request.target : null;
    if (!isBox(box) || box === request.elt || request.verb === "get") return;
    if (window.htmx) window.htmx.trigger(box, "htmx:abort");
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
