// Who else has this ticket open, and who is typing a reply. The page says over its websocket
// (live.js) that it is here when it connects and every third of the server's expiry after, so a
// page that stops saying so (a closed tab, a sleeping laptop) drops out of the others' lists;
// and says "typing" while keys are pressed in the reply box, "not typing" a few seconds after
// the last key or once the reply is sent. The server answers with the others who are here.
(function () {
  "use strict";
  const TYPING_REPEAT_MS = 3000;  // the server forgets a "typing" not said again within 8 s
  const TYPING_IDLE_MS = 5000;
  let send = null, typing = false, typedAt = 0, saidAt = 0, people = [];

  function say() {
    if (!send) return;
    saidAt = Date.now();
    send({ type: "presence", typing: typing });
  }

  function names(list) {
    return list.map(function (person) { return person.name; }).join(", ");
  }

  function render() {
    const here = document.getElementById("presence");
    if (here) {
      here.hidden = people.length === 0;
      here.textContent = people.length ? "Also here: " + names(people) : "";
      here.title = people.length ? "Others with this ticket open now" : "";
    }
    const typers = people.filter(function (person) { return person.typing; });
    document.querySelectorAll(".typing-notice").forEach(function (notice) {
      notice.hidden = typers.length === 0;
      notice.textContent = typers.length
        ? names(typers) + (typers.length === 1 ? " is" : " are") + " typing a reply…" : "";
    });
  }

  document.addEventListener("vigil:socket", function (event) {
    send = event.detail.send;
    say();
  });
  document.addEventListener("vigil:presence", function (event) {
    people = event.detail.people || [];
    render();
  });
  // The reply box is swapped after each send: its notice is filled again.
  document.addEventListener("htmx:afterSwap", render);

  document.addEventListener("input", function (event) {
    if (!event.target.matches || !event.target.matches("#reply-box textarea[name=body]")) return;
    typedAt = Date.now();
    if (!typing || typedAt - saidAt > TYPING_REPEAT_MS) {
      typing = event.target.value.trim() !== "";
      say();
    }
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    const form = event.target.closest ? event.target.closest("#reply-box form") : null;
    if (form && typing) { typing = false; say(); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    const root = document.querySelector("[data-presence-seconds]");
    if (!root) return;
    const every = (parseInt(root.dataset.presenceSeconds, 10) || 30) * 1000 / 3;
    setInterval(say, every);
    setInterval(function () {
      if (typing && Date.now() - typedAt > TYPING_IDLE_MS) { typing = false; say(); }
    }, 1000);
  });
})();
