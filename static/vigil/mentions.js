// @-mentions in internal notes. With "Internal note" ticked, typing @ and the start of a name in
// the reply box lists the people who may read the ticket (the server answers). Arrow keys move,
// Enter, Tab or a click puts "@username " in place of what was typed; Escape closes the list.
// The note then tells each person it mentions. A public reply lists nobody: the customer would
// read the mention.
(function () {
  "use strict";
  const TYPED = /(^|[\s(])@([\w.+-]{0,30})$/;
  let asked = 0;
  let timer = null;

  function parts(from) {
    const form = from.closest ? from.closest("form") : null;
    const holder = form ? form.querySelector(".mention-box") : null;
    if (!holder) return null;
    return {
      form: form,
      holder: holder,
      box: form.querySelector("textarea[name=body]"),
      list: holder.querySelector(".mention-results"),
      status: form.querySelector(".mention-status"),
      internal: form.querySelector("input[name=internal]"),
    };
  }

  // The "@letters" just before the cursor: what a chosen name replaces.
  function typed(box) {
    if (box.selectionStart !== box.selectionEnd) return null;
    const found = TYPED.exec(box.value.slice(0, box.selectionStart));
    return found ? { q: found[2], start: box.selectionStart - found[2].length - 1 } : null;
  }

  function options(p) { return window.VigilListbox.options(p.list, ".mention-option"); }

  function close(p) {
    asked++;  // an answer on its way is not wanted any more
    p.holder.hidden = true;
    p.list.innerHTML = "";
    p.box.removeAttribute("aria-activedescendant");
  }

  function load(p, q) {
    const mine = ++asked;
    const url = p.holder.dataset.mentionUrl + "?q=" + encodeURIComponent(q);
    window.VigilListbox.fetchOptions(url)
      .then(function (html) {
        if (mine !== asked) return;
        p.list.innerHTML = html;
        p.holder.hidden = false;
        const found = options(p);
        if (found.length) window.VigilListbox.mark(found, found[0], p.box);
        p.status.textContent = found.length
          ? found.length + (found.length === 1 ? " person" : " people") + " to mention: arrows choose, Enter mentions."
          : "Nobody to mention by that name.";
      })
      .catch(function () { if (mine === asked) close(p); });
  }

  function choose(p, option) {
    const at = typed(p.box);
    if (at) p.box.setRangeText("@" + option.dataset.username + " ", at.start, p.box.selectionStart, "end");
    close(p);
    p.box.focus();
  }

  document.addEventListener("input", function (event) {
    const box = event.target;
    if (!(box.matches && box.matches(".reply-box textarea[name=body]"))) return;
    const p = parts(box);
    if (!p) return;
    const at = p.internal && p.internal.checked ? typed(box) : null;
    clearTimeout(timer);
    if (!at) { if (!p.holder.hidden) close(p); return; }
    timer = setTimeout(function () { load(p, at.q); }, 120);
  });

  document.addEventListener("keydown", function (event) {
    const box = event.target;
    if (!(box.matches && box.matches(".reply-box textarea[name=body]"))) return;
    const p = parts(box);
    if (!p || p.holder.hidden) return;
    const list = options(p);
    const current = window.VigilListbox.marked(list);
    if ((event.key === "ArrowDown" || event.key === "ArrowUp") && list.length) {
      event.preventDefault();
      window.VigilListbox.move(list, p.box, event.key === "ArrowDown" ? 1 : -1);
    } else if ((event.key === "Enter" || event.key === "Tab") && current >= 0) {
      event.preventDefault();
      choose(p, list[current]);
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopImmediatePropagation();
      close(p);
    }
  }, true);

  // A press on a name must not take the focus (and the cursor) from the reply box first.
  document.addEventListener("mousedown", function (event) {
    if (event.target.closest && event.target.closest(".mention-option")) event.preventDefault();
  });
  document.addEventListener("click", function (event) {
    const option = event.target.closest ? event.target.closest(".mention-option") : null;
    const p = option ? parts(option) : null;
    if (p) choose(p, option);
  });
  document.addEventListener("change", function (event) {
    if (!(event.target.matches && event.target.matches(".reply-box input[name=internal]"))) return;
    const p = parts(event.target);
    if (p && !event.target.checked && !p.holder.hidden) close(p);
  });
  document.addEventListener("focusout", function (event) {
    if (!(event.target.matches && event.target.matches(".reply-box textarea[name=body]"))) return;
    const p = parts(event.target);
    if (p && !p.holder.hidden) setTimeout(function () { if (document.activeElement !== p.box) close(p); }, 150);
  });
})();
