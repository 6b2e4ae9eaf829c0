// Keyboard for the curation queue: j/k move between rows, a approves, r goes to the reason box.
(function () {
  "use strict";
  function rows() { return Array.from(document.querySelectorAll(".cur-row:not(.is-decided)")); }
  document.addEventListener("keydown", function (event) {
    const tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || event.ctrlKey || event.metaKey || event.altKey) return;
    const list = rows();
    if (!list.length) return;
    const current = event.target.closest ? event.target.closest(".cur-row") : null;
    const index = current ? list.indexOf(current) : -1;
    if (event.key === "j" || event.key === "k") {
      const next = list[Math.max(0, Math.min(list.length - 1, index + (event.key === "j" ? 1 : -1)))];
      next.focus();
      next.scrollIntoView({ block: "nearest" });
      event.preventDefault();
    } else if ((event.key === "a" || event.key === "r") && current) {
      const target = current.querySelector("[data-key='" + event.key + "']");
      if (target) { event.key === "a" ? target.click() : target.focus(); event.preventDefault(); }
    }
  });
})();
