"""Small charts drawn on the server as inline SVG: lines and horizontal bars.

No JavaScript and nothing fetched: a page that shows a chart works offline and prints. Each
function returns safe markup sized by its viewBox, so a chart scales with its container; the
colours come from CSS classes (``chart-series-0``, ``chart-bar``…) in ``static/vigil/app.css``.
Every text that reaches the SVG is escaped.
"""

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

Format = Callable[[float], str]
X_TICKS, Y_TICKS = 6, 5


def number(value: float) -> str:
    """1200 → '1,200', 0.25 → '0.25', 3.0 → '3'."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def compact(value: float) -> str:
    """12000 → '12k', 2500000 → '2.5M', 950 → '950': short tick labels for large counts."""
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return number(round(value / size, 1)) + suffix
    return number(value)


def percent(value: float) -> str:
    return f"{value * 100:.0f}%"


@dataclass(frozen=True)
class Series:
    name: str
    points: Sequence[tuple[float, float]]
    # One hover text per point (shown by the browser as a tooltip); empty for none.
    tips: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True)
class Rule:
    """A dashed reference line across the plot: ``axis`` "y" is horizontal at ``value``."""

    axis: str
    value: float
    label: str


@dataclass(frozen=True)
class Highlight:
    """One point called out with a ring and a label."""

    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Frame:
    """Maps data to SVG coordinates inside the margins."""

    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float
    x_range: tuple[float, float]
    y_range: tuple[float, float]

    def x(self, value: float) -> float:
        low, high = self.x_range
        share = (value - low) / (high - low) if high > low else 0.5
        return round(self.left + share * (self.width - self.left - self.right), 1)

    def y(self, value: float) -> float:
        low, high = self.y_range
        share = (value - low) / (high - low) if high > low else 0.5
        return round(self.height - self.bottom - share * (self.height - self.top - self.bottom), 1)


def nice_ticks(low: float, high: float, count: int = 5, *, integers: bool = False) -> list[float]:
    """About ``count`` round ticks (1, 2 or 5 times a power of ten apart) covering [low, high];
    with ``integers``, whole numbers only (for counts)."""
    if not math.isfinite(low) or not math.isfinite(high):
        raise ValueError("Ticks need finite bounds.")
    if high < low:
        low, high = high, low
    if high == low:
        high = low + 1
    raw = (high - low) / max(1, count)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    if integers:
        step = max(1, round(step))
    first = math.floor(low / step + 1e-9)
    last = math.ceil(high / step - 1e-9)
    return [round(n * step, 10) for n in range(first, last + 1)]


def _bounds(
    values: Sequence[float], given: tuple[float, float] | None, count: int, integers: bool
) -> tuple[float, float]:
    if given is not None:
        return given
    if not values:
        return (0.0, 1.0)
    ticks = nice_ticks(min(0.0, min(values)), max(values), count, integers=integers)
    return (ticks[0], ticks[-1])


def _svg(width: float, height: float, title: str, body: list[str]) -> SafeString:
    return mark_safe(  # noqa: S308  (every text in ``body`` was escaped where it was added)
        f'<svg class="chart" viewBox="0 0 {width:g} {height:g}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _empty(width: float, height: float, title: str, note: str) -> SafeString:
    body = [
        f'<text class="chart-empty" x="{width / 2:g}" y="{height / 2:g}" '
        f'text-anchor="middle">{escape(note)}</text>'
    ]
    return _svg(width, height, title, body)


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    x_label: str,
    y_label: str,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    x_format: Format = number,
    y_format: Format = number,
    rules: Sequence[Rule] = (),
    highlights: Sequence[Highlight] = (),
    counts: bool = False,
    width: int = 560,
    height: int = 300,
    empty: str = "No data yet",
    left: int = 54,
) -> SafeString:
    """Lines through each series' points (sorted by x), with axes, gridlines, a legend when
    there is more than one series, dashed reference rules and called-out points. With
    ``counts`` both axes tick at whole numbers only; ``left`` widens the margin for long y
    tick labels."""
    drawn = [s for s in series if s.points]
    if not drawn:
        return _empty(width, height, title, empty)
    xs = [x for s in drawn for x, _ in s.points]
    ys = [y for s in drawn for _, y in s.points]
    frame = Frame(
        width=width,
        height=height,
        left=left,
        right=18,
        top=30 if len(drawn) > 1 else 16,
        bottom=44,
        x_range=_bounds(xs, x_range, X_TICKS, counts),
        y_range=_bounds(ys + [r.value for r in rules if r.axis == "y"], y_range, Y_TICKS, counts),
    )
    body = _axes(frame, x_label, y_label, x_format, y_format, counts)
    for rule in rules:
        body.append(_rule(frame, rule))
    for index, one in enumerate(drawn):
        body.append(_line(frame, one, index))
    for point in highlights:
        x, y = frame.x(point.x), frame.y(point.y)
        anchor = "end" if x > width * 0.7 else "start"
        dx = -8 if anchor == "end" else 8
        body.append(
            f'<g class="chart-highlight"><circle cx="{x}" cy="{y}" r="6"/>'
            f'<text x="{x + dx}" y="{y - 9}" text-anchor="{anchor}">'
            f"{escape(point.label)}</text></g>"
        )
    if len(drawn) > 1:
        body.append(_legend(frame, drawn))
    return _svg(width, height, title, body)


def _axes(
    frame: Frame, x_label: str, y_label: str, x_format: Format, y_format: Format, counts: bool
) -> list[str]:
    parts = ['<g class="chart-axes">']
    bottom, left = frame.height - frame.bottom, frame.left
    right = frame.width - frame.right
    for tick in nice_ticks(*frame.y_range, Y_TICKS, integers=counts):
        if not frame.y_range[0] - 1e-9 <= tick <= frame.y_range[1] + 1e-9:
            continue
        y = frame.y(tick)
        parts.append(f'<line class="chart-gridline" x1="{left}" y1="{y}" x2="{right}" y2="{y}"/>')
        parts.append(
            f'<text class="chart-tick" x="{left - 6}" y="{y + 4}" text-anchor="end">'
            f"{escape(y_format(tick))}</text>"
        )
    for tick in nice_ticks(*frame.x_range, X_TICKS, integers=counts):
        if not frame.x_range[0] - 1e-9 <= tick <= frame.x_range[1] + 1e-9:
            continue
        x = frame.x(tick)
        parts.append(
            f'<text class="chart-tick" x="{x}" y="{bottom + 16}" text-anchor="middle">'
            f"{escape(x_format(tick))}</text>"
        )
    parts.append(f'<line class="chart-axis" x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}"/>')
    parts.append(
        f'<text class="chart-label" x="{(left + right) / 2:g}" y="{frame.height - 6:g}" '
        f'text-anchor="middle">{escape(x_label)}</text>'
    )
    middle = (frame.top + bottom) / 2
    parts.append(
        f'<text class="chart-label" x="14" y="{middle:g}" text-anchor="middle" '
        f'transform="rotate(-90 14 {middle:g})">{escape(y_label)}</text>'
    )
    parts.append("</g>")
    return parts


def _rule(frame: Frame, rule: Rule) -> str:
    if rule.axis == "y":
        y = frame.y(rule.value)
        x1, x2 = frame.left, frame.width - frame.right
        return (
            f'<g class="chart-rule"><line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}"/>'
            f'<text x="{x2 - 4}" y="{y - 5}" text-anchor="end">{escape(rule.label)}</text></g>'
        )
    x = frame.x(rule.value)
    y1, y2 = frame.top, frame.height - frame.bottom
    return (
        f'<g class="chart-rule"><line x1="{x}" y1="{y1}" x2="{x}" y2="{y2}"/>'
        f'<text x="{x + 4}" y="{y1 + 10}">{escape(rule.label)}</text></g>'
    )


def _line(frame: Frame, series: Series, index: int) -> str:
    order = sorted(range(len(series.points)), key=lambda i: series.points[i][0])
    coords = [(frame.x(series.points[i][0]), frame.y(series.points[i][1])) for i in order]
    path = " ".join(f"{x},{y}" for x, y in coords)
    parts = [
        f'<g class="chart-series chart-series-{index % 4}">',
        f'<polyline points="{path}"><title>{escape(series.name)}</title></polyline>',
    ]
    radius = 3 if len(coords) <= 40 else 2
    for i, (x, y) in zip(order, coords, strict=True):
        tip = series.tips[i] if i < len(series.tips) else ""
        tip_svg = f"<title>{escape(tip)}</title>" if tip else ""
        parts.append(f'<circle cx="{x}" cy="{y}" r="{radius}">{tip_svg}</circle>')
    parts.append("</g>")
    return "".join(parts)


def _legend(frame: Frame, drawn: Sequence[Series]) -> str:
    parts = ['<g class="chart-legend">']
    x = frame.left
    for index, one in enumerate(drawn):
        parts.append(
            f'<g class="chart-series-{index % 4}"><rect x="{x}" y="8" width="12" height="12" '
            f'rx="2"/></g><text x="{x + 17}" y="18">{escape(one.name)}</text>'
        )
        x += 17 + 7.5 * len(one.name) + 18
    parts.append("</g>")
    return "".join(parts)


def bar_chart(
    bars: Sequence[tuple[str, float]],
    *,
    title: str,
    value_format: Format = number,
    width: int = 560,
    empty: str = "No data yet",
    max_label: int = 80,
) -> SafeString:
    """Horizontal bars, largest scale at full width: each label above its bar and the value
    at the bar's end, so long labels need no truncation up to ``max_label`` characters."""
    if not bars:
        return _empty(width, 80, title, empty)
    row, top = 38, 6
    height = top + row * len(bars) + 4
    largest = max((value for _, value in bars), default=0) or 1
    usable = width - 70
    parts = []
    for index, (label, value) in enumerate(bars):
        y = top + index * row
        length = max(2.0, usable * max(value, 0) / largest)
        shown = label if len(label) <= max_label else label[: max_label - 1] + "…"
        parts.append(
            f'<g class="chart-bar-row"><title>{escape(label)}: {escape(value_format(value))}'
            f'</title><text class="chart-bar-label" x="0" y="{y + 12}">{escape(shown)}</text>'
            f'<rect class="chart-bar" x="0" y="{y + 17}" width="{length:.1f}" height="14" rx="3"/>'
            f'<text class="chart-bar-value" x="{length + 6:.1f}" y="{y + 28}">'
            f"{escape(value_format(value))}</text></g>"
        )
    return _svg(width, height, title, parts)


