// What the reply box's two pickers share (macros.js, mentions.js): a list of options of which
// one is marked (aria-selected, and named by the field that owns the list as its active
// descendant), the arrow keys moving the mark, and the options fetched for what was typed.
(function () {
  "use strict";

  function options(list, selector) { return Array.from(list.querySelectorAll(selector)); }

  function marked(items) {
    return items.findIndex(function (o) { return o.getAttribute("aria-selected") === "true"; });
  }

  function mark(items, option, owner) {
    items.forEach(function (o) { o.setAttribute("aria-selected", o === option ? "true" : "false"); });
    owner.setAttribute("aria-activedescendant", option.id);
    option.scrollIntoView({ block: "nearest" });
  }

  // One step down (1) or up (-1), stopping at either end.
  function move(items, owner, step) {
    if (!items.length) return;
    mark(items, items[Math.max(0, Math.min(items.length - 1, marked(items) + step))], owner);
  }

  // The options' HTML, as an htmx request would get it.
  function fetchOptions(url) {
    return fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); });
  }

  window.VigilListbox = { options: options, marked: marked, mark: mark, move: move, fetchOptions: fetchOptions };
})();
