import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django_q.tasks import async_task, result

from ai import llm
from copilot import summary
from copilot.models import Suggestion, TeamCopilotSettings
from tickets import services
from tickets.models import Message

HX = {"HX-Request": "true"}


def test_the_summary_gives_problem_what_was_tried_and_state(ticket, reply):
    reply(ticket, "Please try booting the previous kernel. It usually helps.")
    services.message_create(ticket=ticket, kind="customer", body="Tried it, same panic.")
    result_ = summary.summarise(ticket)
    assert result_.problem == "VM will not boot: My VM is stuck."
    assert result_.tried == ["Please try booting the previous kernel."]
    assert result_.state.startswith("Open; last message from the customer")
    assert "(waiting for us)" in result_.state
    assert result_.engine == "local"


def test_greetings_and_sign_offs_are_not_something_tried(ticket, reply):
    reply(ticket, "Hi Jonas, I'm on it.")
    reply(ticket, "Hello! Thanks for waiting. We moved your VM to a healthy host.")
    reply(ticket, "Thanks, Sam")
    assert summary.summarise(ticket).tried == ["We moved your VM to a healthy host."]


def test_a_greeting_is_taken_off_what_was_tried_and_apologies_are_skipped(ticket, reply):
    reply(ticket, "Hello there! Thanks for reaching out.")
    reply(ticket, "Good morning Priya! We rebooted the VM from the console.")
    reply(ticket, "Sorry for the wait! I've escalated this to the storage team.")
    reply(ticket, "Priya, the disk was full, so I grew it to 40 GB.\nBest regards,\nSam")
    assert summary.summarise(ticket).tried == [
        "We rebooted the VM from the console.",
        "I've escalated this to the storage team.",
        "The disk was full, so I grew it to 40 GB.",
    ]


def test_only_the_customers_name_is_taken_off_the_start_of_a_step(ticket, reply):
    reply(ticket, "Unfortunately, the host failed; we moved the VM.")
    assert summary.summarise(ticket).tried == ["Unfortunately, the host failed; we moved the VM."]


def test_the_panel_shows_a_summary_on_request(client, analyst, curator, ticket):
    client.force_login(curator)  # reading is enough to ask for a summary
    response = client.post(reverse("copilot:summary", args=[ticket.pk]), headers=HX)
    assert response.status_code == 200
    assert "<b>Problem</b>" in response.text
    assert "VM will not boot" in response.text


def test_an_analyst_drafts_a_status_update_once(client, analyst, curator, ticket):
    url = reverse("copilot:status_update", args=[ticket.pk])
    client.force_login(curator)
    assert client.post(url, headers=HX).status_code == 403
    client.force_login(analyst)
    response = client.post(url, headers=HX)
    assert response.status_code == 200
    draft = Suggestion.objects.get(kind="status_update")
    assert draft.text.startswith(
        "Hi Priya, thanks for your patience. Here is where your request about “VM will not boot” "
        "stands: you wrote to us just now."
    )
    assert "It is in our queue" in draft.text
    assert "You will hear from us here within 4 hours" in draft.text
    assert "Status update" in response.text
    again = client.post(url, headers=HX)
    assert again.status_code == 422
    assert "already waiting" in again.text


def test_customers_waiting_too_long_get_a_drafted_update(ticket, make_ticket, team, reply):
    TeamCopilotSettings.objects.create(team=team, update_interval_minutes=60)
    Message.objects.filter(ticket=ticket).update(created_at=timezone.now() - dt.timedelta(hours=3))
    answered = make_ticket(subject="answered")
    reply(answered, "Here is the fix.")
    fresh = make_ticket(subject="fresh")
    assert result(async_task("copilot.tasks.draft_overdue_updates")) == 1
    draft = Suggestion.objects.get()
    assert draft.ticket == ticket
    assert "waited more than 1 h" in draft.why
    assert not Suggestion.objects.filter(ticket__in=[answered, fresh]).exists()
    assert result(async_task("copilot.tasks.draft_overdue_updates")) == 0


