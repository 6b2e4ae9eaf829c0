"""Everything under /api/: version 1 of the REST API, its OpenAPI schema and its docs page."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from vigil_site import api_errors

app_name = "api"

v1 = [
    path("tickets/", include("tickets.api_urls")),
    path("tickets/<int:ticket_id>/suggestions/", include("copilot.api_urls")),
    path("knowledge/", include("knowledge.api_urls")),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"^(?P<path>.*)$", api_errors.not_found),
]
