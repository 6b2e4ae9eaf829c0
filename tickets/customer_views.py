"""A customer's page (their tickets this user may see) and merging two of their tickets."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from core.http import HtmxHttpRequest, staff_required
from tickets import access, forms, merge_services, selectors, services
from tickets.models import Ticket
from tickets.views import ticket_url


@require_GET
@staff_required
def customer_detail(request: HtmxHttpRequest, customer_id: int) -> HttpResponse:
    customer = access.get_customer_for_user(request.user, customer_id)
    tickets = selectors.customer_tickets(request.user, customer)
    page = Paginator(tickets, settings.VIGIL_QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "tickets/customer_detail.html", {"customer": customer, "page": page})


@require_http_methods(["GET", "POST"])
@staff_required
def ticket_merge(request: HtmxHttpRequest, ticket_id: int) -> HttpResponse:
    """GET: what merging this ticket into ``?into=`` would do, to confirm; POST: do it."""
    source = access.get_ticket_to_work(request.user, ticket_id)
    form = forms.MergeForm(request.POST if request.method == "POST" else request.GET)
    context: dict[str, Any] = {"ticket": source, "form": form}
    if not form.is_valid():
        context["error"] = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return render(request, "tickets/ticket_merge.html", context, status=400)
    try:
        target = _target(request, form.cleaned_data["into"])
    except (Http404, PermissionDenied) as refused:
        context["error"] = str(refused)
        status = 404 if isinstance(refused, Http404) else 403
        return render(request, "tickets/ticket_merge.html", context, status=status)
    context["target"] = target
    if reason := merge_services.merge_refusal(source, target):
        context["error"] = reason
        return render(request, "tickets/ticket_merge.html", context, status=422)
    if request.method == "GET":
        context |= {"moving": source.messages.count(), "events": source.events.count()}
        return render(request, "tickets/ticket_merge.html", context)
    try:
        merge_services.ticket_merge(source=source, target=target, actor=request.user)
    except services.TicketError as exc:
        context["error"] = str(exc)
        return render(request, "tickets/ticket_merge.html", context, status=422)
    messages.success(request, f"#{source.pk} was merged into this ticket, #{target.pk}.")
    return redirect(ticket_url(target))


def _target(request: HtmxHttpRequest, target_id: int) -> Ticket:
    # The same loader as for the ticket itself: a ticket of another team is "not found".
    return access.get_ticket_to_work(request.user, target_id)
