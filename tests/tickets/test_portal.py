import datetime as dt
import json

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tickets import selectors
from tickets.models import Message, Ticket

NEW = reverse("portal:new")
HX = {"HX-Request": "true"}


def form(**overrides):
    data = {
        "name": "Ada Lovelace",
        "email": "Ada@Example.com",
        "team": "compute",
        "subject": "Cannot SSH into my VM",
        "body": "Permission denied (publickey).",
        "client_token": "",
    }
    return {**data, **overrides}


def page_url(ticket):
    return reverse("portal:ticket", args=[selectors.portal_token_for(ticket)])


def test_the_form_renders_without_an_account(client, team):
    response = client.get(NEW)
    assert response.status_code == 200
    assert "Contact support" in response.text
    assert "csrfmiddlewaretoken" in response.text


def test_it_opens_a_ticket_and_sends_the_private_link(
    client, team, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(NEW, form())
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response.url == page_url(ticket) + "?new=1"
    assert ticket.customer.email == "ada@example.com"
    assert ticket.messages.get().body == "Permission denied (publickey)."
    [email] = mail.outbox
    assert email.to == ["ada@example.com"]
    assert page_url(ticket) in email.body
    page = client.get(response.url)
    assert f"Your ticket #{ticket.pk} is open" in page.text


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("email", "not-an-email", "Enter a valid email address."),
        ("body", "   ", "The message is empty"),
        ("subject", "", "This field is required."),
        ("team", "nope", "Choose one of the topics in the list."),
        ("team", "", "Choose the topic your question is about."),
    ],
)
def test_it_explains_bad_input(client, team, field, value, error):
    response = client.post(NEW, form(**{field: value}))
    assert response.status_code == 400
    assert error in response.text
    assert not Ticket.objects.exists()


def test_it_refuses_oversized_messages(client, team, settings):
    settings.VIGIL_MAX_MESSAGE_CHARS = 10
    response = client.post(NEW, form(body="z" * 11))
    assert response.status_code == 400
    assert "limited to 10 characters" in response.text


def test_a_resubmitted_form_opens_one_ticket(client, team):
    first = client.post(NEW, form(client_token="tok-1"))
    second = client.post(NEW, form(client_token="tok-1"))
    assert Ticket.objects.count() == 1
    assert second.url == first.url.removesuffix("?new=1")


def test_the_topic_has_no_default(client, team, other_team):
    page = client.get(NEW).text
    assert '<option value="" selected>Choose a topic…</option>' in page
    response = client.post(NEW, {k: v for k, v in form().items() if k != "team"})
    assert response.status_code == 400
    assert "Choose the topic your question is about." in response.text
    assert not Ticket.objects.exists()


def test_it_rate_limits_per_email_address(client, team, settings):
    settings.VIGIL_PORTAL_RATE_LIMIT = 2
    for n in range(2):
        assert client.post(NEW, form(subject=f"s{n}")).status_code == 302
    response = client.post(NEW, form(subject="one too many"))
    assert response.status_code == 429
    assert "You have opened 2 tickets with ada@example.com in the last 60 minutes" in response.text
    assert "reply on one of them" in response.text
    assert Ticket.objects.count() == 2


def test_colleagues_behind_one_address_are_counted_each_by_email(client, team, settings):
    # A company's sixth colleague writes from the same IP address: their own email counts.
    settings.VIGIL_PORTAL_RATE_LIMIT = 5
    office = {"REMOTE_ADDR": "203.0.113.9"}
    for n in range(6):
        response = client.post(NEW, form(email=f"colleague{n}@example.com"), **office)
        assert response.status_code == 302, response.text
    assert Ticket.objects.filter(created_from_ip="203.0.113.9").count() == 6


