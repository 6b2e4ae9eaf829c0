"""Embedding a batch of conversations' texts ahead changes how many model calls a replay or an
import makes, never what it decides: a conversation may add evidence to an entry the one
before it created, so each is still placed in order."""

import contextlib
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from ai import local_embedding
from knowledge import learning
from knowledge.models import KnowledgeEntry
from replay import importing
from replay.management.commands import replay as replay_command
from replay.runner import Replayer
from tests.factories import TeamFactory

CONVERSATIONS = Path(__file__).resolve().parent.parent / "fixtures" / "replay_learning.jsonl"


@pytest.fixture
def model_calls(monkeypatch):
    calls: list[int] = []
    real = local_embedding.embed

    def counted(texts):
        calls.append(len(texts))
        return real(texts)

    monkeypatch.setattr(local_embedding, "embed", counted)
    return calls


def unbatched(monkeypatch, module):
    """As before batching: no prefetch, and every text embedded when asked for."""
    monkeypatch.setattr(module.embedding, "reusing", contextlib.nullcontext)
    monkeypatch.setattr(Replayer, "to_embed", lambda self, conversations: [])
    monkeypatch.setattr(importing, "_to_embed", lambda placed, links_seen: [])


def replayed(tmp_path, name):
    out = tmp_path / f"{name}.jsonl"
    call_command(
        "replay",
        str(CONVERSATIONS),
        "--learn",
        "--auto-approve",
        "--engine=local",
        "--progress=none",
        f"--out={out}",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    for row in rows:
        row.pop("latency_ms", None)
    return rows


@pytest.mark.django_db(transaction=True)
def test_a_batched_replay_decides_and_learns_as_an_unbatched_one(
    tmp_path, monkeypatch, model_calls
):
    monkeypatch.setattr(replay_command, "PREFETCH_CONVERSATIONS", 5)  # batches end mid-file
    batched = replayed(tmp_path, "batched")
    batched_calls = len(model_calls)
    with monkeypatch.context() as patched:
        unbatched(patched, replay_command)
        model_calls.clear()
        one_by_one = replayed(tmp_path, "one_by_one")

    assert batched == one_by_one
    learned = [row for row in batched if row.get("type") == "learned"]
    # The file exercises what depends on order: entries learned, later ones merged into
    # them, and answers drawn from what earlier conversations taught.
    assert {"approved", "merged"} <= {row["status"] for row in learned}
    assert any(row.get("decision") == "speak" for row in batched)
    assert batched_calls < len(model_calls)


def entries_of(team):
    return [
        (
            entry.question,
            entry.answer,
            entry.status,
            entry.evidence_count,
            entry.relation,
            entry.related_entry.question if entry.related_entry else None,
            sorted(entry.examples.values_list("text", flat=True)),
            sorted(entry.sources.values_list("message__body", flat=True)),
        )
        for entry in KnowledgeEntry.objects.filter(team=team).order_by("pk")
    ]


@pytest.mark.django_db
def test_a_batched_import_proposes_what_an_unbatched_one_does(monkeypatch, model_calls):
    monkeypatch.setattr(importing, "PREFETCH_CONVERSATIONS", 5)
    batched_team, one_by_one_team = TeamFactory(slug="batched"), TeamFactory(slug="one-by-one")
    batched = importing.import_file(CONVERSATIONS, default=batched_team)
    batched_calls = len(model_calls)
    with monkeypatch.context() as patched:
        unbatched(patched, importing)
        model_calls.clear()
        one_by_one = importing.import_file(CONVERSATIONS, default=one_by_one_team)

    assert (batched.imported, batched.learned) == (one_by_one.imported, one_by_one.learned)
    assert entries_of(batched_team) == entries_of(one_by_one_team)
    assert any(entry[3] > 1 for entry in entries_of(batched_team))  # evidence was added
    assert batched_calls < len(model_calls)


@pytest.mark.django_db
def test_an_import_run_again_embeds_nothing_for_what_it_imported(model_calls):
    team = TeamFactory(slug="history")
    importing.import_file(CONVERSATIONS, default=team)
    model_calls.clear()

    again = importing.import_file(CONVERSATIONS, default=team)

    assert again.already == 12
    assert model_calls == []


@pytest.mark.django_db
def test_learning_from_fresh_messages_proposes_what_reading_them_back_does(monkeypatch):
    # An import hands learning the messages it just wrote and skips asking what was learned
    # from them or sent with a macro; learning that reads the ticket back asks both.
    fresh_team, read_back_team = TeamFactory(slug="fresh"), TeamFactory(slug="read-back")
    fresh = importing.import_file(CONVERSATIONS, default=fresh_team)
    real = learning.learn_from_ticket
    with monkeypatch.context() as patched:
        patched.setattr(
            learning, "learn_from_ticket", lambda ticket, messages=None, fresh=False: real(ticket)
        )
        read_back = importing.import_file(CONVERSATIONS, default=read_back_team)

    assert (fresh.imported, fresh.learned) == (read_back.imported, read_back.learned)
    assert entries_of(fresh_team) == entries_of(read_back_team)
    assert fresh.learned > 0
