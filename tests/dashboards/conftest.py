"""A small dataset whose figures were worked out by hand (see each test)."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from copilot.models import CopilotRun, Suggestion, TeamCopilotSettings
from dashboards.scope import FilterForm
from knowledge.models import KnowledgeEntry, KnowledgeRevision
from tests.factories import MessageFactory, TicketFactory
from tickets.models import SatisfactionRating, Ticket

H = dt.timedelta(hours=1)
Status, Priority = Ticket.Status, Ticket.Priority


def days_ago(n):
    today = timezone.localdate()
    return timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=n), dt.time.min))


@pytest.fixture
def day0():
    """Five days ago at midnight: every dated row of the dataset is on day0 or the next days."""
    return days_ago(5)


@pytest.fixture(autouse=True)
def sla(settings):
    settings.VIGIL_SLA_FIRST_RESPONSE_HOURS = {1: 48, 2: 24, 3: 8, 4: 2}
    settings.VIGIL_LLM_COST_PER_1K_TOKENS = 0.5


def make_ticket(team, at, *, responded=None, resolved=None, **fields):
    return TicketFactory(
        team=team,
        created_at=at,
        updated_at=at,
        last_message_at=fields.pop("last_message_at", at),
        first_response_at=at + responded * H if responded is not None else None,
        resolved_at=at + resolved * H if resolved is not None else None,
        **fields,
    )


def make_run(ticket, at, decision, *, reason="", latency=0.0, **fields):
    run = CopilotRun.objects.create(
        ticket=ticket,
        message=MessageFactory(ticket=ticket, created_at=at),
        decision=decision,
        reason=reason,
        latency_ms=latency,
        **fields,
    )
    CopilotRun.objects.filter(pk=run.pk).update(created_at=at)
    return run


def suggest(run, at, state, *, reason="", cites=()):
    suggestion = Suggestion.objects.create(
        run=run,
        ticket=run.ticket,
        kind="answer",
        text="Try this.",
        state=state,
        dismiss_reason=reason,
        score=0.7,
    )
    suggestion.citations.set(cites)
    Suggestion.objects.filter(pk=suggestion.pk).update(created_at=at)
    return suggestion


def make_entry(at, *, team=None, reviewed=None, **fields):
    entry = KnowledgeEntry.objects.create(
        question="How do I resize a disk?", answer="Stop it.", team=team, **fields
    )
    KnowledgeEntry.objects.filter(pk=entry.pk).update(created_at=at, reviewed_at=reviewed)
    return entry


def rate(ticket, rating, comment, at, *, resolved_at=None):
    return SatisfactionRating.objects.create(
        ticket=ticket,
        team=ticket.team,
        rating=rating,
        comment=comment,
        resolved_at=resolved_at or ticket.resolved_at or at,
        rated_at=at,
    )


@pytest.fixture
def dataset(day0, team, other_team):
    return build(day0, team, other_team)


def build(day0, team, other_team):
    """Five tickets, eight copilot runs, five suggestions, four entries, two revisions."""
    d1, d2 = day0 + 24 * H, day0 + 48 * H
    t1 = make_ticket(team, day0 + 10 * H, responded=1, resolved=10, status=Status.RESOLVED)
    t2 = make_ticket(
        team,
        day0 + 12 * H,
        responded=3,
        resolved=20,
        status=Status.RESOLVED,
        priority=Priority.HIGH,
    )
    t3 = make_ticket(team, d1 + 9 * H, responded=30, status=Status.OPEN)
    t4 = make_ticket(
        team,
        d1 + 9 * H,
        status=Status.NEW,
        priority=Priority.URGENT,
        subject='=HYPERLINK("http://evil")',
        last_message_at=d1 + 8 * H,
    )
    t5 = make_ticket(other_team, day0, responded=100, status=Status.OPEN)

    TeamCopilotSettings.objects.create(team=team, target_precision=0.8)
    old = make_entry(day0 - 40 * 24 * H, status="approved", source="imported")
    proposed = make_entry(day0, status="proposed", source="learned")
    learned = make_entry(day0, status="approved", source="learned", reviewed=d1)
    make_entry(day0, team=other_team, status="approved", source="manual")

    speak, silent = CopilotRun.Decision.SPEAK, CopilotRun.Decision.SILENT
    r1 = make_run(
        t1, day0 + 11 * H, speak, latency=100, llm_calls=2, tokens=1000, model="openai/gpt-4o-mini"
    )
    r2 = make_run(t1, day0 + 12 * H, speak, latency=200)
    make_run(
        t3, d1 + 10 * H, silent, reason="no knowledge above threshold (0.41 < 0.6)", latency=300
    )
    make_run(
        t3, d1 + 11 * H, silent, reason="no knowledge above threshold (0.52 < 0.6)", latency=400
    )
    make_run(t4, d1 + 12 * H, silent, reason="not a question or problem report", latency=500)
    r6 = make_run(t2, d2, speak, latency=600)
    r7 = make_run(t2, d2 + H, speak, latency=700, explored=True)
    billing = make_run(t5, day0 + H, speak, latency=9000, tokens=5000, model="x")
    suggest(r1, day0 + 11 * H, "sent", cites=[old])
    suggest(r2, day0 + 12 * H, "dismissed", reason="wrong", cites=[old])
    suggest(r6, d2, "edited", cites=[learned])
    suggest(r7, d2 + H, "dismissed", reason="not_relevant")
    suggest(billing, day0 + H, "dismissed", reason="outdated", cites=[old])

    approve = KnowledgeRevision.objects.create(entry=learned, kind="approved", actor_name="Cora")
    reject = KnowledgeRevision.objects.create(
        entry=proposed, kind="rejected", actor_name="Ada", note="too vague"
    )
    KnowledgeRevision.objects.filter(pk=approve.pk).update(created_at=d1)
    KnowledgeRevision.objects.filter(pk=reject.pk).update(created_at=d2)

    rate(t1, "good", "Quick and clear, thanks", d1)
    rate(t2, "bad", "Took two days", d2)
    rate(t2, "good", "", d1, resolved_at=day0)  # an earlier resolution of the same ticket
    rate(t5, "bad", "Billing never answered", d1)
    rate(t1, "bad", "Long ago", day0 - 40 * 24 * H, resolved_at=day0 - 41 * 24 * H)
    return SimpleNamespace(
        tickets=[t1, t2, t3, t4, t5], old=old, proposed=proposed, learned=learned, day0=day0
    )


@pytest.fixture
def scope_for():
    def make(user, **params):
        form = FilterForm(params, user=user)
        assert form.is_valid(), form.errors
        return form.scope()

    return make
