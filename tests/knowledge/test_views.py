import pytest
from django.urls import reverse

from knowledge import services
from knowledge.models import KnowledgeEntry, KnowledgeRevision, KnowledgeSource

Status = KnowledgeEntry.Status
HX = {"HX-Request": "true"}


@pytest.fixture
def proposed(ticket):
    entry = services.entry_create(
        question="How do I make a volume larger without downtime?",
        answer="Resize it in the console, then run growpart and resize2fs inside the instance.",
        actor=None,
        team=ticket.team,
        source=KnowledgeEntry.Source.LEARNED,
    )
    KnowledgeSource.objects.create(entry=entry, ticket=ticket, message=ticket.messages.first())
    return entry


def act(entry, action):
    return reverse("knowledge:act", args=[entry.pk, action])


def test_the_queue_shows_entries_sources_and_nearest_side_by_side(
    client, curator, small_kb, proposed
):
    client.force_login(curator)
    response = client.get(reverse("knowledge:curation"))
    assert response.status_code == 200
    text = response.text
    assert f'id="entry-row-{proposed.pk}"' in text
    assert "Learned from" in text
    assert f"/tickets/{proposed.sources.get().ticket_id}/#message-" in text
    nearest = small_kb["kb-resize-volume"]
    assert f"Merge into #{nearest.pk}" in text
    assert "<ins>" in text
    assert "<del>" in text


def test_the_card_shows_what_learning_cut_from_each_source(client, curator, make_ticket):
    ticket = make_ticket(
        body="Hi there, I'm Priya from Acme. How do I make a volume larger without downtime?"
    )
    entry = services.entry_create(
        question="How do I make a volume larger without downtime?",
        answer="Resize it in the console, then run growpart.",
        actor=None,
        team=ticket.team,
        source=KnowledgeEntry.Source.LEARNED,
    )
    KnowledgeSource.objects.create(entry=entry, ticket=ticket, message=ticket.messages.first())
    client.force_login(curator)
    text = client.get(reverse("knowledge:curation")).text
    row = text[text.index(f'id="entry-row-{entry.pk}"') :]
    row = row[: row.index("</article>")]
    assert "<del>Hi there, I&#x27;m Priya from Acme. </del>" in row
    assert "How do I make a volume larger without downtime?" in row
    assert "left out of the question" in row


def test_queue_filters(client, curator, proposed, other_team):
    client.force_login(curator)
    assert proposed.question in client.get(reverse("knowledge:curation") + "?team=compute").text
    assert proposed.question not in client.get(reverse("knowledge:curation") + "?team=billing").text
    assert (
        proposed.question not in client.get(reverse("knowledge:curation") + "?source=imported").text
    )
    assert proposed.question not in client.get(reverse("knowledge:curation") + "?flagged=1").text
    fragment = client.get(reverse("knowledge:curation") + "?team=compute", headers=HX).text
    assert fragment.lstrip().startswith('<section id="queue">')


def test_approve_updates_the_row_in_place(client, curator, proposed):
    client.force_login(curator)
    response = client.post(
        act(proposed, "edit-approve"),
        {"question": proposed.question, "answer": "Resize, then growpart and resize2fs."},
        headers=HX,
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<article id="entry-row-{proposed.pk}"')
    assert "approved" in response.text
    proposed.refresh_from_db()
    assert proposed.status == Status.APPROVED
    assert proposed.answer == "Resize, then growpart and resize2fs."


def test_reject_requires_a_reason(client, curator, proposed):
    client.force_login(curator)
    refused = client.post(act(proposed, "reject"), {"reason": ""}, headers=HX)
    assert refused.status_code == 422
    assert "Say why" in refused.text
    done = client.post(act(proposed, "reject"), {"reason": "too specific"}, headers=HX)
    assert done.status_code == 200
    proposed.refresh_from_db()
    assert proposed.status == Status.REJECTED


def test_merge_and_replace(client, curator, small_kb, proposed, ticket):
    client.force_login(curator)
    target = small_kb["kb-resize-volume"]
    response = client.post(act(proposed, "merge"), {"target": target.pk}, headers=HX)
    assert response.status_code == 200
    assert f"merged into #{target.pk}" in response.text
    target.refresh_from_db()
    assert target.evidence_count == 2
    other = services.entry_create(
        question="Another way to grow disks?", answer="Use LVM.", actor=None, team=ticket.team
    )
    old = small_kb["kb-detach-stuck"]
    client.post(act(other, "replace"), {"target": old.pk}, headers=HX)
    old.refresh_from_db()
    assert old.status == Status.ARCHIVED
    missing = client.post(act(other, "merge"), {"target": 99999}, headers=HX)
    assert missing.status_code == 422
    bad = client.post(act(other, "merge"), {"target": "x"}, headers=HX)
    assert bad.status_code == 422


def test_revisions_are_applied_from_the_queue(client, curator, small_kb):
    entry = small_kb["kb-ssh-reset"]
    revision = services.revision_propose(entry=entry, actor=None, answer="Use rescue mode.")
    client.force_login(curator)
    page = client.get(reverse("knowledge:curation")).text
    assert f'id="revision-row-{revision.pk}"' in page
    url = reverse("knowledge:revision", args=[revision.pk, "apply"])
    assert client.post(url, headers=HX).status_code == 200
    entry.refresh_from_db()
    assert entry.answer == "Use rescue mode."
    revision.refresh_from_db()
    assert revision.state == KnowledgeRevision.State.APPLIED
    again = client.post(url, headers=HX)
    assert again.status_code == 422


@pytest.mark.parametrize("who", ["analyst", "manager"])
def test_only_curators_and_admins_change_knowledge(client, request, who, proposed):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("knowledge:curation")).status_code == 403
    assert client.post(act(proposed, "edit-approve"), {}, headers=HX).status_code == 403
    assert client.post(reverse("knowledge:archive", args=[proposed.pk])).status_code == 403
    assert client.get(reverse("knowledge:new")).status_code == 403
    proposed.refresh_from_db()
    assert proposed.status == Status.PROPOSED


