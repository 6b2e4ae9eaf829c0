import pytest

from knowledge import selectors, services
from knowledge.models import KnowledgeEntry

Status = KnowledgeEntry.Status

PARAPHRASES = [
    ("I need more disk space on my volume, how can I extend it?", "kb-resize-volume"),
    ("lost my ssh private key and can't log into the server anymore", "kb-ssh-reset"),
    ("there are two identical payments on my credit card statement", "kb-charged-twice"),
    ("update the billing address printed on invoices", "kb-invoice-address"),
    ("get back a deleted folder from yesterday's snapshot", "kb-snapshot-restore"),
    ("we need a higher limit of virtual CPUs in eu-west-2", "kb-quota-increase"),
    ("kernel panic on boot right after the upgrade", "kb-kernel-panic"),
    ("the volume never finishes detaching", "kb-detach-stuck"),
    ("how do I switch the card you charge?", "kb-payment-method"),
    ("ASG stays at 12 instances even though CPU is at 9%", "kb-autoscaling-scale-in"),
]


@pytest.mark.parametrize(("question", "expected"), PARAPHRASES)
def test_it_ranks_the_right_entry_first_for_paraphrases(small_kb, team, question, expected):
    hits = selectors.knowledge_search(question, team=team, limit=3)
    assert hits[0].entry.external_id == expected, [h.entry.external_id for h in hits]


def test_hits_say_why_they_matched(small_kb, team):
    [hit] = selectors.knowledge_search("resize volume growpart", team=team, limit=1)
    assert hit.similarity is not None
    assert hit.text_rank is not None
    assert any("similar meaning" in reason for reason in hit.reasons)
    assert "shares key words" in hit.reasons
    assert hit.score > 0


def test_only_approved_entries_in_scope_are_returned(small_kb, team, other_team):
    mine = services.entry_create(
        question="How do I rotate the deploy key of the compute team?",
        answer="Run `nimbus keys rotate --team compute` and update the CI secret.",
        actor=None,
        team=team,
        status=Status.APPROVED,
    )
    theirs = services.entry_create(
        question="How do I rotate the deploy key of the billing team?",
        answer="Run `nimbus keys rotate --team billing` and update the CI secret.",
        actor=None,
        team=other_team,
        status=Status.APPROVED,
    )
    proposed = services.entry_create(
        question="How do I rotate a deploy key?",
        answer="Run `nimbus keys rotate` and update the CI secret.",
        actor=None,
        team=team,
        status=Status.PROPOSED,
    )
    archived = services.entry_create(
        question="How do I rotate the old deploy key?",
        answer="Run `nimbus keys rotate --legacy`.",
        actor=None,
        team=None,
        status=Status.APPROVED,
    )
    services.entry_archive(entry=archived, actor=None)
    ids = {h.entry.pk for h in selectors.knowledge_search("rotate deploy key", team=team, limit=30)}
    assert mine.pk in ids
    assert theirs.pk not in ids
    assert proposed.pk not in ids
    assert archived.pk not in ids
    all_teams_only = selectors.knowledge_search("rotate deploy key", team=None, limit=30)
    assert mine.pk not in {h.entry.pk for h in all_teams_only}


def test_an_empty_query_finds_nothing(small_kb, team):
    assert selectors.knowledge_search("   ", team=team) == []


def test_punctuation_only_queries_still_use_the_vector(small_kb, team):
    assert selectors.knowledge_search("?!", team=team, limit=2)


def test_an_entry_not_embedded_yet_is_found_by_its_words(small_kb, team):
    entry = services.entry_create(
        question="How do I rotate the flux capacitor token?",
        answer="Open Settings, then Tokens, then Rotate.",
        actor=None,
        team=team,
        status=Status.APPROVED,
    )
    KnowledgeEntry.objects.filter(pk=entry.pk).update(embedding=None)
    hits = selectors.knowledge_search("flux capacitor token", team=team)
    [found] = [hit for hit in hits if hit.entry.pk == entry.pk]
    assert found.similarity is None
    assert found.text_rank is not None
