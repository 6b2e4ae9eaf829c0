import json
from pathlib import Path

import pytest

from replay import labels
from replay.reading import parse_line, read_conversations
from replay.report import build_report
from replay.runner import Replayer, live_receivers_muted

LINKS = Path(__file__).resolve().parent.parent / "fixtures" / "replay_links.jsonl"


def conversation(*turns):
    messages = [{"role": role, "author": role, "text": text} for role, text in turns]
    return parse_line(json.dumps({"id": "x", "messages": messages}), 1)


@pytest.fixture
def links_replayed(team):
    found = list(read_conversations(LINKS, []))
    replayer = Replayer(team=team, learn=True, auto_approve=True)
    with live_receivers_muted():
        return [replayer.replay(c) for c in found]


def test_it_counts_the_page_the_agent_sent_later_and_how_long_before(links_replayed):
    first, second = links_replayed
    [learned] = first.learned
    [asked] = second.messages
    assert (asked.decision, asked.citations) == ("speak", [learned.id])
    # The agent sent the same page twelve minutes after the customer asked, behind an archive
    # prefix, another scheme, a capitalised host, a query, a fragment and a full stop.
    assert asked.doc_hit is True
    assert asked.anticipated is True
    assert asked.minutes_ahead == 12.0
    assert asked.row()["at"] == "2026-04-02T10:00:00+00:00"


def test_the_report_gives_the_anticipated_figures_and_doc_hits(links_replayed):
    report = build_report(
        links_replayed, options={}, skipped=[], elapsed_s=1.0, target_precision=0.8
    )
    assert report["anticipated"] == {
        "suggestions": 1,
        "anticipated": 1,
        "share": 1.0,
        "conversations": 1,
        "conversation_share": 0.5,
        "timed": 1,
        "minutes_ahead_median": 12.0,
        "minutes_ahead_p90": 12.0,
    }
    assert report["doc_hits"] == {
        "conversations_with_links": 2,
        "suggestions": 1,
        "hits": 1,
        "share": 1.0,
        "conversations": 1,
        "conversation_share": 0.5,
    }
    assert report["teams"] == []  # one team: nothing to split
    # No answer links in the file: the example stands beside what the agent said next.
    [example] = report["examples"]
    assert (example["anticipated"], example["human_answer"]) == (True, None)
    second = read_conversations(LINKS, [])
    agent = [t.text for t in list(second)[1].turns if t.role != "customer"]
    assert example["support_after"] == "\n\n".join(agent[:3])


def test_where_the_agent_sends_links_only_their_page_counts():
    convo = conversation(
        ("customer", "How do I reset my router?"),
        ("analyst", "Hold the reset button for ten seconds."),
        ("analyst", "The guide: https://help.example.com/router/reset"),
    )
    same_words = "Hold the reset button for ten seconds."
    assert labels.anticipated(same_words, convo, 0) is None
    assert labels.anticipated("See https://help.example.com/other", convo, 0) is None
    matched = labels.anticipated("See https://help.example.com/router/reset", convo, 0)
    assert matched is not None
    assert matched.index == 2
    # A page the agent sent before the question is no anticipation.
    assert labels.page_sent_later("https://help.example.com/router/reset", convo, 2) is None


def test_without_links_an_answer_resembling_a_later_one_counts():
    convo = conversation(
        ("customer", "My disk will not eject, what now?"),
        ("analyst", "You need to unmount the drive before it will eject."),
    )
    matched = labels.anticipated("Unmount the drive first, then it will eject", convo, 0)
    assert matched is not None
    assert matched.index == 1
    assert labels.anticipated("Install smartmontools and run smartctl", convo, 0) is None
    assert labels.support_links(convo) == frozenset()


def test_pages_compare_without_scheme_archive_query_fragment_and_trailing_punctuation():
    convo = conversation(
        ("customer", "Where is the guide?"),
        (
            "analyst",
            "Here: https://web.archive.org/web/20190824031635/https://Docs.Example.com/a/b?x=1#c).",
        ),
    )
    assert labels.page_sent_later("http://docs.example.com/a/b", convo, 0) is not None
    assert labels.page_sent_later("http://docs.example.com/a/c", convo, 0) is None
