"""The people an internal note may @-mention, as the reply box suggests them."""

from django.urls import reverse

from tests.factories import UserFactory


def test_it_suggests_who_may_read_the_ticket_by_the_start_of_a_name(
    client, analyst, ticket, team, other_team
):
    UserFactory(
        username="lena", first_name="Lena", last_name="Fischer", roles=["analyst"], teams=[team]
    )
    UserFactory(username="lars", roles=["analyst"], teams=[other_team])  # cannot read it
    UserFactory(username="lee", roles=["manager"])  # sees every team
    UserFactory(username="leo", roles=["analyst"], teams=[team], is_active=False)
    client.force_login(analyst)
    url = reverse("tickets:mention_options", args=[ticket.pk])

    names = client.get(url, {"q": "l"}).text
    assert "@lena" in names
    assert "Lena Fischer" in names
    assert "@lee" in names
    assert "@lars" not in names
    assert "@leo" not in names
    assert "@lena" in client.get(url, {"q": "fisch"}).text  # a last name too
    assert "Nobody on this ticket" in client.get(url, {"q": "zz"}).text


def test_only_those_who_work_the_ticket_are_answered(client, curator, other_analyst, ticket):
    url = reverse("tickets:mention_options", args=[ticket.pk])
    client.force_login(other_analyst)
    assert client.get(url, {"q": "s"}).status_code == 404
    client.force_login(curator)
    assert client.get(url, {"q": "s"}).status_code == 403


def test_one_query_whoever_matches(client, analyst, ticket, team, django_assert_max_num_queries):
    from tickets import selectors

    for n in range(12):
        UserFactory(username=f"sam{n}", roles=["analyst"], teams=[team])
    UserFactory(username="samrole", teams=[team])  # no role: cannot read tickets
    with django_assert_max_num_queries(1):
        people = selectors.mentionable_people(ticket, q="sam")
    assert len(people) == 8
    assert selectors.mentionable_people(ticket, q="samr") == []


def test_the_writer_is_not_offered(client, analyst, ticket, team):
    colleague = UserFactory(username=f"{analyst.username}2", roles=["analyst"], teams=[team])
    client.force_login(analyst)
    url = reverse("tickets:mention_options", args=[ticket.pk])

    names = client.get(url, {"q": analyst.username}).text
    assert f'data-username="{colleague.username}"' in names
    assert f'data-username="{analyst.username}"' not in names
