"""REST API for tickets and their conversations. Thin: selectors read, services write."""

from django.contrib.auth import get_user_model
from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import parsers, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from core import roles
from core.api import (
    IDEMPOTENCY_HEADER,
    PAGE_PARAMETERS,
    ApiRequest,
    BaseApi,
    idempotency_key,
    paginated,
    paginated_response,
    query_params,
)
from core.untrusted_json import BoundedJSONParser
from tickets import access, attachments, bulk_services, macro_services, selectors, services
from tickets.attachment_apis import AttachmentSerializer
from tickets.models import Macro, Message, Ticket


class PersonSerializer(serializers.Serializer):
    class Meta:
        ref_name = "Person"

    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, user: object) -> str:
        return services.display_name(user)  # type: ignore[arg-type]


class TeamSerializer(serializers.Serializer):
    class Meta:
        ref_name = "TeamRef"

    slug = serializers.SlugField()
    name = serializers.CharField()


class CustomerSerializer(serializers.Serializer):
    class Meta:
        ref_name = "Customer"

    name = serializers.CharField(max_length=120)
    email = serializers.EmailField()


class TicketSerializer(serializers.Serializer):
    class Meta:
        ref_name = "Ticket"

    id = serializers.IntegerField()
    subject = serializers.CharField()
    status = serializers.ChoiceField(choices=Ticket.Status.choices)
    priority = serializers.ChoiceField(choices=Ticket.Priority.choices)
    team = TeamSerializer()
    customer = CustomerSerializer()
    assignee = PersonSerializer(allow_null=True)
    tags = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    last_message_at = serializers.DateTimeField()
    first_response_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    customer_id = serializers.IntegerField(
        help_text="The customer's id (their tickets: `/api/v1/customers/{id}/tickets/`)."
    )
    merged_into = serializers.IntegerField(
        source="merged_into_id",
        allow_null=True,
        help_text="The ticket this one was merged into, if it was.",
    )


class MessageSerializer(serializers.Serializer):
    class Meta:
        ref_name = "Message"

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Message.Kind.choices)
    internal = serializers.BooleanField(help_text="An internal note, never shown to the customer.")
    author = PersonSerializer(allow_null=True, help_text="The staff member who wrote it.")
    author_name = serializers.CharField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    attachments = AttachmentSerializer(many=True, help_text="The files sent with it.")


IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    description=(
        "Your own unique key for this request (e.g. a UUID, at most 100 characters). "
        "A retry with the same key returns what the first request made, with status 200."
    ),
)


STATUS_FILTERS = ["active", "all", *Ticket.Status.values]


class TicketListApi(BaseApi):
    class FilterSerializer(serializers.Serializer):
        class Meta:
            ref_name = "TicketFilters"

        status = serializers.ChoiceField(
            choices=STATUS_FILTERS,
            required=False,
            help_text="A status, `active` (new, open, waiting) or `all` (the default).",
        )
        team = serializers.SlugField(required=False, help_text="A team's slug.")
        assignee = serializers.RegexField(
            r"^(me|none|[0-9]{1,18})$",
            required=False,
            help_text="`me`, `none` (unassigned) or a user id.",
        )
        priority = serializers.ChoiceField(choices=Ticket.Priority.choices, required=False)
        q = serializers.CharField(
            required=False,
            max_length=200,
            help_text="Text in the subject, customer, tags or messages; `#id`; or an imported "
            "conversation's id.",
        )
        sort = serializers.ChoiceField(choices=list(selectors.QUEUE_SORTS), required=False)

    @extend_schema(
        operation_id="tickets_list",
        parameters=[FilterSerializer, *PAGE_PARAMETERS],
        responses=paginated(TicketSerializer, "TicketPage"),
    )
    def get(self, request: ApiRequest) -> Response:
        data = query_params(request, self.FilterSerializer)
        filters = selectors.QueueFilters(
            status=data.get("status", "all"),
            team=data.get("team", ""),
            assignee=data.get("assignee", ""),
            priority=str(data.get("priority", "")),
            q=data.get("q", ""),
            sort=data.get("sort", "-last_message_at"),
        )
        tickets = selectors.ticket_queue(request.user, filters)
        return paginated_response(
            request=request, view=self, queryset=tickets, serializer_class=TicketSerializer
        )


