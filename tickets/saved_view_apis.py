"""REST API for saved views: one person's named queue filters, each with how many tickets match
it now in the teams they see. Thin: selectors read, services write; the same access checks as
the console (``tickets.access``)."""

from typing import Any
from urllib.parse import parse_qsl

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from core.api import PAGE_PARAMETERS, ApiRequest, BaseApi, paginated, paginated_response
from tickets import access, saved_view_services, selectors
from tickets.models import SavedView

QUERY_HELP = (
    "The queue page's query string, e.g. `status=open&team=storage&assignee=none`: keys q, "
    "status, team, assignee (me, none or a person's id), priority and sort; others are dropped."
)


class SavedViewSerializer(serializers.Serializer):
    class Meta:
        ref_name = "SavedView"

    id = serializers.IntegerField()
    name = serializers.CharField()
    query = serializers.CharField(help_text="The filters, as the queue page's query string.")
    filters = serializers.SerializerMethodField()
    count = serializers.SerializerMethodField(help_text="Tickets matching it now.")
    url = serializers.SerializerMethodField(help_text="The queue page showing it.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_filters(self, view: SavedView) -> dict[str, str]:
        return dict(parse_qsl(view.query))

    def get_count(self, view: SavedView) -> int:
        return selectors.saved_view_count(self.context["request"].user, view)

    def get_url(self, view: SavedView) -> str:
        return reverse("tickets:queue") + (f"?{view.query}" if view.query else "")


class SavedViewListApi(BaseApi):
    @extend_schema(
        operation_id="views_list",
        description="Your saved views, by name, each with how many tickets it matches now.",
        parameters=PAGE_PARAMETERS,
        responses=paginated(SavedViewSerializer, "SavedViewPage"),
    )
    def get(self, request: ApiRequest) -> Response:
        views = selectors.saved_views_for_user(request.user)
        return paginated_response(
            request=request, view=self, queryset=views, serializer_class=SavedViewSerializer
        )


class SavedViewCreateApi(BaseApi):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "SavedViewCreate"

        name = serializers.CharField(max_length=60)
        query = serializers.CharField(
            max_length=2000, allow_blank=True, required=False, help_text=QUERY_HELP
        )

    @extend_schema(
        operation_id="views_create",
        description="Save a queue filter under a name. A taken name, an unknown filter value "
        "or a team not yours is a 400.",
        request=InputSerializer,
        responses={201: SavedViewSerializer},
    )
    def post(self, request: ApiRequest) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data: dict[str, Any] = serializer.validated_data
        view = saved_view_services.saved_view_create(
            owner=request.user, name=data["name"], query=data.get("query", "")
        )
        body = SavedViewSerializer(view, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class SavedViewDetailApi(BaseApi):
    @extend_schema(operation_id="views_retrieve", responses=SavedViewSerializer)
    def get(self, request: ApiRequest, view_id: int) -> Response:
        view = access.get_saved_view_for_user(request.user, view_id)
        return Response(SavedViewSerializer(view, context={"request": request}).data)


class SavedViewUpdateApi(BaseApi):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "SavedViewUpdate"

        name = serializers.CharField(max_length=60, required=False)
        query = serializers.CharField(
            max_length=2000, allow_blank=True, required=False, help_text=QUERY_HELP
        )

    @extend_schema(
        operation_id="views_update",
        description="Rename a view, or give it other filters.",
        request=InputSerializer,
        responses=SavedViewSerializer,
    )
    def post(self, request: ApiRequest, view_id: int) -> Response:
        view = access.get_saved_view_for_user(request.user, view_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not serializer.validated_data:
            raise serializers.ValidationError("Send a name or a query to change.")
        view = saved_view_services.saved_view_update(view=view, **serializer.validated_data)
        return Response(SavedViewSerializer(view, context={"request": request}).data)


class SavedViewDeleteApi(BaseApi):
    @extend_schema(operation_id="views_delete", request=None, responses={204: None})
    def post(self, request: ApiRequest, view_id: int) -> Response:
        view = access.get_saved_view_for_user(request.user, view_id)
        saved_view_services.saved_view_delete(view=view)
        return Response(status=status.HTTP_204_NO_CONTENT)
