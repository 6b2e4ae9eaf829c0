"""Writes to the knowledge base. Every change is recorded in the entry's revision history.

Callers import this package (`from knowledge import services`); the modules hold the parts.
"""

from knowledge.services.common import (
    FLAG_AFTER_DISMISSALS,
    MAX_ANSWER,
    MAX_QUESTION,
    KnowledgeError,
    all_or_nothing,
    clean_tags,
    clean_text,
    embedding_text,
    refuse_if_from_macro,
)
from knowledge.services.entries import (
    NewEntry,
    entries_create_many,
    entries_reembed,
    entry_add_evidence,
    entry_approve,
    entry_archive,
    entry_create,
    entry_edit,
    entry_merge,
    entry_reject,
    entry_relate,
    entry_replace,
    entry_restore,
    example_add,
    examples_reembed,
    link_sources,
)
from knowledge.services.feedback import (
    Outcome,
    entries_record_outcome,
    entries_record_suggested,
)
from knowledge.services.groups import entries_decide_many, group_approve, group_reject
from knowledge.services.revisions import revision_apply, revision_decline, revision_propose

__all__ = [
    "FLAG_AFTER_DISMISSALS",
    "MAX_ANSWER",
    "MAX_QUESTION",
    "KnowledgeError",
    "NewEntry",
    "Outcome",
    "all_or_nothing",
    "clean_tags",
    "clean_text",
    "embedding_text",
    "entries_create_many",
    "entries_decide_many",
    "entries_record_outcome",
    "entries_record_suggested",
    "entries_reembed",
    "entry_add_evidence",
    "entry_approve",
    "entry_archive",
    "entry_create",
    "entry_edit",
    "entry_merge",
    "entry_reject",
    "entry_relate",
    "entry_replace",
    "entry_restore",
    "example_add",
    "examples_reembed",
    "group_approve",
    "group_reject",
    "link_sources",
    "refuse_if_from_macro",
    "revision_apply",
    "revision_decline",
    "revision_propose",
]
