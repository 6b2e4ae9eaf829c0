from django.urls import path

from tickets import consumers

websocket_urlpatterns = [
    path("ws/queue/", consumers.QueueConsumer.as_asgi()),
    path("ws/tickets/<str:ticket_id>/", consumers.TicketConsumer.as_asgi()),
    path("ws/support/<str:token>/", consumers.PortalConsumer.as_asgi()),
    path("ws/notifications/", consumers.NotificationConsumer.as_asgi()),
]
