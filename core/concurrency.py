"""A limit on how many of one kind of work run at once in a web process."""

import asyncio
import weakref


class AtOnce:
    """At most ``size`` holders at a time on each event loop (daphne runs one; tests start many,
    and an asyncio semaphore belongs to the loop it was first used on).

    ``async with limit():`` waits on the loop, not in a thread, while the limit is reached."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    def __call__(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        semaphore = self._by_loop.get(loop)
        if semaphore is None:
            semaphore = self._by_loop[loop] = asyncio.Semaphore(self.size)
        return semaphore
