"""Support figures: volume, backlog, response and resolution times, SLA, who waits."""

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils import timezone

from dashboards.aggregates import Percentile, Percentiles, pick, seconds_between
from dashboards.data import Count as Counted
from dashboards.data import (
    Daily,
    Durations,
    NextReplies,
    ResponseTimes,
    Satisfaction,
    Sla,
    SlaRow,
    Table,
    TeamSatisfaction,
)
from dashboards.scope import Scope
from dashboards.selectors.common import for_teams, hours, in_range, per_day, share
from tickets.models import Message, SatisfactionRating, Ticket
from tickets.selectors import tickets_for_user
from tickets.sla import deadline_expression, next_clock_runs, next_due_expression, sla_hours

OPEN_STATUSES = [Ticket.Status.NEW, Ticket.Status.OPEN, Ticket.Status.WAITING]
ON_US = [Ticket.Status.NEW, Ticket.Status.OPEN]


def _tickets(scope: Scope) -> QuerySet[Ticket]:
    # order_by(): the model's default ordering would join every GROUP BY. Imported history is
    # not the team's live work: it stays out of volumes, response times and SLA figures.
    tickets = tickets_for_user(scope.user).order_by().filter(import_id__isnull=True)
    return for_teams(tickets, scope, "team_id")


def _per_day(tickets: QuerySet[Ticket], field: str) -> Any:
    return (
        tickets.annotate(day=TruncDate(field)).values("day").annotate(n=Count("id"))
    ).values_list("day", "n")


def support_volume(scope: Scope) -> Daily:
    """Tickets opened and tickets resolved on each day of the scope (two queries)."""
    opened = _per_day(in_range(_tickets(scope), scope), "created_at")
    resolved = _per_day(in_range(_tickets(scope), scope, "resolved_at"), "resolved_at")
    return Daily(
        days=scope.days,
        series={"opened": per_day(scope, opened), "resolved": per_day(scope, resolved)},
    )


