// Keeps a ticket page current over its websocket: new messages are appended (once, by id, in
// the order of their numbers), and a "changed" event makes htmx refresh the parts that listen
// for it. The server numbers a ticket's messages 1, 2, 3… (data-seq); the page fetches the
// messages after the last number it holds without a hole on every (re)connect, as soon as a
// pushed message's number skips one, and every CHECK_MS in any case (a lost last message shows
// no gap), so a page that stays connected still ends up showing every message.
(function () {
  "use strict";
  const LABELS = { connecting: "connecting…", live: "live", offline: "offline, reconnecting…", denied: "not live" };
  const CHECK_MS = 20000;

  function setState(state) {
    const el = document.getElementById("live-status");
    if (el) { el.dataset.state = state; el.textContent = LABELS[state]; }
  }

  function seqOf(el) {
    return parseInt(el.dataset.seq, 10) || 0;
  }

  function append(id, html) {
    const list = document.getElementById("conversation");
    if (!list || document.getElementById(id)) return;
    const nearBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 200;
    const tpl = document.createElement("template");
    tpl.innerHTML = html.trim();
    const el = tpl.content.firstElementChild;
    if (!el) return;
    list.querySelectorAll(":scope > .empty").forEach((n) => n.remove());
    // A message fetched to fill a gap goes before those numbered after it.
    const seq = seqOf(el);
    const later = seq && Array.prototype.find.call(
      list.querySelectorAll(":scope > li[data-seq]"), function (li) { return seqOf(li) > seq; });
    list.insertBefore(el, later || null);
    el.classList.add("msg--arrived");
    if (window.htmx) window.htmx.process(el);
    if (nearBottom) el.scrollIntoView({ block: "end" });
    document.body.dispatchEvent(new CustomEvent("vigil:message", { detail: { id: id } }));
  }

  // "Insert to edit": once the server has recorded it, the suggestion's text goes into the
  // reply box, ready to be changed. An empty box takes the text; a draft the analyst already
  // typed is kept: the text goes in at the cursor (or after the draft when the box was never
  // focused), a blank line either side, never over it.
  function insertIntoReply(box, text) {
    if (!box.value.trim()) {
      box.value = text;
    } else {
      const at = box.dataset.touched === "1" ? box.selectionEnd : box.value.length;
      const before = box.value.slice(0, at).replace(/\s*$/, "");
      const after = box.value.slice(at).replace(/^\s*/, "");
      const head = before ? before + "\n\n" + text : text;
      box.value = head + (after ? "\n\n" + after : "");
      box.selectionStart = box.selectionEnd = head.length;
    }
    box.dispatchEvent(new Event("input", { bubbles: true }));
    box.focus();
  }
  // The panel is swapped out by the insert's own response, or earlier by the refresh its
  // websocket event triggers; either way the form leaves the page before its request ends, and
  // events on it no longer bubble here. A listener on the form itself still hears it. A refused
  // insert (already sent by a colleague, say) changes nothing in the box.
  document.addEventListener("htmx:beforeRequest", function (event) {
    const form = event.target.closest ? event.target.closest(".insert-form") : null;
    if (!form) return;
    form.addEventListener("htmx:afterRequest", function (done) {
      const box = document.querySelector("#reply-box textarea[name=body]");
      if (box && done.detail.xhr && done.detail.xhr.status === 200) {
        insertIntoReply(box, form.dataset.insertText);
      }
    }, { once: true });
  });
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("#reply-box textarea[name=body]")) {
      event.target.dataset.touched = "1";
    }
  });

  // Messages the page's own form just sent come back in the htmx response as templates. Focus
  // goes to the message sent (the websocket may have brought it first), so a screen reader
  // reads what went out and the keyboard carries on from there, not from the top of the page.
  document.addEventListener("htmx:afterSwap", function () {
    document.querySelectorAll("template.vigil-append").forEach(function (tpl) {
      append(tpl.dataset.id, tpl.innerHTML);
      tpl.remove();
      const sent = document.getElementById(tpl.dataset.id);
      if (sent) {
        sent.setAttribute("tabindex", "-1");
        sent.focus();
      }
    });
  });

  // A piece of an answer the copilot is still writing.
  function appendPiece(suggestionId, text) {
    const box = document.querySelector("#suggestion-" + suggestionId + " .suggestion-text");
    if (!box) return;
    box.querySelectorAll(".writing").forEach((n) => n.remove());
    box.appendChild(document.createTextNode(text));
  }

  // The ticket was merged into another: say so at the top of the page, with the way there.
  function showMerged(into, url) {
    const root = document.querySelector("[data-live-url]");
    if (!root || document.getElementById("merged-notice")) return;
    const notice = document.createElement("div");
    notice.id = "merged-notice";
    notice.className = "notice merged-notice";
    notice.setAttribute("role", "status");
    notice.append("This ticket was merged into #" + into + ": the conversation continues there. ");
    const link = document.createElement("a");
    link.href = url;
    link.textContent = "Go to #" + into;
    notice.append(link);
    root.prepend(notice);
  }

  // The highest number up to which the page holds every message.
  function heldSeq() {
    const held = new Set();
    document.querySelectorAll("#conversation > li[data-seq]").forEach(function (li) {
      held.add(seqOf(li));
    });
    let seq = 0;
    while (held.has(seq + 1)) seq += 1;
    return seq;
  }

  // One fetch at a time; asked again meanwhile, it runs once more when the first is done.
  function catchUpper(url) {
    let running = false, again = false;
    function run() {
      if (running) { again = true; return; }
      running = true;
      fetch(url + "?after_seq=" + heldSeq(), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) {
          const tpl = document.createElement("template");
          tpl.innerHTML = html;
          tpl.content.querySelectorAll("li[id^='message-']").forEach(function (li) {
            append(li.id, li.outerHTML);
          });
        })
        .catch(function () { /* the next check tries again */ })
        .finally(function () {
          running = false;
          if (again) { again = false; run(); }
        });
    }
    return run;
  }

  function start(root) {
    const catchUp = catchUpper(root.dataset.catchupUrl);
    setInterval(catchUp, CHECK_MS);
    window.VigilSocket.keep(root.dataset.liveUrl, {
      connecting: function () { setState("connecting"); },
      open: function (socket) {
        setState("live");
        catchUp();
        // presence.js says over this socket that the page is here, and when its analyst types.
        document.dispatchEvent(new CustomEvent("vigil:socket", { detail: { send: function (data) {
          if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(data));
        } } }));
      },
      message: function (data) {
        if (data.type === "message") {
          // Numbered past the next one expected: some were lost on the way; fetch them.
          const gap = data.seq && data.seq > heldSeq() + 1;
          append(data.id, data.html);
          if (gap) catchUp();
        }
        else if (data.type === "changed" && window.htmx) window.htmx.trigger(document.body, "vigil:changed");
        else if (data.type === "copilot" && window.htmx) window.htmx.trigger(document.body, "vigil:copilot");
        else if (data.type === "piece") appendPiece(data.suggestion, data.text);
        else if (data.type === "refetch") catchUp();
        else if (data.type === "presence") {
          document.dispatchEvent(new CustomEvent("vigil:presence", { detail: { people: data.people } }));
        }
        else if (data.type === "merged") {
          showMerged(data.into, data.url);
          if (window.htmx) window.htmx.trigger(document.body, "vigil:changed");
        }
      },
      close: function (event, denied) {
        // Those shown as here are not known any more; the next connection tells again.
        document.dispatchEvent(new CustomEvent("vigil:presence", { detail: { people: [] } }));
        setState(denied ? "denied" : "offline");
      },
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    const root = document.querySelector("[data-live-url]");
    if (root) start(root);
  });
})();
