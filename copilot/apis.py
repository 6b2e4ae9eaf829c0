"""REST API for the copilot's suggestions on a ticket: list, accept (send as is), dismiss."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from copilot import selectors, services
from copilot.models import Suggestion
from core.api import (
    PAGE_PARAMETERS,
    ApiRequest,
    BaseApi,
    paginated,
    paginated_response,
)
from tickets import access
from tickets.apis import MessageSerializer, PersonSerializer
from tickets.models import Ticket


class CitationSerializer(serializers.Serializer):
    class Meta:
        ref_name = "Citation"

    id = serializers.IntegerField()
    question = serializers.CharField()


class SuggestionSerializer(serializers.Serializer):
    class Meta:
        ref_name = "Suggestion"

    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="`answer` or `status_update`.")
    label = serializers.CharField()
    text = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    why = serializers.CharField()
    state = serializers.ChoiceField(choices=Suggestion.State.choices)
    dismiss_reason = serializers.CharField(help_text="Empty unless dismissed.")
    citations = CitationSerializer(many=True, source="citations.all")
    acted_by = PersonSerializer(allow_null=True)
    acted_at = serializers.DateTimeField(allow_null=True)
    sent_message_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


def _suggestion(ticket: Ticket, suggestion_id: int) -> Suggestion:
    suggestion = selectors.suggestion_for_ticket(ticket, suggestion_id)
    if suggestion is None:
        raise NotFound(f"There is no suggestion #{suggestion_id} on ticket #{ticket.pk}.")
    return suggestion


class SuggestionListApi(BaseApi):
    @extend_schema(
        operation_id="tickets_suggestions_list",
        parameters=PAGE_PARAMETERS,
        responses=paginated(SuggestionSerializer, "SuggestionPage"),
    )
    def get(self, request: ApiRequest, ticket_id: int) -> Response:
        ticket = access.get_ticket_for_user(request.user, ticket_id)
        return paginated_response(
            request=request,
            view=self,
            queryset=selectors.suggestions_for_ticket(ticket),
            serializer_class=SuggestionSerializer,
        )


class SuggestionAcceptApi(BaseApi):
    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "SuggestionAccepted"

        suggestion = SuggestionSerializer()
        message = MessageSerializer(help_text="The reply sent to the customer.")
        warnings = serializers.ListField(
            child=serializers.CharField(),
            help_text="Changes of a macro the suggestion offered that the ticket could not take "
            "(the reply was sent, the other changes made).",
        )

    @extend_schema(
        operation_id="tickets_suggestions_accept",
        description="Send the suggestion to the customer as your reply, unchanged.",
        request=None,
        responses=OutputSerializer,
    )
    def post(self, request: ApiRequest, ticket_id: int, suggestion_id: int) -> Response:
        ticket = access.get_ticket_to_work(request.user, ticket_id)
        suggestion = _suggestion(ticket, suggestion_id)
        sent = services.suggestion_send(suggestion=suggestion, actor=request.user)
        suggestion = _suggestion(ticket, suggestion_id)
        output = {"suggestion": suggestion, "message": sent.message, "warnings": sent.warnings}
        return Response(self.OutputSerializer(output).data)


class SuggestionDismissApi(BaseApi):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "SuggestionDismiss"

        reason = serializers.ChoiceField(choices=Suggestion.DismissReason.choices)

    @extend_schema(
        operation_id="tickets_suggestions_dismiss",
        request=InputSerializer,
        responses=SuggestionSerializer,
    )
    def post(self, request: ApiRequest, ticket_id: int, suggestion_id: int) -> Response:
        ticket = access.get_ticket_to_work(request.user, ticket_id)
        suggestion = _suggestion(ticket, suggestion_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.suggestion_dismiss(
            suggestion=suggestion, actor=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(SuggestionSerializer(_suggestion(ticket, suggestion_id)).data)
