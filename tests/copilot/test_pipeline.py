import json

import pytest

from ai import fitted
from copilot import fitted as copilot_fitted
from copilot import pipeline
from copilot.models import CopilotRun, FittedModel, Suggestion, TeamCopilotSettings
from copilot.pipeline import answerability, steps
from knowledge import services as knowledge_services
from knowledge.models import KnowledgeEntry
from tickets import services
from tickets.models import Message

SPEAK, SILENT = CopilotRun.Decision.SPEAK, CopilotRun.Decision.SILENT


def ask(ticket, body):
    message, _ = services.message_create(ticket=ticket, kind=Message.Kind.CUSTOMER, body=body)
    return pipeline.run(message)


def test_it_answers_a_question_the_knowledge_covers(small_kb, ticket):
    run = ask(ticket, "Hi, I lost my ssh private key and can't log into the server anymore")
    assert run.decision == SPEAK
    suggestion = run.suggestion
    expected = small_kb["kb-ssh-reset"]
    assert list(suggestion.citations.all()) == [expected]
    assert suggestion.text == expected.answer
    assert suggestion.label == "Knowledge match"
    assert suggestion.state == Suggestion.State.SHOWN
    assert run.score >= run.threshold
    assert run.llm_calls == 0
    assert "Hi" not in run.query
    assert expected.pk in set(run.considered.values_list("pk", flat=True))
    expected.refresh_from_db()
    assert expected.times_suggested == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("Thanks a lot!", "thanks or acknowledgement"),
        ("lol brb", "not a question or problem report"),
    ],
)
def test_it_stays_silent_with_a_reason(small_kb, ticket, body, reason):
    run = ask(ticket, body)
    assert (run.decision, run.reason) == (SILENT, reason)
    assert not Suggestion.objects.exists()


def test_without_knowledge_it_says_so(ticket):
    run = ask(ticket, "How do I resize my volume?")
    assert (run.decision, run.reason) == (SILENT, "no approved knowledge for this team")


def test_below_the_threshold_it_stays_silent(small_kb, ticket, team):
    TeamCopilotSettings.objects.create(team=team, threshold=0.99)
    run = ask(ticket, "How do I resize my volume?")
    assert run.decision == SILENT
    assert run.reason.startswith("no knowledge above threshold")
    assert run.score is not None


def test_proposed_knowledge_is_never_used(ticket):
    knowledge_services.entry_create(
        question="How do I resize a volume?",
        answer="Click resize.",
        actor=None,
        status=KnowledgeEntry.Status.PROPOSED,
    )
    assert ask(ticket, "How do I resize my volume?").decision == SILENT


def test_an_entry_that_only_says_it_does_not_know_is_no_answer(ticket):
    knowledge_services.entry_create(
        question="resize volume",
        answer="Sorry, I don't know anything about resize volume - try searching the wiki",
        actor=None,
        status=KnowledgeEntry.Status.APPROVED,
    )
    run = ask(ticket, "How do I resize my volume?")
    assert run.decision == SILENT
    assert run.reason == "the matching knowledge holds no answer"


def test_it_does_not_repeat_itself(small_kb, ticket):
    assert ask(ticket, "How do I resize my volume?").decision == SPEAK
    again = ask(ticket, "how can I make the volume bigger?")
    assert (again.decision, again.reason) == (
        SILENT,
        "already answered with this entry in this ticket",
    )


def test_a_newer_message_or_an_analyst_reply_wins(small_kb, ticket, reply):
    first, _ = services.message_create(ticket=ticket, kind="customer", body="How do I resize it?")
    services.message_create(ticket=ticket, kind="customer", body="The volume, I mean")
    assert pipeline.run(first).reason == "superseded by a newer customer message"
    question, _ = services.message_create(ticket=ticket, kind="customer", body="Charged twice?")
    reply(ticket, "Looking into it")
    assert pipeline.run(question).reason == "an analyst replied meanwhile"


def test_status_requests_get_a_status_update(ticket, reply):
    reply(ticket, "We are checking the host.")
    run = ask(ticket, "Any update?")
    assert run.decision == SPEAK
    assert run.kind == CopilotRun.Kind.STATUS_UPDATE
    assert "Here is where your request about “VM will not boot” stands" in run.suggestion.text
    assert "last wrote to you just now" in run.suggestion.text


def test_a_team_can_turn_it_off(small_kb, ticket, team):
    TeamCopilotSettings.objects.create(team=team, mode=TeamCopilotSettings.Mode.OFF)
    run = ask(ticket, "How do I resize my volume?")
    assert (run.decision, run.reason) == (SILENT, "copilot is off for this team")


def test_auto_reply_mode_answers_the_customer(small_kb, ticket, team):
    TeamCopilotSettings.objects.create(
        team=team, mode=TeamCopilotSettings.Mode.AUTO, auto_threshold=0.3
    )
    run = ask(ticket, "I lost my ssh key and can't log into my server")
    assert run.suggestion.state == Suggestion.State.AUTO_SENT
    sent = ticket.messages.get(kind=Message.Kind.COPILOT)
    assert sent.body == small_kb["kb-ssh-reset"].answer
    assert not sent.internal


def test_an_auto_reply_is_emailed_to_the_customer(
    small_kb, ticket, team, smtp_server, django_capture_on_commit_callbacks
):
    TeamCopilotSettings.objects.create(
        team=team, mode=TeamCopilotSettings.Mode.AUTO, auto_threshold=0.3
    )
    with django_capture_on_commit_callbacks(execute=True):
        ask(ticket, "I lost my ssh key and can't log into my server")
    [mail] = smtp_server.mails
    assert mail["To"] == "priya@example.com"
    assert mail["Auto-Submitted"] == "auto-replied"
    assert small_kb["kb-ssh-reset"].answer.split("\n")[0] in mail.get_content()
    sent = ticket.messages.get(kind=Message.Kind.COPILOT)
    assert sent.email.status == "sent"


