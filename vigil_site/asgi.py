import gc
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil_site.settings")
# Django must be set up before anything imports models (consumers do). Then Django's ASGI
# handler, as get_asgi_application() makes it, with its middleware's hooks on the event loop.
django.setup(set_prefix=False)

from core.inline_middleware import ASGIHandler  # noqa: E402

django_asgi_app = ASGIHandler()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from tickets.routing import websocket_urlpatterns  # noqa: E402

# What start-up loaded stays for the life of the process: the collector leaves it out of every
# pass, and runs its youngest pass every 50,000 allocations instead of 700. A request allocates
# thousands of short-lived objects, and under load full passes over the whole heap paused every
# request in flight (docs/benchmarks.md, "Live updates under load").
gc.freeze()
gc.set_threshold(50_000, 20, 20)

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Each route brings the session or user middleware it needs (tickets.routing).
        "websocket": AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns)),
    }
)
