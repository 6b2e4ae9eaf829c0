from django.contrib.auth.models import Group, User

from core import roles
from tests.factories import UserFactory


def test_roles_read_together_are_the_roles_read_one_by_one(db, django_assert_num_queries):
    Group.objects.get_or_create(name=roles.SERVICE_ACCOUNTS)
    made = [
        UserFactory(roles=["analyst"]),
        UserFactory(roles=["curator", "manager"]),
        UserFactory(roles=[]),
        UserFactory(roles=[roles.SERVICE_ACCOUNTS, "analyst"]),
        UserFactory(roles=[], is_superuser=True),
    ]
    one_by_one = [roles.user_roles(User.objects.get(pk=user.pk)) for user in made]
    together = list(User.objects.filter(pk__in=[user.pk for user in made]).order_by("pk"))

    with django_assert_num_queries(1):
        roles.remember_roles(together)
    with django_assert_num_queries(0):
        assert [roles.user_roles(user) for user in together] == one_by_one
    assert one_by_one == [
        {"analyst"},
        {"curator", "manager"},
        set(),
        {"analyst"},
        {"admin"},
    ]


def test_teams_seen_together_are_the_teams_seen_one_by_one(team, other_team):
    from tickets import selectors

    people = [
        UserFactory(roles=["analyst"], teams=[team]),
        UserFactory(roles=["curator"], teams=[other_team]),
        UserFactory(roles=["manager"]),
        UserFactory(roles=[], teams=[team]),
    ]
    asked = [team.pk, other_team.pk]
    one_by_one = {
        user.pk: set(
            selectors.teams_for_user(user).filter(pk__in=asked).values_list("pk", flat=True)
        )
        for user in people
    }
    together = selectors.team_ids_for_users(dict.fromkeys(people, asked))
    assert together == one_by_one
    assert [len(ids) for ids in one_by_one.values()] == [1, 1, 2, 0]
