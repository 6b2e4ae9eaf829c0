from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="tickets:queue", permanent=False)),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("tickets/", include("tickets.urls")),
    path("support/", include("tickets.portal_urls")),
    path("knowledge/", include("knowledge.urls")),
    path("copilot/", include("copilot.urls")),
    path("dashboards/", include("dashboards.urls")),
]
