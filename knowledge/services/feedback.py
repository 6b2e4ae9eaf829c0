"""What the copilot's use of an entry tells about it: suggested, accepted, edited, dismissed."""

import difflib
import re
from collections.abc import Sequence
from enum import StrEnum

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F

from knowledge.extraction.chatter import is_pleasantry, is_status_talk, strip_greeting
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
    offered: str = "",
    ticket: Ticket | None = None,
) -> None:
    """What an analyst did with a suggestion, counted against the entries it cited.

    An edited answer becomes a proposed revision of each cited entry, once greetings,
    sign-offs, names, ticket numbers and personal data are out of it; an edit that then says
    what the entry (or the ``offered`` suggestion's text) said already only personalised it
    and proposes nothing. Entries whose suggestions keep being dismissed are flagged.
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
        said = _general_answer(offered, ticket, actor) if general and offered else ""
        for entry in entries:
            if general and not _only_personalised(general, [entry.answer, said]):
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
# "(ticket #4411)", "#4411": this ticket's number says nothing about another.
_TICKET_NUMBER_RE = re.compile(r"\s*\(\s*(?:(?:ticket|case|request)\s+)?#\d+\s*\)|#\d+\b", re.I)
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+|\n+")
# "<name>, " or ", <name>": a name the reply was addressed to, with its comma.
_ADDRESSED_RE = re.compile(r"<name>\s*,\s*|,?\s*<name>")
_PLACEHOLDER_ONLY_RE = re.compile(r"^[\s,.;:!?-]*$")
# A line under a sign-off is short, does not end a sentence and holds no command or path
# ("Sam", "Support team", "SO"): a signature.
_SIGNATURE_LINE_WORDS = 5
_CODE_RE = re.compile(r"[/`$=]")
# "Hope this helps!", "Let me know if it works.": closing chatter at the edges of a reply.
_SHORT_CHATTER_WORDS = 8


def _general_answer(text: str, ticket: Ticket | None, actor: User | None) -> str:
    """What an analyst's edited reply teaches, without what made it theirs: greetings and
    sign-offs with the signature under them, names, ticket numbers and personal data."""
    names = [ticket.customer.name] if ticket is not None else []
    if actor is not None:
        names += [actor.get_full_name(), actor.get_username()]
    text = redact(_SIGNATURE_RE.sub("", text.strip()), names=[n for n in names if n])
    text = _TICKET_NUMBER_RE.sub("", text)
    sentences = _before_sign_off([s.strip() for s in _SENTENCE_RE.split(text) if s.strip()])
    while sentences and _says_nothing(sentences[0]):
        sentences.pop(0)
    while sentences and _says_nothing(sentences[-1]):
        sentences.pop()
    if not sentences:
        return ""
    # "Hi <name>, use the resize button." and "<name>, use it." start a sentence once bare.
    lead = _ADDRESSED_RE.sub("", strip_greeting(sentences[0])).strip(" ,")
    if lead != sentences[0]:
        sentences[0] = lead[:1].upper() + lead[1:]
    kept = " ".join(_ADDRESSED_RE.sub("", s) for s in sentences)
    return " ".join(kept.replace(" ,", ",").split()).strip(" ,")


def _before_sign_off(sentences: list[str]) -> list[str]:
    """The sentences before a sign-off ("Best regards,") followed only by a signature."""
    for at in range(1, len(sentences)):
        rest = sentences[at + 1 :]
        if is_pleasantry(_bare(sentences[at])) and all(_is_signature_line(s) for s in rest):
            return sentences[:at]
    return sentences


def _bare(sentence: str) -> str:
    return PLACEHOLDER_RE.sub("", sentence).strip()


def _is_signature_line(line: str) -> bool:
    bare = _bare(line)
    return not bare or (
        len(bare.split()) <= _SIGNATURE_LINE_WORDS
        and not bare.endswith((".", "?", "!", ":"))
        and not _CODE_RE.search(bare)
    )


def _says_nothing(sentence: str) -> bool:
    bare = _bare(sentence)
    if is_pleasantry(bare) or _PLACEHOLDER_ONLY_RE.match(bare):
        return True
    return is_status_talk(bare) and len(bare.split()) <= _SHORT_CHATTER_WORDS


def _only_personalised(general: str, answers: Sequence[str]) -> bool:
    """True when, once made general, the edit says what one of ``answers`` says already."""

    def plain(text: str) -> str:
        return " ".join(re.findall(r"\w+", text.lower()))

    return any(
        difflib.SequenceMatcher(a=plain(general), b=plain(answer)).ratio() >= SAME_AS_ENTRY
        for answer in answers
        if answer
    )


def _should_flag(entry: KnowledgeEntry) -> bool:
    if entry.flagged:
        return False
    used = entry.times_accepted + entry.times_edited
    return entry.times_dismissed >= FLAG_AFTER_DISMISSALS and entry.times_dismissed > used
