from django.urls import path

from tickets import attachment_views, portal_views

app_name = "portal"

urlpatterns = [
    path("", portal_views.ticket_new, name="new"),
    path("t/<str:token>/", portal_views.ticket_page, name="ticket"),
    path("t/<str:token>/conversation/", portal_views.ticket_conversation, name="conversation"),
    path("t/<str:token>/reply/", portal_views.ticket_reply, name="reply"),
    path("t/<str:token>/rating/", portal_views.ticket_rating, name="rating"),
    path(
        "t/<str:token>/attachments/<int:attachment_id>/",
        attachment_views.portal_attachment,
        name="attachment",
    ),
]
