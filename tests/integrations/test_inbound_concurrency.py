import json
import threading

import httpx
import pytest
from django.urls import reverse

from integrations import signing
from integrations.models import ConversationLink
from tests.integrations.conftest import delivery
from tickets.models import Message, Ticket


@pytest.mark.django_db(transaction=True)
def test_simultaneous_first_messages_open_one_ticket(live_server, integration):
    """A sender retrying before the first answer arrives: both requests race to open the ticket."""
    url = live_server.url + reverse("integrations:inbound", args=[integration.slug])
    raw = json.dumps(delivery()).encode()
    statuses: list[int] = []
    start = threading.Barrier(4)

    def send() -> None:
        headers = {"Content-Type": "application/json"}
        headers |= signing.signed_headers(integration.secret, raw)
        start.wait()
        statuses.append(httpx.post(url, content=raw, headers=headers, timeout=30).status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 200, 200, 201]
    assert Ticket.objects.count() == 1
    assert Message.objects.count() == 1
    assert ConversationLink.objects.count() == 1
