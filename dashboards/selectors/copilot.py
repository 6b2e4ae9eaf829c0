"""Copilot figures: what it decided, what analysts did with it, how right it was, its cost."""

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from ai import llm
from copilot.calibration import RIGHT, WRONG
from copilot.models import CopilotRun, Suggestion, TeamCopilotSettings
from dashboards.aggregates import Percentiles, ReasonHead, pick
from dashboards.data import Acceptance, CopilotActivity, Cost, Daily, Silence, TeamPrecision
from dashboards.data import Count as Counted
from dashboards.scope import Scope
from dashboards.selectors.common import for_teams, in_range, per_day, share
from tickets.models import Team

SPEAK, SILENT = CopilotRun.Decision.SPEAK, CopilotRun.Decision.SILENT
State = Suggestion.State
# What became of the suggestions, in the order the charts stack them.
OUTCOMES = [State.SENT, State.EDITED, State.AUTO_SENT, State.DISMISSED]
PENDING = [State.SHOWN, State.INSERTED]
DEFAULT_TARGET: float = TeamCopilotSettings._meta.get_field("target_precision").default


def _runs(scope: Scope) -> QuerySet[CopilotRun]:
    return for_teams(in_range(CopilotRun.objects.order_by(), scope), scope, "ticket__team_id")


def _suggestions(scope: Scope) -> QuerySet[Suggestion]:
    return for_teams(in_range(Suggestion.objects.order_by(), scope), scope, "ticket__team_id")


def _run_figures() -> dict[str, Any]:
    return {
        "runs": Count("id"),
        "spoke": Count("id", filter=Q(decision=SPEAK)),
        "silent": Count("id", filter=Q(decision=SILENT)),
        "explored": Count("id", filter=Q(explored=True)),
        "calls": Sum("llm_calls", default=0),
        "tokens": Sum("tokens", default=0),
        "latency": Percentiles("latency_ms", [0.5, 0.95]),
    }


