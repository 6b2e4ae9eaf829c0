import pytest

from knowledge import services
from knowledge.models import KnowledgeEntry, KnowledgeRevision, KnowledgeSource

Status = KnowledgeEntry.Status
Kind = KnowledgeRevision.Kind


def make(question="How do I resize a volume?", answer="Use the resize button.", **kwargs):
    kwargs.setdefault("actor", None)
    return services.entry_create(question=question, answer=answer, **kwargs)


def kinds(entry):
    return list(entry.revisions.order_by("created_at", "id").values_list("kind", flat=True))


def test_it_creates_an_embedded_entry_with_history(db, curator):
    entry = make(actor=curator, tags="Storage, volume ,storage")
    assert entry.status == Status.PROPOSED
    assert entry.tags == ["storage", "volume"]
    assert len(entry.embedding) == 384
    assert kinds(entry) == [Kind.CREATED]
    assert entry.revisions.get().actor_name == curator.get_full_name()


@pytest.mark.parametrize(
    ("question", "answer", "error"),
    [
        ("", "answer", "needs a question"),
        ("question", "  ", "needs an answer"),
        ("q" * 1001, "answer", "Questions are limited"),
    ],
)
def test_it_refuses_incomplete_entries(db, question, answer, error):
    with pytest.raises(services.KnowledgeError, match=error):
        make(question=question, answer=answer)


def test_editing_re_embeds_and_records(db, curator):
    entry = make()
    before = list(entry.embedding)
    services.entry_edit(
        entry=entry,
        actor=curator,
        question="How do I shrink a disk?",
        answer="You cannot shrink; copy to a smaller volume.",
    )
    entry.refresh_from_db()
    assert list(entry.embedding) != before
    assert kinds(entry) == [Kind.CREATED, Kind.EDITED]


def test_edit_then_approve(db, curator):
    entry = make()
    services.entry_approve(entry=entry, actor=curator, answer="Click Resize, then growpart.")
    entry.refresh_from_db()
    assert entry.status == Status.APPROVED
    assert entry.answer == "Click Resize, then growpart."
    assert entry.reviewed_by == curator
    assert kinds(entry) == [Kind.CREATED, Kind.EDITED, Kind.APPROVED]


def test_reject_needs_a_reason(db, curator):
    entry = make()
    with pytest.raises(services.KnowledgeError, match="Say why"):
        services.entry_reject(entry=entry, actor=curator, reason=" ")
    services.entry_reject(entry=entry, actor=curator, reason="ticket-specific")
    entry.refresh_from_db()
    assert (entry.status, entry.reject_reason) == (Status.REJECTED, "ticket-specific")
    with pytest.raises(services.KnowledgeError):
        services.entry_approve(entry=entry, actor=curator)


def test_merge_moves_evidence_and_sources(ticket, curator):
    target = make(status=Status.APPROVED)
    proposed = make(question="How to make my volume larger?", evidence_count=2)
    KnowledgeSource.objects.create(entry=proposed, ticket=ticket, message=ticket.messages.first())
    services.entry_merge(entry=proposed, into=target, actor=curator)
    target.refresh_from_db()
    proposed.refresh_from_db()
    assert target.evidence_count == 3
    assert target.sources.count() == 1
    assert proposed.status == Status.ARCHIVED
    assert (proposed.related_entry, proposed.relation) == (target, "merged")
    assert Kind.MERGED in kinds(target)
    with pytest.raises(services.KnowledgeError, match="itself"):
        services.entry_merge(entry=target, into=target, actor=curator)


def test_replace_archives_the_old_entry(db, curator):
    old = make(status=Status.APPROVED, evidence_count=4)
    new = make(question="How do I grow a volume online?")
    services.entry_replace(entry=new, replaced=old, actor=curator)
    old.refresh_from_db()
    new.refresh_from_db()
    assert new.status == Status.APPROVED
    assert new.evidence_count == 5
    assert old.status == Status.ARCHIVED
    assert old.relation == "replaced"


def test_archive_and_restore(db, curator):
    entry = make(status=Status.APPROVED)
    services.entry_archive(entry=entry, actor=curator)
    assert entry.status == Status.ARCHIVED
    services.entry_restore(entry=entry, actor=curator)
    assert entry.status == Status.APPROVED
    assert kinds(entry)[-2:] == [Kind.ARCHIVED, Kind.RESTORED]


def test_outcomes_count_and_dismissals_flag_an_entry(db):
    entry = make(status=Status.APPROVED)
    services.entries_record_suggested([entry.pk])
    services.entries_record_outcome(entry_ids=[entry.pk], outcome="accepted")
    for _ in range(2):
        services.entries_record_outcome(entry_ids=[entry.pk], outcome="dismissed")
    entry.refresh_from_db()
    assert (entry.times_suggested, entry.times_accepted, entry.times_dismissed) == (1, 1, 2)
    assert not entry.flagged
    services.entries_record_outcome(entry_ids=[entry.pk], outcome="dismissed")
    entry.refresh_from_db()
    assert entry.flagged
    assert "dismissed 3 times" in entry.flag_reason
    with pytest.raises(services.KnowledgeError):
        services.entries_record_outcome(entry_ids=[entry.pk], outcome="shrugged")


