"""Property-based tests of the boundaries the OpenAPI schema does not describe (beside the
schemathesis run in test_fuzz.py): the signed inbound webhook's payloads and the dashboards'
query strings. Whatever arrives, the answer is a refusal with its reason, never a 5xx."""

import datetime as dt
import json
import time

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from dashboards.panels import PAGES, TABLES
from integrations import services, signing
from tickets.models import Message

SETTINGS = hypothesis_settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Pieces a hostile sender reaches for: NUL (PostgreSQL refuses it), lone surrogates (UTF-8
# refuses them), markup, the prompt fence, direction overrides, blanks.
NASTY = ["\x00", "\ud800", "\udfff", "<img src=x onerror=alert(1)>", ">>>>>", "\u202e", " ", "\n"]
hostile_text = st.lists(st.one_of(st.text(max_size=12), st.sampled_from(NASTY)), max_size=4).map(
    "".join
)
nested = st.integers(1, 60).map(lambda depth: json.loads("[" * depth + "]" * depth))
any_value = st.one_of(
    hostile_text,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.none(),
    st.booleans(),
    st.floats(allow_nan=False),
    nested,
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


@st.composite
def field(draw, valid):
    """Mostly the valid value, or it with hostile text around it, now and then anything: most
    deliveries get past the first check to the later ones, and to the database."""
    kind = draw(st.sampled_from(["valid"] * 5 + ["around"] * 4 + ["anything"]))
    if kind == "valid":
        return valid
    if kind == "around":
        return f"{draw(hostile_text)}{valid}{draw(hostile_text)}"
    return draw(any_value)


@st.composite
def deliveries(draw):
    email = "ada@example.com"
    body = {
        "delivery_id": draw(field("d-1")),
        "conversation": {
            "id": draw(field(draw(st.sampled_from(["c-1", "c-2", 7])))),
            "subject": draw(field("Cannot reach my VM")),
            "customer": {
                "name": draw(field("Ada Lovelace")),
                # Rarely anything else: most bad emails would stop a delivery early.
                "email": draw(st.sampled_from([email] * 4 + [draw(field(email))])),
            },
        },
        "message": {
            "id": draw(field(draw(st.sampled_from(["m-1", "m-2", 3])))),
            "author": draw(field("Ada Lovelace")),
            "role": draw(st.sampled_from(["customer", "customer", "analyst", "bot"])),
            "text": draw(field("Help!")),
        },
    }
    # Now and then a whole object replaced by anything.
    replaced = draw(st.sampled_from(["", "", "", "", "customer", "conversation", "message"]))
    if replaced:
        parent = body["conversation"] if replaced == "customer" else body
        parent[replaced] = draw(any_value)
    return body


@pytest.fixture
def integration(team):
    return services.integration_create(name="Chat bridge", slug="chat", team=team).integration


@pytest.fixture
def send(client, integration):
    url = reverse("integrations:inbound", args=[integration.slug])

    def post(raw):
        headers = signing.signed_headers(integration.secret, raw, now=time.time())
        return client.post(url, data=raw, content_type="application/json", headers=headers)

    return post


def test_every_signed_delivery_is_taken_or_refused_with_the_field_at_fault(send):
    @SETTINGS
    @given(body=deliveries())
    def check(body):
        raw = json.dumps(body).encode()
        response = send(raw)
        assert response.status_code in {200, 201, 400, 409, 422}, response.content
        answer = response.json()
        if response.status_code >= 400:
            assert answer["error"]
            assert answer["field"]
        elif response.status_code == 201:
            message = Message.objects.get(pk=answer["message"])
            assert message.body == body["message"]["text"].strip()
        else:  # the same message id again: what the first delivery made, unchanged
            assert Message.objects.filter(pk=answer["message"]).exists()

    check()


def test_any_signed_bytes_are_refused_as_a_body(send):
    @SETTINGS
    @given(raw=st.binary(max_size=200))
    def check(raw):
        response = send(raw)
        assert response.status_code == 400
        assert response.json()["field"]

    check()


def dashboard_routes():
    for slug, board in PAGES.items():
        yield reverse("dashboards:page", args=[slug])
        yield reverse("api:dashboards:figures", args=[slug])
        yield from (reverse("dashboards:panel", args=[slug, name]) for name in board.panels)
    yield from (reverse("dashboards:table", args=list(key)) for key in TABLES)
    yield reverse("dashboards:audit_runs")
    yield reverse("dashboards:audit_curation")


ROUTES = list(dashboard_routes())
# Query strings carry no lone surrogates: a browser's invalid UTF-8 reaches Django as U+FFFD.
query_text = hostile_text.map(lambda text: text.encode("utf-8", "replace").decode())


# Every day the calendar has, the ends of it most of all.
days = st.one_of(
    st.dates(),
    st.dates(max_value=dt.date(1, 3, 1)),
    st.dates(min_value=dt.date(9999, 11, 1)),
    st.dates(min_value=dt.date(1969, 11, 1), max_value=dt.date(1970, 2, 1)),
    st.dates(min_value=dt.date(2999, 11, 1), max_value=dt.date(3000, 2, 1)),
)


@st.composite
def dashboard_queries(draw):
    end = draw(days)
    before = end.toordinal() - draw(st.integers(-5, 800))
    start = dt.date.fromordinal(min(max(1, before), dt.date.max.toordinal()))
    candidates = {
        "team": st.one_of(st.sampled_from(["compute", "billing", ""]), query_text),
        "start": st.one_of(st.just(start.isoformat()), query_text),
        "end": st.one_of(st.just(end.isoformat()), query_text),
        "kind": st.one_of(st.sampled_from(["approved", "rejected"]), query_text),
        "decision": st.one_of(st.sampled_from(["speak", "silent"]), query_text),
        "actor": query_text,
        "reason": query_text,
        "page": query_text,
        "format": st.sampled_from(["csv", "html", ""]),
    }
    names = draw(st.sets(st.sampled_from(sorted(candidates))))
    return {name: draw(candidates[name]) for name in names}


def test_every_dashboard_query_string_is_answered_or_refused_with_the_reason(client, manager):
    client.force_login(manager)

    @SETTINGS
    @given(url=st.sampled_from(ROUTES), params=dashboard_queries())
    def check(url, params):
        api = url.startswith("/api/")
        if api:
            params.pop("format", None)  # DRF's own format switch: an unknown one is a JSON 404
        response = client.get(url, params)
        assert response.status_code in {200, 400}, (url, params)
        if response.status_code == 400 and not api:
            body = response.content.decode()
            for value in params.values():
                if "<" in value:
                    assert value not in body, (url, params)

    check()
