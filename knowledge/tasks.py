"""Background jobs run by django-q2. Thin: they take ids and call the learning code."""

from knowledge import learning
from tickets.models import Ticket


def learn_from_ticket(ticket_id: int) -> int:
    """Learn from a resolved ticket; returns how many entries it created or supported."""
    ticket = Ticket.objects.select_related("team", "customer").filter(pk=ticket_id).first()
    if ticket is None or ticket.status not in {Ticket.Status.RESOLVED, Ticket.Status.CLOSED}:
        return 0
    return sum(1 for result in learning.learn_from_ticket(ticket) if result.action != "skipped")
