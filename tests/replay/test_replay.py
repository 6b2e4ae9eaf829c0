import json
import os
from pathlib import Path
from signal import SIGTERM

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from copilot.models import CopilotRun, TeamCopilotSettings
from knowledge.models import KnowledgeEntry
from replay import report as report_module
from replay import services as replay_services
from replay.reading import Conversation, Turn, parse_line, read_conversations, teams_named
from replay.report import build_report, curve, token_f1
from replay.runner import (
    ANNOUNCEMENTS,
    ConversationResult,
    MessageResult,
    Replayer,
    answers_to,
    live_receivers_muted,
)
from tests.conftest import FIXTURE as KNOWLEDGE
from tickets.models import Message, Ticket

CONVERSATIONS = Path(__file__).resolve().parent.parent / "fixtures" / "replay_conversations.jsonl"


def conversations():
    warnings: list[str] = []
    return list(read_conversations(CONVERSATIONS, warnings)), warnings


def test_bad_lines_are_named_and_the_rest_is_read():
    found, warnings = conversations()
    assert [c.id for c in found] == ["c-1", "c-2", "c-3", "c-4"]
    assert warnings == [
        "line 2: not valid JSON (Expecting value at column 1)",
        "line 4: message 0 has unknown role 'manager' (expected customer, analyst, bot)",
        "line 5: conversation 'c-empty' has no messages",
    ]


def test_ground_truth_is_a_non_question_analyst_reply_linked_to_the_message():
    found, _ = conversations()
    by_id = {c.id: c for c in found}
    assert answers_to(by_id["c-1"]) == {0: [by_id["c-1"].turns[1].text]}
    # "Hi! What can I do for you?" replies to message 0 but asks back: not an answer.
    assert answers_to(by_id["c-4"]) == {}


def test_what_a_bot_said_for_the_helper_is_part_of_the_human_answer():
    turns = (
        Turn(0, "customer", "ana", "windows wiped my boot menu, how do I get ubuntu back?"),
        Turn(1, "analyst", "bo", "ana: !grub", reply_to=(0,)),
        Turn(2, "bot", "ubotu", "GRUB is restored with grub-install from a live session", (1,)),
        Turn(3, "bot", "ubotu", "the channel's rules are at the wiki", ()),
        Turn(4, "customer", "ana", "thanks, and is 24.04 out yet?"),
    )
    conversation = Conversation(line=1, id="c", subject="", turns=turns, resolved=True)
    assert answers_to(conversation) == {0: ["ana: !grub", turns[2].text]}


def test_token_f1():
    assert token_f1("Resize the volume", "resize the VOLUME") == 1.0
    assert token_f1("a b", "c d") == 0.0
    # 2 shared of 4 and of 2 tokens: precision 0.5, recall 1.0.
    assert token_f1("reboot the box now", "reboot now") == pytest.approx(2 / 3)


def result(message, *, score, spoke, answerable, reason="", kind="answer", text="x"):
    return MessageResult(
        conversation="c",
        message=message,
        decision="speak" if spoke else "silent",
        reason=reason or ("matches" if spoke else "no knowledge above threshold (x < y)"),
        score=score,
        kind=kind if spoke else "",
        text=text if spoke else None,
        citations=[],
        latency_ms=float(message),
        llm_calls=0,
        tokens=0,
        answerable=answerable,
        human_answer="the human answer" if answerable else None,
    )


def test_without_answer_links_the_examples_are_what_the_agent_sent_and_what_they_did_not():
    spoken = []
    for i in range(20):
        m = result(i, score=i / 20, spoke=True, answerable=None)
        m.anticipated = i % 4 == 0  # 5 of 20 the agent went on to send
        spoken.append(m)
    rows = report_module.examples(spoken, {})
    assert [r["message"] for r in rows] == [16, 12, 8, 4, 0, 19, 18, 17, 15, 14, 13, 11]
    assert [r["anticipated"] for r in rows] == [True] * 5 + [False] * 7


