"""Extractive learner: question → resolution pairs from a resolved ticket, without an LLM.

The question comes from what the customer asked, the answer only from what human analysts
said publicly. Sentences that only make sense for this one ticket (status updates, requests
for details, apologies, greetings) are dropped, and everything is passed through
``redact``. When nothing reusable is left the ticket yields no candidate: a missing entry
costs less than a wrong one.

The dataclasses are shared with the LLM learner that will sit beside this one.
"""

from knowledge.extraction.chatter import (
    is_non_answer,
    is_pleasantry,
    is_question_or_problem,
    is_status_talk,
    strip_greeting,
)
from knowledge.extraction.pairing import extract_candidates
from knowledge.extraction.questions import plain_question
from knowledge.extraction.records import Candidate, Turn
from knowledge.extraction.text import bare_name

__all__ = [
    "Candidate",
    "Turn",
    "bare_name",
    "extract_candidates",
    "is_non_answer",
    "is_pleasantry",
    "is_question_or_problem",
    "is_status_talk",
    "plain_question",
    "strip_greeting",
]
