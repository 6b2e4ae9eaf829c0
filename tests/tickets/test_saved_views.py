import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import UserFactory
from tickets import saved_view_services, selectors, services
from tickets.models import SavedView

QUEUE = reverse("tickets:queue")
CREATE = reverse("tickets:view_create")
HTMX = {"HX-Request": "true"}


@pytest.fixture
def urgent(analyst):
    return saved_view_services.saved_view_create(
        owner=analyst, name="my urgent", query="priority=4&assignee=me"
    )


def test_it_keeps_the_query_in_a_normal_form(analyst, team):
    query = "?page=3&sort=due&team=compute&q=+disk+&status=&bogus=1&priority=4&q=second"
    view = saved_view_services.saved_view_create(owner=analyst, name=" disk ", query=query)
    assert view.name == "disk"
    assert view.query == "q=disk&team=compute&priority=4&sort=due"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("status=gone", "Unknown status 'gone'."),
        ("sort=random", "Unknown sort 'random'."),
        ("priority=9", "Unknown priority '9'."),
        ("assignee=someone", "Unknown assignee 'someone'"),
        # Another team's slug: not the analyst's to filter by (nor to learn it exists).
        ("team=billing", "You have no team 'billing'."),
    ],
)
def test_it_refuses_filters_the_queue_does_not_know(analyst, other_team, query, message):
    with pytest.raises(ValidationError) as caught:
        saved_view_services.saved_view_create(owner=analyst, name="x", query=query)
    assert message in " ".join(caught.value.messages)
    assert not SavedView.objects.exists()


def test_names_are_required_and_unique_per_person(analyst, other_analyst, urgent):
    with pytest.raises(ValidationError, match="already have a view named “my urgent”"):
        saved_view_services.saved_view_create(owner=analyst, name="my urgent", query="")
    with pytest.raises(ValidationError):
        saved_view_services.saved_view_create(owner=analyst, name="  ", query="")
    # Another person may use the same name.
    saved_view_services.saved_view_create(owner=other_analyst, name="my urgent", query="")


def test_a_person_keeps_a_limited_number(analyst, settings):
    settings.VIGIL_SAVED_VIEWS_MAX = 2
    for name in ("a", "b"):
        saved_view_services.saved_view_create(owner=analyst, name=name, query="")
    with pytest.raises(ValidationError, match="2 saved views, the most one may keep"):
        saved_view_services.saved_view_create(owner=analyst, name="c", query="")


def test_counts_follow_the_tickets_in_the_teams_one_sees(
    analyst, manager, make_ticket, other_team, customer
):
    view = saved_view_services.saved_view_create(owner=analyst, name="urgent", query="priority=4")
    make_ticket(subject="Fire", priority=4)
    make_ticket(subject="Calm")
    make_ticket(team=other_team, subject="Elsewhere on fire", priority=4)
    assert selectors.saved_view_count(analyst, view) == 1
    # The same filter counts in the teams of whoever looks: every team for a manager.
    assert selectors.saved_view_count(manager, view) == 2
    fire = make_ticket(subject="Another fire", priority=4)
    assert selectors.saved_views_with_counts(analyst) == [(view, 2)]
    services.ticket_change_status(ticket=fire, actor=analyst, status="resolved")
    assert selectors.saved_view_count(analyst, view) == 1


def test_the_queue_lists_my_views_with_counts_and_marks_the_current_one(
    client, analyst, other_analyst, urgent, make_ticket
):
    saved_view_services.saved_view_create(owner=other_analyst, name="their view", query="")
    ticket = make_ticket(subject="Fire", priority=4)
    services.ticket_assign(ticket=ticket, actor=analyst, assignee=analyst)
    client.force_login(analyst)
    response = client.get(QUEUE)
    sidebar = response.text.split('id="saved-views"')[1].split("</aside>")[0]
    assert "my urgent" in sidebar
    assert "their view" not in sidebar
    assert '1<span class="sr-only"> ticket</span>' in sidebar
    assert "aria-current" not in sidebar
    response = client.get(QUEUE + "?assignee=me&priority=4", headers=HTMX)
    # The results come with the sidebar again (out of band): the current view is marked.
    assert (
        'id="saved-views" class="saved-views" aria-labelledby="saved-views-title" hx-swap-oob'
        in (response.text)
    )
    assert 'aria-current="page"' in response.text
    assert 'name="query" value="assignee=me&amp;priority=4"' in response.text


def test_saving_the_current_filters(client, analyst):
    client.force_login(analyst)
    response = client.post(
        CREATE, {"name": "unassigned", "query": "assignee=none&status=new"}, headers=HTMX
    )
    assert response.status_code == 200
    assert 'id="saved-views"' in response.text
    assert "unassigned" in response.text
    view = SavedView.objects.get()
    assert (view.owner, view.query) == (analyst, "status=new&assignee=none")
    # Without htmx: back to the queue, showing the view's filters.
    response = client.post(CREATE, {"name": "new", "query": "status=new&page=2"})
    assert response.status_code == 302
    assert response.url == QUEUE + "?status=new"


def test_a_bad_view_is_a_form_error(client, analyst, urgent):
    client.force_login(analyst)
    response = client.post(CREATE, {"name": "my urgent", "query": ""}, headers=HTMX)
    assert response.status_code == 422
    assert "You already have a view named “my urgent”." in response.text
    response = client.post(CREATE, {"name": "x", "query": "status=gone"}, headers=HTMX)
    assert response.status_code == 422
    assert "Unknown status" in response.text
    assert SavedView.objects.count() == 1


def test_rename_and_delete_my_own(client, analyst, urgent):
    client.force_login(analyst)
    url = reverse("tickets:view_rename", args=[urgent.pk])
    response = client.post(url, {"name": "on fire", "current": ""}, headers=HTMX)
    assert response.status_code == 200
    assert "on fire" in response.text
    urgent.refresh_from_db()
    assert urgent.name == "on fire"
    response = client.post(reverse("tickets:view_delete", args=[urgent.pk]), headers=HTMX)
    assert response.status_code == 200
    assert "None yet." in response.text
    assert not SavedView.objects.exists()


def test_nobody_renames_or_deletes_another_persons_view(client, other_analyst, urgent):
    client.force_login(other_analyst)
    rename = reverse("tickets:view_rename", args=[urgent.pk])
    assert client.post(rename, {"name": "mine now"}).status_code == 404
    assert client.post(reverse("tickets:view_delete", args=[urgent.pk])).status_code == 404
    urgent.refresh_from_db()
    assert urgent.name == "my urgent"


def test_it_refuses_the_wrong_method_and_users_without_a_role(client, analyst, urgent, db):
    client.force_login(analyst)
    assert client.get(CREATE).status_code == 405
    client.force_login(UserFactory(username="nobody"))
    assert client.post(CREATE, {"name": "x", "query": ""}).status_code == 403
    client.logout()
    assert client.post(CREATE, {"name": "x", "query": ""}).status_code == 302


def test_curators_keep_views_too(client, curator, team):
    client.force_login(curator)
    response = client.post(CREATE, {"name": "compute", "query": "team=compute"}, headers=HTMX)
    assert response.status_code == 200
    assert SavedView.objects.get().owner == curator
