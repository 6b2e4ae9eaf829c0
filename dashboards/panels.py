"""The dashboards' pages and panels: which figures each panel reads and how it draws them.

A panel is a function of the scope returning its template context; each is also an htmx
partial of its page's template, refreshed on its own. ``TABLES`` are the tables offered as CSV.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.safestring import SafeString

from core.charts import (
    Series,
    bar_chart,
    column_chart,
    compact,
    daily,
    day,
    line_chart,
    percent,
)
from dashboards import data
from dashboards.data import Count, Daily, Table
from dashboards.scope import Scope
from dashboards.selectors import copilot, knowledge, support

Context = dict[str, Any]
WIDE = {"width": 820, "height": 280}
# Charts that share a row with another: drawn smaller so their text keeps its size.
HALF = {"width": 560, "height": 280}


def _lines(figures: Daily, names: list[str], **options: Any) -> SafeString:
    series = [Series(name, daily(figures.days, figures.series[name])) for name in names]
    days = (float(figures.days[0].toordinal()), float(figures.days[-1].toordinal()))
    return line_chart(series, x_format=day, x_range=days, **WIDE | options)


def _columns(figures: Daily, names: list[str], **options: Any) -> SafeString:
    series = [
        Series(name, daily(figures.days, figures.series[name]))
        for name in names
        if any(figures.series[name])
    ]
    return column_chart(series, x_format=day, **WIDE | options)


def _bars(counts: list[Count], title: str, **options: Any) -> SafeString:
    return bar_chart([(c.label, c.value) for c in counts], title=title, **options)


def _dollars(value: float) -> str:
    return f"${value:,.2f}" if value >= 1 or value == 0 else f"${value:.4f}".rstrip("0")


def _hours(value: float) -> str:
    return f"{value:g} h" if value < 10 else f"{value:.0f} h"


# --- Support ---


def support_volume(scope: Scope) -> Context:
    figures = support.support_volume(scope)
    totals = {name: int(sum(v or 0 for v in values)) for name, values in figures.series.items()}
    chart = _lines(
        figures,
        ["opened", "resolved"],
        title="Tickets opened and resolved per day",
        x_label="day",
        y_label="tickets",
        counts=True,
    )
    return {"volume": figures, "totals": totals, "chart": chart}


def support_backlog(scope: Scope) -> Context:
    counts = support.support_backlog(scope)
    return {
        "backlog": counts,
        "total": int(sum(c.value for c in counts)),
        "chart": _bars(counts, "Unfinished tickets by status", width=420),
    }


def support_times(scope: Scope) -> Context:
    times = support.support_times(scope)
    chart = _lines(
        times.daily,
        list(times.daily.series),
        title="Median hours to first response (by day opened) and to resolution (by day resolved)",
        x_label="day",
        y_label="hours",
        y_format=_hours,
    )
    return {"times": times, "chart": chart}


def support_sla(scope: Scope) -> Context:
    sla = support.support_sla(scope)
    chart = _columns(
        sla.daily,
        ["breached"],
        title="Tickets that missed the first-response SLA, by day opened",
        x_label="day opened",
        y_label="tickets",
        empty="No SLA breach in these days",
        **HALF,
    )
    return {"sla": sla, "table": sla_table(sla), "chart": chart}


def sla_table(sla: data.Sla) -> Table:
    return Table(
        columns=["Priority", "First response within (h)", "Tickets", "Breached", "Still waiting"],
        rows=[[r.priority, r.hours, r.tickets, r.breached, r.still_waiting] for r in sla.rows],
    )


def support_satisfaction(scope: Scope) -> Context:
    satisfaction = support.support_satisfaction(scope)
    return {"satisfaction": satisfaction, "teams": satisfaction_table(satisfaction)}


def satisfaction_table(satisfaction: data.Satisfaction) -> Table:
    def pct(value: float | None) -> str:
        return "" if value is None else f"{value * 100:.0f}%"

    rows: list[list[data.Cell]] = [
        [t.team, t.good, t.bad, pct(t.share_good)] for t in satisfaction.teams
    ]
    return Table(columns=["Team", "Good", "Bad", "Share good"], rows=rows)


def support_waiting(scope: Scope) -> Context:
    return {"table": support.support_waiting(scope)}


# --- Copilot ---


def copilot_activity(scope: Scope) -> Context:
    activity = copilot.copilot_activity(scope)
    decisions = _columns(
        activity.daily,
        ["spoke", "silent"],
        title="Copilot runs per day: spoke or stayed silent",
        x_label="day",
        y_label="runs",
    )
    silence = _lines(
        activity.daily,
        ["silence rate"],
        title="Share of runs that stayed silent",
        x_label="day",
        y_label="silent",
        y_range=(0.0, 1.0),
        y_format=percent,
        **HALF,
    )
    latency = _lines(
        activity.daily,
        ["latency p50 (ms)", "latency p95 (ms)"],
        title="Latency of a run (p50 and p95)",
        x_label="day",
        y_label="milliseconds",
        y_format=compact,
        **HALF,
    )
    return {
        "activity": activity,
        "decisions_chart": decisions,
        "silence_chart": silence,
        "latency_chart": latency,
    }


def copilot_acceptance(scope: Scope) -> Context:
    acceptance = copilot.copilot_acceptance(scope)
    outcomes = [name for name in acceptance.daily.series if name != "acceptance rate"]
    chart = _columns(
        acceptance.daily,
        outcomes,
        title="Suggestions per day, by what became of them",
        x_label="day shown",
        y_label="suggestions",
        empty="No suggestion in these days",
    )
    reasons = _bars(acceptance.dismiss_reasons, "Dismissals by reason", empty="No dismissal")
    rate = _lines(
        acceptance.daily,
        ["acceptance rate"],
        title="Share of the decided suggestions that were sent, per day",
        x_label="day shown",
        y_label="accepted",
        y_range=(0.0, 1.0),
        y_format=percent,
        **HALF,
    )
    return {"acceptance": acceptance, "chart": chart, "reasons_chart": reasons, "rate_chart": rate}


def acceptance_table(scope: Scope) -> Table:
    acceptance = copilot.copilot_acceptance(scope)
    rows: list[list[data.Cell]] = [["outcome", c.label, c.value] for c in acceptance.states]
    rows += [["dismissed because", c.label, c.value] for c in acceptance.dismiss_reasons]
    return Table(columns=["Figure", "Value", "Suggestions"], rows=rows)


def copilot_precision(scope: Scope) -> Context:
    teams = copilot.copilot_precision(scope)
    return {"teams": teams, "table": precision_table(teams)}


def precision_table(teams: list[data.TeamPrecision]) -> Table:
    def pct(value: float | None) -> str:
        return "" if value is None else f"{value * 100:.1f}%"

    rows: list[list[data.Cell]] = [
        [
            t.team,
            pct(t.target),
            pct(t.precision),
            {True: "yes", False: "no", None: ""}[t.meets_target],
            t.right,
            t.wrong,
            t.explored,
        ]
        for t in teams
    ]
    columns = ["Team", "Target", "Precision when shown", "Meets target", "Sent", "Dismissed"]
    return Table(columns=[*columns, "Explored (apart)"], rows=rows)


def copilot_silence(scope: Scope) -> Context:
    silence = copilot.copilot_silence(scope)
    chart = _bars(silence.reasons, "Why the copilot stayed silent", empty="It never stayed silent")
    return {"silence": silence, "chart": chart}


def silence_table(scope: Scope) -> Table:
    silence = copilot.copilot_silence(scope, top=50)
    return Table(columns=["Reason", "Runs"], rows=[[c.label, c.value] for c in silence.reasons])


def copilot_cost(scope: Scope) -> Context:
    cost = copilot.copilot_cost(scope)
    tokens = _columns(
        cost.daily,
        ["tokens"],
        title="LLM tokens per day",
        x_label="day",
        y_label="tokens",
        y_format=compact,
        empty="No LLM call in these days (the local engine needs none)",
        **HALF,
    )
    spend = _lines(
        cost.daily,
        ["cost"],
        title="Estimated LLM cost per day",
        x_label="day",
        y_label="US dollars",
        y_format=_dollars,
        left=72,
        empty="No LLM cost in these days",
        **HALF,
    )
    return {"cost": cost, "tokens_chart": tokens, "cost_chart": spend if cost.cost else None}


# --- Knowledge ---


def knowledge_growth(scope: Scope) -> Context:
    growth = knowledge.knowledge_growth(scope)
    chart = _lines(
        growth.daily,
        list(growth.daily.series),
        title="Knowledge entries at the end of each day",
        x_label="day",
        y_label="entries",
        counts=True,
    )
    return {"growth": growth, "chart": chart}


def knowledge_mix(scope: Scope) -> Context:
    mix = knowledge.knowledge_mix(scope)
    return {
        "mix": mix,
        "status_chart": _bars(mix.by_status, "Entries by status", width=420),
        "source_chart": _bars(mix.by_source, "Entries by source", width=420),
    }


def knowledge_curation(scope: Scope) -> Context:
    backlog = knowledge.knowledge_curation(scope)
    chart = _bars(backlog.ages, "Proposed entries by time waiting", width=420)
    return {"backlog": backlog, "chart": chart}


def knowledge_usage(scope: Scope) -> Context:
    return {
        "cited": knowledge.knowledge_usage(scope, order="cited"),
        "dismissed": knowledge.knowledge_usage(scope, order="dismissed"),
    }


def knowledge_macros(scope: Scope) -> Context:
    return {"macros": knowledge.macro_usage(scope)}


@dataclass(frozen=True)
class Page:
    title: str
    intro: str
    panels: dict[str, Callable[[Scope], Context]]
    # Roles besides analysts, managers and admins who may open the page.
    curators: bool = False


PAGES: dict[str, Page] = {
    "support": Page(
        "Support",
        "Volume, backlog, response and resolution times, the response SLA, and how "
        "satisfied customers were.",
        {
            "volume": support_volume,
            "backlog": support_backlog,
            "times": support_times,
            "sla": support_sla,
            "satisfaction": support_satisfaction,
            "waiting": support_waiting,
        },
    ),
    "copilot": Page(
        "Copilot",
        "What the copilot decided, what analysts did with its suggestions, and its cost.",
        {
            "activity": copilot_activity,
            "acceptance": copilot_acceptance,
            "precision": copilot_precision,
            "silence": copilot_silence,
            "cost": copilot_cost,
        },
    ),
    "knowledge": Page(
        "Knowledge",
        "How knowledge grows, what waits for curators, which entries serve or fail, and the "
        "teams' most used macros.",
        {
            "growth": knowledge_growth,
            "mix": knowledge_mix,
            "curation": knowledge_curation,
            "usage": knowledge_usage,
            "macros": knowledge_macros,
        },
        curators=True,
    ),
}


def _daily_table(*figures: Daily) -> Table:
    days = figures[0].days
    columns = ["day"] + [name for f in figures for name in f.series]
    rows: list[list[data.Cell]] = [
        [d.isoformat()] + [f.series[name][i] for f in figures for name in f.series]
        for i, d in enumerate(days)
    ]
    return Table(columns=columns, rows=rows)


# (page, table name) → the table, as the CSV download gives it (bigger limits than the page).
TABLES: dict[tuple[str, str], Callable[[Scope], Table]] = {
    ("support", "daily"): lambda s: _daily_table(
        support.support_volume(s), support.support_times(s).daily, support.support_sla(s).daily
    ),
    ("support", "sla"): lambda s: sla_table(support.support_sla(s)),
    ("support", "waiting"): lambda s: support.support_waiting(s, limit=2000),
    ("support", "satisfaction"): lambda s: satisfaction_table(support.support_satisfaction(s)),
    ("support", "comments"): lambda s: support.support_satisfaction(s, comments=2000).comments,
    ("copilot", "daily"): lambda s: _daily_table(
        copilot.copilot_activity(s).daily,
        copilot.copilot_acceptance(s).daily,
        copilot.copilot_cost(s).daily,
    ),
    ("copilot", "acceptance"): acceptance_table,
    ("copilot", "precision"): lambda s: precision_table(copilot.copilot_precision(s)),
    ("copilot", "silence"): silence_table,
    ("knowledge", "daily"): lambda s: _daily_table(knowledge.knowledge_growth(s).daily),
    ("knowledge", "cited"): lambda s: knowledge.knowledge_usage(s, order="cited", limit=500),
    ("knowledge", "dismissed"): lambda s: knowledge.knowledge_usage(
        s, order="dismissed", limit=500
    ),
    ("knowledge", "macros"): lambda s: knowledge.macro_usage(s, limit=500),
}
