"""The team's answer classifier: which past answer a customer's words call for."""

import pytest

from ai import text_classifier

BILLING, KEYS, DISKS = 1, 2, 3
HISTORY = [
    ("my invoice shows a double charge", BILLING),
    ("why was I charged twice this month", BILLING),
    ("refund the duplicate charge on my invoice", BILLING),
    ("how do I rotate an api key", KEYS),
    ("my api key leaked, can I revoke it", KEYS),
    ("the disk is full and the volume needs resizing", DISKS),
]


def fitted(history=HISTORY, **options):
    return text_classifier.fit([t for t, _ in history], [label for _, label in history], **options)


def test_the_words_of_a_question_point_to_the_answer_that_resolved_questions_like_it():
    model = fitted()
    found = model.probabilities("I see a double charge on the invoice")
    assert max(found, key=found.get) == BILLING
    assert found[BILLING] > 0.5
    assert sum(found.values()) == pytest.approx(1.0)
    keys = model.probabilities("revoke the leaked key")
    assert max(keys, key=keys.get) == KEYS


def test_words_the_history_never_saw_give_no_opinion():
    assert fitted().probabilities("zzz qqq") == {}


def test_one_answer_or_no_history_teaches_nothing():
    assert fitted([]) is None
    assert fitted(HISTORY[:3]) is None  # too few questions
    assert fitted([(text, KEYS) for text, _ in HISTORY]) is None  # one answer
    assert fitted([("the", KEYS), ("a", BILLING), ("it", KEYS), ("an", BILLING)]) is None


def test_beyond_its_answers_the_rest_is_something_else_and_never_offered():
    model = fitted(max_answers=2)
    assert text_classifier.OTHER in model.labels
    found = model.probabilities("the disk is full")
    assert text_classifier.OTHER not in found
    assert DISKS not in found
    assert sum(found.values()) < 0.9  # the rest went to "something else"
