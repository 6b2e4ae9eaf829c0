// Keyboard for the ticket queue and the ticket page. In the queue: j/k move between tickets,
// Enter or o opens the chosen one. On a ticket: r goes to the reply box, e resolves. Anywhere:
// ? shows these keys. Keys typed into a field are the field's.
(function () {
  "use strict";
  const HELP = [
    ["j / k", "next / previous ticket in the queue"],
    ["Enter or o", "open the chosen ticket"],
    ["r", "reply (on a ticket)"],
    ["e", "resolve (on a ticket)"],
    ["?", "show or hide these keys"],
  ];

  function rows() { return Array.from(document.querySelectorAll("table.queue tbody tr")); }

  function choose(list, index) {
    list.forEach(function (row) { row.classList.remove("is-chosen"); });
    const row = list[index];
    row.classList.add("is-chosen");
    row.scrollIntoView({ block: "nearest" });
    const link = row.querySelector(".col-subject a");
    if (link) link.focus({ preventScroll: true });
  }

  function toggleHelp() {
    let box = document.getElementById("key-help");
    if (box) { box.remove(); return; }
    box = document.createElement("div");
    box.id = "key-help";
    box.className = "key-help";
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-label", "Keyboard shortcuts");
    const title = document.createElement("h2");
    title.textContent = "Keys";
    box.appendChild(title);
    const list = document.createElement("dl");
    HELP.forEach(function (item) {
      const key = document.createElement("dt");
      key.textContent = item[0];
      const what = document.createElement("dd");
      what.textContent = item[1];
      list.appendChild(key);
      list.appendChild(what);
    });
    box.appendChild(list);
    document.body.appendChild(box);
  }

  document.addEventListener("keydown", function (event) {
    const tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || event.target.isContentEditable) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (document.querySelector(".cur-row")) return;  // the curation queue has keys of its own
    if (event.key === "?") { toggleHelp(); event.preventDefault(); return; }
    if (event.key === "Escape") { const box = document.getElementById("key-help"); if (box) box.remove(); return; }
    const list = rows();
    if (list.length && (event.key === "j" || event.key === "k")) {
      const current = list.findIndex(function (row) { return row.classList.contains("is-chosen"); });
      const step = event.key === "j" ? 1 : -1;
      const next = current < 0 ? 0 : Math.max(0, Math.min(list.length - 1, current + step));
      choose(list, next);
      event.preventDefault();
    } else if (list.length && (event.key === "o" || event.key === "Enter")) {
      const chosen = document.querySelector("table.queue tr.is-chosen .col-subject a");
      if (chosen) { chosen.click(); event.preventDefault(); }
    } else if (event.key === "r") {
      const box = document.querySelector("textarea[name=body]");
      if (box) { box.focus(); event.preventDefault(); }
    } else if (event.key === "e") {
      const resolve = document.querySelector(".status-btn-resolved");
      if (resolve) { resolve.click(); event.preventDefault(); }
    }
  });
})();
