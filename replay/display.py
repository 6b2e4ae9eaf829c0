"""How a replay's report is shown: the key figures and three charts.

The report is the JSON that ``manage.py replay --report`` writes, stored on the run. Values are
read defensively: a report from an older command may lack a key, and a missing figure shows as
"—" rather than breaking the page.
"""

from dataclasses import dataclass
from typing import Any

from django.utils.safestring import SafeString

from core.charts import Highlight, Rule, Series, bar_chart, line_chart, percent
from replay import report as report_module

DASH = "—"
MAX_TEAMS_LISTED = 6


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    note: str = ""


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _pct(value: Any) -> str:
    number = _num(value)
    return DASH if number is None else f"{number * 100:.1f}%"


def _int(value: Any) -> str:
    number = _num(value)
    return DASH if number is None else f"{round(number):,}"


def _dec(value: Any, places: int = 2) -> str:
    number = _num(value)
    return DASH if number is None else f"{number:,.{places}f}"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def figures(report: dict[str, Any]) -> list[Figure]:
    """The headline numbers, each with the counts behind it: first what shows the copilot was
    useful (it got ahead of the agent, it resembles what they said, it held their page), then
    how often it spoke and what it cost."""
    return _useful(report) + _activity(report) + _costs(report)


def _useful(report: dict[str, Any]) -> list[Figure]:
    truth = report.get("ground_truth")
    shown = _anticipated(_dict(report.get("anticipated")))
    if isinstance(truth, dict):
        similarity = _dict(truth.get("similarity"))
        shown.append(
            Figure(
                "Resembles the human answer",
                _pct(similarity.get("resembling")),
                f"of answers, against the human reply linked to the question: token F1 "
                f"{_dec(similarity.get('token_f1'), 3)} · cosine "
                f"{_dec(similarity.get('cosine'), 3)} over {_int(similarity.get('compared'))}",
            )
        )
    return shown + _doc_hits(_dict(report.get("doc_hits")))


def _anticipated(ahead: dict[str, Any]) -> list[Figure]:
    if not _num(ahead.get("suggestions")):
        return []
    minutes = (
        f"; {_dec(ahead.get('minutes_ahead_median'), 0)} min ahead of the agent (median), "
        f"p90 {_dec(ahead.get('minutes_ahead_p90'), 0)} ({_int(ahead.get('timed'))} of them "
        "timed)"
        if _num(ahead.get("timed"))
        else "; the recording has no agent times to say how far ahead"
    )
    return [
        Figure(
            "Anticipated the agent",
            _pct(ahead.get("share")),
            f"{_int(ahead.get('anticipated'))} of {_int(ahead.get('suggestions'))} answers were "
            "what the agent went on to send (their page or their words), in "
            f"{_pct(ahead.get('conversation_share'))} of conversations{minutes}",
        )
    ]


def _doc_hits(hits: dict[str, Any]) -> list[Figure]:
    if not _num(hits.get("conversations_with_links")):
        return []
    return [
        Figure(
            "Doc hits where links exist",
            _pct(hits.get("share")),
            f"{_int(hits.get('hits'))} of {_int(hits.get('suggestions'))} answers held a page "
            f"the agent later sent, in {_int(hits.get('conversations'))} of the "
            f"{_int(hits.get('conversations_with_links'))} conversations where they sent links",
        )
    ]


def _activity(report: dict[str, Any]) -> list[Figure]:
    truth = report.get("ground_truth")
    kinds = _dict(report.get("kinds"))
    spoke_on = ", ".join(f"{_int(n)} {kind.replace('_', ' ')}" for kind, n in kinds.items())
    shown = [
        Figure(
            "Conversations",
            _int(report.get("conversations")),
            f"{_int(report.get('customer_messages'))} customer messages",
        ),
        Figure(
            "Spoke",
            _pct(report.get("speak_rate")),
            f"on {_int(report.get('spoke'))} messages" + (f": {spoke_on}" if spoke_on else ""),
        ),
    ]
    if isinstance(truth, dict):
        shown.append(
            Figure(
                "Spoke where a human replied",
                _pct(truth.get("precision")),
                f"{_int(truth.get('true_positives'))} suggestions were on a question a human "
                f"answered; {_pct(truth.get('recall'))} of {_int(truth.get('answerable'))} "
                "such questions got one",
            )
        )
    else:
        shown.append(
            Figure("Spoke where a human replied", DASH, "no answer links (reply_to) to judge by")
        )
    return shown + _teams(_list(report.get("teams")))


def _teams(rows: list[Any]) -> list[Figure]:
    teams = [row for row in rows if isinstance(row, dict)]
    if not teams:
        return []
    listed = "; ".join(
        f"{row.get('team')} {_int(row.get('spoke'))} of {_int(row.get('customer_messages'))}"
        for row in teams[:MAX_TEAMS_LISTED]
    )
    more = f"; {len(teams) - MAX_TEAMS_LISTED} more" if len(teams) > MAX_TEAMS_LISTED else ""
    return [
        Figure("Teams", _int(len(teams)), f"customer messages spoken on, per team: {listed}{more}")
    ]


