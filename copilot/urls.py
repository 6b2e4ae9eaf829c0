from django.urls import path

from copilot import views

app_name = "copilot"

urlpatterns = [
    path("tickets/<int:ticket_id>/panel/", views.panel, name="panel"),
    path("tickets/<int:ticket_id>/summary/", views.summarise, name="summary"),
    path("tickets/<int:ticket_id>/status-update/", views.draft_status_update, name="status_update"),
    path(
        "tickets/<int:ticket_id>/suggestions/<int:suggestion_id>/send/",
        views.suggestion_send,
        name="suggestion_send",
    ),
    path(
        "tickets/<int:ticket_id>/suggestions/<int:suggestion_id>/insert/",
        views.suggestion_insert,
        name="suggestion_insert",
    ),
    path(
        "tickets/<int:ticket_id>/suggestions/<int:suggestion_id>/dismiss/",
        views.suggestion_dismiss,
        name="suggestion_dismiss",
    ),
]
