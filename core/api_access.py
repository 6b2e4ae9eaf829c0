"""Who may call the API and how often. Kept apart from the views: DRF imports these early."""

from typing import TYPE_CHECKING

from django.conf import settings
from rest_framework import permissions, throttling
from rest_framework.request import Request

from core import roles
from core.client_ip import client_ip

if TYPE_CHECKING:
    # rest_framework.views imports the default permission classes: a runtime import would loop.
    from rest_framework.views import APIView


class HasVigilRole(permissions.BasePermission):
    """Authenticated, and holding one of Vigil's roles, as every console page requires."""

    message = "Your account has no Vigil role. Ask an admin for one."

    def has_permission(self, request: Request, view: "APIView") -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        return roles.can_view_tickets(request.user)


class UserRateThrottle(throttling.UserRateThrottle):
    # The rate is read per request, not once at import, so settings changes take effect.
    def get_rate(self) -> str:
        return settings.VIGIL_API_RATE_USER


class AnonRateThrottle(throttling.AnonRateThrottle):
    def get_rate(self) -> str:
        return settings.VIGIL_API_RATE_ANON

    def get_ident(self, request: Request) -> str:
        # DRF's own reads X-Forwarded-For from anyone: a forged header would reset the count.
        return client_ip(request) or ""
