from copilot import excerpt

FACTOID = (
    "Sound problems are often fixed by checking the mixer first.\n"
    "To reset PulseAudio, run: pulseaudio -k and log out and back in.\n"
    "For a missing wireless driver, see the WifiDocs page on the wiki."
)


def test_it_splits_an_answer_into_lines_and_sentences():
    text = "Open the console. Then click Resize.\nRun growpart afterwards.\nok"
    assert excerpt.passages(text) == [
        "Open the console.",
        "Then click Resize.",
        "Run growpart afterwards.",
    ]


def test_it_picks_the_passage_that_answers_the_question(db):
    passage = excerpt.best_passage("how do I get my wireless driver working", FACTOID)
    assert passage == "For a missing wireless driver, see the WifiDocs page on the wiki."
    passage = excerpt.best_passage("how can I restart pulseaudio", FACTOID)
    assert passage == "To reset PulseAudio, run: pulseaudio -k and log out and back in."


def test_a_one_passage_answer_has_no_excerpt():
    assert excerpt.best_passage("how do I resize", "Use the Resize button in the console.") is None
