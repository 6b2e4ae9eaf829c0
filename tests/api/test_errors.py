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