def test_anonymous_users_are_sent_to_login(client, proposed):
    response = client.get(reverse("knowledge:curation"))
    assert response.status_code == 302
    assert client.post(act(proposed, "approve")).status_code == 302


def test_wrong_methods_and_unknown_actions(client, curator, proposed):
    client.force_login(curator)
    assert client.get(act(proposed, "approve")).status_code == 405
    assert client.post(act(proposed, "explode"), headers=HX).status_code == 404
    assert client.post(reverse("knowledge:act", args=[99999, "approve"])).status_code == 404


def test_analysts_read_approved_knowledge_only(client, analyst, small_kb, proposed):
    client.force_login(analyst)
    listing = client.get(reverse("knowledge:list"))
    assert listing.status_code == 200
    assert small_kb["kb-ssh-reset"].question in listing.text
    assert proposed.question not in listing.text
    assert client.get(reverse("knowledge:detail", args=[proposed.pk])).status_code == 404
    detail = client.get(reverse("knowledge:detail", args=[small_kb["kb-ssh-reset"].pk]))
    assert detail.status_code == 200
    assert "Edit" not in detail.text


def test_browse_search_uses_hybrid_search(client, analyst, small_kb):
    client.force_login(analyst)
    response = client.get(reverse("knowledge:list") + "?q=lost+my+ssh+key", headers=HX)
    assert response.status_code == 200
    first_card = response.text.split("<h3>")[1]
    assert "regain SSH access" in first_card
    assert "similar meaning" in response.text


def test_curators_write_edit_and_archive_entries(client, curator, team):
    client.force_login(curator)
    response = client.post(
        reverse("knowledge:new"),
        {
            "question": "How do I export my invoices?",
            "answer": "Billing > Invoices > Export CSV.",
            "tags": "billing, invoices",
            "team": "",
        },
    )
    entry = KnowledgeEntry.objects.get()
    assert response.status_code == 302
    assert entry.status == Status.APPROVED
    bad = client.post(reverse("knowledge:edit", args=[entry.pk]), {"question": "", "answer": "x"})
    assert bad.status_code == 400
    client.post(
        reverse("knowledge:edit", args=[entry.pk]),
        {
            "question": entry.question,
            "answer": "Billing > Invoices > Export.",
            "tags": "",
            "team": "compute",
        },
    )
    entry.refresh_from_db()
    assert (entry.answer, entry.team) == ("Billing > Invoices > Export.", team)
    client.post(reverse("knowledge:archive", args=[entry.pk]))
    entry.refresh_from_db()
    assert entry.status == Status.ARCHIVED


def test_flagged_approved_entries_can_be_kept_or_archived(client, curator, small_kb):
    entry = small_kb["kb-credits"]
    for _ in range(3):
        services.entries_record_outcome(entry_ids=[entry.pk], outcome="dismissed")
    client.force_login(curator)
    page = client.get(reverse("knowledge:curation") + "?flagged=1").text
    assert f'id="entry-row-{entry.pk}"' in page
    assert "Keep and clear the flag" in page
    client.post(act(entry, "approve"), {}, headers=HX)
    entry.refresh_from_db()
    assert not entry.flagged
    assert entry.status == Status.APPROVED
    client.post(act(entry, "archive"), {}, headers=HX)
    entry.refresh_from_db()
    assert entry.status == Status.ARCHIVED
