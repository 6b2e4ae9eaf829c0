"""Redis connections that ride out a Redis restart.

A command that finds the connection refused or dropped is tried again on a new connection,
waiting a little longer each time, for about ``VIGIL_REDIS_RETRY_SECONDS``: a restarted Redis
(its append-only file reloaded) answers again within a second or two, and a request that
touched Redis meanwhile (the API's throttle, queueing a task) waits for it instead of failing
with a 500. Longer outages still raise, after that wait."""

from typing import Any

from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import ExponentialBackoff
from redis.connection import parse_url
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

BASE_S = 0.05  # the n-th pause is BASE_S * 2**n, at most LONGEST_PAUSE_S: 0.1 s, 0.2 s, 0.4 s…
LONGEST_PAUSE_S = 0.5


def _backoff() -> ExponentialBackoff:
    return ExponentialBackoff(cap=LONGEST_PAUSE_S, base=BASE_S)


def retries_for(seconds: float) -> int:
    """How many retries the backoff needs to wait at least ``seconds`` in all."""
    backoff, waited, retries = _backoff(), 0.0, 0
    while waited < seconds:
        retries += 1
        waited += backoff.compute(retries)
    return retries


def retrying(seconds: float) -> dict[str, Any]:
    """Connection options for redis-py (and so for Django's Redis cache): retry commands on a
    refused or dropped connection for about ``seconds``."""
    return {
        "retry": Retry(_backoff(), retries_for(seconds)),
        "retry_on_error": [RedisConnectionError, RedisTimeoutError, ConnectionError],
    }


def async_retrying(seconds: float) -> dict[str, Any]:
    """The same for redis-py's asyncio connections (the channel layer's)."""
    return {
        "retry": AsyncRetry(_backoff(), retries_for(seconds)),
        "retry_on_error": [RedisConnectionError, RedisTimeoutError, ConnectionError],
    }


def client_options(url: str, seconds: float) -> dict[str, Any]:
    """``redis.Redis(**options)`` for ``url`` with those retries (django-q2's broker takes its
    connection this way)."""
    return {**parse_url(url), **retrying(seconds)}
