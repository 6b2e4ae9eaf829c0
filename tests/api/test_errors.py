import json

import pytest

from tests.api.conftest import error_of

LIST = "/api/v1/tickets/"


def test_an_unknown_api_path_is_a_json_404(api_for, analyst):
    response = api_for(analyst).get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    error = error_of(response)
    assert error["code"] == "not_found"
    assert "/api/v1/nothing-here/" in error["message"]


def test_a_body_that_is_not_json_is_a_400(api_for, analyst, ticket):
    response = api_for(analyst).post(
        f"/api/v1/tickets/{ticket.pk}/update/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert "JSON parse error" in error_of(response)["message"]


def test_nested_field_errors_keep_their_place(api_for, analyst, team):
    payload = {
        "team": "compute",
        "customer": {"name": "Lena", "email": "not-an-email"},
        "subject": "Hi",
        "body": "Hello",
    }
    response = api_for(analyst).post("/api/v1/tickets/create/", payload)
    assert response.status_code == 400
    fields = error_of(response)["fields"]
    assert fields == {"customer": {"email": ["Enter a valid email address."]}}


def test_a_user_over_the_rate_is_throttled(api_for, analyst, settings, db):
    settings.VIGIL_API_RATE_USER = "3/minute"
    client = api_for(analyst)
    assert [client.get(LIST).status_code for _ in range(3)] == [200, 200, 200]
    response = client.get(LIST)
    assert response.status_code == 429
    error = error_of(response)
    assert error["code"] == "throttled"
    assert "Try again in" in error["message"]
    assert int(response.headers["Retry-After"]) > 0


def test_users_are_throttled_separately(api_for, analyst, manager, settings):
    settings.VIGIL_API_RATE_USER = "1/minute"
    assert api_for(analyst).get(LIST).status_code == 200
    assert api_for(analyst).get(LIST).status_code == 429
    assert api_for(manager).get(LIST).status_code == 200


def test_anonymous_callers_are_throttled_per_address(anonymous, settings, db):
    settings.VIGIL_API_RATE_ANON = "2/hour"
    assert [anonymous.get(LIST).status_code for _ in range(2)] == [401, 401]
    response = anonymous.get(LIST)
    assert response.status_code == 429
    assert error_of(response)["code"] == "throttled"
    elsewhere = anonymous.get(LIST, REMOTE_ADDR="192.0.2.7")
    assert elsewhere.status_code == 401


def test_guessing_tokens_is_throttled(anonymous, settings, db):
    settings.VIGIL_API_RATE_ANON = "2/hour"
    for attempt in range(2):
        anonymous.credentials(HTTP_AUTHORIZATION=f"Token guess-{attempt}")
        assert anonymous.get(LIST).status_code == 401
    anonymous.credentials(HTTP_AUTHORIZATION="Token guess-3")
    assert anonymous.get(LIST).status_code == 429


def post_raw(client, url, raw):
    return client.post(url, raw, content_type="application/json")


@pytest.mark.parametrize("depth", [100_000, 200])
def test_deeply_nested_json_is_a_400_with_the_reason(api_for, analyst, ticket, depth):
    raw = '{"body": "hi", "kind": ' + "[" * depth + "]" * depth + "}"
    url = f"/api/v1/tickets/{ticket.pk}/messages/create/"
    response = post_raw(api_for(analyst), url, raw)
    assert response.status_code == 400
    assert "nested more than 32 levels" in error_of(response)["message"]
    assert ticket.messages.count() == 1


def test_json_nested_a_little_is_judged_by_its_fields(api_for, analyst, ticket):
    raw = '{"body": "hi", "kind": [[["analyst"]]]}'
    response = post_raw(api_for(analyst), f"/api/v1/tickets/{ticket.pk}/messages/create/", raw)
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"kind"}


@pytest.mark.parametrize("login", ["token", "session"])
def test_a_body_over_the_upload_limit_is_the_apis_json_413(
    api_for, client, analyst, ticket, settings, login
):
    if login == "session":
        client.force_login(analyst)
    caller = api_for(analyst) if login == "token" else client
    raw = json.dumps({"body": "x" * 3_000_000})
    response = post_raw(caller, f"/api/v1/tickets/{ticket.pk}/messages/create/", raw)
    assert response.status_code == 413
    assert response.headers["Content-Type"] == "application/json"
    error = error_of(response)
    assert error["code"] == "too_large"
    assert f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes" in error["message"]
    assert ticket.messages.count() == 1
