from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from vigil_site import api_token_views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="tickets:queue", permanent=False)),
    # Pages without our icon link (the admin) make browsers ask here; a 404 would be logged.
    path("favicon.ico", RedirectView.as_view(url=static("vigil/favicon.svg"), permanent=True)),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("tickets/", include("tickets.urls")),
    path("support/", include("tickets.portal_urls")),
    path("knowledge/", include("knowledge.urls")),
    path("copilot/", include("copilot.urls")),
    # Replays kept the address they had when they were part of the copilot.
    path("copilot/", include("replay.urls")),
    path("api/", include("vigil_site.api_urls")),
    path("account/api-token/", api_token_views.token_page, name="api_token"),
    path("account/api-token/rotate/", api_token_views.token_rotate, name="api_token_rotate"),
    path("account/api-token/revoke/", api_token_views.token_revoke, name="api_token_revoke"),
    path("integrations/", include("integrations.urls")),
    path("dashboards/", include("dashboards.urls")),
]
