from django.urls import path

from tickets import (
    attachment_views,
    customer_views,
    macro_views,
    mention_views,
    notification_views,
    saved_view_views,
    views,
)

app_name = "tickets"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("bulk/", views.queue_bulk, name="bulk"),
    path("views/new/", saved_view_views.saved_view_create, name="view_create"),
    path("views/<int:view_id>/rename/", saved_view_views.saved_view_rename, name="view_rename"),
    path("views/<int:view_id>/delete/", saved_view_views.saved_view_delete, name="view_delete"),
    path("<int:ticket_id>/", views.ticket_detail, name="detail"),
    path("<int:ticket_id>/sidebar/", views.ticket_sidebar, name="sidebar"),
    path("<int:ticket_id>/conversation/", views.ticket_conversation, name="conversation"),
    path("<int:ticket_id>/reply/", views.ticket_reply, name="reply"),
    path("<int:ticket_id>/status/", views.ticket_status, name="status"),
    path("<int:ticket_id>/priority/", views.ticket_priority, name="priority"),
    path("<int:ticket_id>/tags/", views.ticket_tags, name="tags"),
    path("<int:ticket_id>/assign/", views.ticket_assign, name="assign"),
    path("<int:ticket_id>/team/", views.ticket_team, name="team"),
    path("<int:ticket_id>/merge/", customer_views.ticket_merge, name="merge"),
    path("customers/<int:customer_id>/", customer_views.customer_detail, name="customer"),
    path("<int:ticket_id>/macros/", macro_views.macro_picker, name="macro_picker"),
    path("<int:ticket_id>/mentions/", mention_views.mention_options, name="mention_options"),
    path("macros/", macro_views.macro_list, name="macros"),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path("notifications/menu/", notification_views.notification_menu, name="notification_menu"),
    path(
        "notifications/<int:notification_id>/read/",
        notification_views.notification_read,
        name="notification_read",
    ),
    path(
        "notifications/read-all/",
        notification_views.notification_read_all,
        name="notifications_read_all",
    ),
    path(
        "notifications/settings/",
        notification_views.notification_settings,
        name="notification_settings",
    ),
    path("macros/new/", macro_views.macro_create, name="macro_create"),
    path("macros/<int:macro_id>/edit/", macro_views.macro_edit, name="macro_edit"),
    path("macros/<int:macro_id>/delete/", macro_views.macro_delete, name="macro_delete"),
    path(
        "<int:ticket_id>/messages/<int:message_id>/email/",
        views.message_email,
        name="message_email",
    ),
    path(
        "<int:ticket_id>/attachments/<int:attachment_id>/",
        attachment_views.attachment,
        name="attachment",
    ),
]