class TicketCreateApi(BaseApi):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "TicketCreate"

        team = serializers.SlugField(help_text="The slug of one of your teams.")
        customer = CustomerSerializer()
        subject = serializers.CharField(max_length=200)
        body = serializers.CharField(help_text="The customer's first message.")
        priority = serializers.ChoiceField(
            choices=Ticket.Priority.choices, default=Ticket.Priority.NORMAL
        )

    @extend_schema(
        operation_id="tickets_create",
        description=(
            "Open a ticket for a customer (found or created by email) with their first message. "
            f"With an `{IDEMPOTENCY_HEADER}` header, a retry returns the ticket it opened (200); "
            "the same key with another customer, subject or text is a 422."
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        request=InputSerializer,
        responses={201: TicketSerializer, 200: TicketSerializer},
    )
    def post(self, request: ApiRequest) -> Response:
        if not roles.can_work_tickets(request.user):
            raise PermissionDenied("Your role can read tickets but not open them.")
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        team = selectors.teams_for_user(request.user).filter(slug=data["team"]).first()
        if team is None:
            raise serializers.ValidationError({"team": [f"You have no team {data['team']!r}."]})
        with transaction.atomic():
            ticket, created = services.ticket_open_with_key(
                key=idempotency_key(request),
                team=team,
                name=data["customer"]["name"],
                email=data["customer"]["email"],
                subject=data["subject"],
                body=data["body"],
            )
            if created and data["priority"] != ticket.priority:
                services.ticket_set_priority(
                    ticket=ticket, actor=request.user, priority=data["priority"]
                )
        ticket = access.get_ticket_for_user(request.user, ticket.pk)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(TicketSerializer(ticket).data, status=code)


class TicketDetailApi(BaseApi):
    @extend_schema(operation_id="tickets_retrieve", responses=TicketSerializer)
    def get(self, request: ApiRequest, ticket_id: int) -> Response:
        return Response(TicketSerializer(access.get_ticket_for_user(request.user, ticket_id)).data)


class TicketUpdateApi(BaseApi):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "TicketUpdate"

        status = serializers.ChoiceField(choices=Ticket.Status.choices, required=False)
        assignee = serializers.IntegerField(
            required=False,
            allow_null=True,
            min_value=1,
            max_value=2**62,
            help_text="A user id, or null to unassign.",
        )
        priority = serializers.ChoiceField(choices=Ticket.Priority.choices, required=False)

        def validate_assignee(self, value: int | None) -> object:
            if value is None:
                return None
            user = get_user_model().objects.filter(pk=value).first()
            if user is None:
                raise serializers.ValidationError(f"There is no user #{value}.")
            return user

        def validate(self, attrs: dict) -> dict:
            if not attrs:
                raise serializers.ValidationError("Send a status, an assignee or a priority.")
            return attrs

    @extend_schema(
        operation_id="tickets_update",
        description=(
            "Change the status, assignee or priority. All or nothing: an invalid status "
            "transition or an assignee who may not work the team's tickets is a 422 and "
            "nothing changes."
        ),
        request=InputSerializer,
        responses=TicketSerializer,
    )
    def post(self, request: ApiRequest, ticket_id: int) -> Response:
        ticket = access.get_ticket_to_work(request.user, ticket_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            if "status" in data:
                services.ticket_change_status(
                    ticket=ticket, actor=request.user, status=data["status"]
                )
            if "assignee" in data:
                services.ticket_assign(ticket=ticket, actor=request.user, assignee=data["assignee"])
            if "priority" in data:
                services.ticket_set_priority(
                    ticket=ticket, actor=request.user, priority=data["priority"]
                )
        return Response(TicketSerializer(access.get_ticket_for_user(request.user, ticket_id)).data)


class MessageListApi(BaseApi):
    @extend_schema(
        operation_id="tickets_messages_list",
        description="The whole conversation, internal notes included, oldest first.",
        parameters=PAGE_PARAMETERS,
        responses=paginated(MessageSerializer, "MessagePage"),
    )
    def get(self, request: ApiRequest, ticket_id: int) -> Response:
        ticket = access.get_ticket_for_user(request.user, ticket_id)
        return paginated_response(
            request=request,
            view=self,
            queryset=selectors.conversation_for_staff(ticket),
            serializer_class=MessageSerializer,
        )


class MessageCreateApi(BaseApi):
    # JSON, or multipart/form-data when files come with the message.
    parser_classes = [BoundedJSONParser, parsers.MultiPartParser]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "MessageCreate"

        kind = serializers.ChoiceField(
            choices=[Message.Kind.ANALYST, Message.Kind.CUSTOMER],
            default=Message.Kind.ANALYST,
            help_text="`analyst`: written by you; `customer`: the customer's words, relayed.",
        )
        body = serializers.CharField()
        internal = serializers.BooleanField(
            default=False, help_text="An internal note (analyst messages only)."
        )
        macros = serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=2**62),
            required=False,
            max_length=10,
            help_text="Ids of macros (offered on this ticket) the reply was written with: "
            "their changes are made and their use counted; the response then lists any change "
            "the ticket could not take in `macro_warnings`. Analyst messages only.",
        )
        files = serializers.ListField(
            child=serializers.FileField(allow_empty_file=True, use_url=False),
            required=False,
            help_text="Files sent with the message (multipart/form-data, one `files` part "
            "each), within the server's limits of size, number and type (read from the "
            "content). One that may not be kept refuses the whole message, naming each.",
        )

        def validate_files(self, value: list[object]) -> list[attachments.IncomingFile]:
            try:
                return attachments.read_uploads(value)  # type: ignore[arg-type]
            except attachments.AttachmentRefused as exc:
                raise serializers.ValidationError(exc.reasons) from exc

    @extend_schema(
        operation_id="tickets_messages_create",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=InputSerializer,
        responses={
            201: MessageSerializer,
            200: OpenApiResponse(
                MessageSerializer,
                description=f"A retry: the message this {IDEMPOTENCY_HEADER} made.",
            ),
        },
    )
    def post(self, request: ApiRequest, ticket_id: int) -> Response:
        ticket = access.get_ticket_to_work(request.user, ticket_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        as_customer = data["kind"] == Message.Kind.CUSTOMER
        macros = _offered_macros(request, ticket, data.get("macros", []), as_customer)
        message, created = services.message_create(
            ticket=ticket,
            kind=data["kind"],
            body=data["body"],
            author=None if as_customer else request.user,
            author_name=ticket.customer.name if as_customer else "",
            internal=data["internal"],
            external_id=idempotency_key(request),
            # An integration's service account speaks for a system that reaches the customer
            # itself; a person's reply through the API is mailed like one from the console.
            email=not roles.is_service_account(request.user),
            files=data.get("files", []),
        )
        if not created and message.body != data["body"].strip():
            raise services.TicketError(
                f"This {IDEMPOTENCY_HEADER} was already used for a different message."
            )
        warnings = macro_services.macros_apply(
            macros=macros, ticket=ticket, actor=request.user, message=message
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        body = dict(MessageSerializer(message).data)
        if macros:
            # A change the ticket could not take (e.g. a status it cannot move to), in words.
            body["macro_warnings"] = warnings
        return Response(body, status=code)


def _offered_macros(
    request: ApiRequest, ticket: Ticket, ids: list[int], as_customer: bool
) -> list[Macro]:
    if not ids:
        return []
    if as_customer:
        raise serializers.ValidationError({"macros": ["Only analyst messages use macros."]})
    offered = {m.pk: m for m in selectors.macros_for_ticket(request.user, ticket)}
    missing = [str(i) for i in ids if i not in offered]
    if missing:
        raise serializers.ValidationError(
            {"macros": [f"Not macros of yours or this ticket's team: {', '.join(missing)}."]}
        )
    return [offered[i] for i in dict.fromkeys(ids)]


class TicketBulkApi(BaseApi):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "TicketBulk"

        tickets = serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=2**62),
            min_length=1,
            max_length=bulk_services.MAX_TICKETS,
        )
        action = serializers.ChoiceField(choices=list(bulk_services.ACTIONS))
        assignee = serializers.IntegerField(
            required=False,
            allow_null=True,
            min_value=1,
            max_value=2**62,
            help_text="`assign`: a user id, or null to unassign.",
        )
        status = serializers.ChoiceField(choices=Ticket.Status.choices, required=False)
        priority = serializers.ChoiceField(choices=Ticket.Priority.choices, required=False)
        tags = serializers.ListField(
            child=serializers.CharField(max_length=40),
            required=False,
            max_length=10,
            help_text="`add_tags` / `remove_tags`.",
        )
        team = serializers.SlugField(required=False, help_text="`team`: one of your teams.")

        def validate(self, attrs: dict) -> dict:
            needs = {"assign": "assignee", "status": "status", "priority": "priority"}
            needs |= {"add_tags": "tags", "remove_tags": "tags", "team": "team"}
            wanted = needs[attrs["action"]]
            if wanted not in attrs or (wanted == "tags" and not attrs["tags"]):
                raise serializers.ValidationError({wanted: [f"`{attrs['action']}` needs it."]})
            return attrs

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "TicketBulkResult"

        class Refused(serializers.Serializer):
            id = serializers.IntegerField()
            reason = serializers.CharField()

        changed = serializers.ListField(child=serializers.IntegerField())
        unchanged = serializers.ListField(child=serializers.IntegerField())
        refused = Refused(many=True)

    @extend_schema(
        operation_id="tickets_bulk",
        description=(
            "One change to several tickets, each through the same checks as a change to one. "
            "Tickets you may not see, or that cannot take the change, are listed in `refused` "
            "with the reason; the others are changed."
        ),
        request=InputSerializer,
        responses=OutputSerializer,
    )
    def post(self, request: ApiRequest) -> Response:
        if not roles.can_work_tickets(request.user):
            raise PermissionDenied("Your role can read tickets but not change them.")
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = bulk_services.tickets_bulk_change(
            actor=request.user, ticket_ids=data["tickets"], change=self._change(request, data)
        )
        refused = [{"id": pk, "reason": reason} for pk, reason in result.refused]
        body = {"changed": result.changed, "unchanged": result.unchanged, "refused": refused}
        return Response(self.OutputSerializer(body).data)

    def _change(self, request: ApiRequest, data: dict) -> bulk_services.BulkChange:
        assignee, team = None, None
        if data["action"] == "assign" and data["assignee"] is not None:
            assignee = get_user_model().objects.filter(pk=data["assignee"]).first()
            if assignee is None:
                raise serializers.ValidationError({"assignee": [f"No user #{data['assignee']}."]})
        if data["action"] == "team":
            team = selectors.teams_for_user(request.user).filter(slug=data["team"]).first()
            if team is None:
                raise serializers.ValidationError({"team": [f"You have no team {data['team']!r}."]})
        tags = tuple(services.normalise_tags(data.get("tags", [])))
        return bulk_services.BulkChange(
            action=data["action"],
            assignee=assignee,
            status=data.get("status", ""),
            priority=data.get("priority", 0),
            tags=tags,
            team=team,
        )
