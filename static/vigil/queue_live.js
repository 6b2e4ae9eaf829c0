// Keeps the queue current: its websocket says which ticket of the user's teams changed (created,
// reopened, reassigned, a new message, a status...), and the list is fetched again with the
// page's own filters, through the same access checks as any page, at most every MIN_GAP_MS.
// Rows that changed flash once. While tickets are ticked or a saved view is being edited, the
// refresh would throw that away: a notice offers it instead.
(function () {
  "use strict";
  const LABELS = { connecting: "connecting…", live: "live", offline: "offline, reconnecting…", denied: "not live" };
  const MIN_GAP_MS = 1500;
  let changed = new Set(), timer = null, lastAt = 0;

  function setState(state) {
    const el = document.getElementById("live-status");
    if (el) { el.dataset.state = state; el.textContent = LABELS[state]; }
  }

  function busy() {
    if (document.querySelector("#bulk-form .bulk-one:checked")) return true;
    if (document.querySelector("#saved-views details[open]")) return true;
    const active = document.activeElement;
    return !!(active && active.closest && active.matches("input, select, textarea")
      && active.closest("#saved-views, .bulk-bar"));
  }

  function row(id) {
    return document.querySelector('table.queue tr[data-ticket="' + id + '"]');
  }

  function refresh() {
    const ids = Array.from(changed);
    changed = new Set();
    lastAt = Date.now();
    document.getElementById("queue-updates").hidden = true;
    const chosen = document.querySelector("table.queue tr.is-chosen");
    const chosenId = chosen ? chosen.dataset.ticket : null;
    const hadFocus = chosen && chosen.contains(document.activeElement);
    window.htmx.ajax("GET", location.pathname + location.search,
      { target: "#queue-results", swap: "outerHTML" }).then(function () {
      ids.forEach(function (id) {
        const r = row(id);
        if (r) r.classList.add("row-updated");
      });
      const again = chosenId && row(chosenId);
      if (again) {
        again.classList.add("is-chosen");
        const link = again.querySelector(".col-subject a");
        if (hadFocus && link) link.focus({ preventScroll: true });
      }
      const announce = document.getElementById("queue-announce");
      if (announce && ids.length) {
        announce.textContent = ids.length === 1 ? "Ticket #" + ids[0] + " changed." : ids.length + " tickets changed.";
      }
    });
  }

  function schedule() {
    if (timer) return;
    timer = setTimeout(function () {
      timer = null;
      if (busy()) { document.getElementById("queue-updates").hidden = false; return; }
      refresh();
    }, Math.max(250, lastAt + MIN_GAP_MS - Date.now()));
  }

  document.addEventListener("click", function (event) {
    if (event.target.id === "queue-refresh") refresh();
  });

  function start(root) {
    let opened = false;
    window.VigilSocket.keep(root.dataset.queueLiveUrl, {
      connecting: function () { setState("connecting"); },
      open: function () {
        setState("live");
        // Back after a break: what changed meanwhile was not heard; fetch the list once.
        if (opened) schedule();
        opened = true;
      },
      message: function (data) {
        if (data.type === "queue") {
          changed.add(String(data.ticket));
          schedule();
        }
      },
      close: function (event, denied) { setState(denied ? "denied" : "offline"); },
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    const root = document.querySelector("[data-queue-live-url]");
    if (root && window.htmx) start(root);
  });
})();
