"""With REDIS_URL, the API's throttle counts requests of every process together."""

import json
import os
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from vigil_site.embedded_redis import start_embedded_redis, stop_embedded_redis

# Three anonymous requests from one address, through the whole Django stack of a process of its
# own; prints their status codes.
REQUESTS = """
import json
import django
django.setup()
from django.test import Client
client = Client()
print(json.dumps([
    client.get("/api/v1/tickets/", HTTP_HOST="localhost").status_code for _ in range(3)
]))
"""


@pytest.fixture
def redis_url(tmp_path):
    client, url = start_embedded_redis(tmp_path / "redis")
    yield url
    stop_embedded_redis(client)


def a_process(redis_url: str) -> list[int]:
    test_db = urlsplit(settings.DATABASE_URL)._replace(path=f"/{connection.settings_dict['NAME']}")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vigil_site.settings",
        "DATABASE_URL": urlunsplit(test_db),
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "REDIS_URL": redis_url,
        "VIGIL_API_RATE_ANON": "5/hour",
    }
    done = subprocess.run(  # noqa: S603  (this interpreter, a fixed script)
        [sys.executable, "-c", REQUESTS],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.django_db(transaction=True)
def test_two_processes_share_one_anonymous_limit(redis_url):
    assert a_process(redis_url) == [401, 401, 401]
    # Five an hour in all: the second process's third request is the sixth.
    assert a_process(redis_url) == [401, 401, 429]