def test_with_an_llm_the_summary_is_written_by_it(ticket, settings, monkeypatch):
    import json

    settings.VIGIL_LLM_MODELS = {"default": "openai/gpt-4o-mini"}
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    prompts = []
    real = llm.complete_json
    reply = {"problem": "The VM hangs at boot.", "tried": ["Reboot from the console"]}

    def fake(**kwargs):
        prompts.append(kwargs["messages"][0]["content"])
        return real(**kwargs, mock_response=json.dumps(reply))

    monkeypatch.setattr(llm, "complete_json", fake)
    result_ = summary.summarise(ticket)
    assert (result_.problem, result_.tried, result_.engine) == (
        "The VM hangs at boot.",
        ["Reboot from the console"],
        "llm",
    )
    assert "CUSTOMER: <<<My VM is stuck.>>>" in prompts[0]


def test_a_failing_llm_falls_back_to_the_local_summary(ticket, settings, monkeypatch):
    settings.VIGIL_LLM_MODELS = {"default": "openai/gpt-4o-mini"}

    def down(**kwargs):
        raise llm.LLMError("timeout", retryable=True)

    monkeypatch.setattr(llm, "complete_json", down)
    assert summary.summarise(ticket).engine == "local"


def test_a_status_update_sent_from_the_panel_is_not_the_first_response(ticket, analyst, reply):
    from copilot import services as copilot_services

    draft = summary.draft_status_update(ticket, reason="asked")
    message = copilot_services.suggestion_send(suggestion=draft, actor=analyst).message
    ticket.refresh_from_db()
    assert message.body == draft.text
    assert ticket.first_response_at is None  # the clock still runs: nobody answered yet
    answer = reply(ticket, "Please boot the previous kernel from the GRUB menu.")
    ticket.refresh_from_db()
    assert ticket.first_response_at == answer.created_at


def test_a_status_update_inserted_and_sent_unchanged_is_not_the_first_response(
    client, analyst, ticket, django_capture_on_commit_callbacks
):
    draft = summary.draft_status_update(ticket, reason="asked")
    client.force_login(analyst)
    client.post(reverse("copilot:suggestion_insert", args=[ticket.pk, draft.pk]), headers=HX)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("tickets:reply", args=[ticket.pk]), {"body": draft.text}, headers=HX)
    draft.refresh_from_db()
    ticket.refresh_from_db()
    assert draft.state == Suggestion.State.SENT
    assert ticket.first_response_at is None


def test_a_status_update_the_analyst_rewrote_is_their_reply_and_counts(
    client, analyst, ticket, django_capture_on_commit_callbacks
):
    draft = summary.draft_status_update(ticket, reason="asked")
    client.force_login(analyst)
    client.post(reverse("copilot:suggestion_insert", args=[ticket.pk, draft.pk]), headers=HX)
    body = "Hi Priya, the host under your VM failed; boot the previous kernel from GRUB meanwhile."
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("tickets:reply", args=[ticket.pk]), {"body": body}, headers=HX)
    draft.refresh_from_db()
    ticket.refresh_from_db()
    assert draft.state == Suggestion.State.EDITED
    assert ticket.first_response_at is not None


def test_in_auto_reply_a_status_update_is_never_sent_by_the_copilot(ticket, team):
    from copilot import pipeline

    TeamCopilotSettings.objects.create(
        team=team, mode=TeamCopilotSettings.Mode.AUTO, auto_threshold=0.0
    )
    question, _ = services.message_create(ticket=ticket, kind="customer", body="Any update?")
    run = pipeline.run(question)
    ticket.refresh_from_db()
    assert run.suggestion.kind == "status_update"
    assert run.suggestion.state == Suggestion.State.SHOWN
    assert not ticket.messages.filter(kind=Message.Kind.COPILOT).exists()
    assert ticket.first_response_at is None


def test_a_real_answer_ranks_above_a_status_update_in_the_panel(small_kb, ticket):
    from copilot import pipeline, selectors

    summary.draft_status_update(ticket, reason="asked")
    question, _ = services.message_create(
        ticket=ticket,
        kind="customer",
        body="Hi, I lost my ssh private key and can't log into the server anymore",
    )
    pipeline.run(question)
    kinds = [s.kind for s in selectors.panel_for(ticket).open]
    assert kinds == ["answer", "status_update"]
