import json

import pytest
from django_q.tasks import async_task, result

from ai import llm
from knowledge import learning, services
from knowledge.models import KnowledgeEntry, TeamKnowledgePolicy
from tickets import services as ticket_services
from tickets.models import Message

Status = KnowledgeEntry.Status
RESOLUTION = (
    "Boot the previous kernel from the serial console's GRUB menu. Then free space in /boot with "
    "`sudo apt autoremove --purge` and rebuild the initramfs with "
    "`sudo update-initramfs -c -k 6.8.0-45-generic && sudo update-grub`."
)


def resolved_ticket(make_ticket, analyst, *, body=None, answer=RESOLUTION, customer_reply=True):
    ticket = make_ticket(
        subject="VM won't boot after kernel update",
        body=body
        or (
            "Hi, I'm Priya Raman (priya@example.com). After the kernel update my instance "
            "i-0a93f1e2b4c5d6e7f shows a kernel panic at boot. How do I get it to boot again?"
        ),
    )
    ticket_services.message_create(
        ticket=ticket, kind=Message.Kind.CUSTOMER, body="Maybe the disk is broken? I rebooted."
    )
    ticket_services.message_create(
        ticket=ticket,
        kind=Message.Kind.ANALYST,
        author=analyst,
        internal=True,
        body="Host nc-eu-14 had a NIC flap, customer on legacy plan, password hunter2",
    )
    ticket_services.message_create(
        ticket=ticket, kind=Message.Kind.ANALYST, author=analyst, body=answer
    )
    if customer_reply:
        ticket_services.message_create(
            ticket=ticket, kind=Message.Kind.CUSTOMER, body="That worked, thanks a lot!"
        )
    ticket_services.ticket_change_status(ticket=ticket, actor=analyst, status="resolved")
    return ticket


def test_it_learns_only_from_what_analysts_said(make_ticket, analyst):
    ticket = resolved_ticket(make_ticket, analyst)
    [learned] = learning.learn_from_ticket(ticket)
    entry = learned.entry
    assert learned.action == "created"
    assert entry.status == Status.PROPOSED
    assert entry.source == KnowledgeEntry.Source.LEARNED
    assert entry.team == ticket.team
    assert "update-initramfs" in entry.answer
    assert "disk is broken" not in entry.answer  # the customer's guess
    assert "NIC flap" not in entry.answer  # an internal note
    text = entry.question + entry.answer
    for private in ["Priya", "priya@example.com", "i-0a93f1e2b4c5d6e7f", "hunter2"]:
        assert private not in text
    kinds = set(entry.sources.values_list("message__kind", flat=True))
    assert Message.Kind.ANALYST in kinds
    assert all(not s.message.internal for s in entry.sources.all())


def test_a_ticket_with_nothing_reusable_teaches_nothing(make_ticket, analyst):
    ticket = resolved_ticket(
        make_ticket, analyst, answer="Thanks for your patience, we'll get back to you shortly."
    )
    assert learning.learn_from_ticket(ticket) == []
    assert not KnowledgeEntry.objects.exists()


def test_learning_twice_from_a_ticket_changes_nothing(make_ticket, analyst):
    ticket = resolved_ticket(make_ticket, analyst)
    learning.learn_from_ticket(ticket)
    [again] = learning.learn_from_ticket(ticket)
    assert again.action == "skipped"
    assert KnowledgeEntry.objects.count() == 1
    assert KnowledgeEntry.objects.get().evidence_count == 1


def test_a_near_duplicate_adds_evidence_instead(make_ticket, analyst, customer):
    first = resolved_ticket(make_ticket, analyst)
    [created] = learning.learn_from_ticket(first)
    services.entry_approve(entry=created.entry, actor=None)
    second = resolved_ticket(make_ticket, analyst)
    [learned] = learning.learn_from_ticket(second)
    assert learned.action == "evidence"
    assert learned.entry.pk == created.entry.pk
    entry = KnowledgeEntry.objects.get()
    assert entry.evidence_count == 2
    assert set(entry.sources.values_list("ticket_id", flat=True)) == {first.pk, second.pk}


def test_a_close_but_different_answer_is_linked_for_the_curator(make_ticket, analyst):
    first = resolved_ticket(make_ticket, analyst)
    [created] = learning.learn_from_ticket(first)
    services.entry_approve(entry=created.entry, actor=None)
    other = resolved_ticket(
        make_ticket,
        analyst,
        answer="Open a ticket with the hardware team: replace the boot disk from the console, "
        "then reinstall the operating system image on the new disk.",
    )
    [learned] = learning.learn_from_ticket(other)
    assert learned.action == "related"
    assert learned.entry.related_entry == created.entry
    assert learned.entry.relation == KnowledgeEntry.Relation.CONFLICT
    assert learned.entry.status == Status.PROPOSED


