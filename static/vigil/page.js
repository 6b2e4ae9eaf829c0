// Small behaviours of every page. They live here, not in the markup: the Content-Security-Policy
// refuses inline scripts and event handlers.
(function () {
  "use strict";
  // A private link shown for copying: one click selects all of it.
  document.addEventListener("click", function (event) {
    const field = event.target.closest ? event.target.closest(".copy-field") : null;
    if (field) field.select();
  });
})();
