"""Was a candidate answer right? Judged against what the humans later said.

A candidate is right for a customer turn when the answer it offers is what the support side
went on to give: it holds a link an analyst (or the bot they called) later sent, or, where
either side sends no link, its words resemble a later answer (token F1 at least
``SAME_WORDS``). Where the recording links answers to the turns they answer (``reply_to``),
only those answers count; otherwise every later message of the support side does. The same
rule labels every candidate, spoken or not, so a model fitted on the labels learns what makes
an answer right, not what the copilot said.

Whether a spoken suggestion *anticipated the agent* is stricter (``anticipated``): in a
conversation where the support side sends links, only a page they later sent counts, wherever
it was sent in the conversation.
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


def support_links(conversation: Conversation) -> frozenset[str]:
    """Every page the support side sent in ``conversation``, normalised."""
    return frozenset().union(
        *(links_in(turn.text) for turn in conversation.turns if turn.role in SUPPORT_ROLES)
    )


def page_sent_later(answer: str, conversation: Conversation, turn_index: int) -> Turn | None:
    """The first later message of the support side holding a page that ``answer`` holds."""
    pages = links_in(answer)
    if not pages:
        return None
    later = (t for t in conversation.turns if t.index > turn_index and t.role in SUPPORT_ROLES)
    return next((turn for turn in later if pages & links_in(turn.text)), None)


def anticipated(answer: str, conversation: Conversation, turn_index: int) -> Turn | None:
    """The later support message ``answer`` got ahead of. Where the support side sends links,
    only a page they later sent counts (their answers share wording, never their pages);
    elsewhere the first later answer the words resemble."""
    if support_links(conversation):
        return page_sent_later(answer, conversation, turn_index)
    resembling = (
        turn
        for turn in later_turns(conversation, turn_index)
        if token_f1(answer, turn.text) >= SAME_WORDS
    )
    return next(resembling, None)


def is_right(answer: str, answers: Sequence[str]) -> bool:
    """When both sides send links, the pages decide (a brand's answers share their wording,
    never their pages); otherwise the words do."""
    links = links_in(answer)
    sent = frozenset().union(*(links_in(text) for text in answers)) if answers else frozenset()
    if links and sent:
        return bool(links & sent)
    return any(token_f1(answer, text) >= SAME_WORDS for text in answers)