def test_it_rate_limits_per_ip_address(client, team, settings):
    settings.VIGIL_PORTAL_IP_RATE_LIMIT = 2
    for n in range(2):
        client.post(NEW, form(email=f"user{n}@example.com"), REMOTE_ADDR="203.0.113.9")
    response = client.post(NEW, form(email="other@example.com"), REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 429
    assert "2 tickets were opened from your network in the last 60 minutes" in response.text
    elsewhere = client.post(NEW, form(email="other@example.com"), REMOTE_ADDR="203.0.113.10")
    assert elsewhere.status_code == 302


def test_the_ip_limit_ignores_a_forged_forwarded_for(client, team, settings):
    settings.VIGIL_PORTAL_IP_RATE_LIMIT = 1
    client.post(NEW, form(email="a@example.com"), REMOTE_ADDR="203.0.113.9")
    forged = {"REMOTE_ADDR": "203.0.113.9", "HTTP_X_FORWARDED_FOR": "198.51.100.1"}
    assert client.post(NEW, form(email="b@example.com"), **forged).status_code == 429


def test_the_ip_limit_counts_each_customer_behind_a_trusted_proxy(client, team, settings):
    settings.VIGIL_PORTAL_IP_RATE_LIMIT = 1
    settings.VIGIL_TRUSTED_PROXIES = ["10.0.0.5"]
    via_proxy = {"REMOTE_ADDR": "10.0.0.5"}
    client.post(NEW, form(email="a@example.com"), HTTP_X_FORWARDED_FOR="203.0.113.9", **via_proxy)
    other = client.post(
        NEW, form(email="b@example.com"), HTTP_X_FORWARDED_FOR="203.0.113.10", **via_proxy
    )
    assert other.status_code == 302
    again = client.post(
        NEW, form(email="c@example.com"), HTTP_X_FORWARDED_FOR="203.0.113.9", **via_proxy
    )
    assert again.status_code == 429
    assert Ticket.objects.get(customer__email="a@example.com").created_from_ip == "203.0.113.9"


def test_the_private_link_pages_are_never_stored(client, ticket):
    # The link is the customer's only credential: no browser or proxy cache may keep its pages.
    url = page_url(ticket)
    for response in (client.get(url), client.get(url + "conversation/", headers=HX)):
        assert response.status_code == 200
        assert "no-store" in response.headers["Cache-Control"]


def test_the_page_shows_public_messages_only(client, ticket, reply):
    reply(ticket, "SECRET: customer is on the old plan", internal=True)
    reply(ticket, "Please reboot from the console")
    response = client.get(page_url(ticket))
    assert response.status_code == 200
    assert "Please reboot from the console" in response.text
    assert "SECRET" not in response.text
    assert "ws/support/" in response.text


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: "00000000-0000-0000-0000-000000000000:" + token.split(":")[1],
        lambda token: "garbage",
        lambda token: token.split(":")[0],
    ],
)
def test_a_tampered_link_is_refused(client, ticket, make_ticket, mangle):
    make_ticket(subject="someone else's")
    token = mangle(selectors.portal_token_for(ticket))
    for name in ["portal:ticket", "portal:conversation"]:
        response = client.get(reverse(name, args=[token]))
        assert response.status_code == 403
        assert "This link is not valid" in response.text
    assert client.post(reverse("portal:reply", args=[token]), {"body": "x"}).status_code == 403
    assert ticket.messages.count() == 1


def test_another_tickets_signature_does_not_open_this_one(client, ticket, make_ticket):
    other = make_ticket(subject="other")
    signature = selectors.portal_token_for(other).split(":")[1]
    forged = f"{ticket.public_id}:{signature}"
    assert client.get(reverse("portal:ticket", args=[forged])).status_code == 403


def test_the_customer_replies(client, ticket, analyst):
    from tickets import services

    services.ticket_change_status(ticket=ticket, actor=analyst, status="waiting")
    token = selectors.portal_token_for(ticket)
    response = client.post(
        reverse("portal:reply", args=[token]),
        {"body": "Rebooted, still broken", "client_token": "c1"},
        headers=HX,
    )
    assert response.status_code == 200
    message = ticket.messages.get(body="Rebooted, still broken")
    assert message.kind == Message.Kind.CUSTOMER
    assert message.author_name == ticket.customer.name
    assert f'data-id="message-{message.pk}"' in response.text
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.OPEN
    client.post(
        reverse("portal:reply", args=[token]),
        {"body": "Rebooted, still broken", "client_token": "c1"},
        headers=HX,
    )
    assert ticket.messages.filter(body="Rebooted, still broken").count() == 1


