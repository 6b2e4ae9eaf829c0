import pytest

from copilot import calibration, pipeline
from copilot.models import CopilotRun, Suggestion, TeamCopilotSettings
from copilot.pipeline import exploration
from tests.factories import MessageFactory
from tickets import services
from tickets.models import Message

QUESTION = "How do I make my volume bigger?"


def ask(ticket, body=QUESTION):
    message, _ = services.message_create(ticket=ticket, kind=Message.Kind.CUSTOMER, body=body)
    return pipeline.run(message)


@pytest.fixture
def score(small_kb, make_ticket, team):
    """The local engine's score for QUESTION, read from a run that stayed silent."""
    settings = TeamCopilotSettings.objects.create(team=team, threshold=0.99, exploration_share=0)
    run = ask(make_ticket())
    settings.delete()
    assert run.decision == CopilotRun.Decision.SILENT
    return run.score


def test_it_explores_the_same_small_share_of_messages_every_time():
    settings = TeamCopilotSettings(threshold=0.6, exploration_share=0.05, exploration_margin=0.15)
    explored = [m for m in range(1, 20_001) if exploration.explores(settings, m, 0.5)]
    assert 0.04 < len(explored) / 20_000 < 0.06
    assert explored == [m for m in range(1, 20_001) if exploration.explores(settings, m, 0.5)]
    assert exploration.draw(explored[0]) == exploration.draw(explored[0])


def test_it_explores_only_between_the_floor_and_the_threshold():
    settings = TeamCopilotSettings(threshold=0.6, exploration_share=1.0, exploration_margin=0.15)
    assert exploration.explores(settings, 1, 0.45)
    assert exploration.explores(settings, 1, 0.59)
    assert not exploration.explores(settings, 1, 0.44)
    assert not exploration.explores(settings, 1, 0.6)  # shown anyway, not explored
    settings.exploration_share = 0
    assert not exploration.explores(settings, 1, 0.59)


def test_an_explored_run_is_shown_labelled_and_recorded(score, team, ticket):
    TeamCopilotSettings.objects.create(team=team, threshold=score + 0.05, exploration_share=1.0)
    run = ask(ticket)
    assert (run.decision, run.explored) == (CopilotRun.Decision.SPEAK, True)
    suggestion = run.suggestion
    assert suggestion.label == "Exploring below threshold"
    assert suggestion.why.startswith(f"exploring below the threshold ({score:.2f} < ")
    assert suggestion.state == Suggestion.State.SHOWN


def test_without_exploration_or_below_the_floor_it_stays_silent(score, team, make_ticket):
    settings = TeamCopilotSettings.objects.create(
        team=team, threshold=score + 0.05, exploration_share=0
    )
    assert ask(make_ticket()).decision == CopilotRun.Decision.SILENT
    settings.threshold, settings.exploration_share = score + 0.2, 1.0
    settings.save()
    run = ask(make_ticket())
    assert (run.decision, run.explored) == (CopilotRun.Decision.SILENT, False)


def test_explored_suggestions_are_never_sent_to_customers(score, team, make_ticket):
    settings = TeamCopilotSettings.objects.create(
        team=team,
        mode=TeamCopilotSettings.Mode.AUTO,
        threshold=score + 0.05,
        auto_threshold=0.0,
        exploration_share=1.0,
    )
    explored = ask(make_ticket())
    assert explored.suggestion.state == Suggestion.State.SHOWN
    assert not explored.ticket.messages.filter(kind=Message.Kind.COPILOT).exists()
    settings.threshold = score - 0.05
    settings.save()
    above = ask(make_ticket())  # the same score above the threshold is sent
    assert above.suggestion.state == Suggestion.State.AUTO_SENT


def decide(ticket, score, state, *, explored=False):
    run = CopilotRun.objects.create(
        ticket=ticket,
        message=MessageFactory(ticket=ticket),  # a message is decided once
        decision="speak",
        reason="test",
        kind="answer",
        explored=explored,
    )
    Suggestion.objects.create(
        run=run, ticket=ticket, kind="answer", text="x", score=score, state=state
    )


def test_explored_feedback_lets_calibration_lower_the_threshold(ticket, team):
    settings = TeamCopilotSettings.objects.create(
        team=team, threshold=0.6, target_precision=0.8, min_samples=10, exploration_share=0.25
    )
    for score in (0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.62, 0.61):
        decide(ticket, score, "sent")
    decide(ticket, 0.6, "dismissed")
    for score in (0.55, 0.5):  # each stands for four runs, three of them silent
        decide(ticket, score, "sent", explored=True)
    decide(ticket, 0.4, "dismissed", explored=True)
    result = calibration.calibrate(team)
    settings.refresh_from_db()
    assert settings.threshold == result.threshold == 0.5
    assert result.explored == 3
    assert "3 explored below the threshold" in settings.calibration_note


def test_an_explored_suggestion_counts_for_the_runs_it_stands_for():
    shown = [(0.9, True, 1.0)] * 8 + [(0.7, False, 1.0)]
    explored = [(0.5, True, 20.0), (0.5, False, 20.0), (0.45, True, 20.0)]
    threshold, precision, *_ = calibration.choose_threshold(
        [*shown, *explored], target=0.8, min_samples=5
    )
    assert threshold == 0.7  # counted once each, they would have lowered it to 0.45
    assert precision == pytest.approx(8 / 9)
    unweighted = [(score, right) for score, right, _ in [*shown, *explored]]
    assert calibration.choose_threshold(unweighted, target=0.8, min_samples=5)[0] == 0.45