def test_report_figures_on_a_hand_checked_case():
    # Scores 0.9 / 0.8 / 0.7 / 0.5 spoke or were held back by a 0.6 threshold; one message
    # never reached the threshold (the gate); answerable: 0.9, 0.8, 0.5 and the gated one.
    messages = [
        result(1, score=0.9, spoke=True, answerable=True, text="the human answer"),
        result(2, score=0.8, spoke=True, answerable=True, text="something else"),
        result(3, score=0.7, spoke=True, answerable=False),
        result(4, score=0.5, spoke=False, answerable=True),
        result(5, score=None, spoke=False, answerable=True, reason="not a question"),
    ]
    convo = ConversationResult(conversation=None, messages=messages)  # type: ignore[arg-type]
    report = build_report([convo], options={}, skipped=[], elapsed_s=2.0, target_precision=0.66)
    assert report["customer_messages"] == 5
    assert report["spoke"] == 3
    assert report["speak_rate"] == 0.6
    assert report["silence_reasons"] == [
        ("no knowledge above threshold", 1),
        ("not a question", 1),
    ]
    assert report["latency_ms"] == {"p50": 3.0, "p95": 4.8}
    truth = report["ground_truth"]
    assert truth["answerable"] == 4
    assert truth["true_positives"] == 2
    assert truth["precision"] == pytest.approx(0.6667, abs=1e-4)
    assert truth["recall"] == 0.5
    assert truth["similarity"]["compared"] == 2
    assert truth["similarity"]["token_f1"] == 0.5  # 1.0 and 0.0
    assert truth["similarity"]["resembling"] == pytest.approx(0.3333, abs=1e-4)
    points = {p["threshold"]: p for p in curve(messages)}
    assert points[0.5]["spoken"] == 4
    assert points[0.5]["precision"] == 0.75
    assert points[0.5]["recall"] == 0.75
    assert points[0.5]["coverage"] == 0.8
    assert points[0.8]["spoken"] == 2
    assert points[0.8]["precision"] == 1.0
    assert points[0.9]["spoken"] == 1
    # Fewer than ten suggestions at every threshold: no recommendation on noise.
    assert truth["threshold_for_target"] is None


def test_the_recommended_threshold_is_the_lowest_that_meets_the_target():
    messages = [result(i, score=0.5 + i / 100, spoke=True, answerable=i >= 10) for i in range(30)]
    convo = ConversationResult(conversation=None, messages=messages)  # type: ignore[arg-type]
    truth = build_report([convo], options={}, skipped=[], elapsed_s=1.0, target_precision=0.9)[
        "ground_truth"
    ]
    # 20 right among the 30: at 0.58 the 22 kept hold 20 right (0.909); at 0.57, 20/23 = 0.87.
    assert truth["threshold_for_target"] == 0.58


@pytest.fixture
def replayed(small_kb, team):
    def run(*, learn: bool):
        found, _ = conversations()
        replayer = Replayer(team=team, learn=learn, auto_approve=learn)
        with live_receivers_muted():
            return {c.id: replayer.replay(c) for c in found}

    return run


def test_later_conversations_use_what_earlier_ones_taught(replayed):
    results = replayed(learn=True)
    [asked] = [m for m in results["c-2"].messages if m.message == 0]
    assert asked.decision == "silent"
    assert asked.reason.startswith("no knowledge above threshold")
    learned = {entry.conversation: entry for entry in results["c-2"].learned}["c-2"]
    assert learned.status == "approved"
    assert learned.source_messages == [0, 1]
    [again] = results["c-3"].messages
    assert again.decision == "speak"
    assert again.citations == [learned.id]
    assert again.answerable is True
    [first, thanks] = results["c-1"].messages
    assert first.citations == ["kb-resize-volume"]
    assert thanks.reason == "thanks or acknowledgement"


def test_without_learning_nothing_learned_is_ever_cited(replayed):
    results = replayed(learn=False)
    assert all(not r.learned for r in results.values())
    [again] = results["c-3"].messages
    assert again.decision == "silent"
    assert not KnowledgeEntry.objects.filter(source=KnowledgeEntry.Source.LEARNED).exists()


def test_each_decision_saw_only_the_past(replayed):
    replayed(learn=True)
    runs = CopilotRun.objects.select_related("message")
    assert runs.count() == 6
    for run in runs:
        later = Message.objects.filter(ticket=run.ticket_id, created_at__gt=run.message.created_at)
        assert all(m.created_at > run.created_at for m in later)
        # Entries considered existed before the run (none learned later).
        assert all(entry.created_at < run.created_at for entry in run.considered.all())
    c3 = Ticket.objects.get(
        subject__startswith="How do I turn on two-factor authentication for all"
    )
    assert c3.status == Ticket.Status.RESOLVED


