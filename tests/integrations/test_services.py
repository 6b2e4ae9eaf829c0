import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token

from core import roles
from integrations import services
from integrations.models import Event, Integration, WebhookDelivery
from tests.factories import UserFactory
from tickets import selectors
from tickets import services as ticket_services


def test_it_makes_a_service_user_scoped_like_an_analyst_of_the_team(
    credentials, team, make_ticket, other_ticket
):
    integration = credentials.integration
    user = integration.service_user
    assert user.username == "integration-chat"
    assert roles.user_roles(user) == {roles.ANALYST}
    assert list(user.teams.all()) == [team]
    assert not user.has_usable_password()
    mine = make_ticket()
    assert list(selectors.tickets_for_user(user)) == [mine]
    assert other_ticket not in selectors.tickets_for_user(user)


def test_it_issues_a_secret_and_a_token_once(credentials):
    integration = credentials.integration
    assert len(credentials.secret) == 64
    assert integration.secret == credentials.secret
    assert Token.objects.get(user=integration.service_user).key == credentials.token


def test_rotating_the_token_replaces_it(credentials):
    integration = credentials.integration
    new = services.integration_rotate_token(integration=integration)
    assert new != credentials.token
    assert list(
        Token.objects.filter(user=integration.service_user).values_list("key", flat=True)
    ) == [new]


def test_rotating_the_secret_replaces_it(credentials):
    integration = credentials.integration
    new = services.integration_rotate_secret(integration=integration)
    integration.refresh_from_db()
    assert integration.secret == new != credentials.secret
    assert integration.secret_rotated_at is not None


def test_switching_off_the_integration_switches_off_its_user(integration):
    services.integration_update(
        integration=integration, name="Chat", slug="chat", team=integration.team, active=False
    )
    user = User.objects.get(pk=integration.service_user_id)
    assert not user.is_active
    assert not roles.can_view_tickets(user)


def test_moving_the_integration_to_another_team_moves_its_user(integration, other_team):
    services.integration_update(
        integration=integration, name="Chat", slug="chat", team=other_team, active=True
    )
    assert list(integration.service_user.teams.all()) == [other_team]


def test_a_clashing_user_name_is_refused_and_nothing_is_made(team):
    UserFactory(username="integration-chat")
    with pytest.raises(services.IntegrationError, match="integration-chat already exists"):
        services.integration_create(name="Chat", slug="chat", team=team)
    assert not Integration.objects.exists()


def test_deleting_it_removes_its_user_and_token_but_keeps_tickets(
    integration, endpoint, make_ticket
):
    ticket = make_ticket()
    services.deliveries_enqueue(event=Event.TICKET_CREATED, data_for=lambda i: {"x": 1})
    services.integration_delete(integration=integration)
    assert not Integration.objects.exists()
    assert not User.objects.filter(username="integration-chat").exists()
    assert not Token.objects.exists()
    assert not WebhookDelivery.objects.exists()
    ticket.refresh_from_db()


@pytest.mark.parametrize(
    ("events", "error"),
    [([], "at least one event"), (["ticket.deleted"], "Unknown events: ticket.deleted")],
)
def test_an_endpoint_needs_known_events(integration, events, error):
    with pytest.raises(services.IntegrationError, match=error):
        services.endpoint_create(integration=integration, url="https://example.com/", events=events)


def test_an_endpoint_gets_its_own_secret(integration):
    endpoint = services.endpoint_create(
        integration=integration, url="https://example.com/hook", events=[Event.TICKET_CREATED]
    )
    assert len(endpoint.secret) == 64
    assert endpoint.secret != integration.secret
    old = endpoint.secret
    assert services.endpoint_rotate_secret(endpoint=endpoint) != old


def test_backoff_doubles_up_to_an_hour(settings):
    settings.VIGIL_WEBHOOK_RETRY_SECONDS = 30
    waits = [services.backoff(n).total_seconds() for n in (1, 2, 3, 4, 10)]
    assert waits == [30, 60, 120, 240, 3600]


def test_its_service_user_is_nobody_to_assign_a_ticket_to(credentials, ticket, analyst):
    service_user = credentials.integration.service_user
    assert service_user not in selectors.assignable_users(ticket)
    assert analyst in selectors.assignable_users(ticket)
    with pytest.raises(ticket_services.TicketError):
        ticket_services.ticket_assign(ticket=ticket, actor=analyst, assignee=service_user)
