"""One JSON shape for every API error: ``{"error": {"code", "message", "fields"}}``."""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from copilot.services import SuggestionError
from knowledge.services import KnowledgeError
from tickets.services import TicketError

# Errors from the services carry a message fit to show: a change the current state refuses
# is 422 (an invalid transition, an empty message), acting on a decided suggestion is 409.
SERVICE_ERRORS: dict[type[Exception], tuple[int, str]] = {
    TicketError: (status.HTTP_422_UNPROCESSABLE_ENTITY, "unprocessable"),
    KnowledgeError: (status.HTTP_422_UNPROCESSABLE_ENTITY, "unprocessable"),
    SuggestionError: (status.HTTP_409_CONFLICT, "conflict"),
}
CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
}


class TooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    for error_class, (status_code, code) in SERVICE_ERRORS.items():
        if isinstance(exc, error_class):
            return Response(error_body(code, str(exc)), status=status_code)
    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return None  # an unexpected error: Django logs it and answers 500
    response.data = _shape(exc, response.status_code)
    return response


def _as_api_exception(exc: Exception) -> Exception:
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    if isinstance(exc, Http404):
        return exceptions.NotFound(str(exc) or None)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, RequestDataTooBig):
        # Django would answer its own HTML 400 page; API callers read JSON.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return TooLarge(f"The request body is larger than {limit:,} bytes.")
    return exc


def _shape(exc: exceptions.APIException, status_code: int) -> dict[str, Any]:
    code = CODES.get(status_code, "error")
    detail = exc.detail
    if isinstance(exc, exceptions.ValidationError):
        if isinstance(detail, dict):
            return error_body(code, _summary(detail), _fields(detail))
        messages = _messages(detail)
        return error_body(code, " ".join(messages) or "The request is not valid.")
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        return error_body(code, f"Too many requests. Try again in {int(exc.wait) + 1} seconds.")
    return error_body(code, " ".join(_messages(detail)))


def _summary(detail: dict[str, Any]) -> str:
    if list(detail) == ["non_field_errors"]:
        return " ".join(_messages(detail["non_field_errors"]))
    names = ", ".join(name for name in detail if name != "non_field_errors")
    return f"Some fields are not valid: {names}."


def _fields(detail: Any) -> Any:
    """Field name -> its messages; nested serializers keep their nesting."""
    if isinstance(detail, dict):
        return {name: _fields(value) for name, value in detail.items()}
    return _messages(detail)


def _messages(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [m for value in detail.values() for m in _messages(value)]
    if isinstance(detail, list):
        return [m for item in detail for m in _messages(item)]
    return [str(detail)]


def not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """Any path under /api/ that names no endpoint: the same shape as every other error."""
    message = f"There is no API endpoint at {request.path}."
    return JsonResponse(error_body("not_found", message), status=404)
