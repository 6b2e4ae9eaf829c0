// The queue's bulk bar: a box in the header ticks every ticket on the page, and the bar says
// how many are ticked. Nothing is changed until one of the bar's buttons is pressed.
(function () {
  "use strict";
  function update(form) {
    const boxes = Array.from(form.querySelectorAll(".bulk-one"));
    const ticked = boxes.filter(function (box) { return box.checked; }).length;
    const all = form.querySelector(".bulk-all");
    if (all) {
      all.checked = ticked > 0 && ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    }
    const count = form.querySelector(".bulk-count");
    if (count) count.textContent = ticked ? ticked + " ticked — change them:" : count.dataset.none;
    // At phone width the bar's controls wait for a ticked ticket (app.css), the tickets first.
    form.classList.toggle("bulk-idle", ticked === 0);
  }

  document.addEventListener("change", function (event) {
    const target = event.target;
    if (!target.closest) return;
    const form = target.closest("#bulk-form");
    if (!form) return;
    if (target.classList.contains("bulk-all")) {
      form.querySelectorAll(".bulk-one").forEach(function (box) { box.checked = target.checked; });
    }
    update(form);
  });

  // Refused as empty before a request is made, with the same words the server would use.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form.id !== "bulk-form") return;
    if (!form.querySelector(".bulk-one:checked")) {
      event.preventDefault();
      const count = form.querySelector(".bulk-count");
      if (count) { count.textContent = "Tick at least one ticket."; count.classList.add("bulk-warn"); }
    }
  });

  document.addEventListener("htmx:afterSettle", function () {
    const form = document.getElementById("bulk-form");
    if (form) update(form);
  });
  document.addEventListener("DOMContentLoaded", function () {
    const form = document.getElementById("bulk-form");
    if (form) update(form);
  });
})();
