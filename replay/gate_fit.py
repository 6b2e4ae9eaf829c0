"""Fitting the local gate's weights on recorded conversations whose answers are linked.

A customer message is a positive when an analyst later answered it (a ``reply_to`` link from a
reply that is not itself a question). The gate's features are fitted by L2-regularised logistic
regression (Newton's method on numpy), and checked on held-out conversations with a
reliability table: for messages given probability p, how often was the answer "yes"?
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from copilot.pipeline import gate
from replay.reading import Conversation
from replay.runner import answers_to

FEATURES = tuple(gate.WEIGHTS)
# Asking, or reporting a problem, never makes a message less worth answering: these weights are
# kept at zero or above, so the fit cannot learn a quirk of one channel into the opposite rule.
NON_NEGATIVE = ("question_mark", "interrogative", "problem", "question_or_problem")


@dataclass(frozen=True)
class Fit:
    weights: dict[str, float]
    train: int
    held_out: int
    log_loss: float
    base_rate: float
    reliability: list[tuple[float, float, int, float]]  # (low, high, count, observed)
    mean_predicted: list[float]


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


def samples(conversations: Iterable[Conversation]) -> tuple[np.ndarray, np.ndarray]:
    rows, labels = [], []
    for conversation in conversations:
        answered = answered_turns(conversation)
        for turn in conversation.turns:
            if turn.role != "customer":
                continue
            values = gate.features(turn.text)
            rows.append([values[name] for name in FEATURES])
            labels.append(float(turn.index in answered))
    return np.array(rows, dtype=float), np.array(labels, dtype=float)


def fit_weights(x: np.ndarray, y: np.ndarray, *, l2: float = 1.0, rounds: int = 50) -> np.ndarray:
    """Newton-Raphson for logistic regression; the bias (column 0) is not penalised."""
    w = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(rounds):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        gradient = x.T @ (p - y) + penalty * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def fit_constrained(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Logistic regression with the NON_NEGATIVE weights held at zero when they would go
    below it (an active-set refit)."""
    fixed: set[int] = set()
    while True:
        free = [i for i in range(x.shape[1]) if i not in fixed]
        w = np.zeros(x.shape[1])
        w[free] = fit_weights(x[:, free], y)
        negative = [i for i, name in enumerate(FEATURES) if name in NON_NEGATIVE and w[i] < 0]
        if not negative:
            return w
        fixed.update(negative)


def predict(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(x @ w)))


def reliability(
    p: np.ndarray, y: np.ndarray, bins: int = 10
) -> tuple[list[tuple[float, float, int, float]], list[float]]:
    table, means = [], []
    for i in range(bins):
        low, high = i / bins, (i + 1) / bins
        inside = (p >= low) & ((p < high) if i < bins - 1 else (p <= high))
        if inside.any():
            table.append((low, high, int(inside.sum()), float(y[inside].mean())))
            means.append(float(p[inside].mean()))
    return table, means


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


def fit(sources: Sequence[Sequence[Conversation]], *, held_out_share: float = 0.3) -> Fit:
    """Fit on the earlier conversations, check on the later ones (never the other way)."""
    train, test = split(sources, held_out_share)
    x_train, y_train = samples(train)
    x_test, y_test = samples(test)
    if not len(y_train) or not len(y_test) or y_train.min() == y_train.max():
        raise ValueError("Not enough customer messages with and without an answer to fit on.")
    w = fit_constrained(x_train, y_train)
    p = np.clip(predict(x_test, w), 1e-6, 1 - 1e-6)
    loss = float(-(y_test * np.log(p) + (1 - y_test) * np.log(1 - p)).mean())
    table, means = reliability(p, y_test)
    return Fit(
        weights={name: round(float(v), 3) for name, v in zip(FEATURES, w, strict=True)},
        train=len(y_train),
        held_out=len(y_test),
        log_loss=loss,
        base_rate=float(y_test.mean()),
        reliability=table,
        mean_predicted=means,
    )


def fit_current(sources: Sequence[Sequence[Conversation]], *, held_out_share: float = 0.3) -> float:
    """Held-out log loss of the weights in use, for comparison."""
    _, test = split(sources, held_out_share)
    x_test, y_test = samples(test)
    w = np.array([gate.WEIGHTS[name] for name in FEATURES])
    p = np.clip(predict(x_test, w), 1e-6, 1 - 1e-6)
    return float(-(y_test * np.log(p) + (1 - y_test) * np.log(1 - p)).mean())
