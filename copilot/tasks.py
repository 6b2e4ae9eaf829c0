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
