"""The customer's satisfaction rating of a resolved ticket: given once per resolution from the
portal page, changeable until the ticket is reopened."""

from django.db import transaction
from django.utils import timezone

from tickets import services
from tickets.models import SatisfactionRating, Ticket, TicketEvent

MAX_COMMENT = 2000


def may_rate(ticket: Ticket) -> bool:
    """Whether the customer may rate ``ticket`` now: resolved (or closed after it was), and
    not merged into another ticket."""
    return ticket.resolved_at is not None and ticket.is_finished and ticket.merged_into_id is None


def rating_for_resolution(ticket: Ticket) -> SatisfactionRating | None:
    """The rating of the ticket's current resolution, if the customer gave one."""
    if ticket.resolved_at is None:
        return None
    return ticket.ratings.filter(resolved_at=ticket.resolved_at).first()


def rating_save(*, ticket: Ticket, rating: str, comment: str = "") -> SatisfactionRating:
    """Rate the ticket's current resolution, or change the rating already given for it.

    Raises TicketError when the ticket is not resolved (it was reopened meanwhile, say)."""
    if rating not in SatisfactionRating.Rating.values:
        raise services.TicketError("Choose good or bad.")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise services.TicketError(f"A comment is limited to {MAX_COMMENT:,} characters.")
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().select_related("team").get(pk=ticket.pk)
        resolved_at = locked.resolved_at
        if resolved_at is None or not may_rate(locked):
            raise services.TicketError(
                "This ticket is not resolved any more, so it cannot be rated now."
            )
        now = timezone.now()
        found = locked.ratings.filter(resolved_at=resolved_at).first()
        old = found.get_rating_display() if found else ""
        unchanged = found is not None and (found.rating, found.comment) == (rating, comment)
        saved = found or SatisfactionRating(
            ticket=locked, team=locked.team, resolved_at=resolved_at
        )
        saved.rating, saved.comment, saved.rated_at = rating, comment, now
        saved.full_clean()
        saved.save()
        if not unchanged:
            services._record(
                locked,
                TicketEvent.Kind.RATING,
                None,
                old,
                saved.get_rating_display(),
                at=now,
                name=locked.customer.name,
            )
    return saved
