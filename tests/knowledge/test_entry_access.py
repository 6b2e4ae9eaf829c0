"""Knowledge entries are read through one access check, on every page, fragment and the API."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from knowledge import services
from knowledge.models import KnowledgeEntry, KnowledgeSource
from tests.factories import MessageFactory

Status = KnowledgeEntry.Status
HX = {"HX-Request": "true"}


def approved(team, question, *, ticket=None):
    entry = services.entry_create(
        question=question,
        answer="Open Billing, then Invoices, and download the PDF.",
        actor=None,
        team=team,
        status=Status.APPROVED,
        source=KnowledgeEntry.Source.LEARNED if ticket else KnowledgeEntry.Source.MANUAL,
    )
    if ticket is not None:
        KnowledgeSource.objects.create(entry=entry, ticket=ticket, message=ticket.messages.first())
    return entry


@pytest.fixture
def billing_entry(other_team):
    return approved(other_team, "Where do I download last month's invoice?")


@pytest.fixture
def own_entry(team):
    return approved(team, "How do I reboot a stuck instance?")


def detail(entry):
    return reverse("knowledge:detail", args=[entry.pk])


def test_it_shows_an_analyst_their_teams_entry(client, analyst, own_entry):
    client.force_login(analyst)
    response = client.get(detail(own_entry))
    assert response.status_code == 200
    assert own_entry.question in response.text


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
def test_another_teams_entry_is_not_found_for_an_analyst(client, analyst, billing_entry, headers):
    client.force_login(analyst)
    response = client.get(detail(billing_entry), headers=headers)
    assert response.status_code == 404
    assert billing_entry.question not in response.text


def test_another_teams_entry_is_not_in_the_list_or_its_fragment(client, analyst, billing_entry):
    client.force_login(analyst)
    for headers in ({}, HX):
        listing = client.get(reverse("knowledge:list"), headers=headers)
        assert listing.status_code == 200
        assert billing_entry.question not in listing.text
        found = client.get(reverse("knowledge:list"), {"q": "download invoice"}, headers=headers)
        assert billing_entry.question not in found.text


def test_the_api_gives_the_same_answer(db, analyst, billing_entry, own_entry):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=analyst).key}")
    assert api.get(f"/api/v1/knowledge/{billing_entry.pk}/").status_code == 404
    assert api.get(f"/api/v1/knowledge/{own_entry.pk}/").status_code == 200


def test_an_analyst_cannot_reach_the_curators_routes_of_any_entry(client, analyst, billing_entry):
    client.force_login(analyst)
    for name in ("knowledge:edit", "knowledge:archive"):
        response = client.post(reverse(name, args=[billing_entry.pk]), {"question": "x"})
        assert response.status_code == 403
    act = reverse("knowledge:act", args=[billing_entry.pk, "archive"])
    assert client.post(act, headers=HX).status_code == 403
    billing_entry.refresh_from_db()
    assert billing_entry.status == Status.APPROVED


def test_a_curator_reads_and_changes_every_teams_entry(client, curator, billing_entry):
    client.force_login(curator)
    assert client.get(detail(billing_entry)).status_code == 200
    response = client.post(reverse("knowledge:archive", args=[billing_entry.pk]))
    assert response.status_code == 302
    billing_entry.refresh_from_db()
    assert billing_entry.status == Status.ARCHIVED


def test_a_manager_reads_every_teams_entry(client, manager, billing_entry):
    client.force_login(manager)
    assert client.get(detail(billing_entry)).status_code == 200


def test_a_shared_entry_shows_only_the_sources_an_analyst_may_read(
    client, analyst, curator, ticket, other_ticket
):
    shared = approved(None, "How do I reset my password?", ticket=ticket)
    charged = MessageFactory(ticket=other_ticket, body="I was charged twice this month.")
    KnowledgeSource.objects.create(entry=shared, ticket=other_ticket, message=charged)
    client.force_login(analyst)
    page = client.get(detail(shared)).text
    assert f"Ticket #{ticket.pk}" in page
    assert f"Ticket #{other_ticket.pk}" not in page
    assert "charged twice" not in page
    assert "1 more in ticket of teams you are not in" in page
    client.force_login(curator)  # curates every team's entries, reads only their teams' tickets
    page = client.get(detail(shared)).text
    assert "charged twice" not in page
    assert "1 more in ticket of teams you are not in" in page


def test_a_manager_reads_every_source(client, manager, ticket, other_ticket):
    shared = approved(None, "How do I reset my password?", ticket=ticket)
    charged = MessageFactory(ticket=other_ticket, body="I was charged twice this month.")
    KnowledgeSource.objects.create(entry=shared, ticket=other_ticket, message=charged)
    client.force_login(manager)
    page = client.get(detail(shared)).text
    assert "charged twice" in page
    assert "teams you are not in" not in page


def test_the_curation_card_shows_only_the_sources_the_curator_may_read(
    client, curator, ticket, other_ticket
):
    proposed = services.entry_create(
        question="How do I reset my password?",
        answer="Use the reset link on the sign-in page.",
        actor=None,
        team=None,
        status=Status.PROPOSED,
        source=KnowledgeEntry.Source.LEARNED,
    )
    KnowledgeSource.objects.create(
        entry=proposed, ticket=ticket, message=MessageFactory(ticket=ticket, body="Reset please")
    )
    charged = MessageFactory(ticket=other_ticket, body="I was charged twice this month.")
    KnowledgeSource.objects.create(entry=proposed, ticket=other_ticket, message=charged)
    client.force_login(curator)
    page = client.get(reverse("knowledge:curation")).text
    assert proposed.question in page
    assert "Reset please" in page
    assert "charged twice" not in page
    assert "1 more in ticket of teams you are not in" in page


def test_only_get_reads_an_entry(client, analyst, own_entry):
    client.force_login(analyst)
    assert client.post(detail(own_entry)).status_code == 405