def test_an_edited_answer_becomes_a_proposed_revision(ticket, analyst, curator):
    entry = make(status=Status.APPROVED)
    services.entries_record_outcome(
        entry_ids=[entry.pk],
        outcome="edited",
        actor=analyst,
        ticket=ticket,
        edited_answer="Use the resize button, then run growpart and resize2fs.",
    )
    revision = entry.revisions.get(kind=Kind.PROPOSAL)
    assert revision.state == KnowledgeRevision.State.PENDING
    assert revision.ticket == ticket
    services.revision_apply(revision=revision, actor=curator)
    entry.refresh_from_db()
    assert entry.answer.endswith("resize2fs.")
    with pytest.raises(services.KnowledgeError, match="already decided"):
        services.revision_apply(revision=revision, actor=curator)


def test_a_revision_can_be_declined_with_a_reason(db, curator):
    entry = make(status=Status.APPROVED)
    revision = services.revision_propose(entry=entry, actor=None, answer="Something else.")
    with pytest.raises(services.KnowledgeError):
        services.revision_decline(revision=revision, actor=curator, reason="")
    services.revision_decline(revision=revision, actor=curator, reason="less precise")
    revision.refresh_from_db()
    assert revision.state == KnowledgeRevision.State.DECLINED
    entry.refresh_from_db()
    assert entry.answer == "Use the resize button."


def test_a_proposed_revision_leaves_out_greetings_names_signatures_and_ticket_numbers(
    ticket, analyst
):
    entry = make(status=Status.APPROVED)
    services.entries_record_outcome(
        entry_ids=[entry.pk],
        outcome="edited",
        actor=analyst,
        ticket=ticket,
        edited_answer=(
            "Hi Priya,\n\nUse the resize button on ticket #4411, then run growpart and "
            "resize2fs. Write to priya@example.com if it fails.\n\nThanks, Sam ^SO"
        ),
    )
    revision = entry.revisions.get(kind=Kind.PROPOSAL)
    assert revision.answer.startswith("Use the resize button on ticket, then run growpart")
    assert "Priya" not in revision.answer
    assert "Sam" not in revision.answer
    assert "#4411" not in revision.answer
    assert "priya@example.com" not in revision.answer
    assert "^SO" not in revision.answer


def test_an_edit_that_only_personalises_the_answer_proposes_nothing(ticket, analyst):
    entry = make(status=Status.APPROVED)
    services.entries_record_outcome(
        entry_ids=[entry.pk],
        outcome="edited",
        actor=analyst,
        ticket=ticket,
        edited_answer=f"Hi Priya! {entry.answer} Best regards, Sam",
    )
    entry.refresh_from_db()
    assert entry.times_edited == 1
    assert not entry.revisions.filter(kind=Kind.PROPOSAL).exists()


RESIZE = "Resize the volume in the console, then run growpart and xfs_growfs."


def propose(entry, ticket, analyst, edited, offered=""):
    services.entries_record_outcome(
        entry_ids=[entry.pk],
        outcome="edited",
        actor=analyst,
        ticket=ticket,
        edited_answer=edited,
        offered=offered,
    )
    return entry.revisions.filter(kind=Kind.PROPOSAL).first()


@pytest.mark.parametrize(
    "edited",
    [
        f"Hi Priya,\n\n{RESIZE}\n\nThanks, Sam",
        f"Hello there! {RESIZE}\n\nBest regards,\nSam Okafor\nSupport team",
        f"Hey Priya - {RESIZE[:-1]} (ticket #4411). ^SO",
        f"Good morning Priya! {RESIZE}\n-- \nSam",
        f"Hi Priya, sorry for the trouble! {RESIZE} Hope this helps!\nSam",
        f"Priya, {RESIZE[0].lower()}{RESIZE[1:]} Cheers",
        "Hi Priya, thanks!\n\nKind regards,\nSam",
    ],
)
def test_an_edit_that_only_greets_signs_or_names_proposes_nothing(ticket, analyst, edited):
    entry = make(answer=RESIZE, status=Status.APPROVED)
    assert propose(entry, ticket, analyst, edited) is None
    entry.refresh_from_db()
    assert entry.times_edited == 1  # still counted: the analyst did edit it


def test_a_real_edit_is_proposed_without_its_signature_block_or_greeting(ticket, analyst):
    entry = make(answer=RESIZE, status=Status.APPROVED)
    edited = (
        "Hi Priya, resize the volume in the console, then run growpart and resize2fs "
        "(not xfs_growfs: your disk is ext4).\n\nBest regards,\nSam Okafor\nSupport team"
    )
    revision = propose(entry, ticket, analyst, edited)
    assert revision.answer == (
        "Resize the volume in the console, then run growpart and resize2fs "
        "(not xfs_growfs: your disk is ext4)."
    )


def test_a_command_after_thanks_is_not_taken_for_a_signature(ticket, analyst):
    entry = make(answer=RESIZE, status=Status.APPROVED)
    revision = propose(entry, ticket, analyst, "Thanks!\nsudo growpart /dev/xvda 1")
    assert revision.answer == "sudo growpart /dev/xvda 1"


def test_personalising_the_offered_excerpt_proposes_nothing(ticket, analyst):
    entry = make(answer=f"{RESIZE}\n\nTo shrink a volume, copy it to a smaller one.")
    revision = propose(entry, ticket, analyst, f"Hi Priya, {RESIZE} Thanks, Sam", offered=RESIZE)
    assert revision is None
