"""Publishing websocket events from a thread of their own, so that a request never waits for one.

Under daphne a synchronous view runs in a thread, and ``async_to_sync(layer.group_send)`` from it
runs the send on daphne's event loop and blocks until the loop gets to it. With the loop busy
(sockets, new connections, other requests), a post held its pooled database connection for that
wait, in the ``on_commit`` of its message, and the other posts waited for connections
(docs/benchmarks.md, "Live updates under load", third round).

With a channel layer that crosses processes (Redis), each web process hands its events to one
publishing thread with an event loop of its own and goes on at once. The thread sends them in
the order they were handed over. If it cannot keep up (Redis away), events beyond ``limit`` are
dropped with a warning: pages fill the gap from the messages' numbers, as after any lost event.
At exit, what is queued is sent within ``FLUSH_S``.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import queue
import threading
import time
from contextlib import suppress
from typing import Any

logger = logging.getLogger(__name__)

FLUSH_S = 2.0

Event = tuple[str, dict[str, Any]]


class BackgroundPublisher:
    def __init__(self, layer: Any, *, limit: int = 10_000) -> None:
        self.layer = layer
        self._queue: queue.Queue[Event | None] = queue.Queue(maxsize=limit)
        self._thread = threading.Thread(target=self._run, name="vigil-publisher", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    def submit(self, group: str, event: dict[str, Any]) -> bool:
        """Queue ``event`` for ``group``; False (logged) when the queue is full."""
        try:
            self._queue.put_nowait((group, event))
        except queue.Full:
            logger.warning(
                "websocket event %s to %s dropped: publisher queue full", event.get("type"), group
            )
            return False
        return True

    def flush(self, timeout: float = FLUSH_S) -> bool:
        """Wait until every event queued so far was sent; whether that happened in time."""
        deadline = time.monotonic() + timeout
        with self._queue.all_tasks_done:
            while self._queue.unfinished_tasks:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._queue.all_tasks_done.wait(left)
        return True

    def close(self) -> None:
        if self._thread.is_alive():
            self.flush()
            with suppress(queue.Full):
                self._queue.put_nowait(None)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        try:
            while (item := self._queue.get()) is not None:
                group, event = item
                try:
                    loop.run_until_complete(self.layer.group_send(group, event))
                except Exception:
                    logger.exception("could not publish %s to %s", event.get("type"), group)
                finally:
                    self._queue.task_done()
            self._queue.task_done()
        finally:
            loop.close()
