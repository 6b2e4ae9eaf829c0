"""The copilot side panel on the ticket page and the analyst's actions on suggestions."""

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from copilot import pipeline, selectors, services
from copilot import summary as summaries
from copilot.models import Suggestion
from core import roles, worker_status
from core.http import HtmxHttpRequest, role_required, staff_required
from tickets import access
from tickets.models import Ticket

analyst_required = role_required(
    roles.can_work_tickets, "Your role can read tickets but not act on suggestions."
)


def _get_suggestion(ticket: Ticket, suggestion_id: int) -> Suggestion:
    suggestion = selectors.suggestion_for_ticket(ticket, suggestion_id)
    if suggestion is None:
        raise Http404("No such suggestion on this ticket.")
    return suggestion


@require_GET
@staff_required
def panel(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    ticket = access.get_ticket_for_user(request.user, ticket_id)
    return _panel(request, ticket)


def _panel(
    request: HtmxHttpRequest,
    ticket: Ticket,
    *,
    error: str = "",
    notice: str = "",
    status: int = 200,
    summary: summaries.Summary | None = None,
) -> HttpResponse:
    panel = selectors.panel_for(ticket)
    send_level = pipeline.settings_for(ticket).auto_threshold
    context = {
        "summary": summary,
        "ticket": ticket,
        "panel": panel,
        "can_act": roles.can_work_tickets(request.user),
        "send_level": send_level,
        "edit_first": selectors.edit_first(panel.open, send_level=send_level),
        "dismiss_reasons": Suggestion.DismissReason.choices,
        "panel_error": error,
        "panel_notice": notice,
        "stopped_worker": worker_status.stopped_worker(),
    }
    return render(request, "copilot/partials/panel.html", context, status=status)


@require_POST
@analyst_required
def suggestion_send(request: HtmxHttpRequest, ticket_id: int, suggestion_id: int) -> HttpResponse:
    return _act(request, ticket_id, suggestion_id, services.suggestion_send)


@require_POST
@analyst_required
def suggestion_insert(request: HtmxHttpRequest, ticket_id: int, suggestion_id: int) -> HttpResponse:
    return _act(request, ticket_id, suggestion_id, services.suggestion_insert)


@require_POST
@analyst_required
def suggestion_dismiss(
    request: HtmxHttpRequest, ticket_id: int, suggestion_id: int
) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _act(
        request,
        ticket_id,
        suggestion_id,
        lambda **kwargs: services.suggestion_dismiss(**kwargs, reason=reason),
    )


def _act(
    request: HtmxHttpRequest,
    ticket_id: int,
    suggestion_id: int,
    action: Callable[..., object],
) -> HttpResponse:
    ticket = access.get_ticket_for_user(request.user, ticket_id)
    suggestion = _get_suggestion(ticket, suggestion_id)
    try:
        done = action(suggestion=suggestion, actor=request.user)
    except services.SuggestionError as exc:
        if not request.htmx:
            return render(request, "tickets/ticket_error.html", {"error": str(exc)}, status=422)
        return _panel(request, ticket, error=str(exc), status=422)
    # Sent, but a macro it offered could not make one of its changes: say which, as the
    # reply box does.
    warnings = done.warnings if isinstance(done, services.Sent) else []
    notice = ("Sent. " + " ".join(warnings)) if warnings else ""
    if not request.htmx:
        if notice:
            messages.warning(request, notice)
        return redirect("tickets:detail", ticket.pk)
    return _panel(request, ticket, notice=notice)


@require_POST
@staff_required
def summarise(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    ticket = access.get_ticket_for_user(request.user, ticket_id)
    return _panel(request, ticket, summary=summaries.summarise(ticket))


@require_POST
@analyst_required
def draft_status_update(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    ticket = access.get_ticket_for_user(request.user, ticket_id)
    drafted = summaries.draft_status_update(ticket, reason="an analyst asked for a status update")
    error = "" if drafted else "A status update is already waiting in the panel."
    if not request.htmx:
        return redirect("tickets:detail", ticket.pk)
    return _panel(request, ticket, error=error, status=200 if drafted else 422)
