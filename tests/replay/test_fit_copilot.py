import io
import json
import random

import pytest
from django.core.management import CommandError, call_command

from copilot import fitted as team_models
from copilot.models import CopilotRun, FittedModel, Suggestion
from copilot.pipeline import answerability
from replay import copilot_fit, labels
from replay.reading import Conversation, Turn
from tests.factories import MessageFactory


def features(closeness):
    return dict.fromkeys(answerability.FEATURES, 0.0) | {
        "closeness": closeness,
        "similarity": closeness,
        "vote": closeness,
    }


def results_file(path, conversations=200, seed=7):
    """A replay's results: right answers are the close ones, as on real data."""
    rng = random.Random(seed)  # noqa: S311  (test data)
    lines = []
    for n in range(conversations):
        candidates = []
        for _ in range(3):
            closeness = rng.random()
            right = rng.random() < closeness
            candidates.append({"citation": "x", "features": features(closeness), "right": right})
        row = {
            "conversation": f"c{n}",
            "message": 0,
            "decision": "silent",
            "candidates": candidates,
        }
        lines.append(json.dumps(row))
    path.write_text("\n".join(lines))
    return path


def test_it_fits_on_earlier_conversations_and_checks_on_later_ones(tmp_path):
    fit, held, decisions = copilot_fit.read_results(
        results_file(tmp_path / "r.jsonl"), fit_share=0.75
    )
    assert len(fit.labels) == 150 * 3
    assert len(held.labels) == 50 * 3
    assert decisions.customer_messages == 50
    assert all(len(candidates) == 3 for candidates in decisions.messages)


def test_the_command_prints_the_reliability_and_saves_a_teams_model(tmp_path, team):
    out = io.StringIO()
    call_command(
        "fit_copilot", str(results_file(tmp_path / "r.jsonl")), "--team", team.slug, stdout=out
    )
    assert "answerability: fitted on" in out.getvalue()
    assert "reliability (predicted → observed)" in out.getvalue()
    assert "the offered answer at each threshold" in out.getvalue()
    saved = FittedModel.objects.get(team=team, purpose="answerability")
    assert saved.active
    model = team_models.model_for(team, "answerability")
    assert model.version == saved.version
    assert model.probability(features(0.9)) > model.probability(features(0.1))


def test_analysts_feedback_reaches_the_fit(team, make_ticket, analyst):
    ticket = make_ticket()
    for closeness, state in [(0.9, "sent"), (0.8, "edited"), (0.2, "dismissed"), (0.7, "shown")]:
        run = CopilotRun.objects.create(
            ticket=ticket,
            message=MessageFactory(ticket=ticket),  # a message is decided once
            decision="speak",
            kind="answer",
            reason="r",
            features=features(closeness),
        )
        Suggestion.objects.create(run=run, ticket=ticket, kind="answer", text="t", state=state)
    examples = copilot_fit.live_examples([team])
    closeness = [r["closeness"] for r in examples.rows]
    assert sorted(zip(closeness, examples.labels, strict=True)) == [
        (0.2, False),
        (0.8, True),
        (0.9, True),
    ]  # a suggestion nobody acted on teaches nothing


def test_the_command_refuses_what_it_cannot_use(tmp_path, db):
    with pytest.raises(CommandError, match="is not a file"):
        call_command("fit_copilot", str(tmp_path / "missing.jsonl"), stdout=io.StringIO())
    with pytest.raises(CommandError, match="--fit-share"):
        call_command("fit_copilot", "x", "--fit-share", "2", stdout=io.StringIO())
    with pytest.raises(CommandError, match="No team"):
        call_command("fit_copilot", "--team", "nobody-here", stdout=io.StringIO())
    empty = tmp_path / "empty.jsonl"
    empty.write_text(json.dumps({"conversation": "a", "decision": "silent"}))
    with pytest.raises(CommandError, match="Too few examples"):
        call_command("fit_copilot", str(empty), stdout=io.StringIO())


def conversation(*turns, linked=False):
    return Conversation(
        line=1,
        id="c",
        subject="",
        turns=tuple(
            Turn(i, role, role, text, (0,) if linked and role != "customer" else ())
            for i, (role, text) in enumerate(turns)
        ),
        resolved=True,
    )


def test_an_answer_is_right_when_the_agent_later_sent_its_page():
    convo = conversation(
        ("customer", "How do I reset two-factor?"),
        ("analyst", "Follow https://web.archive.org/web/2020/https://help.example.com/2fa today"),
    )
    later = labels.later_answers(convo, 0)
    assert labels.is_right("Steps: https://help.example.com/2fa", later)
    # Same words, another page: a brand's answers all sound alike.
    assert not labels.is_right("Follow https://help.example.com/other today", later)


def test_without_links_an_answer_is_right_when_its_words_resemble_the_humans():
    convo = conversation(
        ("customer", "how do I eject a cd?"),
        ("analyst", "you have to unmount the drive first"),
        linked=True,
    )
    later = labels.later_answers(convo, 0)
    assert labels.is_right("You need to unmount the drive before it will eject", later)
    assert not labels.is_right("Install smartmontools and run smartctl", later)
    assert labels.later_answers(conversation(("customer", "hi?"), ("customer", "x")), 0) == []
