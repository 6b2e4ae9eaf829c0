// File pickers: what was chosen is listed under the button (an image with a small preview),
// a file over the size limit is marked at once, and any file can be taken off before sending.
(function () {
  "use strict";

  function sizeText(bytes) {
    if (bytes < 1024) return bytes + (bytes === 1 ? " byte" : " bytes");
    if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + " KB";
    return (bytes / (1024 * 1024)).toFixed(1) + " MB";
  }

  function render(input) {
    const picker = input.closest(".file-picker");
    const list = picker.querySelector(".file-chosen");
    const limit = Number(picker.dataset.maxBytes) || Infinity;
    list.textContent = "";
    Array.from(input.files).forEach(function (file, index) {
      const item = document.createElement("li");
      item.className = "file-chosen-item";
      if (/^image\/(png|jpeg|gif|webp)$/.test(file.type)) {
        const img = document.createElement("img");
        img.alt = "";
        img.className = "file-thumb";
        // A data: URL: the Content-Security-Policy allows those for images, not blob: ones.
        const reader = new FileReader();
        reader.onload = function () { img.src = reader.result; };
        reader.readAsDataURL(file);
        item.appendChild(img);
      }
      const name = document.createElement("span");
      name.className = "file-name";
      name.textContent = file.name;
      item.appendChild(name);
      const size = document.createElement("span");
      size.className = "muted small";
      size.textContent = sizeText(file.size);
      item.appendChild(size);
      if (file.size > limit) {
        const warn = document.createElement("span");
        warn.className = "field-error";
        warn.textContent = "over the limit of " + sizeText(limit) + ": it will be refused";
        item.appendChild(warn);
      }
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn btn-small file-remove";
      remove.dataset.index = String(index);
      remove.textContent = "Remove";
      remove.setAttribute("aria-label", "Remove " + file.name);
      item.appendChild(remove);
      list.appendChild(item);
    });
    list.hidden = input.files.length === 0;
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches(".file-picker .file-input")) {
      render(event.target);
    }
  });

  document.addEventListener("click", function (event) {
    const button = event.target.closest ? event.target.closest(".file-remove") : null;
    if (!button) return;
    const picker = button.closest(".file-picker");
    const input = picker.querySelector(".file-input");
    const keep = new DataTransfer();
    Array.from(input.files).forEach(function (file, index) {
      if (String(index) !== button.dataset.index) keep.items.add(file);
    });
    input.files = keep.files;
    render(input);
    input.focus();
  });
})();
