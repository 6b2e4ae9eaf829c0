"""Customer portal: open a ticket without an account, follow it through a private signed link."""

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.client_ip import client_ip
from core.http import HtmxHttpRequest
from core.tasks import enqueue
from tickets import forms, portal_limits, rating_services, selectors, services
from tickets.models import Message, Ticket
from tickets.selectors import MAX_SEQ, parse_int
from tickets.views import idempotency_key, portal_path

# (request, ticket, token, **the rest of the URL's arguments)
PortalView = Callable[..., HttpResponseBase]


def portal_ticket(view: PortalView) -> Callable[..., HttpResponseBase]:
    """Resolve the signed link to its ticket; a forged or tampered link gets 403.

    The link is the customer's only credential, so no cache may keep what it shows.
    """

    @never_cache
    @wraps(view)
    def wrapper(request: HtmxHttpRequest, token: str, **kwargs: Any) -> HttpResponseBase:
        try:
            ticket = selectors.ticket_get_for_portal(token)
        except selectors.PortalLinkInvalid:
            return render(request, "portal/link_invalid.html", status=403)
        return view(request, ticket, token, **kwargs)

    return wrapper


@require_http_methods(["GET", "POST"])
def ticket_new(request: HtmxHttpRequest) -> HttpResponse:
    if request.method == "GET":
        form = forms.PortalTicketForm(initial={"client_token": uuid.uuid4().hex})
        return render(request, "portal/ticket_new.html", {"form": form})
    form = forms.PortalTicketForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "portal/ticket_new.html", {"form": form}, status=400)
    data = form.cleaned_data
    ip = client_ip(request)
    key = idempotency_key("portal-new", data["client_token"])
    resubmitted = selectors.ticket_from_form(key=key, email=data["email"], ip=ip)
    if resubmitted is not None:
        # A double click or the back button: lead to the ticket the form already opened.
        return redirect(portal_path(resubmitted))
    if refusal := portal_limits.new_ticket_refusal(data["email"], ip):
        form.add_error(None, refusal)
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
            files=data["attachments"],
        )
    except services.TicketError as exc:
        form.add_error(None, str(exc))
        return render(request, "portal/ticket_new.html", {"form": form}, status=400)
    if not created:
        return redirect(portal_path(ticket))
    link = request.build_absolute_uri(portal_path(ticket))
    transaction.on_commit(lambda: enqueue("tickets.tasks.send_portal_link", ticket.pk, link))
    return redirect(portal_path(ticket) + "?new=1")


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
    form = forms.PortalReplyForm(request.POST, request.FILES)
    message = None
    status = 422 if request.htmx else 400
    if form.is_valid() and ticket.merged_into_id is not None:
        form.add_error(None, "This ticket was merged into another one: reply there.")
        status = 422 if request.htmx else 400
    elif form.is_valid() and portal_limits.replies_limited(ticket):
        form.add_error(None, portal_limits.replies_limit_text())
        status = 429
    elif form.is_valid():
        try:
            message, _ = services.message_create(
                ticket=ticket,
                kind=Message.Kind.CUSTOMER,
                body=form.cleaned_data["body"],
                author_name=ticket.customer.name,
                external_id=idempotency_key("portal", form.cleaned_data["client_token"]),
                files=form.cleaned_data["attachments"],
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


@require_http_methods(["GET", "POST"])
@portal_ticket
def ticket_rating(request: HtmxHttpRequest, ticket: Ticket, token: str) -> HttpResponse:
    """The rating box: GET shows it as it is now (a page refreshes it when the ticket
    changes); POST rates the current resolution, or changes its rating."""
    if request.method == "GET":
        return _rating_box(request, ticket, token, forms.RatingForm())
    form = forms.RatingForm(request.POST)
    status = 200
    if form.is_valid():
        try:
            rating_services.rating_save(
                ticket=ticket,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except services.TicketError as exc:
            form.add_error(None, str(exc))
    if form.errors:
        status = 422 if request.htmx else 400
    elif not request.htmx:
        return redirect(portal_path(ticket) + "#rating-box")
    return _rating_box(request, ticket, token, form, status=status, thanked=not form.errors)


def _rating_box(
    request: HtmxHttpRequest,
    ticket: Ticket,
    token: str,
    form: forms.RatingForm,
    *,
    status: int = 200,
    thanked: bool = False,
) -> HttpResponse:
    context = {**_rating_context(ticket, form), "token": token, "thanked": thanked}
    if not request.htmx:
        context |= _context(request, ticket, token, forms.PortalReplyForm())
        context["rating_form"] = form
        return render(request, "portal/ticket_page.html", context, status=status)
    return render(request, "portal/ticket_page.html#rating_box", context, status=status)


def _rating_context(ticket: Ticket, form: forms.RatingForm | None = None) -> dict[str, Any]:
    rating = rating_services.rating_for_resolution(ticket)
    if form is not None and form.is_bound:
        # What the customer sent comes back with its error, as they left it.
        chosen, comment = form.data.get("rating", ""), form.data.get("comment", "")
    else:
        chosen, comment = (rating.rating, rating.comment) if rating else ("", "")
    return {
        "ticket": ticket,
        "may_rate": rating_services.may_rate(ticket),
        "rating": rating,
        "rating_form": form or forms.RatingForm(),
        "rating_chosen": chosen,
        "rating_comment": comment,
    }


def _context(
    request: HttpRequest, ticket: Ticket, token: str, form: forms.PortalReplyForm
) -> dict[str, Any]:
    merged_into = ticket.merged_into
    return {
        **_rating_context(ticket),
        "ticket": ticket,
        "token": token,
        "form": form,
        "messages_list": selectors.conversation_for_customer(ticket),
        "just_opened": request.GET.get("new") == "1",
        "link": request.build_absolute_uri(portal_path(ticket)),
        "merged_url": portal_path(merged_into) if merged_into else "",
    }