@pytest.mark.django_db(transaction=True)
def test_the_command_replays_in_a_database_of_its_own(tmp_path, team):
    call_command("import_knowledge", str(KNOWLEDGE), "--approve", stdout=_Sink(), stderr=_Sink())
    live = (
        Ticket.objects.count(),
        KnowledgeEntry.objects.count(),
        connection.settings_dict["NAME"],
    )
    out, report_path, stdout = tmp_path / "out.jsonl", tmp_path / "report.json", _Sink()
    channel_layers_before, q_cluster_before = settings.CHANNEL_LAYERS, settings.Q_CLUSTER
    with pytest.raises(SystemExit) as exit_status:  # lines were skipped: status 1
        call_command(
            "replay",
            str(CONVERSATIONS),
            "--knowledge",
            str(KNOWLEDGE),
            "--learn",
            "--auto-approve",
            "--engine",
            "local",
            f"--out={out}",
            f"--report={report_path}",
            "--progress=json",
            stdout=stdout,
            stderr=_Sink(),
        )
    assert exit_status.value.code == 1
    assert (Ticket.objects.count(), KnowledgeEntry.objects.count()) == live[:2]
    assert connection.settings_dict["NAME"] == live[2]
    # The process is left as it was: websocket events and tasks work again afterwards.
    assert channel_layers_before == settings.CHANNEL_LAYERS
    assert q_cluster_before == settings.Q_CLUSTER
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_database WHERE datname LIKE %s", [f"{live[2]}_replay_%"]
        )
        assert cursor.fetchone()[0] == 0  # dropped

    rows = [json.loads(line) for line in out.read_text().splitlines()]
    decisions = [r for r in rows if "decision" in r]
    assert len(decisions) == 6
    assert set(decisions[0]) == {
        "conversation", "message", "decision", "reason", "score", "kind", "text",
        "citations", "latency_ms", "llm_calls", "tokens", "gate", "candidates", "anticipated",
        "doc_hit", "at",
    }  # fmt: skip
    # The customer message's time, where the recording has one (c-1's first is 09:00 UTC).
    assert decisions[0]["at"] == "2026-03-02T09:00:00+00:00"
    learned = [r for r in rows if r.get("type") == "learned"]
    assert {r["status"] for r in learned} <= {"approved", "proposed", "merged", "rejected"}
    assert all(r["id"].startswith("learned:") for r in learned)

    report = json.loads(report_path.read_text())
    assert report["customer_messages"] == 6
    assert report["spoke"] == 2
    assert report["ground_truth"]["precision"] == 1.0
    assert report["ground_truth"]["recall"] == pytest.approx(0.6667, abs=1e-4)
    assert report["suggestions_citing_learned"] == 1
    assert [s["line"] for s in report["skipped_lines"]] == [2, 4, 5]

    events = [json.loads(line) for line in stdout.text.splitlines() if line.startswith("{")]
    assert [e["line"] for e in events if e["event"] == "warning"] == [2, 4, 5]
    progress = [e for e in events if e["event"] == "progress"]
    assert progress[-1]["conversations"] == 4
    assert progress[-1]["messages"] == 6
    assert events[-1]["event"] == "done"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.jsonl"], "is not a file"),
        ([str(CONVERSATIONS), "--apply-threshold"], "--apply-threshold needs --team"),
        ([str(CONVERSATIONS), "--team", "nope"], "No team 'nope'"),
        ([str(CONVERSATIONS), "--limit", "0"], "--limit must be at least 1"),
        ([str(CONVERSATIONS), "--engine", "llm"], "--engine llm needs a model"),
    ],
)
def test_bad_arguments_get_a_clear_error(db, settings, args, message):
    settings.VIGIL_LLM_MODELS = {}
    with pytest.raises(CommandError, match=message):
        call_command("replay", *args)


def test_a_threshold_applies_to_a_team(team):
    replay_services.apply_threshold(team, 0.713, note="from a replay")
    saved = TeamCopilotSettings.objects.get(team=team)
    assert saved.threshold == 0.713
    assert saved.calibration_note == "from a replay"
    with pytest.raises(ValueError, match="out of range"):
        replay_services.apply_threshold(team, -1, note="")


class _Sink:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def test_no_receiver_hears_a_replayed_ticket_and_all_hear_again_afterwards(replayed):
    heard = []

    def spy(sender, **kwargs):
        heard.append(sender)

    for signal in ANNOUNCEMENTS:
        signal.connect(spy, weak=False, dispatch_uid="test-spy")
    replayed(learn=True)
    assert heard == []
    # Back in place afterwards: each signal still has the spy to disconnect.
    assert all(signal.disconnect(dispatch_uid="test-spy") for signal in ANNOUNCEMENTS)


def brand_conversation(ident, team, question, page):
    line = {
        "id": ident,
        "messages": [
            {"role": "customer", "author": "c", "text": question},
            {"role": "analyst", "author": "a", "text": f"Follow the steps in this guide: {page}"},
        ],
        "resolved": True,
    }
    if team:
        line["team"] = team
    return json.dumps(line)


