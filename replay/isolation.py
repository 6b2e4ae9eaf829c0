"""A database of the replay's own, so that it never touches live tickets and knowledge.

The replay's database sits next to the live one on the same server, named after it and the
replaying process, is migrated from scratch and dropped at the end. A replay killed outright
leaves its database behind; the next replay drops it.
"""

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

import psutil
from django.conf import settings
from django.db import connection

from copilot import fitted as team_models

logger = logging.getLogger(__name__)


def replay_database_prefix() -> str:
    return f"{connection.settings_dict['NAME']}_replay_"


def drop_abandoned_databases() -> list[str]:
    """Drop replay databases whose process is gone."""
    prefix = replay_database_prefix()
    with connection.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE starts_with(datname, %s)", [prefix])
        names = [row[0] for row in cursor.fetchall()]
    dropped = []
    for name in names:
        pid = name.removeprefix(prefix)
        if pid.isdigit() and not psutil.pid_exists(int(pid)):
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            dropped.append(name)
    return dropped


@contextmanager
def quiet_side_effects(*, local_engine: bool) -> Iterator[None]:
    """Nothing the replay does may reach live processes or people: no websocket events, no
    email, and background tasks run inline against the replay's database. With the local
    engine, no LLM either. The settings are restored afterwards (the command may run inside a
    longer process)."""
    from channels.layers import channel_layers

    changed = {
        "CHANNEL_LAYERS": {},  # no layer: nothing is published (nobody watches a replay)
        "VIGIL_EMAIL_REPLIES": False,  # a replayed copilot answer is never mailed to anyone
        "Q_CLUSTER": {key: value for key, value in settings.Q_CLUSTER.items() if key != "redis"}
        | {"sync": True, "orm": "default"},
    }
    if local_engine:
        changed["VIGIL_LLM_MODELS"] = {}
    saved = {name: getattr(settings, name) for name in changed}
    for name, value in changed.items():
        setattr(settings, name, value)
    channel_layers.backends.clear()
    # Teams' models are looked up by team id, and the replay's database numbers its own teams.
    team_models.forget()
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(settings, name, value)
        channel_layers.backends.clear()
        team_models.forget()


def _close_pool() -> None:
    """A connection pool keeps handing out connections to the database it was opened for."""
    connection.close()
    connection.close_pool()  # type: ignore[attr-defined]


@contextmanager
def isolated_database() -> Iterator[str]:
    """Switch this process to a fresh, migrated database; drop it afterwards."""
    for name in drop_abandoned_databases():
        logger.info("dropped the abandoned replay database %s", name)
    live_name = connection.settings_dict["NAME"]
    name = f"{replay_database_prefix()}{os.getpid()}"
    test_settings = connection.settings_dict.setdefault("TEST", {})
    configured_test_name = test_settings.get("NAME")
    test_settings["NAME"] = name
    _close_pool()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_database()")
            current = cursor.fetchone()[0]
            if current != name:
                raise RuntimeError(f"refusing to replay into {current!r}: not its own database")
            # A throwaway database need not wait for the disk at every commit.
            cursor.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        connection.close()
        yield name
    finally:
        _close_pool()
        connection.creation.destroy_test_db(live_name, verbosity=0)
        test_settings["NAME"] = configured_test_name
