import datetime as dt
import json

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone

from copilot.models import CopilotRun, Suggestion
from dashboards.scope import Scope
from dashboards.selectors import copilot, knowledge, support
from knowledge import macro_knowledge
from knowledge.models import KnowledgeEntry
from replay import demo_history
from tests.factories import TicketFactory
from tickets.models import Macro, Message, SatisfactionRating, Ticket
from tickets.seeding import DEMO_RATINGS

State = Suggestion.State
# The hand-written demo tickets are all younger than this; the history goes back 60 days.
HAND_WRITTEN = timezone.now() - dt.timedelta(days=17)


def days_with_values(panel, name):
    daily = getattr(panel, "daily", panel)
    return sum(1 for value in daily.series[name] if value)


def sixty_days(user, oldest):
    """The dashboards' range from the day of the history's first ticket to today. The history
    spans about 59.6 days before the moment of seeding, so it covers 60 calendar days late in
    the day (UTC) and 61 before mid-afternoon: a fixed 60-day range missed its first day's
    runs before 14:28."""
    today = timezone.localdate()
    return Scope(user=user, team_ids=None, start=timezone.localdate(oldest), end=today)


@pytest.fixture
def seeded(db, settings, capsys):
    # A model named for the live copilot: the history is played with the local engine anyway.
    settings.VIGIL_LLM_MODELS = {"default": "openai/not-a-model-for-the-demo"}
    # As before `make run` starts its worker: the demo tickets' copilot tasks wait in the queue.
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}
    call_command("seed_demo_history")
    return capsys.readouterr().out


def test_it_plays_sixty_days_of_history_once(seeded, capsys):
    """One seeding (it takes a while) for every check."""
    shows_trends_over_sixty_days(seeded)
    bears_the_time_each_record_would_have_been_made()
    keeps_the_hand_written_demo_as_the_recent_part()
    adds_nothing_when_seeded_again(capsys)


def shows_trends_over_sixty_days(seeded):
    lines = sum(1 for line in demo_history.HISTORY.open() if line.strip())
    assert 150 <= lines <= 250
    assert f"Demo history: {lines} conversations over 60 days" in seeded
    now = timezone.now()
    oldest = Ticket.objects.order_by("created_at").first().created_at
    assert now - dt.timedelta(days=61) < oldest < now - dt.timedelta(days=55)
    assert not Message.objects.filter(created_at__gt=now).exists()
    scope = sixty_days(User.objects.get(username="manager"), oldest)

    volume = support.support_volume(scope)
    assert days_with_values(volume, "opened") >= 40
    assert days_with_values(volume, "resolved") >= 35
    times = support.support_times(scope)
    assert times.first_response.count >= lines - 20

    activity = copilot.copilot_activity(scope)
    assert days_with_values(activity, "spoke") >= 25
    assert days_with_values(activity, "silent") >= 30
    assert activity.runs == CopilotRun.objects.count() >= lines
    # The history's answers taught the handbook's entries how customers ask: the copilot
    # speaks on most questions it has an answer for (73 % of runs were silent before).
    assert activity.silence_rate is not None
    assert activity.silence_rate < 0.65
    assert activity.llm_calls == 0  # the local engine, as the demo's copilot ran then
    assert not CopilotRun.objects.filter(reason="copilot error").exists()

    satisfaction = support.support_satisfaction(scope)
    assert satisfaction.ratings >= 50
    assert 0.5 < satisfaction.share_good < 1
    rated_on = {r.rated_at.date() for r in SatisfactionRating.objects.all()}
    assert len(rated_on) >= 25

    acceptance = copilot.copilot_acceptance(scope)
    decided = {state.label for state in acceptance.states}
    assert {State.SENT.label, State.EDITED.label, State.DISMISSED.label} <= decided
    assert 0.3 < acceptance.acceptance_rate < 1

    # Analysts asked back with their team's macros: the most used are on the dashboard.
    assert len(knowledge.macro_usage(scope).rows) >= 2
    growth = knowledge.knowledge_growth(scope).daily.series
    learned = [n or 0 for n in growth["learned"]]
    assert learned[10] < learned[30] < learned[-1]
    assert growth["approved"][0] < growth["approved"][-1]