def test_each_conversation_learns_and_is_answered_in_its_own_team(tmp_path, team):
    question = "I lost my phone and two-factor codes never arrive, how do I sign in again?"
    path = tmp_path / "brands.jsonl"
    path.write_text(
        "\n".join(
            [
                brand_conversation("a-1", "acme", question, "https://help.acme.example/2fa"),
                brand_conversation("b-1", "globex", question, "https://help.globex.example/mfa"),
                brand_conversation("a-2", "acme", question, "https://help.acme.example/2fa"),
                brand_conversation("d-1", "", question, "https://help.compute.example/2fa"),
            ]
        )
    )
    warnings: list[str] = []
    found = list(read_conversations(path, warnings))
    assert [c.team for c in found] == ["acme", "globex", "acme", ""]
    replayer = Replayer(team=team, learn=True, auto_approve=True)
    with live_receivers_muted():
        results = {c.id: replayer.replay(c) for c in found}
    learned = {r.conversation: r for c in results.values() for r in c.learned}
    assert {t.team.slug for t in Ticket.objects.all()} == {"acme", "globex", "compute"}
    # Globex's customer asks the very same question, yet acme's page is never offered there.
    [globex_first] = results["b-1"].messages
    assert not globex_first.citations
    assert globex_first.reason == "no approved knowledge for this team"
    assert {c["citation"] for c in globex_first.candidates} == set()
    [acme_again] = results["a-2"].messages
    assert acme_again.citations in ([], [learned["a-1"].id])
    assert all(c["citation"] == learned["a-1"].id for c in acme_again.candidates)
    [default_team] = results["d-1"].messages
    assert default_team.reason == "no approved knowledge for this team"


def test_a_team_must_be_a_slug():
    with pytest.raises(ValueError, match="team's slug"):
        parse_line(brand_conversation("x", "Acme Inc", "help?", "https://a.example/b"), 1)


def clean_copy(tmp_path):
    """The fixture's conversations without its bad lines (which make the command exit 1)."""
    found, _ = conversations()
    clean = tmp_path / "clean.jsonl"
    clean.write_text(
        "".join(
            line + "\n"
            for line in CONVERSATIONS.read_text().splitlines()
            if any(f'"id": "{c.id}"' in line for c in found)
        )
    )
    return clean


@pytest.mark.django_db(transaction=True)
def test_a_stop_that_comes_after_the_conversations_still_writes_the_report(monkeypatch, tmp_path):
    # A cancelled run's SIGTERM can land while the report is being built: the conversations
    # are done by then, and what they showed must still reach the report file.
    from replay.management.commands import replay as command

    def stopped_while_building(*args, **kwargs):
        os.kill(os.getpid(), SIGTERM)
        return build_report(*args, **kwargs)

    monkeypatch.setattr(command, "build_report", stopped_while_building)
    report = tmp_path / "report.json"
    call_command("replay", str(clean_copy(tmp_path)), "--progress=none", f"--report={report}")
    written = json.loads(report.read_text())
    assert written["conversations"] == 4
    assert written["options"]["interrupted"] is False


@pytest.mark.django_db(transaction=True)
def test_a_stop_during_the_conversations_ends_them_cleanly_after_the_current_one(
    monkeypatch, tmp_path
):
    # Raised in the middle of a database call, an interruption left the connection unusable
    # and the report lost; a stop now takes effect between two conversations.
    from replay.management.commands import replay as command

    real = command.Replayer.replay

    def stopped_during_the_second(self, conversation):
        if conversation.id == "c-2":
            os.kill(os.getpid(), SIGTERM)
        return real(self, conversation)

    monkeypatch.setattr(command.Replayer, "replay", stopped_during_the_second)
    report = tmp_path / "report.json"
    with pytest.raises(SystemExit) as stopped:
        call_command("replay", str(clean_copy(tmp_path)), "--progress=none", f"--report={report}")
    assert stopped.value.code == 130
    written = json.loads(report.read_text())
    assert written["conversations"] == 2  # c-1, and c-2 which was under way
    assert written["options"]["interrupted"] is True


def test_a_line_nested_too_deeply_is_named_and_skipped(tmp_path):
    deep = '{"id": "deep", "messages": ' + "[" * 100_000 + "]" * 100_000 + "}"
    fine = json.dumps({"id": "ok", "messages": [{"role": "customer", "text": "Help?"}]})
    path = tmp_path / "deep.jsonl"
    path.write_text(deep + "\n" + fine + "\n")
    warnings: list[str] = []
    assert [c.id for c in read_conversations(path, warnings)] == ["ok"]
    assert warnings == ["line 1: The JSON is nested more than 32 levels deep."]
    assert teams_named(path) == set()
