"""The console page where a user gets, rotates and revokes their own API token."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core.http import HtmxHttpRequest, staff_required
from vigil_site import services


@require_GET
@staff_required
@never_cache  # it shows a bearer credential
def token_page(request: HtmxHttpRequest) -> HttpResponse:
    context = {"token": services.token_for(request.user)}
    return render(request, "api/token_page.html", context)


@require_POST
@staff_required
def token_rotate(request: HtmxHttpRequest) -> HttpResponse:
    had_one = services.token_for(request.user) is not None
    services.token_rotate(user=request.user)
    if had_one:
        messages.success(request, "A new token was made; the old one no longer works.")
    else:
        messages.success(request, "Your API token was made.")
    return redirect("api_token")


@require_POST
@staff_required
def token_revoke(request: HtmxHttpRequest) -> HttpResponse:
    if services.token_revoke(user=request.user):
        messages.success(request, "Your API token was revoked; requests with it are refused.")
    return redirect("api_token")