def day(value: float) -> str:
    """A day given as its proleptic ordinal (``date.toordinal()``) → '3 Dec'."""
    shown = dt.date.fromordinal(round(value))
    return f"{shown.day} {shown:%b}"


def daily(days: Sequence[dt.date], values: Sequence[float | None]) -> list[tuple[float, float]]:
    """Points of a per-day series for the charts, x as the day's ordinal; days without a value
    (None) are left out, so a line skips them rather than dropping to zero."""
    return [
        (float(one.toordinal()), float(value))
        for one, value in zip(days, values, strict=True)
        if value is not None
    ]


def column_chart(
    series: Sequence[Series],
    *,
    title: str,
    x_label: str,
    y_label: str,
    x_format: Format = number,
    y_format: Format = number,
    width: int = 560,
    height: int = 300,
    empty: str = "No data yet",
    left: int = 54,
) -> SafeString:
    """Vertical columns, one per x, the series stacked in order (bottom first), with a legend
    when there is more than one series. Meant for counts per day: x is a whole number (a day's
    ordinal with ``x_format=day``) and the axes tick at whole numbers."""
    drawn = [s for s in series if s.points]
    if not drawn or not any(y for s in drawn for _, y in s.points):
        return _empty(width, height, title, empty)
    totals: dict[float, float] = {}
    for one in drawn:
        for x, y in one.points:
            totals[x] = totals.get(x, 0.0) + max(y, 0.0)
    low, high = min(totals), max(totals)
    frame = Frame(
        width=width,
        height=height,
        left=left,
        right=18,
        top=30 if len(drawn) > 1 else 16,
        bottom=44,
        x_range=(low - 0.5, high + 0.5),
        y_range=_bounds(list(totals.values()), None, Y_TICKS, True),
    )
    body = _axes(frame, x_label, y_label, x_format, y_format, True)
    step = (frame.width - frame.left - frame.right) / (high - low + 1)
    column = max(1.0, min(28.0, step * 0.72))
    base: dict[float, float] = dict.fromkeys(totals, 0.0)
    for index, one in enumerate(drawn):
        parts = [f'<g class="chart-columns chart-series-{index % 4}">']
        for point, (x, y) in enumerate(one.points):
            if y <= 0:
                continue
            top, bottom = frame.y(base[x] + y), frame.y(base[x])
            base[x] += y
            tip = one.tips[point] if point < len(one.tips) else f"{one.name}: {y_format(y)}"
            parts.append(
                f'<rect x="{frame.x(x) - column / 2:.1f}" y="{top}" width="{column:.1f}" '
                f'height="{max(0.5, bottom - top):.1f}"><title>{escape(tip)}</title></rect>'
            )
        parts.append("</g>")
        body.append("".join(parts))
    if len(drawn) > 1:
        body.append(_legend(frame, drawn))
    return _svg(width, height, title, body)
