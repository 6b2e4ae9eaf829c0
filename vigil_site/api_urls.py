"""Everything under /api/: version 1 of the REST API, its OpenAPI schema and its docs page."""

from django.urls import include, path, re_path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from vigil_site import api_errors

app_name = "api"


class IdConverter:
    """A database id: at most 18 digits, so it always fits PostgreSQL's bigint."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "api_id")

v1 = [
    path("tickets/", include("tickets.api_urls")),
    path("macros/", include("tickets.macro_api_urls")),
    path("views/", include("tickets.saved_view_api_urls")),
    path("customers/", include("tickets.customer_api_urls")),
    path("notifications/", include("tickets.notification_api_urls")),
    path("tickets/<api_id:ticket_id>/suggestions/", include("copilot.api_urls")),
    path("knowledge/", include("knowledge.api_urls")),
    path("dashboards/", include("dashboards.api_urls")),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file of its own (?script):
    # the Content-Security-Policy refuses inline scripts.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"^(?P<path>.*)$", api_errors.not_found),
]
