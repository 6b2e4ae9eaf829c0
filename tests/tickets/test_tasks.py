import datetime as dt

from django.utils import timezone
from django_q.tasks import async_task, result

from tickets import services
from tickets.models import Ticket


def test_the_auto_close_task_runs_through_django_q(make_ticket, analyst, settings):
    settings.VIGIL_AUTO_CLOSE_DAYS = 3
    ticket = make_ticket()
    long_ago = timezone.now() - dt.timedelta(days=4)
    services.ticket_change_status(ticket=ticket, actor=analyst, status="resolved", at=long_ago)
    task_id = async_task("tickets.tasks.auto_close_resolved")
    assert result(task_id) == 1
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.CLOSED
    assert ticket.events.filter(kind="status").last().actor_name == "Vigil"


def test_auto_close_can_be_turned_off(make_ticket, analyst, settings):
    settings.VIGIL_AUTO_CLOSE_DAYS = 0
    ticket = make_ticket()
    long_ago = timezone.now() - dt.timedelta(days=40)
    services.ticket_change_status(ticket=ticket, actor=analyst, status="resolved", at=long_ago)
    assert result(async_task("tickets.tasks.auto_close_resolved")) == 0
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.RESOLVED
