from channels.auth import AuthMiddlewareStack
from channels.sessions import SessionMiddlewareStack
from django.urls import path

from tickets import consumers

websocket_urlpatterns = [
    path("ws/queue/", AuthMiddlewareStack(consumers.QueueConsumer.as_asgi())),
    # A ticket's socket reads its session in the rounds of access checks (see
    # ``consumers.TicketConsumer.connect``): no user loaded, one query each, ahead of them.
    path("ws/tickets/<str:ticket_id>/", SessionMiddlewareStack(consumers.TicketConsumer.as_asgi())),
    path("ws/support/<str:token>/", consumers.PortalConsumer.as_asgi()),
    path("ws/notifications/", AuthMiddlewareStack(consumers.NotificationConsumer.as_asgi())),
]
