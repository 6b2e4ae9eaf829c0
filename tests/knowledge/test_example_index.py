"""The copilot's in-memory view of a team's knowledge keeps up with the database."""

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ai import embedding
from knowledge import example_index, selectors, services
from knowledge.models import KnowledgeEntry

Status = KnowledgeEntry.Status
pytestmark = pytest.mark.django_db


def approved(question, answer, *, team, source=KnowledgeEntry.Source.MANUAL):
    return services.entry_create(
        question=question,
        answer=answer,
        actor=None,
        team=team,
        source=source,
        status=Status.APPROVED,
    )


def candidates_for(question, team):
    [vector] = embedding.embed([question])
    return selectors.answer_candidates(question, team=team, query_vector=vector)


def test_a_new_entry_and_its_examples_are_found_at_once(team):
    first = approved("How do I rotate an API key?", "Settings → Keys → Rotate.", team=team)
    index = example_index.for_team(team)
    assert list(index.entry_row) == [first.pk]
    second = approved(
        "Why was my card declined?", "Ask your bank; then retry under Billing.", team=team
    )
    services.example_add(entry=second, text="the payment fails every time with my visa")
    index = example_index.for_team(team)
    assert set(index.entry_row) == {first.pk, second.pk}
    assert index.examples_of[second.pk] == 2
    assert index.example_count == 3
    retrieval = candidates_for("my visa payment keeps failing", team)
    assert retrieval.candidates[0].entry.pk == second.pk
    assert retrieval.candidates[0].examples == 2
    assert retrieval.examples_in_scope == 3


def test_an_archived_entry_leaves_and_a_restored_one_comes_back(team):
    entry = approved("How do I rotate an API key?", "Settings → Keys → Rotate.", team=team)
    other = approved("Why was my card declined?", "Ask your bank, then retry.", team=team)
    assert {c.entry.pk for c in candidates_for("rotate my key", team).candidates} == {
        entry.pk,
        other.pk,
    }
    services.entry_archive(entry=entry, actor=None)
    found = candidates_for("rotate my key", team)
    assert [c.entry.pk for c in found.candidates] == [other.pk]
    assert found.examples_in_scope == 1
    services.entry_restore(entry=entry, actor=None)
    assert entry.pk in {c.entry.pk for c in candidates_for("rotate my key", team).candidates}


def test_a_deleted_entry_is_forgotten(team):
    entry = approved("How do I rotate an API key?", "Settings → Keys → Rotate.", team=team)
    approved("Why was my card declined?", "Ask your bank, then retry.", team=team)
    assert entry.pk in example_index.for_team(team).entry_row
    KnowledgeEntry.objects.filter(pk=entry.pk).delete()
    index = example_index.for_team(team)
    assert entry.pk not in index.entry_row
    assert index.example_count == 1


def test_other_teams_knowledge_stays_out(team, other_team):
    approved("Why was my card declined?", "Ask your bank, then retry.", team=other_team)
    shared = approved("Where is the status page?", "status.example.com", team=None)
    assert list(example_index.for_team(team).entry_row) == [shared.pk]


def test_answers_are_embedded_once_and_again_after_an_edit(team):
    entry = approved("How do I rotate an API key?", "Settings → Keys → Rotate.", team=team)
    assert entry.answer_embedding is None  # filled when the copilot first meets it
    example_index.for_team(team)
    entry.refresh_from_db()
    [expected] = embedding.embed([entry.answer])
    assert np.allclose(entry.answer_embedding, expected, atol=1e-5)
    assert entry.answer_embedding_model == embedding.embedding_model_name()
    services.entry_edit(
        entry=entry, actor=None, question=entry.question, answer="Open Keys and press Rotate."
    )
    entry.refresh_from_db()
    assert entry.answer_embedding is None
    example_index.for_team(team)
    entry.refresh_from_db()
    [expected] = embedding.embed(["Open Keys and press Rotate."])
    assert np.allclose(entry.answer_embedding, expected, atol=1e-5)