def _most_common(counts: Counter[str]) -> list[tuple[str, int]]:
    """Largest first, ties in alphabetical order (the same on every refresh)."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def copilot_activity(scope: Scope) -> CopilotActivity:
    """Runs, spoken and silent, latency, LLM calls and tokens: in all and per day (two
    queries)."""
    total = _runs(scope).aggregate(**_run_figures())
    rows: list[Any] = list(
        _runs(scope)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(**_run_figures())
        .values("day", "runs", "spoke", "silent", "latency")
    )
    for row in rows:
        row["p50"], row["p95"] = pick(row["latency"], 0), pick(row["latency"], 1)

    def series(key: str, empty: float | None = 0) -> list[float | None]:
        return per_day(scope, ((r["day"], r[key]) for r in rows), empty)

    silence = per_day(scope, ((r["day"], share(r["silent"], r["runs"])) for r in rows), None)
    return CopilotActivity(
        runs=total["runs"],
        spoke=total["spoke"],
        silent=total["silent"],
        explored=total["explored"],
        silence_rate=share(total["silent"], total["runs"]),
        latency_p50_ms=pick(total["latency"], 0),
        latency_p95_ms=pick(total["latency"], 1),
        llm_calls=total["calls"],
        tokens=total["tokens"],
        daily=Daily(
            days=scope.days,
            series={
                "spoke": series("spoke"),
                "silent": series("silent"),
                "silence rate": silence,
                "latency p50 (ms)": series("p50", None),
                "latency p95 (ms)": series("p95", None),
            },
        ),
    )


def copilot_acceptance(scope: Scope) -> Acceptance:
    """What analysts did with the suggestions shown: by outcome, dismissals by reason, and per
    day (one query). Acceptance is the share sent (as is, edited or by the copilot) of those
    decided."""
    rows = list(
        _suggestions(scope)
        .annotate(day=TruncDate("created_at"))
        .values("day", "state", "dismiss_reason")
        .annotate(n=Count("id"))
        .values_list("day", "state", "dismiss_reason", "n")
    )
    states: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    daily: dict[str, dict[dt.date, float]] = defaultdict(lambda: defaultdict(float))
    for day, state, reason, n in rows:
        states[state] += n
        if state == State.DISMISSED:
            reasons[reason or Suggestion.DismissReason.OTHER] += n
        daily[state if state in OUTCOMES else "pending"][day] += n
    right = sum(states[s] for s in RIGHT)
    decided = right + sum(states[s] for s in WRONG)
    return Acceptance(
        suggestions=sum(states.values()),
        states=[Counted(State(s).label, states[s]) for s in State.values if states[s]],
        dismiss_reasons=[
            Counted(Suggestion.DismissReason(r).label, n) for r, n in _most_common(reasons)
        ],
        acceptance_rate=share(right, decided),
        auto_replies=states[State.AUTO_SENT],
        daily=Daily(days=scope.days, series=_outcome_series(scope, daily)),
    )


def _outcome_series(
    scope: Scope, daily: dict[str, dict[dt.date, float]]
) -> dict[str, list[float | None]]:
    series: dict[str, list[float | None]] = {
        str(State(s).label): per_day(scope, daily[s].items()) for s in OUTCOMES
    }
    series["not decided yet"] = per_day(scope, daily["pending"].items())
    right = [sum(daily[s].get(day, 0) for s in RIGHT) for day in scope.days]
    wrong = [sum(daily[s].get(day, 0) for s in WRONG) for day in scope.days]
    series["acceptance rate"] = [share(r, r + w) for r, w in zip(right, wrong, strict=True)]
    return series


def copilot_precision(scope: Scope) -> list[TeamPrecision]:
    """Precision when shown, per team, against the team's target: of the answers shown above
    the threshold and decided, the share sent. Suggestions shown while exploring below the
    threshold are counted apart (two queries)."""
    teams = for_teams(Team.objects.select_related("copilot_settings"), scope, "id")
    rows = (
        _suggestions(scope)
        .filter(kind=CopilotRun.Kind.ANSWER, state__in=[*RIGHT, *WRONG])
        .values("ticket__team_id")
        .annotate(
            right=Count("id", filter=Q(state__in=RIGHT, run__explored=False)),
            wrong=Count("id", filter=Q(state__in=WRONG, run__explored=False)),
            explored=Count("id", filter=Q(run__explored=True)),
        )
        .values_list("ticket__team_id", "right", "wrong", "explored")
    )
    found = {team_id: (right, wrong, explored) for team_id, right, wrong, explored in rows}
    result = []
    for team in teams.order_by("name"):
        right, wrong, explored = found.get(team.pk, (0, 0, 0))
        settings_row = getattr(team, "copilot_settings", None)
        target = settings_row.target_precision if settings_row else DEFAULT_TARGET
        result.append(
            TeamPrecision(
                team.name, team.slug, target, right, wrong, share(right, right + wrong), explored
            )
        )
    return result


def copilot_silence(scope: Scope, *, top: int = 8) -> Silence:
    """How often the copilot stayed silent and its most frequent reasons (one query)."""
    rows = list(
        _runs(scope)
        .annotate(head=ReasonHead("reason"))
        .values("decision", "head")
        .annotate(n=Count("id"))
        .values_list("decision", "head", "n")
    )
    reasons = Counter({head: n for decision, head, n in rows if decision == SILENT})
    shown = [Counted(head or "(no reason)", n) for head, n in _most_common(reasons)[:top]]
    rest = sum(reasons.values()) - sum(c.value for c in shown)
    if rest:
        shown.append(Counted("other reasons", rest))
    return Silence(runs=sum(n for _, _, n in rows), silent=sum(reasons.values()), reasons=shown)


def price_per_1k(model: str) -> float | None:
    """The configured flat price, else the model's price in litellm's map."""
    flat = settings.VIGIL_LLM_COST_PER_1K_TOKENS
    if flat is not None:
        return float(flat)
    return llm.price_per_1k_tokens(model) if model else None


def copilot_cost(scope: Scope) -> Cost:
    """LLM calls, tokens and their estimated cost per day (one query)."""
    rows = list(
        _runs(scope)
        .filter(tokens__gt=0)
        .annotate(day=TruncDate("created_at"))
        .values("day", "model")
        .annotate(calls=Sum("llm_calls"), tokens=Sum("tokens"))
        .values_list("day", "model", "calls", "tokens")
    )
    calls_by_day: dict[dt.date, float] = defaultdict(float)
    tokens_by_day: dict[dt.date, float] = defaultdict(float)
    cost_by_day: dict[dt.date, float] = defaultdict(float)
    unpriced: set[str] = set()
    for day, model, calls, tokens in rows:
        calls_by_day[day] += calls
        tokens_by_day[day] += tokens
        price = price_per_1k(model)
        if price is None:
            unpriced.add(model or "(no model)")
        else:
            cost_by_day[day] += tokens / 1000 * price
    return Cost(
        llm_calls=int(sum(calls_by_day.values())),
        tokens=int(sum(tokens_by_day.values())),
        cost=round(sum(cost_by_day.values()), 6),
        unpriced_models=sorted(unpriced),
        daily=Daily(
            days=scope.days,
            series={
                "LLM calls": per_day(scope, calls_by_day.items()),
                "tokens": per_day(scope, tokens_by_day.items()),
                "cost": per_day(scope, ((d, round(c, 6)) for d, c in cost_by_day.items())),
            },
        ),
    )
