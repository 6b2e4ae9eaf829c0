import re
import xml.etree.ElementTree as ET

import pytest

from core.charts import (
    Highlight,
    Rule,
    Series,
    bar_chart,
    line_chart,
    nice_ticks,
    number,
    percent,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg):
    return ET.fromstring(str(svg))  # noqa: S314  (markup we just made)


@pytest.mark.parametrize(
    ("low", "high", "count", "integers", "expected"),
    [
        (0, 1, 5, False, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (0, 0.35, 6, False, [0.0, 0.1, 0.2, 0.3, 0.4]),
        (0, 120, 6, False, [0, 20, 40, 60, 80, 100, 120]),
        (0, 97, 5, False, [0, 20, 40, 60, 80, 100]),
        (-3, 7, 5, False, [-4, -2, 0, 2, 4, 6, 8]),
        (0, 1, 5, True, [0, 1]),
        (0, 3, 5, True, [0, 1, 2, 3]),
        (5, 5, 5, False, [5.0, 5.2, 5.4, 5.6, 5.8, 6.0]),
        (1, 0, 5, False, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
    ],
)
def test_ticks_are_round_and_cover_the_range(low, high, count, integers, expected):
    assert nice_ticks(low, high, count, integers=integers) == expected


def test_ticks_need_finite_bounds():
    with pytest.raises(ValueError, match="finite"):
        nice_ticks(0, float("inf"))


def test_formats():
    assert number(1200) == "1,200"
    assert number(0.25) == "0.25"
    assert number(3.0) == "3"
    assert percent(0.805) == "80%"


def test_a_line_chart_maps_points_into_the_plot():
    svg = line_chart(
        [Series("precision", [(1.0, 1.0), (0.0, 0.0), (0.5, 0.5)], ["c", "a", "b"])],
        title="A line",
        x_label="coverage",
        y_label="precision",
        x_range=(0.0, 1.0),
        y_range=(0.0, 1.0),
        width=554,
        height=300,
    )
    root = parse(svg)
    assert root.get("viewBox") == "0 0 554 300"
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "A line"
    [polyline] = root.iter(f"{SVG}polyline")
    # Sorted by x; left margin 54, right 18, top 16, bottom 44.
    assert polyline.get("points") == "54.0,256.0 295.0,136.0 536.0,16.0"
    circles = list(root.iter(f"{SVG}circle"))
    assert [c.find(f"{SVG}title").text for c in circles] == ["a", "b", "c"]
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "coverage" in labels
    assert "precision" in labels
    assert {"0", "0.2", "1"} <= set(labels)
    assert root.find(f".//{SVG}g[@class='chart-legend']") is None  # one series: no legend


def test_rules_highlights_and_a_legend():
    svg = line_chart(
        [Series("learned", [(0, 0), (10, 4)]), Series("approved", [(0, 0), (10, 3)])],
        title="Learning",
        x_label="conversations",
        y_label="entries",
        rules=[Rule("y", 0.8, "target 80%"), Rule("x", 5, "now")],
        highlights=[Highlight(10, 4, "threshold 0.70")],
        counts=True,
    )
    root = parse(svg)
    rules = root.findall(f".//{SVG}g[@class='chart-rule']")
    assert [r.find(f"{SVG}text").text for r in rules] == ["target 80%", "now"]
    [highlight] = root.findall(f".//{SVG}g[@class='chart-highlight']")
    assert highlight.find(f"{SVG}text").text == "threshold 0.70"
    legend = root.find(f".//{SVG}g[@class='chart-legend']")
    assert [t.text for t in legend.iter(f"{SVG}text")] == ["learned", "approved"]
    ticks = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "chart-tick"]
    assert all(re.fullmatch(r"\d+", tick) for tick in ticks)  # counts: whole numbers only


def test_text_is_escaped_and_nothing_is_fetched():
    svg = str(
        line_chart(
            [Series("<b>", [(0, 1), (1, 2)], ['"><script>alert(1)</script>', "&"])],
            title='<img src="x">',
            x_label="x & y",
            y_label="y",
        )
        + bar_chart([("<script>", 3)], title="t")
    )
    assert "<script>" not in svg
    assert "<img" not in svg
    assert "&lt;script&gt;" in svg
    assert "x &amp; y" in svg
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "href" not in svg


def test_without_data_a_chart_says_so():
    for svg in (
        line_chart([Series("a", [])], title="t", x_label="x", y_label="y"),
        bar_chart([], title="t", empty="Nothing here"),
    ):
        texts = [t.text for t in parse(svg).iter(f"{SVG}text")]
        assert texts in (["No data yet"], ["Nothing here"])


def test_bars_are_proportional_with_labels_and_values():
    long_reason = "a reason " * 20
    root = parse(bar_chart([("first", 300), ("second", 150), (long_reason, 0)], title="Why"))
    widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect")]
    assert widths[0] == 490.0  # the largest fills the width less room for its value
    assert widths[1] == 245.0
    assert widths[2] == 2.0  # a zero still shows as a sliver
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts[:4] == ["first", "300", "second", "150"]
    assert texts[4].endswith("…")
    assert len(texts[4]) == 80
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert f"{long_reason}: 0" in titles  # the whole label on hover
    assert root.get("viewBox") == "0 0 560 124"
