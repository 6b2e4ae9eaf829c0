import pytest

from copilot.templatetags.copilot_panel import confidence, confidence_band, percent, rounded_down


@pytest.mark.parametrize(
    ("score", "words"),
    [
        (0.92, "Likely right — about 9 in 10 like this were right"),
        (0.68, "Likely right — about 7 in 10 like this were right"),
        (0.61, "Probably right — about 6 in 10 like this were right"),
        (0.44, "Unsure — about 4 in 10 like this were right"),
        (0.18, "Long shot — about 2 in 10 like this were right"),
        (0.02, "Long shot — fewer than 1 in 10 like this were right"),
        (0.98, "Likely right — more than 9 in 10 like this were right"),
    ],
)
def test_it_says_the_probability_in_words_that_agree_with_the_figure(score, words):
    assert confidence(score) == words


def test_it_says_nothing_without_a_score():
    assert confidence(None) == ""
    assert confidence_band(None) == ""


def test_it_names_the_band_for_styling_and_the_send_level_in_percent():
    assert [confidence_band(s) for s in (0.7, 0.5, 0.3, 0.1)] == [
        "likely",
        "probably",
        "unsure",
        "long-shot",
    ]
    assert percent(0.85) == "85 %"


def test_a_score_just_under_the_send_level_never_shows_as_at_it():
    assert rounded_down(0.986) == "0.98"
    assert percent(0.99) == "99 %"
    assert rounded_down(0.5) == "0.50"
