import json
from pathlib import Path

from replay import display as replay_display

REPORT = json.loads(
    (Path(__file__).resolve().parent.parent / "fixtures" / "replay_report.json").read_text()
)


def test_the_figures_name_the_counts_behind_them():
    figures = {f.label: (f.value, f.note) for f in replay_display.figures(REPORT)}
    assert figures["Conversations"] == ("120", "640 customer messages")
    assert figures["Spoke"] == ("12.5%", "on 80 messages: 70 answer, 10 status update")
    assert figures["Anticipated the agent"] == (
        "30.0%",
        "21 of 70 answers were what the agent went on to send (their page or their words), in "
        "15.0% of conversations; 14 min ahead of the agent (median), p90 95 (12 of them timed)",
    )
    assert figures["Resembles the human answer"][0] == "10.0%"
    assert figures["Doc hits where links exist"] == (
        "36.0%",
        "9 of 25 answers held a page the agent later sent, in 8 of the 40 conversations where "
        "they sent links",
    )
    assert figures["Spoke where a human replied"][0] == "75.0%"
    assert "20.0% of 300 such questions got one" in figures["Spoke where a human replied"][1]
    assert figures["Teams"] == (
        "2",
        "customer messages spoken on, per team: compute 50 of 420; storage 30 of 220",
    )
    assert figures["Latency p50"] == ("8.1 ms", "p95 20.3 ms per customer message")
    assert figures["Speed"][0] == "52.0/s"
    assert figures["Learned"][0] == "40"


def test_the_useful_figures_lead_and_spoke_where_a_human_replied_follows():
    labels = [f.label for f in replay_display.figures(REPORT)]
    assert labels[:3] == [
        "Anticipated the agent",
        "Resembles the human answer",
        "Doc hits where links exist",
    ]
    assert labels.index("Spoke where a human replied") > labels.index("Spoke")


def test_doc_hits_are_left_out_where_no_agent_sent_a_link():
    report = {**REPORT, "doc_hits": {**REPORT["doc_hits"], "conversations_with_links": 0}}
    labels = [f.label for f in replay_display.figures(report)]
    assert "Doc hits where links exist" not in labels
    assert "doc hits" not in replay_display.headline(report)


def test_missing_values_show_as_a_dash():
    figures = replay_display.figures({"ground_truth": {"precision": None}})
    shown = {f.label: f.value for f in figures}
    assert shown["Conversations"] == "—"
    assert shown["Spoke where a human replied"] == "—"
    assert "Anticipated the agent" not in shown
    assert "Doc hits where links exist" not in shown
    assert "Teams" not in shown
    assert "Learned" not in shown
    context = replay_display.report_context({"silence_reasons": "nonsense", "examples": [1]})
    assert context["silence_chart"] is None
    assert context["curve_chart"] is None
    assert context["examples"] == []


def test_the_curve_marks_the_recommended_threshold_once():
    svg = str(replay_display.curve_chart(REPORT["ground_truth"]))
    assert svg.count('class="chart-highlight"') == 1
    assert "threshold 0.70" in svg
    assert "target 80%" in svg
    assert svg.count("<circle") == 31 + 1
    assert "threshold 0.55: precision 66.2%, coverage 18.9%, recall 26.7%, 121 spoken" in svg


def test_learning_shows_one_line_when_everything_learned_was_approved():
    assert "learned and approved" in str(replay_display.learning_chart(REPORT))
    proposed = {
        **REPORT,
        "learning_over_time": [
            {"conversations": 10, "learned": 4, "approved": 1},
            {"conversations": 20, "learned": 9, "approved": 5},
        ],
    }
    svg = str(replay_display.learning_chart(proposed))
    assert "learned and approved" not in svg
    assert 'class="chart-legend"' in svg
    nothing = {**REPORT, "learning_over_time": [{"conversations": 5, "learned": 0, "approved": 0}]}
    assert replay_display.learning_chart(nothing) is None


def test_the_headline():
    assert replay_display.headline(REPORT) == (
        "anticipated the agent 30.0% · resembles the human answer 10.0% · doc hits where links "
        "exist 36.0% · 640 messages · spoke 12.5%"
    )
    assert replay_display.headline(None) == ""
