import json

import pytest
from django.core.management import call_command

from copilot.models import TeamCopilotSettings
from knowledge.models import TeamKnowledgePolicy
from replay.management.commands.replay import _teams_settings
from replay.reading import read_conversations, teams_named
from replay.report import build_report
from replay.runner import ConversationResult, Replayer, TeamSettings, live_receivers_muted
from tests.replay.test_replay import _Sink, brand_conversation, result
from tickets.models import Ticket

QUESTION = "I lost my phone and two-factor codes never arrive, how do I sign in again?"


def write(tmp_path, *lines):
    path = tmp_path / "teams.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_team_met_takes_its_live_settings_or_else_the_default_teams(team):
    TeamCopilotSettings.objects.create(team=team, threshold=0.77)
    TeamKnowledgePolicy.objects.create(team=team, auto_approve=True)
    live = {"billing": TeamSettings({"threshold": 0.91}, {"auto_approve": False})}
    replayer = Replayer(team=team, learn=False, auto_approve=False, settings_of=live)
    assert replayer.team_for("") == team
    assert replayer.team_for("compute") == team  # the default team, by its slug
    billing, globex = replayer.team_for("billing"), replayer.team_for("globex")
    assert (billing.name, globex.name) == ("billing", "globex")
    assert replayer.team_for("globex") == globex  # created once
    assert TeamCopilotSettings.objects.get(team=billing).threshold == 0.91
    assert TeamKnowledgePolicy.objects.get(team=billing).auto_approve is False
    assert TeamCopilotSettings.objects.get(team=globex).threshold == 0.77
    assert TeamKnowledgePolicy.objects.get(team=globex).auto_approve is True


def test_the_command_reads_the_live_settings_of_the_teams_a_file_names(tmp_path, other_team):
    TeamCopilotSettings.objects.create(
        team=other_team, threshold=0.91, mode=TeamCopilotSettings.Mode.OFF
    )
    path = write(
        tmp_path,
        brand_conversation("b-1", "billing", QUESTION, "https://a.example/b"),
        brand_conversation("n-1", "nowhere", QUESTION, "https://a.example/b"),
        brand_conversation("d-1", "", QUESTION, "https://a.example/b"),
        "not json",
    )
    assert teams_named(path) == {"billing", "nowhere"}
    found = _teams_settings(teams_named(path))
    assert list(found) == ["billing"]  # a team unknown live takes the default team's
    assert found["billing"].copilot["threshold"] == 0.91
    assert found["billing"].copilot["mode"] == TeamCopilotSettings.Mode.SUGGEST  # replayed


def test_imported_knowledge_is_offered_in_every_team(tmp_path, small_kb, team):
    question = "Hi, how do I make a block volume bigger? My data volume is full."
    path = write(tmp_path, brand_conversation("a-1", "acme", question, "https://a.example/b"))
    [found] = read_conversations(path, [])
    with live_receivers_muted():
        replayed = Replayer(team=team, learn=False, auto_approve=False).replay(found)
    assert replayed.team == "acme"
    [asked] = replayed.messages
    assert asked.citations == ["kb-resize-volume"]


def test_the_report_counts_per_team_most_messages_first():
    def replayed(team, *messages):
        return ConversationResult(conversation=None, messages=list(messages), team=team)  # type: ignore[arg-type]

    spoke = result(1, score=0.9, spoke=True, answerable=None)
    silent = result(2, score=0.1, spoke=False, answerable=None)
    report = build_report(
        [replayed("a", spoke), replayed("b", silent, spoke), replayed("a")],
        options={},
        skipped=[],
        elapsed_s=1.0,
        target_precision=0.8,
    )
    assert report["teams"] == [
        {"team": "b", "conversations": 1, "customer_messages": 2, "spoke": 1, "anticipated": 0},
        {"team": "a", "conversations": 2, "customer_messages": 1, "spoke": 1, "anticipated": 0},
    ]


@pytest.mark.django_db(transaction=True)
def test_lines_naming_the_default_team_and_lines_naming_none_share_it(tmp_path, team):
    path = write(
        tmp_path,
        brand_conversation("c-1", "compute", QUESTION, "https://help.compute.example/2fa"),
        brand_conversation("c-2", "", QUESTION, "https://help.compute.example/2fa"),
        brand_conversation("g-1", "globex", QUESTION, "https://help.globex.example/mfa"),
    )
    report_path, out = tmp_path / "report.json", tmp_path / "out.jsonl"
    call_command(
        "replay", str(path), "--team", "compute", "--learn", "--auto-approve", "--engine",
        "local", f"--report={report_path}", f"--out={out}", "--progress=none",
        stdout=_Sink(), stderr=_Sink(),
    )  # fmt: skip
    report = json.loads(report_path.read_text())
    assert {row["team"]: row["conversations"] for row in report["teams"]} == {
        "compute": 2,
        "globex": 1,
    }
    rows = {
        r["conversation"]: r
        for r in map(json.loads, out.read_text().splitlines())
        if r.get("type") != "learned"
    }
    # What compute learned from c-1 answers c-2, which names no team; globex never sees it.
    assert rows["c-2"]["citations"] == ["learned:1"]
    assert rows["g-1"]["citations"] == []
    assert not Ticket.objects.exists()  # all of it in the replay's own database
