"""Background jobs of the replay app, run by django-q2. Thin: they take ids."""

from replay import supervisor


def run_replay(run_id: int) -> str:
    """Replay a run's uploaded conversations in a subprocess, following its progress."""
    return supervisor.replay_run_execute(run_id)
