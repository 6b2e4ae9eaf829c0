"""What a login refused by the password-guessing lock answers: the login page, saying why."""

from typing import Any

from axes.helpers import get_client_username, get_cool_off
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """Called by axes instead of its plain-text answer (``AXES_LOCKOUT_CALLABLE``)."""
    username = get_client_username(request, credentials) or ""
    cool_off = get_cool_off(request)
    context = {
        "form": AuthenticationForm(request, initial={"username": username}),
        "locked_out": True,
        "lockout_minutes": round(cool_off.total_seconds() / 60) if cool_off else None,
        "next": request.POST.get("next", ""),
    }
    return render(request, "registration/login.html", context, status=429)
