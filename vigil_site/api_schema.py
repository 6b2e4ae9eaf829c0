"""The error responses every operation may give, added to the OpenAPI schema in one place."""

from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error of the API has this shape.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {
                    "type": "string",
                    "description": "invalid, not_authenticated, permission_denied, not_found, "
                    "method_not_allowed, conflict, too_large, unprocessable, throttled…",
                },
                "message": {"type": "string", "description": "What went wrong, fit to show."},
                "fields": {
                    "type": "object",
                    "description": "For invalid input: each field's messages.",
                    "additionalProperties": {},
                },
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}
COMMON = {
    "400": "Invalid input: a query parameter, header or body field.",
    "401": "No credentials, or an unknown token.",
    "403": "Your role may not do this.",
    "404": "No such object in your teams (or no such page).",
    "429": "Too many requests; the message says when to try again.",
}
WRITES = {
    "413": "The body is larger than the server accepts (DATA_UPLOAD_MAX_MEMORY_SIZE).",
    "422": "The current state refuses the change; the message says why.",
}
SUGGESTION_WRITES = {"409": "The suggestion was already decided."}


def add_error_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular post-processing hook: the error shape, referenced by every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            errors = dict(COMMON)
            if method == "post":
                errors |= WRITES
                if "/suggestions/" in path:
                    errors |= SUGGESTION_WRITES
            responses = operation.setdefault("responses", {})
            for status_code, description in errors.items():
                responses.setdefault(status_code, _response(description))
    return result


def _response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
