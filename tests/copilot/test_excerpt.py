from copilot.pipeline import excerpt

# What three analysts said in one resolved ticket, a paragraph each.
LEARNED = (
    "Sound problems are often fixed by checking the mixer first.\n\n"
    "To reset PulseAudio, run: pulseaudio -k and log out and back in.\n\n"
    "For a missing wireless driver, see the WifiDocs page on the wiki."
)


def test_it_splits_an_answer_into_paragraphs_and_keeps_each_whole():
    text = "Stop the instance.\n1. Resize it.\n2. Start it.\n\nOr ask us to do it.\n\nok"
    assert excerpt.passages(text) == [
        "Stop the instance.\n1. Resize it.\n2. Start it.",
        "Or ask us to do it.",
    ]


def test_it_picks_the_paragraph_that_answers_the_question(db):
    passage = excerpt.best_passage("how do I get my wireless driver working", LEARNED)
    assert passage == "For a missing wireless driver, see the WifiDocs page on the wiki."
    passage = excerpt.best_passage("how can I restart pulseaudio", LEARNED)
    assert passage == "To reset PulseAudio, run: pulseaudio -k and log out and back in."


def test_a_one_paragraph_answer_is_shown_whole_however_many_steps_it_has():
    procedure = (
        "Resize the volume in the console. Then grow the partition with growpart. "
        "Then grow the file system with resize2fs. No reboot is needed."
    )
    assert excerpt.best_passage("how do I grow the file system", procedure) is None
