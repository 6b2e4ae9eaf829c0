"""The charts' additions for the dashboards: day axes and stacked columns."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from core.charts import Series, column_chart, compact, daily, day, line_chart

SVG = "{http://www.w3.org/2000/svg}"
D = dt.date(2026, 11, 30)


def parse(svg):
    return ET.fromstring(str(svg))  # noqa: S314  (markup we just made)


def test_it_labels_a_day_by_its_ordinal():
    assert day(D.toordinal()) == "30 Nov"
    assert day(float(D.toordinal() + 2)) == "2 Dec"


def test_daily_points_skip_days_without_a_value():
    days = [D, D + dt.timedelta(days=1), D + dt.timedelta(days=2)]
    assert daily(days, [3, None, 0]) == [(D.toordinal(), 3.0), (D.toordinal() + 2, 0.0)]


def test_it_stacks_columns_in_series_order():
    x = float(D.toordinal())
    svg = column_chart(
        [Series("sent", [(x, 2), (x + 1, 1)]), Series("dismissed", [(x, 1), (x + 1, 0)])],
        title="Suggestions <per day>",
        x_label="day",
        y_label="suggestions",
        x_format=day,
    )
    root = parse(svg)
    groups = root.findall(f".//{SVG}g[@class]")
    columns = [g for g in groups if "chart-columns" in g.get("class")]
    assert [len(g.findall(f"{SVG}rect")) for g in columns] == [2, 1]
    sent_first, dismissed_first = columns[0][0], columns[1][0]
    # The dismissed part sits on top of the sent part of the same column.
    assert float(dismissed_first.get("y")) + float(dismissed_first.get("height")) == (
        float(sent_first.get("y"))
    )
    assert sent_first.get("x") == dismissed_first.get("x")
    assert float(sent_first.get("height")) == pytest.approx(
        2 * float(dismissed_first.get("height")), abs=0.2
    )
    assert "Suggestions &lt;per day&gt;" in str(svg)
    assert "30 Nov" in str(svg)
    assert "sent: 2" in str(svg)


def test_it_says_so_when_there_is_nothing_to_draw():
    svg = column_chart(
        [Series("breached", [(1.0, 0), (2.0, 0)])],
        title="Breaches",
        x_label="day",
        y_label="tickets",
        empty="No SLA breach",
    )
    assert "No SLA breach" in str(svg)
    assert "<rect" not in str(svg)


def test_compact_labels_shorten_large_counts():
    assert [compact(v) for v in (950, 12_000, 2_500_000, 0.5)] == ["950", "12k", "2.5M", "0.5"]


def test_a_wider_left_margin_moves_the_plot_and_keeps_the_default():
    points = [Series("cost", [(1.0, 0.001), (2.0, 0.002)])]
    default = parse(line_chart(points, title="t", x_label="x", y_label="y"))
    wide = parse(line_chart(points, title="t", x_label="x", y_label="y", left=80))
    axis = f".//{SVG}line[@class='chart-axis']"
    assert default.find(axis).get("x1") == "54"
    assert wide.find(axis).get("x1") == "80"
