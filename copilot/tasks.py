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


def queue_missed_runs() -> int:
    """Periodic (every minute): queue again the customer messages whose copilot task was lost
    (the broker away when it was queued, or a worker killed while it held the task). A message
    is decided once however often its task runs. Returns how many were queued."""
    import datetime as dt

    from django.conf import settings

    from copilot import selectors
    from core.tasks import enqueue

    after = dt.timedelta(seconds=settings.VIGIL_COPILOT_REQUEUE_AFTER_SECONDS)
    missing = selectors.messages_missing_a_run(older_than=after)
    for message_id in missing:
        enqueue("copilot.tasks.run_copilot", message_id)
    return len(missing)


def calibrate_thresholds() -> str:
    """Periodic: tune every team's threshold to its precision target."""
    from copilot import calibration

    return "; ".join(f"{c.team.slug}: {c.note}" for c in calibration.calibrate_all())


def draft_overdue_updates() -> int:
    """Periodic: a status update drafted for each customer who waited longer than their team's
    update interval. Returns how many were drafted."""
    import datetime as dt

    from django.utils import timezone

    from copilot import summary
    from tickets.models import Ticket

    drafted = 0
    now = timezone.now()
    waiting = Ticket.objects.filter(status__in=["new", "open"]).select_related(
        "team__copilot_settings"
    )
    for ticket in waiting.order_by("last_message_at")[:500]:
        interval = dt.timedelta(minutes=pipeline.settings_for(ticket).update_interval_minutes)
        last = ticket.messages.filter(internal=False).order_by("-created_at", "-id").first()
        if last is None or last.kind != Message.Kind.CUSTOMER or now - last.created_at < interval:
            continue
        reason = f"the customer has waited more than {interval.total_seconds() / 3600:g} h"
        drafted += summary.draft_status_update(ticket, reason=reason) is not None
    return drafted