def _costs(report: dict[str, Any]) -> list[Figure]:
    latency, llm = _dict(report.get("latency_ms")), _dict(report.get("llm"))
    learned = _dict(report.get("learned"))
    shown = [
        Figure(
            "Latency p50",
            f"{_dec(latency.get('p50'), 1)} ms",
            f"p95 {_dec(latency.get('p95'), 1)} ms per customer message",
        ),
        Figure(
            "LLM calls",
            _int(llm.get("calls")),
            f"{_int(llm.get('tokens'))} tokens · {_dec(llm.get('calls_per_message'))} calls "
            f"and {_dec(llm.get('tokens_per_message'), 0)} tokens per message",
        ),
        Figure(
            "Speed",
            f"{_dec(report.get('messages_per_s'), 1)}/s",
            f"customer messages per second; {_dec(report.get('elapsed_s'), 1)} s in all",
        ),
    ]
    if _num(learned.get("entries")):
        shown.append(
            Figure(
                "Learned",
                _int(learned.get("entries")),
                f"{_int(learned.get('new'))} new ({_int(learned.get('approved'))} approved), "
                f"{_int(learned.get('merged'))} merged, {_int(learned.get('rejected'))} rejected; "
                f"{_int(report.get('suggestions_citing_learned'))} suggestions cite them",
            )
        )
    return shown


def headline(report: dict[str, Any] | None) -> str:
    """One line for the list of runs: the useful figures first."""
    if not report:
        return ""
    parts = []
    ahead = _dict(report.get("anticipated"))
    if _num(ahead.get("suggestions")):
        parts.append(f"anticipated the agent {_pct(ahead.get('share'))}")
    truth = report.get("ground_truth")
    if isinstance(truth, dict):
        resembling = _dict(truth.get("similarity")).get("resembling")
        parts.append(f"resembles the human answer {_pct(resembling)}")
    hits = _dict(report.get("doc_hits"))
    if _num(hits.get("conversations_with_links")):
        parts.append(f"doc hits where links exist {_pct(hits.get('share'))}")
    parts += [
        f"{_int(report.get('customer_messages'))} messages",
        f"spoke {_pct(report.get('speak_rate'))}",
    ]
    return " · ".join(parts)


def curve_chart(truth: dict[str, Any]) -> SafeString | None:
    """Precision against coverage over the thresholds tried, the target precision as a rule
    and the recommended threshold called out."""
    points = [
        p
        for p in _list(truth.get("curve"))
        if isinstance(p, dict)
        and _num(p.get("precision")) is not None
        and _num(p.get("coverage")) is not None
    ]
    if not points:
        return None
    tips = [
        f"threshold {_dec(p.get('threshold'))}: precision {_pct(p['precision'])}, coverage "
        f"{_pct(p['coverage'])}, recall {_pct(p.get('recall'))}, {_int(p.get('spoken'))} spoken"
        for p in points
    ]
    target = _num(truth.get("target_precision"))
    chosen = _num(truth.get("threshold_for_target"))
    rules = [Rule("y", target, f"target {percent(target)}")] if target is not None else []
    highlights = [
        Highlight(float(p["coverage"]), float(p["precision"]), f"threshold {chosen:.2f}")
        for p in points
        if chosen is not None and _num(p.get("threshold")) == chosen
    ][:1]
    return line_chart(
        [Series("precision", [(p["coverage"], p["precision"]) for p in points], tips)],
        title="Precision against coverage, one point per threshold",
        x_label="coverage: share of customer messages the copilot speaks on",
        y_label="precision",
        y_range=(0.0, 1.0),
        x_format=percent,
        y_format=percent,
        rules=rules,
        highlights=highlights,
        width=820,
        height=320,
    )


def silence_chart(report: dict[str, Any]) -> SafeString | None:
    bars = [
        (str(row[0]), float(row[1]))
        for row in _list(report.get("silence_reasons"))
        if isinstance(row, list | tuple) and len(row) == 2 and _num(row[1]) is not None
    ]
    if not bars:
        return None
    return bar_chart(bars[:10], title="Why the copilot stayed silent (customer messages)")


def learning_chart(report: dict[str, Any]) -> SafeString | None:
    points = [
        p
        for p in _list(report.get("learning_over_time"))
        if isinstance(p, dict)
        and all(_num(p.get(k)) is not None for k in ("conversations", "learned", "approved"))
    ]
    if not points or not any(p["learned"] for p in points):
        return None
    learned = [(p["conversations"], p["learned"]) for p in points]
    approved = [(p["conversations"], p["approved"]) for p in points]
    series = (
        [Series("learned and approved", learned)]
        if learned == approved
        else [Series("learned", learned), Series("approved", approved)]
    )
    return line_chart(
        series,
        title="Knowledge learned as the replay went on",
        x_label="conversations replayed",
        y_label="entries",
        counts=True,
    )


def report_context(report: dict[str, Any] | None) -> dict[str, Any]:
    if not report:
        return {"report": None}
    truth = report.get("ground_truth")
    truth = truth if isinstance(truth, dict) else None
    return {
        "report": report,
        "truth": truth,
        "figures": figures(report),
        "curve_chart": curve_chart(truth) if truth else None,
        "min_spoken": _int(
            (truth or {}).get("min_spoken_for_target", report_module.MIN_SPOKEN_FOR_TARGET)
        ),
        "silence_chart": silence_chart(report),
        "learning_chart": learning_chart(report),
        "examples": [e for e in _list(report.get("examples")) if isinstance(e, dict)],
        "skipped_lines": [s for s in _list(report.get("skipped_lines")) if isinstance(s, dict)],
    }
