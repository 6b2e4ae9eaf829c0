"""Fitting the local gate on recorded conversations whose answers are linked.

A customer message is a positive when an analyst later answered it (a ``reply_to`` link from a
reply that is not itself a question). The gate's features go into a calibrated logistic
regression (``ai.fitting``, scikit-learn), fitted on the earlier conversations of each source
and checked on the later ones with a reliability table: for messages given probability p, how
often was the answer "yes"?
"""

from collections.abc import Iterable, Sequence

from ai import fitted, fitting
from copilot.pipeline import gate
from replay.reading import Conversation
from replay.runner import answers_to


def answered_turns(conversation: Conversation) -> set[int]:
    """Customer turns a human answered: by the answer links where the recording has them,
    otherwise by the analyst's next turn (before the customer speaks again) not being a
    question back."""
    if conversation.has_answer_links:
        return set(answers_to(conversation))
    answered: set[int] = set()
    waiting: list[int] = []
    for turn in conversation.turns:
        if turn.role == "customer":
            waiting.append(turn.index)
        elif turn.role == "analyst" and waiting:
            if "?" not in turn.text:
                answered.update(waiting)
            waiting = []
    return answered


def samples(conversations: Iterable[Conversation]) -> tuple[list[dict[str, float]], list[bool]]:
    rows, labels = [], []
    for conversation in conversations:
        answered = answered_turns(conversation)
        for turn in conversation.turns:
            if turn.role == "customer":
                rows.append(gate.features(turn.text))
                labels.append(turn.index in answered)
    return rows, labels


# Asking, or reporting a problem, never makes a message less worth answering: a feature of
# these whose weight comes out below zero is left out and the rest refitted, so the fit cannot
# learn a quirk of one channel into the opposite rule.
NON_NEGATIVE = ("question_mark", "interrogative", "problem", "question_or_problem")


def fit_constrained(rows: list[dict[str, float]], labels: list[bool]) -> fitted.FittedModel:
    features = list(gate.FEATURES)
    while True:
        model = fitting.fit(
            gate.PURPOSE, rows, labels, features=features, notes={"fitted_on": len(labels)}
        )
        negative = [
            name
            for position, name in enumerate(model.features)
            if name in NON_NEGATIVE and sum(member[0][position] for member in model.members) < 0
        ]
        if not negative:
            return model
        features = [name for name in features if name not in negative]


def split(
    sources: Sequence[Sequence[Conversation]], held_out_share: float
) -> tuple[list[Conversation], list[Conversation]]:
    """The earlier conversations of each source to fit on, the later ones to check on."""
    train: list[Conversation] = []
    test: list[Conversation] = []
    for conversations in sources:
        cut = int(len(conversations) * (1 - held_out_share))
        train += conversations[:cut]
        test += conversations[cut:]
    return train, test


def fit(
    sources: Sequence[Sequence[Conversation]], *, held_out_share: float = 0.3
) -> tuple[fitted.FittedModel, fitting.Check, fitting.Check]:
    """The gate fitted on the earlier conversations; its check on the later ones, and the
    check of the gate in use on the same ones (never the other way round)."""
    train, test = split(sources, held_out_share)
    rows, labels = samples(train)
    held_rows, held_labels = samples(test)
    if not held_labels or len(set(labels)) < 2:
        raise ValueError("Not enough customer messages with and without an answer to fit on.")
    model = fit_constrained(rows, labels)
    current = fitted.default_model(gate.PURPOSE)
    return (
        model,
        fitting.check(model, held_rows, held_labels),
        fitting.check(current, held_rows, held_labels),
    )