def test_a_failure_is_recorded_and_the_message_kept(small_kb, ticket, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("embedding model missing")

    monkeypatch.setattr(steps.embedding, "embed", broken)
    run = ask(ticket, "How do I resize my volume?")
    assert (run.decision, run.reason) == (SILENT, "copilot error")
    assert "embedding model missing" in run.error
    assert ticket.messages.filter(body="How do I resize my volume?").exists()


def test_customer_messages_queue_a_run(small_kb, ticket, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.message_create(ticket=ticket, kind="customer", body="How do I resize my volume?")
    assert CopilotRun.objects.get().decision == SPEAK


def test_a_long_entry_is_shown_by_its_passage_that_answers(ticket):
    entry = knowledge_services.entry_create(
        question="Volume and snapshot questions",
        answer=(
            "Snapshots are kept for 30 days and can be restored from the console.\n\n"
            "To make a volume bigger, resize it under Volumes > Resize and then run growpart "
            "and resize2fs inside the instance.\n\n"
            "Deleting a volume cannot be undone."
        ),
        actor=None,
        status=KnowledgeEntry.Status.APPROVED,
    )
    run = ask(ticket, "How do I make my data volume bigger? The disk is full.")
    assert run.decision == SPEAK
    suggestion = run.suggestion
    assert suggestion.text.startswith("To make a volume bigger")
    assert suggestion.label == "Knowledge match (excerpt)"
    assert list(suggestion.citations.all()) == [entry]


def test_the_score_is_the_fitted_models_probability_and_the_run_keeps_what_it_saw(small_kb, ticket):
    run = ask(ticket, "Hi, I lost my ssh private key and can't log into the server anymore")
    model = fitted.default_model(answerability.PURPOSE)
    assert run.model_version == model.version
    assert set(run.features) == set(answerability.FEATURES)
    assert run.score == pytest.approx(model.probability(run.features), abs=1e-3)
    assert 0 < run.gate_probability < 1
    assert run.features["vote"] > 0.5  # the entry's own question is the nearest example


def test_a_teams_own_model_decides_for_it(small_kb, ticket, team):
    body = json.loads(fitted.default_model(answerability.PURPOSE).to_json())
    body["version"] = "answerability-compute-1"
    body["members"][0]["intercept"] = -50.0  # this team's history: nothing is ever right
    FittedModel.objects.create(team=team, purpose="answerability", version="c-1", body=body)
    copilot_fitted.forget()
    run = ask(ticket, "Hi, I lost my ssh private key and can't log into the server anymore")
    assert run.decision == SILENT
    assert run.model_version == "answerability-compute-1"
    assert run.score < 0.01


def test_entries_with_the_same_answer_are_cited_by_the_name_the_question_uses(ticket, team):
    answer = "Install the VPN client from the self-service portal and sign in with SSO."
    named, unnamed = (
        knowledge_services.entry_create(
            question=question,
            answer=answer,
            actor=None,
            team=team,
            source=KnowledgeEntry.Source.IMPORTED,
            status=KnowledgeEntry.Status.APPROVED,
        )
        for question in ("vpn", "remote access")
    )
    # A model that distrusts an entry the question names: alone, it would rank "remote
    # access" first; one answer, the name the customer used is the one cited.
    shipped = fitted.DEFAULTS_DIR / f"{answerability.PURPOSE}.json"
    body = json.loads(shipped.read_text(encoding="utf-8"))
    title = body["features"].index("title_match")
    for member in body["members"]:
        member["coef"][title] = -8.0
    body["version"] = "answerability-distrusts-names"
    FittedModel.objects.create(team=team, purpose="answerability", version="n-1", body=body)
    copilot_fitted.forget()
    run = ask(ticket, "How do I set up the vpn on my new laptop?")
    probability = {entry.pk: p for entry, p, _ in run.scored}
    assert probability[unnamed.pk] > probability[named.pk]
    assert run.scored[0][0] == named
    assert run.features["title_match"] == 1.0
    assert run.score == pytest.approx(probability[unnamed.pk], abs=1e-3)


def test_an_unreadable_team_model_falls_back_to_the_default(small_kb, ticket, team, caplog):
    FittedModel.objects.create(team=team, purpose="answerability", version="x", body={"no": 1})
    copilot_fitted.forget()
    run = ask(ticket, "Hi, I lost my ssh private key and can't log into the server anymore")
    assert run.decision == SPEAK
    assert run.model_version == fitted.default_model(answerability.PURPOSE).version
    assert "unreadable" in caplog.text


def test_the_teams_history_reaches_the_decision_through_its_answer_classifier(small_kb, ticket):
    ssh, volume = small_kb["kb-ssh-reset"], small_kb["kb-resize-volume"]
    asked = "I lost my ssh key and I'm locked out"
    before = ask(ticket, asked)
    assert before.features["classifier"] == 0.0  # no resolved ticket yet: no opinion
    for text in ("lost my ssh key, locked out of the server", "ssh key gone, cannot log in"):
        knowledge_services.example_add(entry=ssh, text=text, ticket=ticket)
    for text in ("the data disk is full", "volume out of space, make it bigger"):
        knowledge_services.example_add(entry=volume, text=text, ticket=ticket)

    after = ask(
        services.ticket_create(
            team=ticket.team, customer=ticket.customer, subject="Locked out", body="Hello"
        ),
        asked,
    )

    assert after.features["classifier"] > 0.5
    assert list(after.suggestion.citations.all()) == [ssh]
    assert after.score > before.score  # the fitted model weighs what the history says