def support_backlog(scope: Scope) -> list[Counted]:
    """Unfinished tickets by status, now (one query)."""
    found = dict(
        _tickets(scope)
        .filter(status__in=OPEN_STATUSES)
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return [Counted(Ticket.Status(s).label, found.get(s, 0)) for s in OPEN_STATUSES]


def support_times(scope: Scope) -> ResponseTimes:
    """Time to first response of the tickets opened in the range and time to resolution of the
    tickets resolved in it: p50 and p90 overall, and each day's p50 (three queries)."""
    first = seconds_between("created_at", "first_response_at")
    resolution = seconds_between("created_at", "resolved_at")
    opened = Q(created_at__gte=scope.since, created_at__lt=scope.until)
    resolved = Q(resolved_at__gte=scope.since, resolved_at__lt=scope.until)
    row = (
        _tickets(scope)
        .filter(opened | resolved)
        .aggregate(
            responded=Count("id", filter=opened & Q(first_response_at__isnull=False)),
            first=Percentiles(first, [0.5, 0.9], filter=opened),
            resolved=Count("id", filter=resolved),
            resolution=Percentiles(resolution, [0.5, 0.9], filter=resolved),
        )
    )
    first_daily = (
        in_range(_tickets(scope), scope)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(p50=Percentile(first, 0.5))
        .values_list("day", "p50")
    )
    res_daily = (
        in_range(_tickets(scope), scope, "resolved_at")
        .annotate(day=TruncDate("resolved_at"))
        .values("day")
        .annotate(p50=Percentile(resolution, 0.5))
        .values_list("day", "p50")
    )
    return ResponseTimes(
        first_response=Durations(
            row["responded"], hours(pick(row["first"], 0)), hours(pick(row["first"], 1))
        ),
        resolution=Durations(
            row["resolved"], hours(pick(row["resolution"], 0)), hours(pick(row["resolution"], 1))
        ),
        daily=Daily(
            days=scope.days,
            series={
                "first response p50 (h)": [hours(v) for v in per_day(scope, first_daily, None)],
                "resolution p50 (h)": [hours(v) for v in per_day(scope, res_daily, None)],
            },
        ),
    )


def support_sla(scope: Scope) -> Sla:
    """First responses that missed the SLA, for tickets opened in the range (one query).

    The clock stops at the first response, else at resolution, else runs until now: a ticket
    still unanswered past its deadline counts as breached (and as still waiting)."""
    sla = sla_hours()
    now = timezone.now()
    tickets = in_range(_tickets(scope), scope).alias(
        deadline=deadline_expression(),
        answered=Coalesce("first_response_at", "resolved_at", Value(now)),
    )
    breached = Q(answered__gt=F("deadline"))
    waiting = breached & Q(first_response_at__isnull=True, resolved_at__isnull=True)
    rows = (
        tickets.annotate(day=TruncDate("created_at"))
        .values("day", "priority")
        .annotate(
            n=Count("id"), late=Count("id", filter=breached), waiting=Count("id", filter=waiting)
        )
        .values_list("day", "priority", "n", "late", "waiting")
    )
    by_priority: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    by_day: dict[dt.date, float] = defaultdict(float)
    for day, priority, n, late, still in rows:
        totals = by_priority[priority]
        totals[0], totals[1], totals[2] = totals[0] + n, totals[1] + late, totals[2] + still
        by_day[day] += late
    table = [
        SlaRow(Ticket.Priority(p).label, sla[p], *by_priority.get(p, [0, 0, 0]))
        for p in sorted(sla, reverse=True)
    ]
    total = sum(r.tickets for r in table)
    late_total = sum(r.breached for r in table)
    return Sla(
        rows=table,
        tickets=total,
        breached=late_total,
        rate=share(late_total, total),
        daily=Daily(days=scope.days, series={"breached": per_day(scope, by_day.items())}),
        next_replies=_next_replies(scope, now),
    )


def _next_replies(scope: Scope, now: dt.datetime) -> NextReplies:
    """The customers' waits for a reply after the first response, begun in the range, and how
    many went past the next-response target (``VIGIL_SLA_NEXT_RESPONSE_HOURS``): those an
    analyst's public reply ended (``Message.waited_since``), and those still running, counted
    once past their target unless the ticket waits on the customer or is finished (no clock
    runs). Two queries."""
    tickets = _tickets(scope)
    answered = in_range(
        Message.objects.filter(ticket__in=tickets.values("pk")), scope, "waited_since"
    ).aggregate(
        n=Count("id"),
        late=Count(
            "id", filter=Q(created_at__gt=next_due_expression("waited_since", "ticket__priority"))
        ),
    )
    running = (
        in_range(tickets, scope, "awaiting_reply_since")
        .filter(next_clock_runs())
        .alias(due=next_due_expression("awaiting_reply_since"))
        .aggregate(n=Count("id"), late=Count("id", filter=Q(due__lt=now)))
    )
    waits, late = answered["n"] + running["n"], answered["late"] + running["late"]
    return NextReplies(waits=waits, late=late, rate=share(late, waits))


def support_waiting(scope: Scope, *, limit: int = 15) -> Table:
    """New and open tickets (our turn, not the customer's), the longest without activity
    first (one query). Unfinished work is shown whatever the date range."""
    tickets = (
        _tickets(scope)
        .filter(status__in=ON_US)
        .order_by("last_message_at", "id")
        .values_list(
            "pk",
            "subject",
            "team__name",
            "priority",
            "status",
            "customer__name",
            "assignee__username",
            "assignee__first_name",
            "assignee__last_name",
            "last_message_at",
        )[:limit]
    )
    now = timezone.now()
    rows: list[list[Any]] = []
    links = []
    for pk, subject, team, priority, status, customer, login, first, last, active in tickets:
        assignee = " ".join(name for name in (first, last) if name) or login or ""
        rows.append(
            [
                f"#{pk}",
                subject,
                team,
                Ticket.Priority(priority).label,
                Ticket.Status(status).label,
                customer,
                assignee,
                timezone.localtime(active).strftime("%Y-%m-%d %H:%M"),
                round((now - active).total_seconds() / 3600, 1),
            ]
        )
        links.append(reverse("tickets:detail", args=[pk]))
    columns = ["Ticket", "Subject", "Team", "Priority", "Status", "Customer", "Assignee"]
    return Table(columns=[*columns, "Last activity", "Hours waiting"], rows=rows, links=links)


def support_satisfaction(scope: Scope, *, comments: int = 10) -> Satisfaction:
    """Ratings customers gave (or last changed) in the range, in the team that resolved the
    ticket: good and bad per team, the share good, and the latest comments (two queries)."""
    ratings = in_range(
        for_teams(SatisfactionRating.objects.order_by(), scope, "team_id"), scope, "rated_at"
    )
    good = Q(rating=SatisfactionRating.Rating.GOOD)
    per_team = (
        ratings.values("team__name")
        .annotate(good=Count("id", filter=good), bad=Count("id", filter=~good))
        .order_by("team__name")
        .values_list("team__name", "good", "bad")
    )
    teams = [TeamSatisfaction(name, g, b, share(g, g + b)) for name, g, b in per_team]
    total_good, total_bad = sum(t.good for t in teams), sum(t.bad for t in teams)
    latest = (
        ratings.exclude(comment="")
        .order_by("-rated_at", "-id")
        .values_list("ticket_id", "team__name", "rating", "comment", "rated_at")[:comments]
    )
    rows: list[list[Any]] = []
    links = []
    for pk, team, rating, comment, rated in latest:
        label = SatisfactionRating.Rating(rating).label
        when = timezone.localtime(rated).strftime("%Y-%m-%d %H:%M")
        rows.append([f"#{pk}", team, label, comment, when])
        links.append(reverse("tickets:detail", args=[pk]))
    return Satisfaction(
        ratings=total_good + total_bad,
        good=total_good,
        bad=total_bad,
        share_good=share(total_good, total_good + total_bad),
        teams=teams,
        comments=Table(
            columns=["Ticket", "Team", "Rating", "Comment", "Rated"], rows=rows, links=links
        ),
    )
