"""The thread behind asgiref's ``sync_to_async`` in tests, and the connections it keeps.

Asyncio tests run their database calls (``database_sync_to_async``) on asgiref's single-thread
executor. A call whose commit runs a task inline (django-q's sync mode) can leave a connection
open on that thread. Unless closed here, it keeps the test database busy until the run ends,
and the teardown cannot drop the database ("being accessed by other users")."""

import contextlib

from asgiref.sync import SyncToAsync
from django.db import connections


def close_executor_connections() -> None:
    """Close the connections of the executor's thread, on that thread: Django lets only the
    thread that opened a connection close it."""
    with contextlib.suppress(TimeoutError):
        SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=10)
