"""Notifications in the console: the page listing them, the bell's menu, marking them read and
the email digest setting. Thin: selectors read, services write; only the user's own
notifications, on tickets they may read."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.http import HtmxHttpRequest, staff_required
from tickets import notification_selectors, notification_services
from tickets.forms import NotificationSettingsForm

PAGE_SIZE = 30
MENU_SIZE = 8


@require_GET
@staff_required
def notification_list(request: HtmxHttpRequest) -> HttpResponse:
    return _page(request, NotificationSettingsForm(initial=_initial(request)))


def _initial(request: HtmxHttpRequest) -> dict[str, bool]:
    return {"email_digest": notification_selectors.settings_for_user(request.user).email_digest}


def _page(
    request: HtmxHttpRequest, form: NotificationSettingsForm, status: int = 200
) -> HttpResponse:
    found = notification_selectors.notifications_for_user(request.user)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "form": form, "has_email": bool(request.user.email)}
    return render(request, "tickets/notification_list.html", context, status=status)


@require_GET
@staff_required
def notification_menu(request: HtmxHttpRequest) -> HttpResponse:
    """The bell's menu: the latest few, newest first."""
    return _menu(request)


def _menu(request: HtmxHttpRequest) -> HttpResponse:
    latest = notification_selectors.notifications_for_user(request.user)[:MENU_SIZE]
    return render(request, "tickets/partials/notification_menu.html", {"latest": latest})


@require_POST
@staff_required
def notification_read(request: HtmxHttpRequest, notification_id: int) -> HttpResponse:
    found = notification_selectors.notification_get_for_user(request.user, notification_id)
    if found is None:
        raise Http404(f"You have no notification #{notification_id}.")
    notification_services.notification_mark_read(notification=found)
    if request.htmx:
        context = {"notification": found, "in_menu": request.POST.get("in") == "menu"}
        return render(request, "tickets/partials/notification_item.html", context)
    return redirect("tickets:notifications")


@require_POST
@staff_required
def notification_read_all(request: HtmxHttpRequest) -> HttpResponse:
    marked = notification_services.notifications_mark_all_read(user=request.user)
    if request.htmx:
        return _menu(request)
    messages.success(request, f"Marked {marked} notification{'s' if marked != 1 else ''} read.")
    return redirect("tickets:notifications")


@require_POST
@staff_required
def notification_settings(request: HtmxHttpRequest) -> HttpResponse:
    form = NotificationSettingsForm(request.POST, has_email=bool(request.user.email))
    if not form.is_valid():
        return _page(request, form, status=400)
    on = form.cleaned_data["email_digest"]
    notification_services.notification_settings_update(user=request.user, email_digest=on)
    messages.success(
        request,
        f"Email digest on: unread notifications are emailed to {request.user.email} once an hour."
        if on
        else "Email digest off.",
    )
    return redirect("tickets:notifications")
