import math

import pytest

from copilot.pipeline import answerability, gate


def test_it_is_the_geometric_mean_of_closeness_and_the_gate():
    assert answerability.local_score(0.81, 0.64) == pytest.approx(math.sqrt(0.81 * 0.64))


def test_without_a_gate_probability_closeness_alone_counts():
    assert answerability.local_score(0.7, None) == 0.7


def test_the_same_match_scores_lower_on_chatter_than_on_a_question():
    question = gate.classify("How do I resize my volume without losing data?").probability
    chatter = gate.classify("resized my volume yesterday lol, it went fine").probability
    assert answerability.local_score(0.7, question) > answerability.local_score(0.7, chatter)


def test_scores_stay_between_zero_and_one():
    assert answerability.local_score(-0.2, 0.9) == 0.0
    assert answerability.local_score(1.0, 1.0) == 1.0
