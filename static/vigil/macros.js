// Macros in the reply box. The "Macros" button, or "/" typed where nothing precedes the cursor,
// opens a search over the viewer's macros (the server fills each body for this ticket). Arrow
// keys move, Enter or a click inserts the body at the cursor, keeping what was typed; a macro
// is listed below the box and sent with the reply, which applies its changes. Escape closes
// the picker (and, with nothing searched, types the "/" after all).
(function () {
  "use strict";
  let caret = null;  // [start, end] of the reply box's selection when the picker opened
  let timer = null;

  function parts(from) {
    const form = from.closest("form");
    if (!form) return null;
    const bar = form.querySelector(".macro-bar");
    if (!bar) return null;
    return {
      form: form,
      bar: bar,
      box: form.querySelector("textarea[name=body]"),
      picker: bar.querySelector(".macro-picker"),
      search: bar.querySelector(".macro-search"),
      results: bar.querySelector(".macro-results"),
      button: bar.querySelector(".macro-open"),
      pending: form.querySelector(".macro-pending"),
    };
  }

  // Results are for the search as it was when they were asked for: while a newer search is
  // on its way they are stale, and Enter waits for the fresh ones rather than choosing from them.
  let asked = 0;
  let chooseWhenLoaded = false;

  function stale(p) {
    p.results.setAttribute("aria-busy", "true");
    options(p).forEach(function (o) { o.setAttribute("aria-selected", "false"); });
  }

  function load(p) {
    const url = p.bar.dataset.pickerUrl + "?q=" + encodeURIComponent(p.search.value);
    const mine = ++asked;
    stale(p);
    window.VigilListbox.fetchOptions(url)
      .then(function (html) {
        if (mine !== asked) return;  // an answer to an older search
        p.results.innerHTML = html;
        p.results.removeAttribute("aria-busy");
        const first = p.results.querySelector(".macro-option");
        if (first) mark(p, first);
        if (chooseWhenLoaded) {
          chooseWhenLoaded = false;
          if (first) choose(p, first);
        }
      })
      .catch(function () {
        if (mine !== asked) return;
        chooseWhenLoaded = false;
        p.results.removeAttribute("aria-busy");
        p.results.innerHTML = '<li class="macro-empty small" role="presentation">The macros could not be loaded. Try again.</li>';
      });
  }

  function open(p) {
    caret = [p.box.selectionStart, p.box.selectionEnd];
    p.picker.hidden = false;
    p.button.setAttribute("aria-expanded", "true");
    p.search.value = "";
    p.results.innerHTML = "";
    load(p);
    p.search.focus();
  }

  function close(p, typeSlash) {
    p.picker.hidden = true;
    p.button.setAttribute("aria-expanded", "false");
    p.box.focus();
    if (caret) {
      p.box.setSelectionRange(caret[0], caret[1]);
      if (typeSlash) p.box.setRangeText("/", caret[0], caret[1], "end");
    }
  }

  function options(p) { return window.VigilListbox.options(p.results, ".macro-option"); }

  function mark(p, option) { window.VigilListbox.mark(options(p), option, p.search); }

  function choose(p, option) {
    const start = caret ? caret[0] : p.box.value.length;
    const end = caret ? caret[1] : start;
    // A space keeps the macro's text apart from words typed right before or after the cursor.
    const before = start > 0 && !/\s/.test(p.box.value.charAt(start - 1)) ? " " : "";
    const after = end < p.box.value.length && !/\s/.test(p.box.value.charAt(end)) ? " " : "";
    p.box.setRangeText(before + option.dataset.body + after, start, end, "end");
    caret = [p.box.selectionStart, p.box.selectionEnd];
    addPending(p, option);
    close(p, false);
  }

  function addPending(p, option) {
    const id = option.dataset.macroId;
    if (p.pending.querySelector('[data-macro-id="' + id + '"]')) return;
    const item = document.createElement("li");
    item.className = "macro-pending-item";
    item.dataset.macroId = id;
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = "macros";
    input.value = id;
    const text = document.createElement("span");
    const name = document.createElement("b");
    name.textContent = option.dataset.name;
    text.appendChild(name);
    if (option.dataset.actions) text.appendChild(document.createTextNode(": on send, " + option.dataset.actions));
    const drop = document.createElement("button");
    drop.type = "button";
    drop.className = "linklike small macro-drop";
    drop.textContent = "Remove";
    drop.setAttribute("aria-label", "Do not use " + option.dataset.name);
    item.append(input, text, document.createTextNode(" "), drop);
    p.pending.appendChild(item);
  }

  document.addEventListener("click", function (event) {
    const target = event.target;
    if (!target.closest) return;
    const button = target.closest(".macro-open");
    if (button) {
      const p = parts(button);
      if (p) { if (p.picker.hidden) open(p); else close(p, false); }
      return;
    }
    const option = target.closest(".macro-option");
    if (option) { const p = parts(option); if (p) choose(p, option); return; }
    const drop = target.closest(".macro-drop");
    if (drop) { const item = drop.closest(".macro-pending-item"); const p = parts(drop); item.remove(); if (p) p.box.focus(); }
  });

  document.addEventListener("keydown", function (event) {
    const target = event.target;
    if (target.matches && target.matches(".reply-box textarea[name=body]") && event.key === "/"
        && !event.ctrlKey && !event.metaKey && !event.altKey
        && target.value.slice(0, target.selectionStart).trim() === "") {
      const p = parts(target);
      if (p) { event.preventDefault(); open(p); }
      return;
    }
    if (!(target.matches && target.matches(".macro-search"))) return;
    const p = parts(target);
    if (!p) return;
    const list = options(p);
    const current = window.VigilListbox.marked(list);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      window.VigilListbox.move(list, p.search, event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Enter") {
      event.preventDefault();  // never submits the reply form
      if (p.results.hasAttribute("aria-busy")) {
        clearTimeout(timer);
        chooseWhenLoaded = true;
        load(p);
      } else if (current >= 0) {
        choose(p, list[current]);
      }
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close(p, p.search.value === "");
    }
  });

  document.addEventListener("input", function (event) {
    if (!(event.target.matches && event.target.matches(".macro-search"))) return;
    const p = parts(event.target);
    if (!p) return;
    clearTimeout(timer);
    stale(p);
    timer = setTimeout(function () { load(p); }, 150);
  });
})();