def test_portal_replies_are_rate_limited_per_ticket(client, ticket, make_ticket, settings):
    settings.VIGIL_PORTAL_REPLY_RATE_LIMIT = 3
    url = reverse("portal:reply", args=[selectors.portal_token_for(ticket)])
    # The opening message counts: the customer wrote it in this window too.
    for n in range(2):
        assert client.post(url, {"body": f"More {n}"}, headers=HX).status_code == 200
    refused = client.post(url, {"body": "One too many"}, headers=HX)
    assert refused.status_code == 429
    assert "You have sent 3 messages on this ticket in the last 60 minutes" in refused.text
    assert "One too many" in refused.text  # kept in the box
    plain = client.post(url, {"body": "One too many"})
    assert plain.status_code == 429
    assert "You have sent 3 messages" in plain.text
    assert ticket.messages.count() == 3
    elsewhere = make_ticket(subject="Another problem")
    other_url = reverse("portal:reply", args=[selectors.portal_token_for(elsewhere)])
    assert client.post(other_url, {"body": "Hello"}, headers=HX).status_code == 200


def test_the_reply_limit_counts_only_the_window(client, ticket, settings):
    settings.VIGIL_PORTAL_REPLY_RATE_LIMIT = 2
    ticket.messages.update(created_at=timezone.now() - dt.timedelta(minutes=61))
    url = reverse("portal:reply", args=[selectors.portal_token_for(ticket)])
    assert client.post(url, {"body": "Still there?"}, headers=HX).status_code == 200
    assert client.post(url, {"body": "Hello?"}, headers=HX).status_code == 200
    assert client.post(url, {"body": "Anyone?"}, headers=HX).status_code == 429


def test_htmx_swaps_a_rate_limit_refusal_in(client, ticket):
    page = client.get(page_url(ticket)).text
    config = json.loads(page.split('name="htmx-config" content=\'')[1].split("'")[0])
    assert {"code": "429", "swap": True} in config["responseHandling"]


def test_an_empty_customer_reply_is_refused(client, ticket):
    token = selectors.portal_token_for(ticket)
    response = client.post(reverse("portal:reply", args=[token]), {"body": " "}, headers=HX)
    assert response.status_code == 422
    assert "The message is empty" in response.text
    plain = client.post(reverse("portal:reply", args=[token]), {"body": ""})
    assert plain.status_code == 400
    assert ticket.messages.count() == 1


def test_portal_forms_require_csrf(ticket, team):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(NEW, form()).status_code == 403
    token = selectors.portal_token_for(ticket)
    assert strict.post(reverse("portal:reply", args=[token]), {"body": "x"}).status_code == 403


def test_wrong_methods_are_refused(client, ticket):
    token = selectors.portal_token_for(ticket)
    assert client.get(reverse("portal:reply", args=[token])).status_code == 405
    assert client.put(NEW).status_code == 405


def test_the_catch_up_fragment_shows_public_messages_after_an_id(client, ticket, reply):
    first = ticket.messages.get()
    reply(ticket, "hidden note", internal=True)
    public = reply(ticket, "public answer")
    token = selectors.portal_token_for(ticket)
    response = client.get(reverse("portal:conversation", args=[token]) + f"?after={first.pk}")
    assert response.status_code == 200
    assert f'id="message-{public.pk}"' in response.text
    assert "hidden note" not in response.text
    assert f'id="message-{first.pk}"' not in response.text


def test_a_customer_key_never_matches_a_staff_message(client, ticket, analyst):
    token = selectors.portal_token_for(ticket)
    client.force_login(analyst)
    client.post(
        reverse("tickets:reply", args=[ticket.pk]),
        {"body": "staff secret", "internal": "on", "client_token": "k"},
        headers=HX,
    )
    client.logout()
    response = client.post(
        reverse("portal:reply", args=[token]), {"body": "mine", "client_token": "k"}, headers=HX
    )
    assert response.status_code == 200
    assert "staff secret" not in response.text
    assert ticket.messages.filter(kind="customer", body="mine").exists()


def test_the_email_is_plain_text(client, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(NEW, form(name="Seán O'Brien", email="sean@example.com"))
    assert "Hello Seán O'Brien," in mail.outbox[0].body
