from django.urls import path

from tickets import notification_apis

app_name = "notifications"

urlpatterns = [
    path("", notification_apis.NotificationListApi.as_view(), name="list"),
    path("unread-count/", notification_apis.NotificationUnreadCountApi.as_view(), name="unread"),
    path("read-all/", notification_apis.NotificationReadAllApi.as_view(), name="read_all"),
    path("settings/", notification_apis.NotificationSettingsApi.as_view(), name="settings"),
    path(
        "<api_id:notification_id>/read/",
        notification_apis.NotificationReadApi.as_view(),
        name="read",
    ),
]