def test_rare_words_shared_with_a_past_question_count_more_than_common_ones(team):
    approved("My account login fails", "Reset your password.", team=team)
    approved("My account invoice is missing", "Invoices are under Billing.", team=team)
    index = example_index.for_team(team)
    query = example_index.words("account invoice")
    by_invoice = index.overlap(query, example_index.words("account invoice missing"))
    by_account = index.overlap(query, example_index.words("account login fails"))
    assert by_invoice > by_account > 0


def test_an_imported_entry_named_by_the_question_is_a_candidate(team):
    factoid = approved(
        "grub",
        "See the boot loader guide.",
        team=team,
        source=KnowledgeEntry.Source.IMPORTED,
    )
    for n in range(6):
        approved(f"Printer problem number {n}", f"Printer fix {n}", team=team)
    found = candidates_for("how do I reinstall grub after windows wiped it", team)
    [named] = [c for c in found.candidates if c.entry.pk == factoid.pk]
    assert named.title_match
    assert named.imported
    services.entry_archive(entry=factoid, actor=None)
    found = candidates_for("how do I reinstall grub after windows wiped it", team)
    assert factoid.pk not in {c.entry.pk for c in found.candidates}
    assert factoid.pk not in example_index.for_team(team).title_words


def test_questions_of_resolved_tickets_teach_the_teams_answer_classifier(team, ticket):
    refunds = approved(
        "Refunds", "Refunds take five days: https://help.example.com/refunds", team=team
    )
    keys = approved("API keys", "Rotate it under Settings → Keys.", team=team)
    index = example_index.for_team(team)
    assert index.answer_classifier() is None  # the entries' own wording is not history
    for text in ("I was charged twice, I want my money back", "refund my double charge please"):
        services.example_add(entry=refunds, text=text, ticket=ticket)
    for text in ("my key leaked, how do I get a new one", "rotate the api key please"):
        services.example_add(entry=keys, text=text, ticket=ticket)

    retrieval = candidates_for("charged twice again, money back please", team)

    best = max(retrieval.candidates, key=lambda c: c.classifier)
    assert best.entry.pk == refunds.pk
    assert best.classifier > 0.5
    assert any("worded like this ended here" in reason for reason in best.reasons)
    assert example_index.for_team(team).answer_classifier().examples == 4


def test_the_classifier_forgets_an_archived_answer(team, ticket):
    refunds = approved("Refunds", "Refunds take five days.", team=team)
    keys = approved("API keys", "Rotate it under Settings → Keys.", team=team)
    for text in ("refund my double charge please", "charged twice, money back"):
        services.example_add(entry=refunds, text=text, ticket=ticket)
    for text in ("my key leaked, how do I get a new one", "rotate the api key please"):
        services.example_add(entry=keys, text=text, ticket=ticket)
    assert example_index.for_team(team).answer_probabilities("double charge refund")
    services.entry_archive(entry=refunds, actor=None)
    index = example_index.for_team(team)
    assert refunds.pk not in index.answer_probabilities("double charge refund")
    assert index.answer_classifier() is None  # one answer left: nothing to tell apart


def test_every_candidates_entry_is_read_in_one_query(team, ticket):
    topics = ["billing", "keys", "backups", "quotas", "regions", "volumes", "images", "dns"]
    entries = [
        approved(f"How do {topic} work?", f"See the {topic} page in Settings.", team=team)
        for topic in topics
    ]
    for entry in entries:  # every entry was once the answer to the same words
        services.example_add(entry=entry, text="my thing is broken again", ticket=ticket)
    candidates_for("my thing is broken again", team)  # the index is read and kept

    with CaptureQueriesContext(connection) as queries:
        retrieval = candidates_for("my thing is broken again", team)
        teams = {c.entry.team_id: c.entry.team.slug for c in retrieval.candidates}

    by_search = [c for c in retrieval.candidates if c.closeness > 0]
    by_vote_only = [c for c in retrieval.candidates if c.closeness == 0]
    assert len(by_search) == 5  # the entry search's five
    assert by_vote_only  # and others, found by the vote
    read = [q["sql"] for q in queries if '"knowledge_knowledgeentry"."question"' in q["sql"]]
    assert len(read) == 1
    assert teams == {team.pk: team.slug}
