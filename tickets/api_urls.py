from django.urls import path

from tickets import apis

app_name = "tickets"

urlpatterns = [
    path("", apis.TicketListApi.as_view(), name="list"),
    path("create/", apis.TicketCreateApi.as_view(), name="create"),
    path("<int:ticket_id>/", apis.TicketDetailApi.as_view(), name="detail"),
    path("<int:ticket_id>/update/", apis.TicketUpdateApi.as_view(), name="update"),
    path("<int:ticket_id>/messages/", apis.MessageListApi.as_view(), name="messages"),
    path(
        "<int:ticket_id>/messages/create/",
        apis.MessageCreateApi.as_view(),
        name="message_create",
    ),
]
