"""REST API for customers' history: their tickets, merging two of them, and their ratings."""

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from core.api import PAGE_PARAMETERS, ApiRequest, BaseApi, paginated, paginated_response
from tickets import access, merge_services, selectors
from tickets.apis import TicketSerializer
from tickets.models import SatisfactionRating


class CustomerTicketListApi(BaseApi):
    @extend_schema(
        operation_id="customers_tickets_list",
        description="The customer's tickets in your teams, newest first, merged ones included. "
        "A customer with no ticket in your teams is a 404.",
        parameters=PAGE_PARAMETERS,
        responses=paginated(TicketSerializer, "CustomerTicketPage"),
    )
    def get(self, request: ApiRequest, customer_id: int) -> Response:
        customer = access.get_customer_for_user(request.user, customer_id)
        return paginated_response(
            request=request,
            view=self,
            queryset=selectors.customer_tickets(request.user, customer).select_related("customer"),
            serializer_class=TicketSerializer,
        )


class TicketMergeApi(BaseApi):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "TicketMerge"

        into = serializers.IntegerField(
            min_value=1, max_value=2**62, help_text="The ticket to merge this one into."
        )

    @extend_schema(
        operation_id="tickets_merge",
        description=(
            "Merge this ticket into another of the same customer: its messages and timeline "
            "move there, and it is closed, pointing to it (`merged_into`). Both tickets must be "
            "ones you may change (404 or 403 otherwise); tickets of different customers, or one "
            "already merged, are a 422 with the reason. Returns the ticket merged into."
        ),
        request=InputSerializer,
        responses=TicketSerializer,
    )
    def post(self, request: ApiRequest, ticket_id: int) -> Response:
        source = access.get_ticket_to_work(request.user, ticket_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = access.get_ticket_to_work(request.user, serializer.validated_data["into"])
        with transaction.atomic():
            merge_services.ticket_merge(source=source, target=target, actor=request.user)
        fresh = access.get_ticket_for_user(request.user, target.pk)
        return Response(TicketSerializer(fresh).data)


class RatingSerializer(serializers.Serializer):
    class Meta:
        ref_name = "SatisfactionRating"

    rating = serializers.ChoiceField(choices=SatisfactionRating.Rating.choices)
    comment = serializers.CharField()
    resolved_at = serializers.DateTimeField(help_text="The resolution the customer rated.")
    rated_at = serializers.DateTimeField(help_text="When they rated it, or last changed it.")


class TicketRatingListApi(BaseApi):
    @extend_schema(
        operation_id="tickets_ratings_list",
        description="The customer's satisfaction ratings of this ticket, one per resolution, "
        "the latest resolution first.",
        parameters=PAGE_PARAMETERS,
        responses=paginated(RatingSerializer, "RatingPage"),
    )
    def get(self, request: ApiRequest, ticket_id: int) -> Response:
        ticket = access.get_ticket_for_user(request.user, ticket_id)
        return paginated_response(
            request=request,
            view=self,
            queryset=selectors.ratings_for(ticket),
            serializer_class=RatingSerializer,
        )
