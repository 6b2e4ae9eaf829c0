"""The people an internal note may @-mention, for the reply box's suggestions (mentions.js)."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.http import HtmxHttpRequest
from tickets import access, selectors
from tickets.macro_views import worker_required
from tickets.views import _param

# A username as mentions are written (``notification_services.MENTION_RE``), at most so long.
MAX_QUERY = 150


@require_GET
@worker_required
def mention_options(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    """Who may be mentioned on the ticket, matching ``?q=`` (the letters after the @)."""
    ticket = access.get_ticket_to_work(request.user, ticket_id)
    people = selectors.mentionable_people(
        ticket, q=_param(request, "q")[:MAX_QUERY], writer=request.user
    )
    return render(request, "tickets/partials/mention_options.html", {"people": people})
