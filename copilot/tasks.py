"""Background jobs run by django-q2. Thin: they take ids and call the pipeline."""

from copilot import pipeline
from tickets.models import Message


def run_copilot(message_id: int) -> str:
    """Decide on a customer message; returns the decision and its reason."""
    message = Message.objects.filter(pk=message_id, kind=Message.Kind.CUSTOMER).first()
    if message is None:
        return "no such customer message"
    record = pipeline.run(message)
    return f"{record.decision}: {record.reason}"


def calibrate_thresholds() -> str:
    """Periodic: tune every team's threshold to its precision target."""
    from copilot import calibration

    return "; ".join(f"{c.team.slug}: {c.note}" for c in calibration.calibrate_all())
