from pathlib import Path

import pytest

from knowledge import importing

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "knowledge_small.jsonl"


@pytest.fixture
def small_kb(db):
    """The project's small knowledge base, imported and approved (scope: all teams)."""
    result = importing.ImportResult()
    rows = importing.read_rows(FIXTURE, result.errors)
    importing.import_rows(rows, approve=True, team=None, actor=None, result=result)
    assert not result.errors
    return {entry.external_id: entry for entry in _entries()}


def _entries():
    from knowledge.models import KnowledgeEntry

    return KnowledgeEntry.objects.all()
