// How every page keeps its websocket: open it, reconnect after a drop, renew it now and then.
// After a drop the page waits 0.5 s, then twice as long each time up to 15 s, each wait drawn
// between half and the whole of it: the pages of a restarted web process come back spread
// out, not all in the same instants. Closed with 4401/4403 (not logged in, no access),
// retrying cannot help: it stops. The server forgets a socket's groups after a day
// (VIGIL_CHANNELS_GROUP_EXPIRY): the page reconnects, and so joins again, well before.
(function () {
  "use strict";
  const RENEW_MS = 6 * 3600 * 1000;
  const FIRST_DELAY_MS = 500, MAX_DELAY_MS = 15000;

  // handlers: message(data, socket), and optionally connecting(), open(socket),
  // close(event, denied).
  function keep(path, handlers) {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const url = scheme + location.host + path;
    let delay = FIRST_DELAY_MS;

    function connect() {
      if (handlers.connecting) handlers.connecting();
      const socket = new WebSocket(url);
      const renew = setTimeout(function () { socket.close(); }, RENEW_MS);
      socket.onopen = function () {
        delay = FIRST_DELAY_MS;
        if (handlers.open) handlers.open(socket);
      };
      socket.onmessage = function (event) { handlers.message(JSON.parse(event.data), socket); };
      socket.onclose = function (event) {
        clearTimeout(renew);
        const denied = event.code === 4401 || event.code === 4403;
        if (handlers.close) handlers.close(event, denied);
        if (denied) return;
        setTimeout(connect, delay * (0.5 + Math.random() / 2));
        delay = Math.min(delay * 2, MAX_DELAY_MS);
      };
    }
    connect();
  }

  window.VigilSocket = { keep: keep };
})();
