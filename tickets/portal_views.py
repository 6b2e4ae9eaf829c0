"""Customer portal: open a ticket without an account, follow it through a private signed link."""

import datetime as dt
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.client_ip import client_ip
from core.http import HtmxHttpRequest
from core.tasks import enqueue
from tickets import forms, selectors, services
from tickets.models import Message, Ticket
from tickets.selectors import MAX_SEQ, parse_int
from tickets.views import idempotency_key, portal_path

PortalView = Callable[[HtmxHttpRequest, Ticket, str], HttpResponse]


def portal_ticket(view: PortalView) -> Callable[..., HttpResponse]:
    """Resolve the signed link to its ticket; a forged or tampered link gets 403.

    The link is the customer's only credential, so no cache may keep what it shows.
    """

    @never_cache
    @wraps(view)
    def wrapper(request: HtmxHttpRequest, token: str) -> HttpResponse:
        try:
            ticket = selectors.ticket_get_for_portal(token)
        except selectors.PortalLinkInvalid:
            return render(request, "portal/link_invalid.html", status=403)
        return view(request, ticket, token)

    return wrapper


@require_http_methods(["GET", "POST"])
def ticket_new(request: HtmxHttpRequest) -> HttpResponse:
    if request.method == "GET":
        form = forms.PortalTicketForm(initial={"client_token": uuid.uuid4().hex})
        return render(request, "portal/ticket_new.html", {"form": form})
    form = forms.PortalTicketForm(request.POST)
    if not form.is_valid():
        return render(request, "portal/ticket_new.html", {"form": form}, status=400)
    data = form.cleaned_data
    ip = client_ip(request)
    key = idempotency_key("portal-new", data["client_token"])
    resubmitted = selectors.ticket_from_form(key=key, email=data["email"], ip=ip)
    if resubmitted is not None:
        # A double click or the back button: lead to the ticket the form already opened.
        return redirect(portal_path(resubmitted))
    if _rate_limited(data["email"], ip):
        form.add_error(
            None,
            "Too many new tickets from this address in the last "
            f"{settings.VIGIL_PORTAL_RATE_WINDOW_MINUTES} minutes. Reply on your open ticket "
            "or try again later.",
        )
        return render(request, "portal/ticket_new.html", {"form": form}, status=429)
    try:
        ticket, created = services.ticket_open_once(
            key=key,
            team=data["team"],
            name=data["name"],
            email=data["email"],
            subject=data["subject"],
            body=data["body"],
            ip=ip,
        )
    except services.TicketError as exc:
        form.add_error(None, str(exc))
        return render(request, "portal/ticket_new.html", {"form": form}, status=400)
    if not created:
        return redirect(portal_path(ticket))
    link = request.build_absolute_uri(portal_path(ticket))
    transaction.on_commit(lambda: enqueue("tickets.tasks.send_portal_link", ticket.pk, link))
    return redirect(portal_path(ticket) + "?new=1")


def _window_start() -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=settings.VIGIL_PORTAL_RATE_WINDOW_MINUTES)


def _rate_limited(email: str, ip: str | None) -> bool:
    limit = settings.VIGIL_PORTAL_RATE_LIMIT
    recent = Ticket.objects.filter(created_at__gte=_window_start())
    by_email = recent.filter(customer__email=email.strip().lower()).count()
    by_ip = recent.filter(created_from_ip=ip).count() if ip else 0
    return by_email >= limit or by_ip >= limit


def _replies_limited(ticket: Ticket) -> bool:
    """Replies are counted per ticket, as new tickets per address: the customer's messages on
    it in the window, however they came."""
    recent = ticket.messages.filter(kind=Message.Kind.CUSTOMER, created_at__gte=_window_start())
    return recent.count() >= settings.VIGIL_PORTAL_REPLY_RATE_LIMIT


def _replies_limit_text() -> str:
    return (
        f"You have sent {settings.VIGIL_PORTAL_REPLY_RATE_LIMIT} messages on this ticket in the "
        f"last {settings.VIGIL_PORTAL_RATE_WINDOW_MINUTES} minutes. We will read them; please "
        "wait for our answer or try again later."
    )


@require_GET
@portal_ticket
def ticket_page(request: HtmxHttpRequest, ticket: Ticket, token: str) -> HttpResponse:
    form = forms.PortalReplyForm(initial={"client_token": uuid.uuid4().hex})
    return render(request, "portal/ticket_page.html", _context(request, ticket, token, form))


@require_GET
@portal_ticket
def ticket_conversation(request: HtmxHttpRequest, ticket: Ticket, token: str) -> HttpResponse:
    messages_list = selectors.conversation_for_customer(ticket)
    if (after_seq := parse_int(request.GET.get("after_seq", ""), maximum=MAX_SEQ)) is not None:
        messages_list = messages_list.filter(public_seq__gt=after_seq)
    else:
        messages_list = messages_list.filter(pk__gt=parse_int(request.GET.get("after", "")) or 0)
    context = {"ticket": ticket, "token": token, "messages_list": messages_list}
    return render(request, "portal/ticket_page.html#messages", context)


@require_POST
@portal_ticket
def ticket_reply(request: HtmxHttpRequest, ticket: Ticket, token: str) -> HttpResponse:
    form = forms.PortalReplyForm(request.POST)
    message = None
    status = 422 if request.htmx else 400
    if form.is_valid() and _replies_limited(ticket):
        form.add_error(None, _replies_limit_text())
        status = 429
    elif form.is_valid():
        try:
            message, _ = services.message_create(
                ticket=ticket,
                kind=Message.Kind.CUSTOMER,
                body=form.cleaned_data["body"],
                author_name=ticket.customer.name,
                external_id=idempotency_key("portal", form.cleaned_data["client_token"]),
            )
        except services.TicketError as exc:
            form.add_error(None, str(exc))
    if message is None:
        if not request.htmx:
            context = _context(request, ticket, token, form)
            return render(request, "portal/ticket_page.html", context, status=status)
        context = {"ticket": ticket, "token": token, "form": form}
        return render(request, "portal/ticket_page.html#reply_form", context, status=status)
    if not request.htmx:
        return redirect(portal_path(ticket))
    fresh = forms.PortalReplyForm(initial={"client_token": uuid.uuid4().hex})
    context = {
        "ticket": ticket,
        "token": token,
        "form": fresh,
        "message": message,
        "append_message": True,
    }
    return render(request, "portal/ticket_page.html#reply_form", context)


def _context(
    request: HttpRequest, ticket: Ticket, token: str, form: forms.PortalReplyForm
) -> dict[str, Any]:
    return {
        "ticket": ticket,
        "token": token,
        "form": form,
        "messages_list": selectors.conversation_for_customer(ticket),
        "just_opened": request.GET.get("new") == "1",
        "link": request.build_absolute_uri(portal_path(ticket)),
    }
