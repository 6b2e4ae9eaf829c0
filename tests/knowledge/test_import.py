import json

import pytest
from django.core.management import CommandError, call_command

from ai import embedding
from knowledge.models import KnowledgeEntry, KnowledgeRevision

from .conftest import FIXTURE

Status = KnowledgeEntry.Status


def test_it_imports_jsonl_approved_and_is_idempotent(db, capsys):
    call_command("import_knowledge", str(FIXTURE), "--approve")
    out = capsys.readouterr().out
    assert "20 created, 0 updated, 0 unchanged, 20 approved, 0 skipped" in out
    entry = KnowledgeEntry.objects.get(external_id="kb-resize-volume")
    assert entry.status == Status.APPROVED
    assert entry.source == KnowledgeEntry.Source.IMPORTED
    assert entry.embedding is not None
    assert len(entry.embedding) == 384
    assert "vigil-fixture" in entry.tags
    call_command("import_knowledge", str(FIXTURE), "--approve")
    assert "0 created, 0 updated, 20 unchanged" in capsys.readouterr().out
    assert KnowledgeEntry.objects.count() == 20


def test_without_approve_entries_wait_for_curators(db):
    call_command("import_knowledge", str(FIXTURE))
    assert set(KnowledgeEntry.objects.values_list("status", flat=True)) == {Status.PROPOSED}


def test_a_changed_entry_is_updated_with_a_revision(db, tmp_path, capsys):
    path = tmp_path / "kb.jsonl"
    row = {"id": "a", "question": "Q one?", "answer": "The first answer text."}
    path.write_text(json.dumps(row) + "\n")
    call_command("import_knowledge", str(path), "--approve")
    path.write_text(json.dumps({**row, "answer": "A better answer text."}) + "\n")
    call_command("import_knowledge", str(path), "--approve")
    assert "0 created, 1 updated" in capsys.readouterr().out
    entry = KnowledgeEntry.objects.get(external_id="a")
    assert entry.answer == "A better answer text."
    assert entry.revisions.filter(kind=KnowledgeRevision.Kind.EDITED).exists()


def test_an_entry_may_bring_the_ways_customers_ask_for_it(db, tmp_path, capsys):
    path = tmp_path / "kb.jsonl"
    row = {
        "id": "detach",
        "question": "What can I do when a volume is stuck in detaching?",
        "answer": "Stop the instance first, then force detach from the console.",
        "examples": ["my disk won't come off the server", "  VolumeInUse when I force detach "],
    }
    path.write_text(json.dumps(row) + "\n")
    call_command("import_knowledge", str(path), "--approve")
    entry = KnowledgeEntry.objects.get(external_id="detach")
    texts = set(entry.examples.values_list("text", flat=True))
    assert texts == {
        row["question"],
        "my disk won't come off the server",
        row["examples"][1].strip(),
    }
    assert all(len(v) == 384 for v in entry.examples.values_list("embedding", flat=True))
    # The answer's own vector comes with the import, not with the first customer message.
    assert entry.answer_embedding is not None
    assert entry.answer_embedding_model == embedding.embedding_model_name()
    call_command("import_knowledge", str(path), "--approve")  # again: nothing more
    assert entry.examples.count() == 3
    path.write_text(json.dumps({**row, "id": "bad", "examples": "one string"}) + "\n")
    with pytest.raises(CommandError):
        call_command("import_knowledge", str(path))
    assert "line 1: 'examples' must be a list of strings" in capsys.readouterr().err


def test_bad_lines_are_named_and_skipped(db, tmp_path, capsys):
    lines = [
        json.dumps({"id": "ok-1", "question": "Fine?", "answer": "Yes, this one is fine."}),
        "{not json",
        json.dumps({"id": "no-answer", "question": "Where is the answer?"}),
        json.dumps({"id": "", "question": "q", "answer": "a"}),
        json.dumps(["a", "list"]),
        "",
        json.dumps({"id": "ok-1", "question": "Again?", "answer": "Duplicate id."}),
        json.dumps({"id": "tags", "question": "q?", "answer": "answer", "tags": "notalist"}),
        json.dumps({"id": "ok-2", "question": "Also fine?", "answer": "Yes, also fine."}),
        '{"id": "deep", "tags": ' + "[" * 100_000 + "]" * 100_000 + "}",
    ]
    path = tmp_path / "kb.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(CommandError, match="7 entries were skipped"):
        call_command("import_knowledge", str(path))
    err = capsys.readouterr().err
    assert "line 2: not valid JSON" in err
    assert "line 3: missing 'answer'" in err
    assert "line 4: 'id' must be a non-empty" in err
    assert "line 5: expected a JSON object" in err
    assert "line 7: id 'ok-1' appears again" in err
    assert "line 8: 'tags' must be a list" in err
    assert "line 10: The JSON is nested more than 32 levels deep." in err
    assert set(KnowledgeEntry.objects.values_list("external_id", flat=True)) == {"ok-1", "ok-2"}


def test_it_imports_a_folder_of_markdown(db, tmp_path):
    (tmp_path / "vpn.md").write_text(
        "# How do I reset the VPN?\n\nRestart the client and sign in again.\n"
    )
    (tmp_path / "faq.md").write_text(
        "# Billing FAQ\n\n## When are invoices sent?\nOn the 1st of each month.\n\n"
        "## Which cards are accepted?\nVisa, Mastercard and Amex.\n"
    )
    (tmp_path / "empty.md").write_text("# Nothing here\n")
    with pytest.raises(CommandError, match="1 entries were skipped"):
        call_command("import_knowledge", str(tmp_path), "--approve")
    questions = set(KnowledgeEntry.objects.values_list("question", flat=True))
    assert questions == {
        "How do I reset the VPN?",
        "When are invoices sent?",
        "Which cards are accepted?",
    }
    ids = set(KnowledgeEntry.objects.values_list("external_id", flat=True))
    assert "md:faq.md#when-are-invoices-sent" in ids


def test_clear_errors_for_bad_arguments(db, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("import_knowledge", str(tmp_path / "missing.jsonl"))
    with pytest.raises(CommandError, match="No team 'nope'"):
        call_command("import_knowledge", str(FIXTURE), "--team", "nope")
    with pytest.raises(CommandError, match="holds no Markdown"):
        call_command("import_knowledge", str(tmp_path))


def test_it_imports_for_one_team(team):
    call_command("import_knowledge", str(FIXTURE), "--approve", "--team", "compute")
    assert set(KnowledgeEntry.objects.values_list("team", flat=True)) == {team.pk}


def test_reembed_embeds_everything_again(small_kb, capsys):
    KnowledgeEntry.objects.update(embedding_model="old-model")
    call_command("reembed_knowledge", "--only-stale")
    assert "Re-embedded 20 entries" in capsys.readouterr().out
    assert not KnowledgeEntry.objects.filter(embedding_model="old-model").exists()
