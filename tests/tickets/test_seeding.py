from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from core import roles
from tickets import seeding
from tickets.models import Message, Team, Ticket


def test_it_seeds_a_believable_demo_once(db, capsys):
    call_command("seed_demo")
    assert "seeded 24 tickets" in capsys.readouterr().out
    assert set(Team.objects.values_list("slug", flat=True)) == {"compute", "storage", "billing"}
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert statuses == set(Ticket.Status.values)
    kinds = set(Message.objects.values_list("kind", flat=True))
    assert {"customer", "analyst", "system"} <= kinds
    assert Message.objects.filter(internal=True).exists()
    for ticket in Ticket.objects.all():
        assert ticket.messages.count() >= 1
        assert ticket.last_message_at >= ticket.created_at
    call_command("seed_demo")
    assert "nothing seeded" in capsys.readouterr().out
    assert Ticket.objects.count() == 24


def log_in(username):
    # As the login page does: the lock on guessed passwords needs the request.
    request = RequestFactory().post("/login/")
    return authenticate(request, username=username, password="s3cret-demo")


def test_demo_accounts_log_in_with_the_demo_password(db, settings):
    settings.VIGIL_DEMO_PASSWORD = "s3cret-demo"
    seeding.seed_demo()
    for username in ["analyst", "curator", "manager", "admin"]:
        user = log_in(username)
        assert user is not None, username
    admin = log_in("admin")
    assert admin.is_superuser
    assert roles.can_work_tickets(log_in("analyst"))
    curator = log_in("curator")
    assert not roles.can_work_tickets(curator)


def test_the_demo_has_macros_with_valid_placeholders(db):
    from tickets.models import Macro

    seeding.seed_demo(password="x")
    macros = Macro.objects.all()
    assert {m.name for m in macros if m.team} == {
        "Ask for the console log",
        "Ask for the instance and region",
        "Ask for the invoice and card",
        "Ask for the volume and region",
        "Detach in progress",
        "Refund issued",
    }
    # Holding replies and questions back are no answers: the copilot does not offer them.
    assert {m.name for m in macros if m.team and m.copilot_offers} == {
        "Ask for the console log",
        "Refund issued",
    }
    assert macros.get(name="Sign-off").owner.username == "analyst"
    for macro in macros:
        macro.full_clean()


def test_the_demo_has_satisfaction_ratings(db):
    from tickets.models import SatisfactionRating

    seeding.seed_demo(password="x")
    ratings = SatisfactionRating.objects.select_related("ticket")
    assert len(ratings) == len(seeding.DEMO_RATINGS)
    assert {r.rating for r in ratings} == {"good", "bad"}
    for rating in ratings:
        assert rating.ticket.is_finished
        assert rating.resolved_at == rating.ticket.resolved_at
