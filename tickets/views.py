"""Analyst console: the ticket queue and the ticket page. Thin: selectors read, services write."""

import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from core import roles
from core.http import HtmxHttpRequest, staff_required
from tickets import (
    access,
    bulk_services,
    forms,
    macro_services,
    notification_services,
    saved_view_views,
    selectors,
    services,
)
from tickets.models import Message, Ticket
from tickets.selectors import MAX_SEQ, parse_int, portal_path


@require_GET
@staff_required
def queue(request: HtmxHttpRequest) -> HttpResponse:
    template = "tickets/ticket_queue.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, _queue_context(request, _bulk_form(request)))


def _queue_context(request: HtmxHttpRequest, bulk_form: forms.BulkForm) -> dict[str, Any]:
    filters = selectors.queue_filters(request.GET)
    tickets = selectors.ticket_queue(request.user, filters)
    page = Paginator(tickets, settings.VIGIL_QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    teams = selectors.teams_for_user(request.user)
    can_work = roles.can_work_tickets(request.user)
    return {
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "full_query": request.GET.urlencode(),
        "teams": teams,
        "statuses": [("", "Active · all when searching"), *Ticket.Status.choices, ("all", "All")],
        "priorities": Ticket.Priority.choices,
        "sorts": selectors.QUEUE_SORTS.items(),
        "can_work": can_work,
        "bulk_form": bulk_form,
        "bulk_people": selectors.assignable_in(teams) if can_work else [],
        "ticket_statuses": Ticket.Status.choices,
        "ticked": request.POST.getlist("tickets"),
        **saved_view_views.sidebar_context(request.user, request.GET.urlencode()),
    }


def _bulk_form(request: HtmxHttpRequest, data: Any = None) -> forms.BulkForm:
    teams = selectors.teams_for_user(request.user)
    return forms.BulkForm(data, user=request.user, teams=teams)


@require_POST
@staff_required
def queue_bulk(request: HtmxHttpRequest) -> HttpResponse:
    """One change to the tickets ticked in the queue; back to the queue (its filters are in
    the query string) saying what was changed and what was refused, and why."""
    if not roles.can_work_tickets(request.user):
        raise PermissionDenied("Your role can read tickets but not change them.")
    form = _bulk_form(request, request.POST)
    if not form.is_valid():
        context = _queue_context(request, form)
        return render(request, "tickets/ticket_queue.html", context, status=400)
    result = bulk_services.tickets_bulk_change(
        actor=request.user, ticket_ids=form.cleaned_data["tickets"], change=form.change()
    )
    report = messages.warning if result.refused else messages.success
    report(request, result.summary)
    return redirect(
        reverse("tickets:queue") + (f"?{request.GET.urlencode()}" if request.GET else "")
    )


def _param(request: HtmxHttpRequest, name: str, default: str = "") -> str:
    # PostgreSQL refuses NUL characters in text; a filter value never needs one.
    return request.GET.get(name, default).replace("\x00", "").strip()[:200]


@require_GET
@staff_required
def ticket_detail(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    ticket = access.get_ticket_for_user(request.user, ticket_id)
    # Before the page is drawn, so that its bell no longer counts what it shows.
    notification_services.notifications_read_for_ticket(user=request.user, ticket=ticket)
    context = _page_context(request, ticket, forms.ReplyForm(initial=_fresh_token()))
    response = render(request, "tickets/ticket_detail.html", context)
    services.ticket_mark_read(ticket=ticket, user=request.user)
    return response


@require_GET
@staff_required
def ticket_sidebar(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    ticket = access.get_ticket_for_user(request.user, ticket_id)
    services.ticket_mark_read(ticket=ticket, user=request.user)
    return _sidebar(request, ticket)


@require_GET
@staff_required
def ticket_conversation(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    """Messages numbered after ``?after_seq=<n>`` (or with ids after ``?after=<id>``): how a
    page fetches what it missed, on (re)connect, on a gap in the numbers, and now and then."""
    ticket = access.get_ticket_for_user(request.user, ticket_id)
    messages_list = selectors.conversation_for_staff(ticket)
    if (after_seq := parse_int(_param(request, "after_seq"), maximum=MAX_SEQ)) is not None:
        messages_list = messages_list.filter(seq__gt=after_seq)
    else:
        messages_list = messages_list.filter(pk__gt=parse_int(_param(request, "after")) or 0)
    context = {"ticket": ticket, "messages_list": messages_list}
    return render(request, "tickets/ticket_detail.html#messages", context)


@require_POST
@staff_required
def ticket_reply(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    ticket = access.get_ticket_to_work(request.user, ticket_id)
    offered = selectors.macros_for_ticket(request.user, ticket)
    form = forms.ReplyForm(request.POST, request.FILES, macros=offered)
    if not form.is_valid():
        return _reply_refused(request, ticket, form)
    data = form.cleaned_data
    try:
        # The reply and the changes sent with it are one step: pages told of it (on commit)
        # read the ticket as it ends, never between the reply and its macros' status.
        with transaction.atomic():
            message, _ = services.message_create(
                ticket=ticket,
                kind=Message.Kind.ANALYST,
                body=data["body"],
                author=request.user,
                internal=data["internal"],
                external_id=idempotency_key(f"staff-{request.user.pk}", data["client_token"]),
                email=True,
                files=data["attachments"],
            )
            warnings = macro_services.macros_apply(
                macros=data["macros"], ticket=ticket, actor=request.user, message=message
            )
            if data["then_status"]:
                try:
                    services.ticket_change_status(
                        ticket=ticket, actor=request.user, status=data["then_status"]
                    )
                except services.TicketError as exc:
                    warnings.append(f"The status was not changed: {exc}")
    except services.TicketError as exc:
        form.add_error(None, str(exc))
        return _reply_refused(request, ticket, form)
    warning = ("Sent. " + " ".join(warnings)) if warnings else ""
    if not request.htmx:
        if warning:
            messages.warning(request, warning)
        return redirect(ticket_url(ticket) + f"#message-{message.pk}")
    context = {
        "ticket": ticket,
        "form": forms.ReplyForm(initial=_fresh_token()),
        "message": message,
        "append_message": True,
        "reply_warning": warning,
    }
    return render(request, "tickets/ticket_detail.html#reply_form", context)


def _reply_refused(request: HtmxHttpRequest, ticket: Ticket, form: forms.ReplyForm) -> HttpResponse:
    """The form back with its errors and the text kept; nothing was saved."""
    if not request.htmx:
        context = _page_context(request, ticket, form)
        return render(request, "tickets/ticket_detail.html", context, status=400)
    context = {"ticket": ticket, "form": form, "pending_macros": _pending(form)}
    return render(request, "tickets/ticket_detail.html#reply_form", context, status=422)


def _pending(form: forms.ReplyForm) -> list[Any]:
    """The macros a refused reply was written with, shown again with the kept text."""
    return list(form.cleaned_data.get("macros", [])) if hasattr(form, "cleaned_data") else []


def idempotency_key(sender: str, token: str) -> str | None:
    """A form's one-time token, scoped to who sent it so senders never share keys."""
    return f"{sender}:{token}" if token else None


@require_POST
@staff_required
def ticket_status(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    return _change(request, ticket_id, forms.StatusForm, _change_status)


@require_POST
@staff_required
def ticket_priority(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    return _change(request, ticket_id, forms.PriorityForm, _change_priority)


@require_POST
@staff_required
def ticket_tags(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    return _change(request, ticket_id, forms.TagsForm, _change_tags)


@require_POST
@staff_required
def ticket_assign(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    return _change(request, ticket_id, forms.AssignForm, _change_assignee)


@require_POST
@staff_required
def ticket_team(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    ticket = access.get_ticket_to_work(request.user, ticket_id)
    form = forms.TeamForm(request.POST)
    if not form.is_valid():
        return _sidebar(request, ticket, error="Choose a team.", status=422)
    services.ticket_move(ticket=ticket, actor=request.user, team=form.cleaned_data["team"])
    try:
        ticket = access.get_ticket_for_user(request.user, ticket_id)
    except Http404:
        # Moved out of this analyst's teams: nothing left to show here.
        url = reverse("tickets:queue")
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return _after_change(request, ticket)


def _change_status(request: HtmxHttpRequest, ticket: Ticket, data: dict[str, Any]) -> None:
    services.ticket_change_status(ticket=ticket, actor=request.user, status=data["status"])


def _change_priority(request: HtmxHttpRequest, ticket: Ticket, data: dict[str, Any]) -> None:
    services.ticket_set_priority(ticket=ticket, actor=request.user, priority=data["priority"])


def _change_tags(request: HtmxHttpRequest, ticket: Ticket, data: dict[str, Any]) -> None:
    services.ticket_set_tags(ticket=ticket, actor=request.user, tags=data["tags"])


def _change_assignee(request: HtmxHttpRequest, ticket: Ticket, data: dict[str, Any]) -> None:
    value = data["assignee"]
    if value == "me":
        assignee = request.user
    elif not value:
        assignee = None
    else:
        pk = parse_int(value)
        assignee = get_user_model().objects.filter(pk=pk).first() if pk is not None else None
        if assignee is None:
            raise services.TicketError("That person does not exist.")
    services.ticket_assign(ticket=ticket, actor=request.user, assignee=assignee)


def _change(
    request: HtmxHttpRequest,
    ticket_id: int,
    form_class: type[forms.forms.Form],
    apply: Callable[[HtmxHttpRequest, Ticket, dict[str, Any]], None],
) -> HttpResponse:
    ticket = access.get_ticket_to_work(request.user, ticket_id)
    form = form_class(request.POST)
    if not form.is_valid():
        error = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        return _sidebar(request, ticket, error=error, status=422)
    try:
        apply(request, ticket, form.cleaned_data)
    except services.TicketError as exc:
        return _sidebar(request, ticket, error=str(exc), status=422)
    return _after_change(request, ticket)


def _after_change(request: HtmxHttpRequest, ticket: Ticket) -> HttpResponse:
    if request.htmx:
        return _sidebar(request, ticket)
    return redirect(ticket_url(ticket))


def _sidebar(
    request: HtmxHttpRequest, ticket: Ticket, *, error: str = "", status: int = 200
) -> HttpResponse:
    if not request.htmx and status >= 400:
        return render(request, "tickets/ticket_error.html", {"error": error}, status=status)
    context = {**_sidebar_context(request, ticket), "sidebar_error": error, "oob_header": True}
    return render(request, "tickets/ticket_detail.html#sidebar", context, status=status)


def _sidebar_context(request: HtmxHttpRequest, ticket: Ticket) -> dict[str, Any]:
    allowed = services.TRANSITIONS[ticket.status]
    may_merge = roles.can_work_tickets(request.user) and ticket.merged_into_id is None
    history = selectors.customer_history(request.user, ticket)
    return {
        "ticket": ticket,
        # A merged ticket stays closed: its work goes on in the ticket it was merged into.
        "transitions": []
        if ticket.merged_into_id
        else [
            (s, _transition_label(ticket.status, s)) for s in Ticket.Status.values if s in allowed
        ],
        "assignable": selectors.assignable_users(ticket),
        "teams": selectors.teams_for_user(request.user),
        "priorities": Ticket.Priority.choices,
        "timeline": selectors.timeline_for(ticket),
        "can_work": roles.can_work_tickets(request.user),
        "portal_url": request.build_absolute_uri(portal_path(ticket)),
        "customer_history": history,
        # The tickets it may be merged into: those listed (the API takes any of them).
        "merge_targets": [t for t in history if not t.merged_into_id] if may_merge else [],
        "ratings": selectors.ratings_for(ticket),
    }


def _transition_label(current: str, target: str) -> str:
    if target == Ticket.Status.OPEN:
        return "Reopen" if current in {"resolved", "closed"} else "Mark open"
    return {
        "waiting": "Wait on customer",
        "resolved": "Resolve",
        "closed": "Close",
    }.get(target, target)


def _page_context(
    request: HtmxHttpRequest, ticket: Ticket, form: forms.ReplyForm
) -> dict[str, Any]:
    return {
        **_sidebar_context(request, ticket),
        "messages_list": selectors.conversation_for_staff(ticket),
        "presence_seconds": settings.VIGIL_PRESENCE_SECONDS,
        "form": form,
        "pending_macros": _pending(form),
    }


def _fresh_token() -> dict[str, str]:
    # A new idempotency key per rendered form: a double submit stores the message once.
    return {"client_token": uuid.uuid4().hex}


def ticket_url(ticket: Ticket) -> str:
    return reverse("tickets:detail", args=[ticket.pk])


@require_GET
@staff_required
def message_email(request: HtmxHttpRequest, ticket_id: int, message_id: int) -> HttpResponse:
    """The delivery badge of one message: what a queued badge asks for until it settles."""
    ticket = access.get_ticket_for_user(request.user, ticket_id)
    mail = selectors.message_email_for_ticket(ticket, message_id)
    if mail is None:
        raise Http404("This message was not emailed.")
    return render(request, "tickets/partials/message_email.html", {"mail": mail})
