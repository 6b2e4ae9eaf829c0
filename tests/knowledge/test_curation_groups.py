import numpy as np
import pytest
from django.urls import reverse

from knowledge import clusters, services
from knowledge.models import KnowledgeEntry

Status = KnowledgeEntry.Status
GROUPS = reverse("knowledge:groups")


def vector(direction, noise=0.0, seed=0):
    base = np.zeros(384)
    base[direction] = 1.0
    base += np.random.default_rng(seed).normal(0, noise, 384)
    return list(base / np.linalg.norm(base))


def proposal(team, question, direction, *, evidence=1, seed=0, noise=0.01):
    entry = services.entry_create(
        question=question,
        answer=f"The answer to: {question}. Open Settings and follow the steps shown there.",
        actor=None,
        team=team,
        source=KnowledgeEntry.Source.LEARNED,
        vector=vector(direction, noise, seed),
    )
    KnowledgeEntry.objects.filter(pk=entry.pk).update(evidence_count=evidence)
    entry.refresh_from_db()
    return entry


@pytest.fixture
def proposals(team, other_team):
    return {
        "reset": proposal(team, "How do I reset my password?", 0, evidence=1, seed=1),
        "reset2": proposal(team, "Password reset, how?", 0, evidence=3, seed=2),
        "reset3": proposal(team, "I forgot my password", 0, evidence=1, seed=3),
        "invoice": proposal(team, "Where is my invoice?", 1),
        # The same question in another team is that team's to decide.
        "elsewhere": proposal(other_team, "How do I reset my password?", 0, seed=4),
    }


def test_proposals_that_say_the_same_thing_form_one_group_led_by_the_most_evidence(proposals):
    [group] = clusters.proposal_groups()
    assert group.leader == proposals["reset2"]
    assert {m.pk for m in group.members} == {proposals["reset"].pk, proposals["reset3"].pk}
    assert (group.size, group.evidence) == (3, 5)
    assert clusters.ungrouped_count([group], proposed=5) == 2


def test_the_page_says_how_many_decisions_are_left(client, curator, proposals):
    client.force_login(curator)
    page = client.get(GROUPS).content.decode()
    assert "<b>3</b> decisions in all, instead of 5" in page
    assert "Approve #{}, merge 2".format(proposals["reset2"].pk) in page


def test_approving_a_group_keeps_the_leader_and_merges_the_rest_as_its_evidence(
    client, curator, proposals
):
    client.force_login(curator)
    leader, member = proposals["reset2"], proposals["reset"]
    # Decided by someone else meanwhile: left as it is.
    services.entry_reject(entry=proposals["reset3"], actor=None, reason="duplicate")
    response = client.post(
        reverse("knowledge:group_act", args=[leader.pk, "approve"]),
        {"members": [member.pk, proposals["reset3"].pk]},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "approved, with 1 similar proposals merged in" in response.content.decode()
    leader.refresh_from_db()
    member.refresh_from_db()
    assert leader.status == Status.APPROVED
    assert leader.evidence_count == 4
    assert (member.status, member.related_entry_id) == (Status.ARCHIVED, leader.pk)
    assert KnowledgeEntry.objects.get(pk=proposals["reset3"].pk).status == Status.REJECTED
    # Only what the curator was shown: the other team's twin is untouched.
    assert KnowledgeEntry.objects.get(pk=proposals["elsewhere"].pk).status == Status.PROPOSED


def test_rejecting_a_group_needs_a_reason_and_rejects_every_member(client, curator, proposals):
    client.force_login(curator)
    leader = proposals["reset2"]
    url = reverse("knowledge:group_act", args=[leader.pk, "reject"])
    members = [proposals["reset"].pk, proposals["reset3"].pk]
    refused = client.post(url, {"members": members}, headers={"HX-Request": "true"})
    assert refused.status_code == 422
    assert "Say why" in refused.content.decode()
    client.post(url, {"members": members, "reason": "not reusable"}, headers={"HX-Request": "true"})
    decided = KnowledgeEntry.objects.filter(pk__in=[leader.pk, *members])
    assert set(decided.values_list("status", flat=True)) == {Status.REJECTED}


def test_a_group_decided_already_is_refused(client, curator, proposals):
    client.force_login(curator)
    leader = proposals["reset2"]
    services.entry_approve(entry=leader, actor=None)
    response = client.post(
        reverse("knowledge:group_act", args=[leader.pk, "approve"]),
        {"members": [proposals["reset"].pk]},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "approved already" in response.content.decode()
    assert KnowledgeEntry.objects.get(pk=proposals["reset"].pk).status == Status.PROPOSED


def test_only_curators_decide_groups(client, analyst, proposals):
    client.force_login(analyst)
    assert client.get(GROUPS).status_code == 403
    url = reverse("knowledge:group_act", args=[proposals["reset2"].pk, "approve"])
    assert client.post(url, {"members": [proposals["reset"].pk]}).status_code == 403
    assert KnowledgeEntry.objects.filter(status=Status.APPROVED).count() == 0


BULK = reverse("knowledge:bulk")


def test_the_queue_can_put_the_best_supported_proposals_first(client, curator, proposals):
    client.force_login(curator)
    page = client.get(reverse("knowledge:curation"), {"sort": "evidence"}).content.decode()
    best = page.index(f'id="entry-row-{proposals["reset2"].pk}"')
    assert best < page.index(f'id="entry-row-{proposals["reset"].pk}"')
    oldest = client.get(reverse("knowledge:curation")).content.decode()
    first = oldest.index(f'id="entry-row-{proposals["reset"].pk}"')
    assert first < oldest.index(f'id="entry-row-{proposals["reset2"].pk}"')


def test_selected_proposals_are_approved_after_a_preview(client, curator, proposals):
    client.force_login(curator)
    chosen = [proposals["invoice"].pk, proposals["elsewhere"].pk]
    preview = client.post(BULK, {"action": "approve", "selected": chosen})
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "Approve 2 proposals?" in text
    assert "Where is my invoice?" in text
    assert KnowledgeEntry.objects.filter(status=Status.APPROVED).count() == 0  # nothing yet
    done = client.post(BULK, {"action": "approve", "selected": chosen, "confirmed": "1"})
    assert done.status_code == 302
    approved = KnowledgeEntry.objects.filter(status=Status.APPROVED)
    assert set(approved.values_list("pk", flat=True)) == set(chosen)
    assert "Approved 2 proposals." in client.get(done["Location"]).content.decode()


def test_rejecting_selected_proposals_needs_a_reason(client, curator, proposals):
    client.force_login(curator)
    chosen = [proposals["reset"].pk, proposals["reset3"].pk]
    refused = client.post(BULK, {"action": "reject", "selected": chosen, "confirmed": "1"})
    assert refused.status_code == 422
    assert "Say why" in refused.content.decode()
    client.post(
        BULK, {"action": "reject", "selected": chosen, "confirmed": "1", "reason": "too specific"}
    )
    rejected = KnowledgeEntry.objects.filter(status=Status.REJECTED)
    assert set(rejected.values_list("reject_reason", flat=True)) == {"too specific"}
    assert rejected.count() == 2


def test_nothing_selected_or_no_curator_is_refused(client, curator, analyst, proposals):
    client.force_login(curator)
    assert client.post(BULK, {"action": "approve"}).status_code == 400
    client.force_login(analyst)
    chosen = [proposals["invoice"].pk]
    assert client.post(BULK, {"action": "approve", "selected": chosen}).status_code == 403
