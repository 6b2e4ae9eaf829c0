from django.urls import path

from copilot import views

app_name = "copilot"

urlpatterns = [
    path("tickets/<int:ticket_id>/panel/", views.panel, name="panel"),
    path("tickets/<int:ticket_id>/summary/", views.summarise, name="summary"),
    path("tickets/<int:ticket_id>/status-update/", views.draft_status_update, name="status_update"),
    path(
        "tickets/<int:ticket_id>/suggestions/<int:suggestion_id>/<slug:action>/",
        views.act,
        name="act",
    ),
]
