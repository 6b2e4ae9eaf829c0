"""Was a candidate answer right? Judged against what the humans later said.

A candidate is right for a customer turn when the answer it offers is what the support side
went on to give: it holds a link an analyst (or the bot they called) later sent, or, where
either side sends no link, its words resemble a later answer (token F1 at least
``SAME_WORDS``). Where the recording links answers to the turns they answer (``reply_to``),
only those answers count; otherwise every later message of the support side does. The same
rule labels every candidate, spoken or not, so a model fitted on the labels learns what makes
an answer right, not what the copilot said.
"""

from collections.abc import Sequence

from knowledge.extraction.chatter import is_non_answer
from knowledge.links import links_in
from replay.reading import Conversation, Turn
from replay.similarity import token_f1

SAME_WORDS = 0.3
SUPPORT_ROLES = ("analyst", "bot")


def later_answers(conversation: Conversation, turn_index: int) -> list[str]:
    """What the support side said after ``turn_index`` in answer to it."""
    return [turn.text for turn in later_turns(conversation, turn_index)]


def later_turns(conversation: Conversation, turn_index: int) -> list[Turn]:
    """The support side's messages after ``turn_index`` that answer it."""
    later = [
        turn
        for turn in conversation.turns
        if turn.index > turn_index and turn.role in SUPPORT_ROLES and not is_non_answer(turn.text)
    ]
    if conversation.has_answer_links:
        answered = {turn_index}
        linked = []
        for turn in later:
            if answered & set(turn.reply_to):
                linked.append(turn)
                answered.add(turn.index)  # the bot answering the helper's "!factoid"
        later = linked
    return later


def anticipated(answer: str, conversation: Conversation, turn_index: int) -> Turn | None:
    """The first later answer that ``answer`` is right for: what the copilot got ahead of."""
    for turn in later_turns(conversation, turn_index):
        if is_right(answer, [turn.text]):
            return turn
    return None


def is_right(answer: str, answers: Sequence[str]) -> bool:
    """When both sides send links, the pages decide (a brand's answers share their wording,
    never their pages); otherwise the words do."""
    links = links_in(answer)
    sent = frozenset().union(*(links_in(text) for text in answers)) if answers else frozenset()
    if links and sent:
        return bool(links & sent)
    return any(token_f1(answer, text) >= SAME_WORDS for text in answers)
