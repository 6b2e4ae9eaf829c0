import pytest

from copilot.pipeline import gate


@pytest.mark.parametrize(
    "text",
    [
        "How do I resize my volume?",
        "My instance won't boot after the kernel update, it shows a kernel panic",
        "I was charged twice this month",
        "Can you tell me how to restore a snapshot",
        "error: Permission denied (publickey) when I ssh in",
        "Thanks, but it still fails with error 500",
        "thanks for the answer, how do I do the same for a volume?",
    ],
)
def test_it_passes_questions_and_problem_reports(text):
    result = gate.classify(text)
    assert result.probability >= gate.CUTOFF
    assert not result.status_request


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Thanks!", "thanks or acknowledgement"),
        ("ok that worked", "thanks or acknowledgement"),
        ("Great, thank you so much", "thanks or acknowledgement"),
        ("Thanks for the quick answer.", "thanks or acknowledgement"),
        ("Great, sorted. Thanks a lot.", "thanks or acknowledgement"),
        ("That did it, thank you!", "thanks or acknowledgement"),
        ("Perfect, all good now.", "thanks or acknowledgement"),
        ("Much appreciated, merci!", "thanks or acknowledgement"),
        ("lol brb", "not a question or problem report"),
    ],
)
def test_it_stops_what_needs_no_answer(text, reason):
    result = gate.classify(text)
    assert result.probability < gate.CUTOFF
    assert result.reason == reason


@pytest.mark.parametrize("text", ["Any update?", "Still waiting on this", "what's the status?"])
def test_it_recognises_status_requests(text):
    assert gate.classify(text).status_request
