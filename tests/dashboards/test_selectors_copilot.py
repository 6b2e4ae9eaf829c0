import pytest

from dashboards.selectors import copilot


def test_it_counts_runs_silence_and_latency(dataset, analyst, scope_for):
    activity = copilot.copilot_activity(scope_for(analyst))
    assert (activity.runs, activity.spoke, activity.silent, activity.explored) == (7, 4, 3, 1)
    assert activity.silence_rate == pytest.approx(3 / 7)
    # Latencies 100…700 ms: p95 lies 0.7 of the way from 600 to 700.
    assert activity.latency_p50_ms == pytest.approx(400)
    assert activity.latency_p95_ms == pytest.approx(670)
    assert (activity.llm_calls, activity.tokens) == (2, 1000)
    d0 = activity.daily.days.index(dataset.day0.date())
    assert activity.daily.series["spoke"][d0] == 2
    assert activity.daily.series["silence rate"][d0] == 0
    assert activity.daily.series["silence rate"][d0 + 1] == 1
    assert activity.daily.series["latency p50 (ms)"][d0] == pytest.approx(150)
    assert activity.daily.series["latency p50 (ms)"][d0 - 1] is None


def test_it_breaks_down_what_analysts_did(dataset, analyst, scope_for):
    acceptance = copilot.copilot_acceptance(scope_for(analyst))
    assert acceptance.suggestions == 4
    assert {c.label: c.value for c in acceptance.states} == {
        "Sent as is": 1,
        "Edited and sent": 1,
        "Dismissed": 2,
    }
    assert [(c.label, c.value) for c in acceptance.dismiss_reasons] == [
        ("Not relevant", 1),
        ("Wrong", 1),
    ]
    assert acceptance.acceptance_rate == 0.5
    assert acceptance.auto_replies == 0


def test_it_gives_precision_when_shown_against_the_target(dataset, manager, scope_for):
    teams = {t.slug: t for t in copilot.copilot_precision(scope_for(manager))}
    compute = teams["compute"]
    # Sent and edited against one dismissal; the explored suggestion counts apart.
    assert (compute.right, compute.wrong, compute.explored) == (2, 1, 1)
    assert compute.precision == pytest.approx(2 / 3)
    assert compute.target == 0.8
    assert compute.meets_target is False
    billing = teams["billing"]
    # No settings row: the default target.
    assert (billing.right, billing.wrong, billing.precision, billing.target) == (0, 1, 0.0, 0.8)


def test_it_groups_silence_reasons_without_their_figures(dataset, analyst, scope_for):
    silence = copilot.copilot_silence(scope_for(analyst))
    assert (silence.runs, silence.silent) == (7, 3)
    assert [(c.label, c.value) for c in silence.reasons] == [
        ("no knowledge above threshold", 2),
        ("not a question or problem report", 1),
    ]


def test_it_keeps_the_top_reasons_and_sums_the_rest(dataset, analyst, scope_for):
    silence = copilot.copilot_silence(scope_for(analyst), top=1)
    assert [(c.label, c.value) for c in silence.reasons] == [
        ("no knowledge above threshold", 2),
        ("other reasons", 1),
    ]


def test_it_estimates_cost_at_the_configured_price(dataset, analyst, scope_for):
    cost = copilot.copilot_cost(scope_for(analyst))
    assert (cost.llm_calls, cost.tokens, cost.cost) == (2, 1000, 0.5)
    assert cost.unpriced_models == []
    d0 = cost.daily.days.index(dataset.day0.date())
    assert cost.daily.series["cost"][d0] == 0.5


def test_it_prices_from_litellms_map_without_a_configured_price(
    dataset, manager, scope_for, settings
):
    settings.VIGIL_LLM_COST_PER_1K_TOKENS = None
    cost = copilot.copilot_cost(scope_for(manager))
    # gpt-4o-mini: $0.15 in and $0.60 out per million tokens; "x" is not in the map.
    assert cost.cost == pytest.approx(0.375 / 1000 * 1)
    assert cost.tokens == 6000
    assert cost.unpriced_models == ["x"]
