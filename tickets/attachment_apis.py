"""REST API for a ticket's files: listed with their messages and on their own, downloaded
through the same access check as the ticket (internal notes' files to staff only, as always)."""

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import negotiation, serializers
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import PAGE_PARAMETERS, ApiRequest, BaseApi, paginated, paginated_response
from tickets import access, selectors
from tickets.attachment_views import file_response
from tickets.models import Attachment


class AttachmentSerializer(serializers.Serializer):
    class Meta:
        ref_name = "Attachment"

    id = serializers.IntegerField()
    message = serializers.IntegerField(source="message_id", help_text="The message it came with.")
    name = serializers.CharField()
    content_type = serializers.CharField(
        help_text="Read from the file's content when it was received, never from its name."
    )
    size = serializers.IntegerField(help_text="In bytes.")
    created_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField(help_text="Where the API hands the file out.")

    def get_url(self, attachment: Attachment) -> str:
        ticket_id = attachment.message.ticket_id
        return reverse("api:tickets:attachment", args=[ticket_id, attachment.pk])


class FileNegotiation(negotiation.BaseContentNegotiation):
    """The file is the answer whatever the client accepts (``Accept: application/octet-stream``
    is not refused); an error is the API's JSON, as everywhere."""

    def select_renderer(
        self, request: Request, renderers: list[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        return renderers[0], renderers[0].media_type

    def select_parser(self, request: Request, parsers: list[BaseParser]) -> BaseParser | None:
        return negotiation.DefaultContentNegotiation().select_parser(request, parsers)


class AttachmentListApi(BaseApi):
    @extend_schema(
        operation_id="tickets_attachments_list",
        description="Every file on the ticket, oldest first, internal notes' included.",
        parameters=PAGE_PARAMETERS,
        responses=paginated(AttachmentSerializer, "AttachmentPage"),
    )
    def get(self, request: ApiRequest, ticket_id: int) -> Response:
        ticket = access.get_ticket_for_user(request.user, ticket_id)
        return paginated_response(
            request=request,
            view=self,
            queryset=selectors.attachments_of(ticket),
            serializer_class=AttachmentSerializer,
        )


class AttachmentDownloadApi(BaseApi):
    content_negotiation_class = FileNegotiation

    @extend_schema(
        operation_id="tickets_attachments_download",
        description="The file itself, always as a download (`Content-Disposition: attachment`, "
        "`application/octet-stream`); its type is the listed `content_type`.",
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    def get(self, request: ApiRequest, ticket_id: int, attachment_id: int) -> FileResponse:
        ticket = access.get_ticket_for_user(request.user, ticket_id)
        return file_response(selectors.attachment_for_ticket(ticket, attachment_id), preview=False)
