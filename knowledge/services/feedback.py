"""What the copilot's use of an entry tells about it: suggested, accepted, edited, dismissed."""

import difflib
import re
from collections.abc import Sequence
from enum import StrEnum

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F

from knowledge.extraction.chatter import is_pleasantry
from knowledge.models import KnowledgeEntry
from knowledge.redaction import PLACEHOLDER_RE, redact
from knowledge.services.common import (
    FLAG_AFTER_DISMISSALS,
    Kind,
    KnowledgeError,
    _log,
)
from knowledge.services.revisions import revision_propose
from tickets.models import Ticket

# An edit this close to the entry's answer, once made general, only personalised it.
SAME_AS_ENTRY = 0.9


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    EDITED = "edited"
    DISMISSED = "dismissed"


def entries_record_suggested(entry_ids: Sequence[int]) -> None:
    """The copilot showed a suggestion citing these entries."""
    KnowledgeEntry.objects.filter(pk__in=entry_ids).update(times_suggested=F("times_suggested") + 1)


def entries_record_outcome(
    *,
    entry_ids: Sequence[int],
    outcome: str,
    actor: User | None = None,
    edited_answer: str = "",
    ticket: Ticket | None = None,
) -> None:
    """What an analyst did with a suggestion, counted against the entries it cited.

    An edited answer becomes a proposed revision of each cited entry; entries whose
    suggestions keep being dismissed are flagged for review.
    """
    counters: dict[str, str] = {
        Outcome.ACCEPTED: "times_accepted",
        Outcome.EDITED: "times_edited",
        Outcome.DISMISSED: "times_dismissed",
    }
    counter = counters.get(outcome)
    if counter is None:
        raise KnowledgeError(f"Unknown outcome {outcome!r}.")
    with transaction.atomic():
        KnowledgeEntry.objects.filter(pk__in=entry_ids).update(**{counter: F(counter) + 1})
        entries = list(KnowledgeEntry.objects.filter(pk__in=entry_ids))
        general = _general_answer(edited_answer, ticket, actor) if outcome == Outcome.EDITED else ""
        for entry in entries:
            if general and not _only_personalised(general, entry.answer):
                revision_propose(
                    entry=entry,
                    actor=actor,
                    answer=general,
                    ticket=ticket,
                    note="an analyst edited the copilot's answer before sending it",
                )
            if outcome == Outcome.DISMISSED and _should_flag(entry):
                entry.flagged = True
                entry.flag_reason = (
                    f"dismissed {entry.times_dismissed} times, accepted {entry.times_accepted}"
                )
                entry.save(update_fields=["flagged", "flag_reason", "updated_at"])
                _log(entry, Kind.FLAGGED, None, note=entry.flag_reason)


# "^RM", "-- Sam", "~Braden": a signature line or tail.
_SIGNATURE_RE = re.compile(r"\s*(?:\^|~|--\s*)[A-Za-z]{1,20}\s*$")
_PLACEHOLDER_ONLY_RE = re.compile(r"^[\s,.;:!?-]*$")


def _general_answer(text: str, ticket: Ticket | None, actor: User | None) -> str:
    """What an analyst's edited reply teaches, without what made it theirs: greetings and
    sign-offs, names, ticket numbers and personal data."""
    names = [ticket.customer.name] if ticket is not None else []
    if actor is not None:
        names += [actor.get_full_name(), actor.get_username()]
    text = redact(_SIGNATURE_RE.sub("", text.strip()), names=[n for n in names if n])
    text = re.sub(r"#\d+\b", "", text)
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]
    while sentences and _says_nothing(sentences[0]):
        sentences.pop(0)
    while sentences and _says_nothing(sentences[-1]):
        sentences.pop()
    kept = " ".join(PLACEHOLDER_RE.sub("", s) if "<name>" in s else s for s in sentences)
    return " ".join(kept.replace(" ,", ",").split()).strip(" ,")


def _says_nothing(sentence: str) -> bool:
    bare = PLACEHOLDER_RE.sub("", sentence)
    return is_pleasantry(bare) or bool(_PLACEHOLDER_ONLY_RE.match(bare))


def _only_personalised(general: str, answer: str) -> bool:
    """True when, once made general, the edit says what the entry says already."""

    def plain(text: str) -> str:
        return " ".join(re.findall(r"\w+", text.lower()))

    return difflib.SequenceMatcher(a=plain(general), b=plain(answer)).ratio() >= SAME_AS_ENTRY


def _should_flag(entry: KnowledgeEntry) -> bool:
    if entry.flagged:
        return False
    used = entry.times_accepted + entry.times_edited
    return entry.times_dismissed >= FLAG_AFTER_DISMISSALS and entry.times_dismissed > used
