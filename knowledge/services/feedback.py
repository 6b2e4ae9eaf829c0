"""What the copilot's use of an entry tells about it: suggested, accepted, edited, dismissed."""

from collections.abc import Sequence
from enum import StrEnum

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F

from knowledge.models import KnowledgeEntry
from knowledge.services.common import (
    FLAG_AFTER_DISMISSALS,
    Kind,
    KnowledgeError,
    _log,
)
from knowledge.services.revisions import revision_propose
from tickets.models import Ticket


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
        for entry in entries:
            if outcome == Outcome.EDITED and edited_answer.strip():
                revision_propose(
                    entry=entry,
                    actor=actor,
                    answer=edited_answer,
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


def _should_flag(entry: KnowledgeEntry) -> bool:
    if entry.flagged:
        return False
    used = entry.times_accepted + entry.times_edited
    return entry.times_dismissed >= FLAG_AFTER_DISMISSALS and entry.times_dismissed > used
