"""REST API for macros (canned replies). Thin: selectors read, services write; the same
access checks as the console (``tickets.access``)."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from core import roles
from core.api import (
    PAGE_PARAMETERS,
    ApiPagination,
    ApiRequest,
    BaseApi,
    paginated,
    paginated_response,
)
from tickets import access, macro_services, selectors
from tickets.apis import PersonSerializer, TeamSerializer
from tickets.models import Macro, Ticket
from tickets.placeholders import validate_placeholders
from tickets.views import portal_path


class MacroSerializer(serializers.Serializer):
    class Meta:
        ref_name = "Macro"

    id = serializers.IntegerField()
    name = serializers.CharField()
    body = serializers.CharField(help_text="With its placeholders, as saved.")
    team = TeamSerializer(allow_null=True, help_text="A team's macro; null for a personal one.")
    owner = PersonSerializer(allow_null=True, help_text="A personal macro's owner.")
    set_status = serializers.CharField(help_text="A status it sets on send, or empty.")
    set_priority = serializers.IntegerField(allow_null=True)
    add_tags = serializers.ListField(child=serializers.CharField())
    copilot_offers = serializers.BooleanField(
        help_text="A team's macro: whether the copilot may offer it as an answer."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class FilledMacroSerializer(MacroSerializer):
    class Meta:
        ref_name = "FilledMacro"

    filled_body = serializers.CharField(help_text="The body with this ticket's placeholders.")


def _require_worker(request: ApiRequest) -> None:
    if not roles.can_work_tickets(request.user):
        raise PermissionDenied("Your role can read tickets but not reply, so it has no macros.")


class MacroInputSerializer(serializers.Serializer):
    class Meta:
        ref_name = "MacroInput"

    name = serializers.CharField(max_length=80)
    body = serializers.CharField(max_length=10_000, validators=[validate_placeholders])
    set_status = serializers.ChoiceField(
        choices=Ticket.Status.choices, allow_blank=True, required=False
    )
    set_priority = serializers.ChoiceField(
        choices=Ticket.Priority.choices, allow_null=True, required=False
    )
    add_tags = serializers.ListField(
        child=serializers.CharField(max_length=40), max_length=10, required=False
    )
    copilot_offers = serializers.BooleanField(
        required=False,
        help_text="A team's macro: whether the copilot may offer it (default true).",
    )


class MacroListApi(BaseApi):
    @extend_schema(
        operation_id="macros_list",
        description="Your personal macros and your teams' macros.",
        parameters=PAGE_PARAMETERS,
        responses=paginated(MacroSerializer, "MacroPage"),
    )
    def get(self, request: ApiRequest) -> Response:
        _require_worker(request)
        macros = selectors.macros_for_user(request.user).select_related("owner").order_by("pk")
        return paginated_response(
            request=request, view=self, queryset=macros, serializer_class=MacroSerializer
        )


class MacroCreateApi(BaseApi):
    class InputSerializer(MacroInputSerializer):
        class Meta:
            ref_name = "MacroCreate"

        team = serializers.SlugField(
            required=False, help_text="Admins only: a team's slug, for a team macro."
        )

    @extend_schema(
        operation_id="macros_create",
        description="A personal macro, or with `team` (admins) that team's. An unknown "
        "placeholder in the body is a 400.",
        request=InputSerializer,
        responses={201: MacroSerializer},
    )
    def post(self, request: ApiRequest) -> Response:
        _require_worker(request)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data: dict[str, Any] = dict(serializer.validated_data)
        team = None
        if slug := data.pop("team", None):
            if not roles.can_administer(request.user):
                raise PermissionDenied("A team's macros are managed by admins.")
            team = selectors.teams_for_user(request.user).filter(slug=slug).first()
            if team is None:
                raise serializers.ValidationError({"team": [f"You have no team {slug!r}."]})
        macro = macro_services.macro_create(actor=request.user, team=team, **data)
        return Response(MacroSerializer(macro).data, status=status.HTTP_201_CREATED)


class MacroDetailApi(BaseApi):
    @extend_schema(operation_id="macros_retrieve", responses=MacroSerializer)
    def get(self, request: ApiRequest, macro_id: int) -> Response:
        _require_worker(request)
        return Response(MacroSerializer(access.get_macro_for_user(request.user, macro_id)).data)


class MacroUpdateApi(BaseApi):
    class InputSerializer(MacroInputSerializer):
        class Meta:
            ref_name = "MacroUpdate"

        name = serializers.CharField(max_length=80, required=False)
        body = serializers.CharField(
            max_length=10_000, validators=[validate_placeholders], required=False
        )

    @extend_schema(
        operation_id="macros_update",
        description="Change the fields sent. Your own macros; a team's only as an admin.",
        request=InputSerializer,
        responses=MacroSerializer,
    )
    def post(self, request: ApiRequest, macro_id: int) -> Response:
        _require_worker(request)
        macro = access.get_macro_to_edit(request.user, macro_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not serializer.validated_data:
            raise serializers.ValidationError("Send at least one field to change.")
        macro = macro_services.macro_update(
            macro=macro, actor=request.user, **serializer.validated_data
        )
        return Response(MacroSerializer(macro).data)


class MacroDeleteApi(BaseApi):
    @extend_schema(operation_id="macros_delete", request=None, responses={204: None})
    def post(self, request: ApiRequest, macro_id: int) -> Response:
        _require_worker(request)
        macro = access.get_macro_to_edit(request.user, macro_id)
        macro_services.macro_delete(macro=macro, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TicketMacroListApi(BaseApi):
    @extend_schema(
        operation_id="tickets_macros_list",
        description="The macros offered on this ticket (yours and its team's), each with its "
        "body filled in for the ticket. Send a reply with `macros: [id]` to apply their changes.",
        parameters=PAGE_PARAMETERS,
        responses=paginated(FilledMacroSerializer, "FilledMacroPage"),
    )
    def get(self, request: ApiRequest, ticket_id: int) -> Response:
        ticket = access.get_ticket_to_work(request.user, ticket_id)
        link = request.build_absolute_uri(portal_path(ticket))
        macros = selectors.macros_for_ticket(request.user, ticket).select_related("owner")
        paginator = ApiPagination()
        page: list[Macro] = paginator.paginate_queryset(macros, request, view=self) or []
        for macro in page:
            macro.filled_body = macro_services.macro_fill(  # type: ignore[attr-defined]
                macro=macro, ticket=ticket, actor=request.user, portal_link=link
            )
        return paginator.get_paginated_response(FilledMacroSerializer(page, many=True).data)
