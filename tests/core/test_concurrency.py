import asyncio

import pytest

from core.concurrency import AtOnce


@pytest.mark.asyncio
async def test_no_more_than_the_limit_hold_it_at_once():
    limit = AtOnce(2)
    holding, most = 0, 0

    async def work():
        nonlocal holding, most
        async with limit():
            holding += 1
            most = max(most, holding)
            await asyncio.sleep(0.01)
            holding -= 1

    await asyncio.gather(*(work() for _ in range(7)))
    assert most == 2


def test_each_event_loop_has_its_own():
    limit = AtOnce(1)

    async def take():
        async with limit():
            return limit()

    first, second = asyncio.run(take()), asyncio.run(take())
    assert first is not second
