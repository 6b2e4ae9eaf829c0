"""A team's macros as knowledge: kept with the macro, cited and filled by the copilot, taught
by the replies sent with them, changed only through the macro."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from copilot import pipeline
from copilot.models import CopilotRun
from knowledge import learning, macro_knowledge, services
from knowledge.models import KnowledgeEntry
from tests.factories import UserFactory
from tickets import macro_services
from tickets import services as ticket_services
from tickets.models import Macro, MacroUse, Message, Ticket

Source, Status = KnowledgeEntry.Source, KnowledgeEntry.Status
BODY = (
    "Hi {{ customer_first_name }}, to get back into a server after losing its SSH key, open "
    "Instances > Access > Reset SSH key and upload a new public key; the server takes it at "
    "the next boot. Your ticket: {{ ticket_number }}. Best, {{ analyst_name }}"
)


@pytest.fixture
def admin_user(team):
    return UserFactory(username="ada", roles=["admin"], teams=[team])


@pytest.fixture
def ssh_macro(admin_user, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return macro_services.macro_create(
            actor=admin_user, name="Reset a lost SSH key", body=BODY, team=team, add_tags=["ssh"]
        )


def test_a_team_macro_is_kept_as_an_approved_entry_of_its_team(ssh_macro, team):
    entry = KnowledgeEntry.objects.get(macro=ssh_macro)
    assert (entry.source, entry.status, entry.team) == (Source.MACRO, Status.APPROVED, team)
    assert (entry.question, entry.answer, entry.tags) == ("Reset a lost SSH key", BODY, ["ssh"])
    assert entry.embedding is not None


def test_the_entry_follows_the_macro_and_goes_with_it(
    ssh_macro, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        macro_services.macro_update(
            macro=ssh_macro, actor=admin_user, name="Lost SSH key", body="Reset it under Access."
        )
    entry = KnowledgeEntry.objects.get(macro=ssh_macro)
    assert (entry.question, entry.answer) == ("Lost SSH key", "Reset it under Access.")
    assert KnowledgeEntry.objects.count() == 1
    macro_services.macro_delete(macro=ssh_macro, actor=admin_user)
    assert not KnowledgeEntry.objects.exists()


def test_a_macro_kept_from_the_copilot_is_not_offered(
    ssh_macro, admin_user, ticket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        macro_services.macro_update(macro=ssh_macro, actor=admin_user, copilot_offers=False)
    assert not KnowledgeEntry.objects.filter(macro=ssh_macro).exists()
    run = pipeline.run(_asked(ticket))
    assert run.decision == CopilotRun.Decision.SILENT
    # Offered again: its entry is back.
    with django_capture_on_commit_callbacks(execute=True):
        macro_services.macro_update(macro=ssh_macro, actor=admin_user, copilot_offers=True)
    assert KnowledgeEntry.objects.get(macro=ssh_macro).status == Status.APPROVED


def test_a_personal_macro_is_nobody_elses_knowledge(analyst, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        macro_services.macro_create(actor=analyst, name="Mine", body="My own way of saying it.")
    assert not KnowledgeEntry.objects.exists()


def test_a_failing_update_keeps_the_macro_and_the_command_mends_it(
    admin_user, team, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(macro):
        raise RuntimeError("embedding model missing")

    monkeypatch.setattr(macro_knowledge, "macro_entry_sync", broken)
    with django_capture_on_commit_callbacks(execute=True):
        macro = macro_services.macro_create(
            actor=admin_user, name="Refund", body="Done.", team=team
        )
    assert macro.pk
    assert not KnowledgeEntry.objects.exists()
    monkeypatch.undo()
    call_command("sync_macro_knowledge")
    assert KnowledgeEntry.objects.get(macro=macro).answer == "Done."


def test_people_change_the_macro_not_its_entry(ssh_macro, admin_user, client):
    entry = KnowledgeEntry.objects.get(macro=ssh_macro)
    with pytest.raises(services.KnowledgeError, match="macro “Reset a lost SSH key”"):
        services.entry_edit(entry=entry, actor=admin_user, question="Q", answer="A")
    with pytest.raises(services.KnowledgeError, match="change the macro"):
        services.entry_archive(entry=entry, actor=admin_user)
    client.force_login(admin_user)
    response = client.post(
        reverse("knowledge:edit", args=[entry.pk]), {"question": "Q", "answer": "A", "tags": ""}
    )
    assert response.status_code == 400
    assert "change the macro" in response.content.decode()
    entry.refresh_from_db()
    assert entry.answer == BODY


def _offered(ticket):
    """What the copilot offers a customer asking what the SSH macro answers."""
    run = pipeline.run(_asked(ticket))
    assert run.decision == CopilotRun.Decision.SPEAK, run.reason
    return run.suggestion


def _asked(ticket):
    message, _ = ticket_services.message_create(
        ticket=ticket,
        kind=Message.Kind.CUSTOMER,
        body="I lost the SSH key of my server and cannot log in. How do I reset the SSH key?",
    )
    return message


def test_the_copilot_offers_the_macro_filled_for_the_ticket(ssh_macro, ticket, team):
    suggestion = _offered(ticket)
    assert list(suggestion.citations.all()) == [KnowledgeEntry.objects.get(macro=ssh_macro)]
    assert suggestion.label == "Macro: Reset a lost SSH key"
    assert suggestion.text.startswith("Hi Priya, to get back into a server")
    assert f"Your ticket: #{ticket.pk}." in suggestion.text
    # Nobody has the ticket yet: signed by the team.
    assert suggestion.text.endswith("Best, the Compute team")
    assert "{{" not in suggestion.text


def test_sending_the_offered_macro_applies_it_and_counts_a_use(ssh_macro, analyst, ticket, client):
    suggestion = _offered(ticket)
    client.force_login(analyst)
    panel = client.get(reverse("copilot:panel", args=[ticket.pk]))
    assert "Sending it also applies the macro: tags + ssh." in panel.content.decode()

    response = client.post(
        reverse("copilot:suggestion_send", args=[ticket.pk, suggestion.pk]),
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    [use] = MacroUse.objects.filter(macro=ssh_macro)
    suggestion.refresh_from_db()
    assert use.message == suggestion.sent_message
    assert use.user == analyst
    ticket.refresh_from_db()
    assert "ssh" in ticket.tags


def test_a_change_the_offered_macro_cannot_make_is_told_beside_the_panel(
    ssh_macro, analyst, ticket, client
):
    # A status no ticket moves back to: the reply is sent, the panel says what was skipped.
    Macro.objects.filter(pk=ssh_macro.pk).update(set_status=Ticket.Status.NEW)
    suggestion = _offered(ticket)
    client.force_login(analyst)

    response = client.post(
        reverse("copilot:suggestion_send", args=[ticket.pk, suggestion.pk]),
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert "Sent. “Reset a lost SSH key” did not change the status" in response.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.sent_message is not None


def test_the_api_names_what_the_offered_macro_could_not_change(ssh_macro, analyst, ticket):
    Macro.objects.filter(pk=ssh_macro.pk).update(set_status=Ticket.Status.NEW)
    suggestion = _offered(ticket)
    api = APIClient()
    api.force_authenticate(analyst)

    url = f"/api/v1/tickets/{ticket.pk}/suggestions/{suggestion.pk}/accept/"
    response = api.post(url)

    assert response.status_code == 200, response.content
    [warning] = response.json()["warnings"]
    assert "did not change the status" in warning


def test_an_offered_macro_inserted_then_sent_is_applied_once(
    ssh_macro, analyst, ticket, reply, django_capture_on_commit_callbacks
):
    from copilot import services as copilot_services

    suggestion = _offered(ticket)
    copilot_services.suggestion_insert(suggestion=suggestion, actor=analyst)
    with django_capture_on_commit_callbacks(execute=True):
        sent = reply(ticket, suggestion.text + " Reply here if it does not work.")

    suggestion.refresh_from_db()
    assert suggestion.sent_message == sent
    assert MacroUse.objects.filter(macro=ssh_macro, message=sent).count() == 1
    # The reply box may name the macro too (the analyst picked it as well): still one use.
    macro_services.macros_apply(macros=[ssh_macro], ticket=ticket, actor=analyst, message=sent)
    assert MacroUse.objects.filter(macro=ssh_macro, message=sent).count() == 1
    ticket.refresh_from_db()
    assert ticket.tags.count("ssh") == 1


def test_a_reply_sent_with_the_macro_teaches_its_entry(ssh_macro, analyst, ticket, reply):
    ticket_services.message_create(
        ticket=ticket,
        kind=Message.Kind.CUSTOMER,
        body="Locked out after my laptop died, the private key was on it",
    )
    sent = reply(ticket, "Reset it under Instances > Access.")
    macro_services.macros_apply(macros=[ssh_macro], ticket=ticket, actor=analyst, message=sent)
    ticket_services.ticket_change_status(
        ticket=ticket, actor=analyst, status=Ticket.Status.RESOLVED
    )
    entry = KnowledgeEntry.objects.get(macro=ssh_macro)
    learned = learning.learn_from_ticket(ticket)
    assert any(item.entry == entry and item.action == "evidence" for item in learned)
    entry.refresh_from_db()
    assert entry.evidence_count == 2
    assert entry.examples.filter(text__icontains="laptop died").exists()
    assert entry.sources.filter(message=sent).exists()
    # Learning again from the same ticket adds nothing.
    learning.learn_from_ticket(ticket)
    entry.refresh_from_db()
    assert entry.evidence_count == 2


def test_the_demos_macros_do_not_stop_its_handbook_being_seeded(db, capsys):
    """The demo's team macros become entries as it is seeded (after each commit; here at
    once); the handbook still follows."""
    call_command("seed_demo")
    macro_knowledge.macros_sync_all()
    # Three team macros, one of them a holding reply the copilot does not offer.
    assert KnowledgeEntry.objects.filter(source=Source.MACRO).count() == 2
    call_command("seed_knowledge_demo")
    assert "handbook entries" in capsys.readouterr().out
    assert KnowledgeEntry.objects.filter(source=Source.IMPORTED, status=Status.APPROVED).exists()
    call_command("seed_knowledge_demo")
    assert "nothing seeded" in capsys.readouterr().out


def test_the_llm_is_given_the_macro_filled_but_not_the_customers_private_link(
    ssh_macro, ticket, admin_user, django_capture_on_commit_callbacks
):
    from copilot.pipeline import llm_steps

    with django_capture_on_commit_callbacks(execute=True):
        macro_services.macro_update(
            macro=ssh_macro, actor=admin_user, body="Hi {{ customer_name }}, see {{ portal_link }}"
        )
    entry = KnowledgeEntry.objects.get(macro=ssh_macro)
    (given,) = llm_steps._numbered([entry], ticket)
    assert given["answer"] == f"Hi Priya Raman, see {macro_services.PORTAL_LINK_WITHHELD}"
    shown = macro_services.macro_text_fill(body=entry.answer, ticket=ticket)
    assert "/support/t/" in shown
