import pytest
from django.db import connections
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.tasks import async_task

from core.tasks import enqueue

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def closes(monkeypatch):
    """Tasks go to the database broker, as under `make run` (tests otherwise run them inline);
    returns the list of times the connection was closed (a pooled one: handed back)."""
    monkeypatch.setattr(Conf, "SYNC", False)
    wrapper = connections["default"]
    wrapper.ensure_connection()
    closed = []
    close = wrapper.close
    monkeypatch.setattr(wrapper, "close", lambda: closed.append(1) or close())
    return closed


def test_it_queues_on_the_connection_in_hand(closes):
    enqueue("copilot.tasks.run_copilot", 42)
    assert closes == []
    assert OrmQ.objects.count() == 1


def test_django_q_alone_gives_the_connection_back_first(closes):
    """Why enqueue exists: outside a transaction the broker closes the caller's connection (a
    pooled one goes back to the pool) and takes another for its insert."""
    async_task("copilot.tasks.run_copilot", 42)
    assert closes
