import math

import pytest

from copilot.pipeline import answerability
from knowledge.models import KnowledgeEntry
from knowledge.selectors import Candidate, Retrieval


def candidate(pk, *, vote=0.0, closeness=0.0, agreeing=0, signals=None, **entry_fields):
    entry_fields.setdefault("answer", f"answer {pk}")
    entry = KnowledgeEntry(pk=pk, question="q", **entry_fields)
    return Candidate(
        **(signals or {}),
        entry=entry,
        closeness=closeness,
        similarity=closeness,
        text_rank=None,
        vote=vote,
        example_similarity=0.8,
        agreeing=agreeing,
        reasons=(),
    )


def features_of(first, others=(), *, examples_in_scope=0, recent=(), **kwargs):
    retrieval = Retrieval(
        candidates=[first, *others],
        neighbours=10,
        best_example_similarity=0.8,
        examples_in_scope=examples_in_scope,
        recent=recent,
    )
    defaults = {"query": "How do I reset my password?", "gate_probability": 0.7, "position": 0}
    return answerability.features(first, retrieval, **(defaults | kwargs))


def test_it_describes_a_candidate_by_every_feature_the_model_may_weigh():
    values = features_of(candidate(1, vote=0.6, closeness=0.8, agreeing=6))
    assert set(values) == set(answerability.FEATURES)
    assert set(answerability.MODEL_FEATURES) <= set(values)
    assert values["agreeing"] == pytest.approx(0.6)
    assert values["question_mark"] == 1.0
    assert values["gate"] == 0.7


def test_margins_say_how_clearly_a_candidate_leads():
    leader = candidate(1, vote=0.7, closeness=0.9)
    runner_up = candidate(2, vote=0.2, closeness=0.6)
    assert features_of(leader, [runner_up])["vote_margin"] == pytest.approx(0.5)
    assert features_of(leader, [runner_up])["closeness_margin"] == pytest.approx(0.3)
    assert features_of(runner_up, [leader])["vote_margin"] == pytest.approx(-0.5)


def test_an_entry_that_analysts_keep_dismissing_looks_worse():
    fresh = features_of(candidate(1, times_suggested=0))
    dismissed = features_of(candidate(1, times_suggested=6, times_dismissed=6))
    accepted = features_of(candidate(1, times_suggested=6, times_accepted=5))
    assert fresh["acceptance"] == 0.5
    assert dismissed["acceptance"] < fresh["acceptance"] < accepted["acceptance"]
    assert dismissed["dismissals"] == pytest.approx(math.log1p(6))


def test_an_answer_the_team_often_needed_weighs_more():
    common = candidate(1, signals={"examples": 4})
    rare = candidate(2, signals={"examples": 1})
    values = features_of(common, [rare], examples_in_scope=9, recent=(1, 1, 2, 1))
    assert values["evidence"] == pytest.approx(math.log1p(4))
    assert values["prior"] == pytest.approx(0.4)
    assert values["history"] == pytest.approx(math.log1p(9))
    assert values["recent"] == pytest.approx(0.75)
    assert features_of(rare, [common], examples_in_scope=9, recent=(1, 1, 2, 1))["recent"] == 0.25


def test_an_answer_close_to_the_question_leads_by_its_margin():
    close = candidate(1, signals={"answer_similarity": 0.7, "word_vote": 0.6, "title_match": True})
    far = candidate(2, signals={"answer_similarity": 0.4, "imported": True})
    values = features_of(close, [far])
    assert values["answer_margin"] == pytest.approx(0.3)
    assert values["word_vote"] == pytest.approx(0.6)
    assert values["title_match"] == 1.0
    assert values["imported"] == 0.0
    assert features_of(far, [close])["imported"] == 1.0


def test_without_a_gate_probability_it_counts_as_an_even_chance():
    assert features_of(candidate(1), gate_probability=None)["gate"] == 0.5


def test_candidates_are_ranked_by_probability():
    low, high = candidate(1), candidate(2)
    ranked = answerability.ranked([(low, 0.2, {}), (high, 0.9, {})])
    assert [c.entry.pk for c, _, _ in ranked] == [2, 1]


def test_entries_giving_the_same_answer_stand_together_led_by_the_one_the_question_names():
    same = "Install the VPN client from the portal, then sign in."
    unnamed = candidate(1, answer=same)
    named = candidate(2, answer=f"  {same.upper()} ", signals={"title_match": True})
    between = candidate(3)
    ranked = answerability.ranked([(unnamed, 0.6, {}), (between, 0.4, {}), (named, 0.1, {})])
    assert [c.entry.pk for c, _, _ in ranked] == [2, 1, 3]
    assert [p for _, p, _ in ranked] == [0.1, 0.6, 0.4]  # each keeps its own probability
    assert answerability.answer_probability(ranked) == 0.6


def test_an_answer_the_question_names_comes_before_likelier_ones_it_does_not():
    named = candidate(1, signals={"title_match": True})
    alike = candidate(2)
    other_named = candidate(3, signals={"title_match": True})
    ranked = answerability.ranked([(alike, 0.06, {}), (named, 0.01, {}), (other_named, 0.03, {})])
    assert [c.entry.pk for c, _, _ in ranked] == [3, 1, 2]
    # Whether to speak stays the named answer's own probability.
    assert answerability.answer_probability(ranked) == 0.03


def test_without_a_named_one_the_likeliest_entry_leads_its_answer():
    same = "Restart the agent."
    ranked = answerability.ranked(
        [(candidate(1, answer=same), 0.3, {}), (candidate(2, answer=same), 0.5, {})]
    )
    assert [c.entry.pk for c, _, _ in ranked] == [2, 1]
    assert answerability.answer_probability(ranked) == 0.5
    alone = answerability.ranked([(candidate(3), 0.2, {}), (candidate(4), 0.7, {})])
    assert answerability.answer_probability(alone) == 0.7


def test_the_shipped_model_trusts_an_answer_more_when_the_teams_history_points_to_it():
    from pathlib import Path

    import ai
    from ai import fitted

    # The file shipped in the package (the tests run with a small model of their own).
    model = fitted.from_json(
        (Path(ai.__file__).parent / "fitted" / "answerability.json").read_text()
    )
    assert "classifier" in model.features
    signals = {"answer_similarity": 0.5, "word_vote": 0.3}
    unsure = features_of(candidate(1, vote=0.3, closeness=0.5, agreeing=3, signals=signals))
    pointed = features_of(
        candidate(1, vote=0.3, closeness=0.5, agreeing=3, signals={**signals, "classifier": 0.9})
    )
    assert pointed["classifier"] == 0.9
    assert model.probability(pointed) > model.probability(unsure)
