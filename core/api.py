"""What every API view shares: its base class, paging, ticket access and idempotency keys."""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import pagination, serializers
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class ApiRequest(Request):
    """A request that passed ``HasVigilRole``: the user is a real, logged-in one."""

    user: User


class BaseApi(APIView):
    """Every API view. DRF checks throttles only after authentication and permissions pass;
    here callers without valid credentials are counted first, against the anonymous rate, so
    guessing tokens is throttled like any other anonymous request."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        try:
            self.perform_authentication(request)
        except APIException:
            self.check_throttles(request)
            raise
        if not request.user.is_authenticated:
            self.check_throttles(request)
        super().initial(request, *args, **kwargs)


class ApiPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"

    def get_page_size(self, request: Request) -> int:
        self.page_size = settings.VIGIL_API_PAGE_SIZE
        self.max_page_size = settings.VIGIL_API_MAX_PAGE_SIZE
        return super().get_page_size(request) or self.page_size


PAGE_PARAMETERS = [
    OpenApiParameter("page", OpenApiTypes.INT, description="Page number, from 1."),
    OpenApiParameter(
        "page_size", OpenApiTypes.INT, description="Items per page (at most the server's maximum)."
    ),
]


def paginated(serializer_class: type[serializers.Serializer], name: str) -> Any:
    """The schema of one page of ``serializer_class`` items."""
    return inline_serializer(
        name=name,
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )


def paginated_response(
    *,
    request: Request,
    view: APIView,
    queryset: QuerySet | list[Any],
    serializer_class: type[serializers.Serializer],
) -> Response:
    paginator = ApiPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    data = serializer_class(page, many=True, context={"request": request}).data
    return paginator.get_paginated_response(data)


def query_params(request: Request, serializer_class: type[serializers.Serializer]) -> Any:
    """The query string validated by ``serializer_class`` (a bad value is a 400)."""
    # PostgreSQL refuses NUL characters in text; a filter value never needs one.
    data = {key: value.replace("\x00", "") for key, value in request.query_params.items()}
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_IDEMPOTENCY_KEY = 100


def idempotency_key(request: ApiRequest) -> str | None:
    """The caller's ``Idempotency-Key``, scoped to the caller so two callers never share one."""
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if not key:
        return None
    if len(key) > MAX_IDEMPOTENCY_KEY or not key.isascii() or not key.isprintable():
        raise serializers.ValidationError(
            {
                IDEMPOTENCY_HEADER: [
                    f"Use at most {MAX_IDEMPOTENCY_KEY} printable ASCII characters, e.g. a UUID."
                ]
            }
        )
    return f"api-{request.user.pk}:{key}"
