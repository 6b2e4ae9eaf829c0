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
