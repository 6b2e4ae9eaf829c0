"""Background jobs of the replay app, run by django-q2. Thin: they take ids."""

from replay import import_runs, supervisor


def run_replay(run_id: int) -> str:
    """Replay a run's uploaded conversations in a subprocess, following its progress."""
    return supervisor.replay_run_execute(run_id)


def run_import(run_id: int) -> str:
    """Import a team's history into the live system (the Import page)."""
    return import_runs.import_run_execute(run_id)