def test_a_team_may_approve_learned_entries_with_enough_evidence(make_ticket, analyst, team):
    TeamKnowledgePolicy.objects.create(team=team, auto_approve=True, auto_approve_min_evidence=2)
    [first] = learning.learn_from_ticket(resolved_ticket(make_ticket, analyst))
    assert first.entry.status == Status.PROPOSED
    learning.learn_from_ticket(resolved_ticket(make_ticket, analyst))
    entry = KnowledgeEntry.objects.get()
    assert entry.evidence_count == 2
    assert entry.status == Status.APPROVED
    assert "approved automatically" in entry.revisions.filter(kind="approved").get().note


def test_resolving_a_ticket_queues_learning(
    make_ticket, analyst, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        resolved_ticket(make_ticket, analyst)
    assert KnowledgeEntry.objects.filter(source="learned").count() == 1


def test_the_task_ignores_tickets_that_are_not_resolved(make_ticket):
    ticket = make_ticket()
    assert result(async_task("knowledge.tasks.learn_from_ticket", ticket.pk)) == 0
    assert result(async_task("knowledge.tasks.learn_from_ticket", 999999)) == 0


@pytest.fixture
def with_llm(settings):
    settings.VIGIL_LLM_MODELS = {"default": "openai/gpt-4o-mini"}


def test_with_an_llm_extraction_uses_it_and_checks_its_output(
    make_ticket, analyst, with_llm, monkeypatch
):
    ticket = resolved_ticket(make_ticket, analyst)
    messages = list(ticket.messages.order_by("created_at", "id"))
    analyst_index = next(
        i for i, m in enumerate(messages) if m.kind == "analyst" and not m.internal
    )
    guess_index = 1  # the customer's guess
    reply = {
        "entries": [
            {
                "question": "How do I recover a VM that panics at boot after a kernel update?",
                "answer": "Boot the previous kernel from GRUB, free /boot, rebuild the initramfs "
                "for the new kernel and update GRUB. Contact priya@example.com if stuck.",
                "question_messages": [0],
                "answer_messages": [analyst_index],
                "tags": ["boot"],
            },
            {
                "question": "Is my disk broken?",
                "answer": "Probably the disk is broken; rebooting a few times usually fixes it.",
                "question_messages": [0],
                "answer_messages": [guess_index],
            },
        ]
    }
    real = llm.complete_json

    def fake(**kwargs):
        assert "<<<" in kwargs["messages"][0]["content"]
        return real(**kwargs, mock_response=json.dumps(reply))

    monkeypatch.setattr(llm, "complete_json", fake)
    [learned] = learning.learn_from_ticket(ticket)
    assert learned.entry.question.startswith("How do I recover a VM")
    assert "priya@example.com" not in learned.entry.answer
    assert "boot" in learned.entry.tags


def test_a_failing_llm_falls_back_to_local_extraction(make_ticket, analyst, with_llm, monkeypatch):
    def broken(**kwargs):
        raise llm.LLMError("provider down", retryable=True)

    monkeypatch.setattr(llm, "complete_json", broken)
    ticket = resolved_ticket(make_ticket, analyst)
    [learned] = learning.learn_from_ticket(ticket)
    assert "update-initramfs" in learned.entry.answer


ARTICLE = "https://help.example.com/articles/360024008433/Reset-two-factor"


def test_tickets_answered_with_the_same_page_teach_one_entry_with_every_question(
    make_ticket, analyst
):
    first = resolved_ticket(
        make_ticket,
        analyst,
        body="I lost my phone and now two-factor codes never arrive. How do I get back in?",
        answer=f"You can reset two-factor sign-in with the steps here: {ARTICLE}",
    )
    [learned] = learning.learn_from_ticket(first)
    second = resolved_ticket(
        make_ticket,
        analyst,
        body="My authenticator app was deleted and I am locked out of my account.",
        answer=f"Sorry about that! Please follow this guide: {ARTICLE}?utm_source=chat",
    )
    [again] = learning.learn_from_ticket(second)
    assert again.action == "evidence"
    assert again.entry.pk == learned.entry.pk
    entry = KnowledgeEntry.objects.get(pk=learned.entry.pk)
    assert entry.evidence_count == 2
    questions = list(entry.examples.values_list("text", flat=True))
    assert len(questions) == 2
    assert any("authenticator app was deleted" in q for q in questions)
    assert ARTICLE in entry.answer  # the link survives learning intact


def test_a_learned_entry_keeps_the_customers_words_as_its_first_example(make_ticket, analyst):
    ticket = resolved_ticket(make_ticket, analyst)
    [learned] = learning.learn_from_ticket(ticket)
    [example] = learned.entry.examples.all()
    assert "kernel panic" in example.text
    assert "priya@example.com" not in example.text  # redacted like the entry
    assert example.ticket_id == ticket.pk
    assert len(example.embedding) == 384


def test_a_known_answer_given_again_teaches_how_customers_ask_for_it(make_ticket, analyst, team):
    answer = (
        "To repair the boot loader, boot a live session, mount your root partition and run "
        "grub-install on the disk, then update-grub."
    )
    factoid = services.entry_create(
        question="grub",
        answer=answer,
        actor=None,
        team=team,
        source=KnowledgeEntry.Source.IMPORTED,
        status=Status.APPROVED,
    )
    ticket = make_ticket(subject="boot", body="hi all")
    ticket_services.message_create(
        ticket=ticket,
        kind=Message.Kind.CUSTOMER,
        body="windows wiped my boot menu and ubuntu no longer starts, what now?",
    )
    ticket_services.message_create(
        ticket=ticket, kind=Message.Kind.ANALYST, author=analyst, body="!grub"
    )
    ticket_services.message_create(ticket=ticket, kind=Message.Kind.COPILOT, body=answer)
    ticket_services.ticket_change_status(ticket=ticket, actor=analyst, status="resolved")

    learned = learning.learn_from_ticket(ticket)

    assert [(item.entry.pk, item.action) for item in learned] == [(factoid.pk, "evidence")]
    questions = list(factoid.examples.values_list("text", flat=True))
    assert any("windows wiped my boot menu" in q.lower() for q in questions)
    assert learning.learn_from_ticket(ticket) == []  # once only


def test_a_copilot_message_unlike_any_answer_teaches_nothing(make_ticket, analyst, team):
    services.entry_create(
        question="grub",
        answer="Run grub-install on the disk from a live session, then update-grub.",
        actor=None,
        team=team,
        status=Status.APPROVED,
    )
    ticket = make_ticket(subject="Invoices", body="where do I find my invoices from last year?")
    ticket_services.message_create(
        ticket=ticket,
        kind=Message.Kind.COPILOT,
        body="We are looking into this and will write again within the hour.",
    )
    ticket_services.ticket_change_status(ticket=ticket, actor=analyst, status="resolved")
    assert learning.learn_from_ticket(ticket) == []


HANDBOOK_ANSWER = (
    "Open Account > Quotas, choose the region and the vCPU quota, and request a new limit with "
    "a short justification. Requests up to 64 vCPUs are approved automatically within minutes."
)


def _handbook_entry(team, answer=HANDBOOK_ANSWER):
    return services.entry_create(
        question="How can I raise my vCPU quota?",
        answer=answer,
        actor=None,
        team=team,
        source=KnowledgeEntry.Source.IMPORTED,
        status=Status.APPROVED,
    )


def test_an_answer_repeating_an_approved_entry_teaches_it_another_question(
    make_ticket, analyst, team
):
    handbook = _handbook_entry(team)
    ticket = resolved_ticket(
        make_ticket,
        analyst,
        body="Autoscaling could not add instances last night, the activity log says QuotaExceeded.",
        answer=f"Hi Priya,\n\n{HANDBOOK_ANSWER}\n\nTomás",
    )

    learned = learning.learn_from_ticket(ticket)

    assert [(item.entry.pk, item.action) for item in learned] == [(handbook.pk, "evidence")]
    assert KnowledgeEntry.objects.count() == 1  # no copy of the handbook's answer
    questions = list(handbook.examples.values_list("text", flat=True))
    assert any("activity log says QuotaExceeded" in q for q in questions)
    assert learning.learn_from_ticket(ticket)[0].action == "skipped"  # once only


def test_the_same_words_sending_the_customer_elsewhere_are_another_answer(
    make_ticket, analyst, team
):
    handbook = _handbook_entry(team, answer=f"{HANDBOOK_ANSWER} See {ARTICLE}")
    ticket = resolved_ticket(
        make_ticket,
        analyst,
        body="Autoscaling could not add instances last night, the activity log says QuotaExceeded.",
        answer=f"{HANDBOOK_ANSWER} See https://help.example.com/articles/gpu-quotas",
    )

    [learned] = learning.learn_from_ticket(ticket)

    assert learned.entry.pk != handbook.pk
    assert learned.action in {"created", "related"}
    assert not handbook.examples.filter(text__icontains="QuotaExceeded").exists()
