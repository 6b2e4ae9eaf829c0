"""What every knowledge write shares: limits, the error type, text cleaning, the history log."""

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import transaction

from ai import embedding
from knowledge.models import KnowledgeEntry, KnowledgeRevision
from tickets.models import Ticket

Status = KnowledgeEntry.Status
Kind = KnowledgeRevision.Kind
MAX_QUESTION = 1_000
MAX_ANSWER = 8_000
# After this many dismissals, and when they outnumber acceptances, an entry goes to review.
FLAG_AFTER_DISMISSALS = 3


class KnowledgeError(Exception):
    """A change that cannot be made; the message is fit to show to the person who asked."""


def refuse_if_from_macro(entry: KnowledgeEntry, actor: User | None) -> None:
    """A person does not change an entry kept from a team's macro in the knowledge base: they
    change the macro, and the entry follows (``knowledge.macro_knowledge``)."""
    if entry.macro_id is not None and actor is not None:
        name = entry.question
        raise KnowledgeError(
            f"This entry is kept from the team's macro “{name}”: change the macro on the "
            "Macros page, and the entry follows."
        )


def all_or_nothing() -> transaction.Atomic:
    """A transaction for one write; inside a larger one (an import's conversation) no
    savepoint, two statements fewer: nothing here catches a failure, which fails it whole."""
    return transaction.atomic(savepoint=False)


def embedding_text(question: str, answer: str) -> str:
    return f"{question}\n{answer}"


def _embed(question: str, answer: str) -> tuple[list[float], str]:
    return embedding.embed([embedding_text(question, answer)])[0], embedding.embedding_model_name()


def _actor_name(actor: User | None) -> str:
    if actor is None:
        return "Vigil"
    full = actor.get_full_name() if hasattr(actor, "get_full_name") else ""
    return full or actor.get_username()


def clean_text(question: str, answer: str) -> tuple[str, str]:
    """The stripped question and answer, or KnowledgeError saying what is wrong."""
    question, answer = (question or "").strip(), (answer or "").strip()
    if not question:
        raise KnowledgeError("An entry needs a question.")
    if not answer:
        raise KnowledgeError("An entry needs an answer.")
    if len(question) > MAX_QUESTION:
        raise KnowledgeError(f"Questions are limited to {MAX_QUESTION:,} characters.")
    if len(answer) > MAX_ANSWER:
        raise KnowledgeError(f"Answers are limited to {MAX_ANSWER:,} characters.")
    return question, answer


def clean_tags(tags: Iterable[str] | str) -> list[str]:
    items = tags.split(",") if isinstance(tags, str) else tags
    cleaned: list[str] = []
    for tag in items:
        tag = "-".join(str(tag).strip().lower().split())[:40]
        if tag and tag not in cleaned:
            cleaned.append(tag)
    return cleaned[:20]


def _log(
    entry: KnowledgeEntry,
    kind: str,
    actor: User | None,
    *,
    note: str = "",
    ticket: Ticket | None = None,
    state: str = "",
    question: str | None = None,
    answer: str | None = None,
) -> KnowledgeRevision:
    return KnowledgeRevision.objects.create(
        entry=entry,
        kind=kind,
        state=state,
        actor=actor,
        actor_name=_actor_name(actor),
        question=entry.question if question is None else question,
        answer=entry.answer if answer is None else answer,
        note=note[:300],
        ticket=ticket,
    )
