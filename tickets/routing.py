from channels.auth import AuthMiddlewareStack
from channels.sessions import CookieMiddleware
from django.urls import path

from tickets import consumers

websocket_urlpatterns = [
    path("ws/queue/", AuthMiddlewareStack(consumers.QueueConsumer.as_asgi())),
    # A ticket's socket reads its session in the rounds of access checks (see
    # ``consumers.TicketConsumer.connect``): only the cookie ahead of them, no hop of its own
    # onto channels' thread for database work (the session and auth middleware take one each).
    path("ws/tickets/<str:ticket_id>/", CookieMiddleware(consumers.TicketConsumer.as_asgi())),
    path("ws/support/<str:token>/", consumers.PortalConsumer.as_asgi()),
    path("ws/notifications/", AuthMiddlewareStack(consumers.NotificationConsumer.as_asgi())),
]
