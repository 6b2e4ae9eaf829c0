"""A message's files, handed out only after the ticket's own access check: the console's
(``tickets.access``) for staff, the signed link for the customer, who never gets a file of an
internal note. Never a page of ours: only a raster image asked for as a preview is shown inline;
everything else is a download of type application/octet-stream."""

from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from core.http import HtmxHttpRequest, staff_required
from tickets import access, selectors
from tickets.models import Attachment, Ticket
from tickets.portal_views import portal_ticket


@require_GET
@staff_required
def attachment(request: HtmxHttpRequest, ticket_id: int, attachment_id: int) -> FileResponse:
    ticket = access.get_ticket_for_user(request.user, ticket_id)
    found = selectors.attachment_for_ticket(ticket, attachment_id)
    return file_response(found, preview=request.GET.get("preview") == "1")


@require_GET
@portal_ticket
def portal_attachment(
    request: HtmxHttpRequest, ticket: Ticket, token: str, attachment_id: int
) -> FileResponse:
    found = selectors.attachment_for_customer(ticket, attachment_id)
    return file_response(found, preview=request.GET.get("preview") == "1")


def file_response(found: Attachment | None, *, preview: bool) -> FileResponse:
    if found is None:
        raise Http404("There is no such file on this ticket.")
    inline = preview and found.is_image
    response = FileResponse(
        found.file.open("rb"),
        as_attachment=not inline,
        filename=found.name,
        content_type=found.content_type if inline else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Opened directly, even an image runs nothing and loads nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
