// The bell in the top bar: its unread count arrives over the user's notifications websocket
// (on connect and whenever it changes), and a click opens the latest notifications as a menu
// (without script the bell is a link to the notifications page).
(function () {
  "use strict";

  function showCount(bell, unread) {
    const count = bell.querySelector(".bell-count");
    const button = bell.querySelector(".bell-button");
    count.textContent = unread > 99 ? "99+" : String(unread);
    count.hidden = unread === 0;
    button.setAttribute("aria-label", unread ? "Notifications, " + unread + " unread" : "Notifications");
    bell.dataset.unread = String(unread);
  }

  function loadMenu(bell) {
    const button = bell.querySelector(".bell-button");
    if (window.htmx) {
      window.htmx.ajax("GET", button.dataset.menuUrl, { target: "#notification-menu", swap: "innerHTML" });
    }
  }

  function isOpen(bell) {
    return !bell.querySelector(".notification-menu").hidden;
  }

  function setOpen(bell, open) {
    const menu = bell.querySelector(".notification-menu");
    const button = bell.querySelector(".bell-button");
    menu.hidden = !open;
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) loadMenu(bell);
  }

  function listen(bell) {
    window.VigilSocket.keep(bell.dataset.notificationsSocket, {
      open: function () { bell.dataset.live = "1"; },
      message: function (data) {
        if (data.type !== "count") return;
        const before = parseInt(bell.dataset.unread || "-1", 10);
        showCount(bell, data.unread);
        // An open menu shows what arrived (not what was just marked read: it shows that itself).
        if (isOpen(bell) && data.unread > before) loadMenu(bell);
      },
      close: function () { bell.dataset.live = "0"; },
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    const bell = document.querySelector(".bell[data-notifications-socket]");
    if (!bell) return;
    const button = bell.querySelector(".bell-button");
    button.addEventListener("click", function (event) {
      event.preventDefault();
      setOpen(bell, !isOpen(bell));
    });
    document.addEventListener("click", function (event) {
      if (isOpen(bell) && !bell.contains(event.target)) setOpen(bell, false);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && isOpen(bell)) {
        setOpen(bell, false);
        button.focus();
      }
    });
    listen(bell);
  });
})();
