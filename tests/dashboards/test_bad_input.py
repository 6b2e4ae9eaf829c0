"""Hostile filters: every dashboard route refuses them with 400 and the reason, escaped."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from dashboards.panels import PAGES, TABLES

MARKUP = "<img src=x onerror=alert(1)>"


def html_routes():
    """Every dashboard address that reads the filters, as the browser asks for them."""
    for slug, board in PAGES.items():
        yield reverse("dashboards:page", args=[slug])
        for name in board.panels:
            yield reverse("dashboards:panel", args=[slug, name])
    for slug, table in TABLES:
        yield reverse("dashboards:table", args=[slug, table])
    for audit in ("dashboards:audit_runs", "dashboards:audit_curation"):
        yield reverse(audit)
        yield reverse(audit) + "?format=csv"


ROUTES = list(html_routes())
FAR_DATES = [
    ({"start": "9999-12-01", "end": "9999-12-31"}, "The end date must be between"),
    ({"end": "0001-01-05"}, "The end date must be between"),
    ({"start": "0001-01-01", "end": "0001-01-05"}, "The start date must be between"),
    ({"start": "9999-12-31"}, "The start date must be between"),
]


@pytest.mark.parametrize(("params", "reason"), FAR_DATES)
def test_it_refuses_dates_far_from_today_on_every_route(client, manager, params, reason):
    client.force_login(manager)
    for url in ROUTES:
        response = client.get(url, params)
        assert response.status_code == 400, url
        assert reason in response.content.decode(), url


@pytest.mark.parametrize(("params", "reason"), FAR_DATES)
@pytest.mark.parametrize("page", sorted(PAGES))
def test_the_api_refuses_dates_far_from_today(db, manager, params, reason, page):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=manager).key}")
    response = api.get(reverse("api:dashboards:figures", args=[page]), params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert any(reason in message for messages in error["fields"].values() for message in messages)


CURATION = reverse("dashboards:audit_curation")


@pytest.mark.parametrize("as_csv", [False, True])
@pytest.mark.parametrize(
    ("urls", "name"),
    [(ROUTES, "team"), ([CURATION, f"{CURATION}?format=csv"], "kind")],
)
def test_no_refusal_echoes_markup(client, manager, urls, name, as_csv):
    client.force_login(manager)
    for url in urls:
        response = client.get(url, {name: MARKUP} | ({"format": "csv"} if as_csv else {}))
        assert response.status_code == 400, url
        body = response.content.decode()
        assert MARKUP not in body, url
        assert "&lt;img src=x onerror=alert(1)&gt;" in body, url
