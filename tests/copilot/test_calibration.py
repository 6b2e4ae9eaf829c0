import pytest
from django.core.management import CommandError, call_command

from copilot import calibration
from copilot.models import CopilotRun, Suggestion, TeamCopilotSettings
from tests.factories import MessageFactory


def test_it_picks_the_lowest_threshold_that_meets_the_target():
    # scores high to low: right, right, right, wrong, right, wrong, wrong
    samples = [
        (0.9, True),
        (0.85, True),
        (0.8, True),
        (0.75, False),
        (0.7, True),
        (0.6, False),
        (0.5, False),
    ]
    threshold, precision, coverage, note = calibration.choose_threshold(
        samples, target=0.8, min_samples=5
    )
    assert threshold == 0.7  # 4 right of 5 shown
    assert precision == pytest.approx(0.8)
    assert coverage == pytest.approx(5 / 7)
    assert "precision 0.80 on 5 of 7" in note


def test_a_stricter_target_raises_the_threshold():
    samples = [(0.9, True), (0.85, True), (0.8, True), (0.75, False), (0.7, True)]
    threshold, *_ = calibration.choose_threshold(samples, target=0.95, min_samples=5)
    assert threshold == 0.8


def test_equal_scores_are_never_split():
    samples = [(0.9, True), (0.8, True), (0.8, False), (0.7, False)]
    threshold, precision, *_ = calibration.choose_threshold(samples, target=0.6, min_samples=1)
    assert threshold == 0.8
    assert precision == pytest.approx(2 / 3)


def test_too_little_feedback_keeps_the_threshold():
    threshold, _, _, note = calibration.choose_threshold([(0.9, True)], target=0.8, min_samples=30)
    assert threshold is None
    assert note == "not enough feedback yet (1 < 30)"


def test_no_reachable_target_keeps_the_threshold():
    samples = [(0.9, False), (0.8, False)]
    threshold, _, _, note = calibration.choose_threshold(samples, target=0.8, min_samples=1)
    assert threshold is None
    assert "no threshold reaches precision 0.80" in note


def suggest(ticket, score, state):
    message = MessageFactory(ticket=ticket)  # a message is decided once
    run = CopilotRun.objects.create(
        ticket=ticket, message=message, decision="speak", reason="test", kind="answer"
    )
    return Suggestion.objects.create(
        run=run, ticket=ticket, kind="answer", text="x", score=score, state=state
    )


def test_the_command_tunes_each_team_from_its_history(ticket, team, other_team, capsys):
    TeamCopilotSettings.objects.create(team=team, target_precision=0.75, min_samples=4)
    for score, state in [
        (0.9, "sent"),
        (0.8, "edited"),
        (0.7, "auto_sent"),
        (0.65, "dismissed"),
        (0.5, "dismissed"),
        (0.95, "shown"),
    ]:
        suggest(ticket, score, state)
    call_command("calibrate_copilot", "--dry-run")
    out = capsys.readouterr().out
    assert "Compute: threshold 0.650: precision 0.75 on 4 of 5" in out
    assert "Billing: not enough feedback yet (0 < 30)" in out
    assert TeamCopilotSettings.objects.get(team=team).threshold == 0.5
    call_command("calibrate_copilot", "--team", "compute")
    settings = TeamCopilotSettings.objects.get(team=team)
    assert settings.threshold == 0.65
    assert settings.calibrated_at is not None
    assert "precision 0.75" in settings.calibration_note
    with pytest.raises(CommandError, match="No team 'nope'"):
        call_command("calibrate_copilot", "--team", "nope")


def test_the_periodic_task_runs_through_django_q(ticket, team):
    from django_q.tasks import async_task, result

    out = result(async_task("copilot.tasks.calibrate_thresholds"))
    assert "compute: not enough feedback yet" in out
