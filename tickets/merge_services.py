"""Merging two tickets of one customer: the second one asked the same thing, or came by
another way. Access to both tickets is checked by the caller (``tickets.access``)."""

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from tickets import realtime, services
from tickets.models import MacroUse, Message, Ticket, TicketEvent

Status = Ticket.Status


def merge_refusal(source: Ticket, target: Ticket) -> str:
    """Why ``source`` cannot be merged into ``target``; "" when it can."""
    if source.pk == target.pk:
        return "A ticket cannot be merged into itself."
    if source.customer_id != target.customer_id:
        return (
            f"#{source.pk} and #{target.pk} belong to different customers; only tickets of "
            "the same customer can be merged."
        )
    if source.merged_into_id is not None:
        return f"#{source.pk} was already merged into #{source.merged_into_id}."
    if target.merged_into_id is not None:
        return (
            f"#{target.pk} was merged into #{target.merged_into_id}; merge into that one instead."
        )
    return ""


def ticket_merge(*, source: Ticket, target: Ticket, actor: User) -> Ticket:
    """Move ``source``'s messages and timeline into ``target``; close ``source``, pointing to
    ``target``. Both timelines record it, and pages open on ``source`` are told where it went.

    The moved messages keep their times and are numbered after ``target``'s own, so pages open
    on ``target`` fetch them as new ones. Raises TicketError with the reason when refused."""
    with transaction.atomic():
        # Both rows locked, in id order, so two merges of one pair cannot deadlock.
        locked = {
            t.pk: t
            for t in Ticket.objects.select_for_update()
            .filter(pk__in=[source.pk, target.pk])
            .order_by("pk")
        }
        src, dst = locked.get(source.pk), locked.get(target.pk)
        if src is None or dst is None:
            raise services.TicketError("One of the tickets no longer exists.")
        if reason := merge_refusal(src, dst):
            raise services.TicketError(reason)
        now = timezone.now()
        name = services.display_name(actor)
        was_waiting = not src.is_finished
        moved = _move_messages(src, dst)
        TicketEvent.objects.filter(ticket=src).update(ticket=dst)
        MacroUse.objects.filter(ticket=src).update(ticket=dst)
        services._record(dst, TicketEvent.Kind.MERGED, actor, f"#{src.pk}", "", at=now, name=name)
        fields = ["merged_into", "updated_at", "awaiting_reply_since"]
        src.awaiting_reply_since = None
        if src.status != Status.CLOSED:
            fields += services._apply_status(src, Status.CLOSED, actor=actor, name=name, at=now)
        src.merged_into, src.updated_at = dst, now
        src.save(update_fields=fields)
        services._record(src, TicketEvent.Kind.MERGED, actor, "", f"#{dst.pk}", at=now, name=name)
        dst_fields = ["updated_at", "last_message_at", "message_seq", "public_message_seq"]
        # A customer message that moved in and is still unanswered starts the reply clock.
        dst.awaiting_reply_since = services._awaiting_reply_since(dst)
        dst_fields.append("awaiting_reply_since")
        if moved and was_waiting and dst.is_finished:
            # The customer was still waiting on the merged ticket: the target is work again.
            dst_fields += services._apply_status(dst, Status.OPEN, actor=actor, name=name, at=now)
        dst.updated_at = now
        dst.last_message_at = max(dst.last_message_at, src.last_message_at)
        dst.save(update_fields=dst_fields)
        realtime.publish_ticket_merged(src.pk, into=dst)
    services._refresh(source, src)
    services._refresh(target, dst)
    return target


def _move_messages(src: Ticket, dst: Ticket) -> int:
    """Re-home ``src``'s messages on ``dst``, numbered after ``dst``'s; returns how many."""
    messages = list(src.messages.order_by("created_at", "id"))
    taken = set(
        dst.messages.filter(external_id__isnull=False).values_list("external_id", flat=True)
    )
    for message in messages:
        dst.message_seq += 1
        message.seq = dst.message_seq
        if not message.internal:
            dst.public_message_seq += 1
            message.public_seq = dst.public_message_seq
        if message.external_id in taken:
            # Idempotency keys are unique per ticket; an old retry key is of no use here.
            message.external_id = None
        message.ticket = dst
    Message.objects.bulk_update(messages, ["ticket", "seq", "public_seq", "external_id"])
    return len(messages)
