"""Saved views in the queue's sidebar: save the queue's filters under a name, rename, delete.

Every response is the sidebar again (its counts fresh), or for a plain form post a redirect to
the queue. Thin: selectors read, services write."""

from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.http import HtmxHttpRequest, staff_required
from tickets import access, saved_view_services, selectors

PARTIAL = "tickets/partials/saved_views.html"


def sidebar_context(user: User, query: str, *, error: str = "") -> dict[str, Any]:
    """What the sidebar shows: ``user``'s views with their counts, the one matching the queue's
    ``query`` marked, and the filters the save form would keep."""
    try:
        current = saved_view_services.queue_query(user=user, query=query)
    except ValidationError:
        current = None
    return {
        "saved_views": selectors.saved_views_with_counts(user),
        "current_query": current,
        "save_query": query,
        "saved_view_error": error,
    }


@require_POST
@staff_required
def saved_view_create(request: HtmxHttpRequest) -> HttpResponse:
    query = request.POST.get("query", "")
    try:
        saved_view_services.saved_view_create(
            owner=request.user, name=request.POST.get("name", ""), query=query
        )
    except ValidationError as exc:
        return _refused(request, query, exc)
    return _done(request, query)


@require_POST
@staff_required
def saved_view_rename(request: HtmxHttpRequest, view_id: int) -> HttpResponse:
    view = access.get_saved_view_for_user(request.user, view_id)
    current = request.POST.get("current", "")
    try:
        saved_view_services.saved_view_update(view=view, name=request.POST.get("name", ""))
    except ValidationError as exc:
        return _refused(request, current, exc)
    return _done(request, current)


@require_POST
@staff_required
def saved_view_delete(request: HtmxHttpRequest, view_id: int) -> HttpResponse:
    view = access.get_saved_view_for_user(request.user, view_id)
    saved_view_services.saved_view_delete(view=view)
    return _done(request, request.POST.get("current", ""))


def _done(request: HtmxHttpRequest, query: str) -> HttpResponse:
    if request.htmx:
        return render(request, PARTIAL, sidebar_context(request.user, query))
    return redirect(_queue_url(query))


def _refused(request: HtmxHttpRequest, query: str, exc: ValidationError) -> HttpResponse:
    error = " ".join(exc.messages)
    if request.htmx:
        context = sidebar_context(request.user, query, error=error)
        return render(request, PARTIAL, context, status=422)
    messages.error(request, f"The view was not saved: {error}")
    return redirect(_queue_url(query))


def _queue_url(query: str) -> str:
    # Only the queue's own keys go back into the address.
    keys = saved_view_services.QUERY_KEYS
    pairs = [(k, v) for k, v in parse_qsl(query.lstrip("?")) if k in keys]
    return reverse("tickets:queue") + (f"?{urlencode(pairs)}" if pairs else "")
