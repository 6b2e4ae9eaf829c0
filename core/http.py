"""The request type and role decorators every console view uses."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django_htmx.middleware import HtmxDetails

from core import roles


class HtmxHttpRequest(HttpRequest):
    """A request that passed the role checks: a logged-in user, and htmx details."""

    user: User
    htmx: HtmxDetails


View = Callable[..., HttpResponseBase]


def role_required(allowed: Callable[[Any], bool], refusal: str) -> Callable[[View], View]:
    """Logged in, and ``allowed(user)``; anyone else gets 403 with ``refusal``."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HtmxHttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not allowed(request.user):
                raise PermissionDenied(refusal)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


staff_required = role_required(
    roles.can_view_tickets, "Your account has no Vigil role. Ask an admin for one."
)
