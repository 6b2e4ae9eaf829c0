from django.urls import reverse

from tests.factories import UserFactory
from tickets.models import Macro


def test_an_admin_makes_a_team_macro_in_the_django_admin(client, team):
    admin = UserFactory(username="root", roles=["admin"], is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:tickets_macro_add")
    data = {"name": "Hello", "body": "Hi {{ customer_name }}", "team": team.pk, "add_tags": "A B,c"}
    response = client.post(url, data)
    assert response.status_code == 302
    assert Macro.objects.get().add_tags == ["a-b", "c"]
    bad = {"name": "Bad", "body": "Hi {{ nope }}", "team": team.pk, "owner": admin.pk}
    response = client.post(url, bad)
    assert response.status_code == 200
    assert "Unknown placeholder {{ nope }}" in response.text
    assert "either to a team or to one person" in response.text
    assert Macro.objects.count() == 1


def test_admins_see_who_was_told_what_in_the_django_admin(client, ticket, analyst):
    from django.utils import timezone

    from tickets.models import Notification

    Notification.objects.create(
        user=analyst,
        ticket=ticket,
        kind=Notification.Kind.MENTION,
        actor_name="Lena Fischer",
        excerpt="@sam can you check the host?",
        created_at=timezone.now(),
    )
    admin = UserFactory(username="root", roles=["admin"], is_staff=True, is_superuser=True)
    client.force_login(admin)
    listing = client.get(
        reverse("admin:tickets_notification_changelist"), {"read_at__isnull": "True"}
    )
    assert listing.status_code == 200
    assert "Lena Fischer" in listing.text
    # Made by the console, not by hand.
    assert client.get(reverse("admin:tickets_notification_add")).status_code == 403
