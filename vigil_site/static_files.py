"""WhiteNoise that does not take every request through a thread.

WhiteNoise's middleware is synchronous only. Django serves the rest of the stack (all of it
async-capable) on daphne's event loop, so a sync-only middleware near the top makes every request
hop into a thread of its own and back for each async layer below it; under load those hops
queue on the event loop (see docs/benchmarks.md, "Live updates under load"). This subclass looks
the path up and, for anything that is not a static file, awaits the next layer directly.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponseBase
from whitenoise.middleware import WhiteNoiseMiddleware


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any], *args: Any, **kw: Any) -> None:
        super().__init__(get_response, *args, **kw)
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self._acall(request)
        return super().__call__(request)

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        get_response: Callable[[HttpRequest], Awaitable[HttpResponseBase]] = self.get_response
        if self.autorefresh:  # development: looks at the disk
            static_file = await sync_to_async(self.find_file)(request.path_info)
        else:  # an in-memory table built at start-up
            static_file = self.files.get(request.path_info)
        if static_file is None:
            return await get_response(request)
        response: HttpResponseBase = await sync_to_async(self.serve)(static_file, request)
        return response
