from django.contrib.staticfiles import finders
from django.core.management import call_command


def test_the_schema_is_valid_and_complete(tmp_path):
    out = tmp_path / "schema.yaml"
    # --fail-on-warn: an operation without a typed request or response would stop the command.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for operation in (
        "tickets_list",
        "tickets_create",
        "tickets_retrieve",
        "tickets_update",
        "tickets_messages_list",
        "tickets_messages_create",
        "tickets_suggestions_list",
        "tickets_suggestions_accept",
        "tickets_suggestions_dismiss",
        "knowledge_list",
        "knowledge_search",
        "knowledge_retrieve",
        "knowledge_create",
        "knowledge_approve",
        "knowledge_reject",
    ):
        assert f"operationId: {operation}\n" in text


def test_the_schema_documents_errors_and_idempotency(client, db):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    error = schema["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["required"] == ["code", "message", "fields"]
    create = schema["paths"]["/api/v1/tickets/{ticket_id}/messages/create/"]["post"]
    assert {"200", "201", "400", "401", "403", "404", "422", "429"} <= set(create["responses"])
    assert create["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in create["parameters"])
    accept = schema["paths"]["/api/v1/tickets/{ticket_id}/suggestions/{suggestion_id}/accept/"]
    assert "409" in accept["post"]["responses"]
    assert set(schema["components"]["securitySchemes"]) == {"tokenAuth", "cookieAuth"}


def test_the_docs_page_uses_only_local_assets(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    text = response.text
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in text
    assert "cdn" not in text.lower()
    assert "https://" not in text
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css")