def bears_the_time_each_record_would_have_been_made():
    # The demo's macros (and so the entries kept from them) were there before the history.
    oldest = Ticket.objects.order_by("created_at").first().created_at
    assert Macro.objects.exists()
    assert not Macro.objects.filter(created_at__gte=oldest).exists()
    runs = CopilotRun.objects.select_related("message")
    assert not runs.exclude(created_at=F("message__created_at")).exists()
    # The copilot decided on every customer message as it came, the demo's tickets' included:
    # no later message had been written yet.
    customer = Message.objects.filter(kind=Message.Kind.CUSTOMER)
    assert runs.count() == customer.count()
    assert not runs.filter(reason__startswith="superseded").exists()
    suggestions = Suggestion.objects.select_related("run")
    assert not suggestions.exclude(created_at=F("run__created_at")).exists()
    acted = Suggestion.objects.exclude(acted_at=None)
    assert acted.exists()
    assert not acted.filter(acted_at__lt=F("created_at")).exists()
    learned = KnowledgeEntry.objects.filter(source=KnowledgeEntry.Source.LEARNED)
    assert learned.filter(status=KnowledgeEntry.Status.APPROVED).exists()
    assert learned.filter(status=KnowledgeEntry.Status.PROPOSED).exists()
    reviewed = learned.exclude(reviewed_at=None)
    assert reviewed.count() >= 10
    assert not reviewed.filter(reviewed_at__lt=F("created_at")).exists()
    # Resolved long ago: closed by the daily auto-close, a week after.
    closed = Ticket.objects.filter(
        status=Ticket.Status.CLOSED, resolved_at__isnull=False, created_at__lt=HAND_WRITTEN
    )
    week = dt.timedelta(days=7)
    assert closed.count() > 100
    assert not closed.filter(closed_at__lt=F("resolved_at") + week).exists()


def keeps_the_hand_written_demo_as_the_recent_part():
    for subject in DEMO_RATINGS:
        assert Ticket.objects.filter(subject=subject).exists()
    waiting = Ticket.objects.filter(status__in=[Ticket.Status.NEW, Ticket.Status.OPEN])
    assert waiting.count() > 12
    assert not waiting.filter(created_at__lt=HAND_WRITTEN).exists()
    # Analysts answered as themselves and took the tickets they answered.
    analysts = set(
        Message.objects.filter(kind=Message.Kind.ANALYST).values_list("author__username", flat=True)
    )
    assert {"analyst", "analyst2", "analyst3"} <= analysts
    assert Ticket.objects.exclude(assignee=None).count() > 150


def adds_nothing_when_seeded_again(capsys):
    counts = (Ticket.objects.count(), CopilotRun.objects.count(), KnowledgeEntry.objects.count())
    call_command("seed_demo_history")
    assert "nothing seeded" in capsys.readouterr().out
    again = (Ticket.objects.count(), CopilotRun.objects.count(), KnowledgeEntry.objects.count())
    assert again == counts


def test_it_goes_only_with_the_demo(db):
    TicketFactory()  # a database with tickets of its own, not the demo's
    with pytest.raises(CommandError, match="goes only with the demo"):
        call_command("seed_demo_history")
    assert Ticket.objects.count() == 1
    assert not KnowledgeEntry.objects.exists()


def test_a_history_file_that_cannot_be_read_is_refused(db, tmp_path):
    call_command("seed_demo")
    bad = tmp_path / "history.jsonl"
    bad.write_text(json.dumps({"id": "x", "messages": []}) + "\n")
    with pytest.raises(demo_history.HistoryError, match="line 1"):
        demo_history.seed_history(path=bad)


def test_the_entries_kept_from_the_demo_macros_do_not_count_as_its_history(db):
    call_command("seed_demo")
    # As in `make run`, where each macro's entry is made once the macro is committed.
    macro_knowledge.macros_sync_all()
    assert KnowledgeEntry.objects.filter(source=KnowledgeEntry.Source.MACRO).exists()
    assert not demo_history.history_is_seeded()
    KnowledgeEntry.objects.create(question="q", answer="a")
    assert demo_history.history_is_seeded()
