import datetime as dt

from django import template
from django.conf import settings
from django.template.defaultfilters import linebreaksbr
from django.utils import timezone
from django.utils.html import format_html

from tickets import sla
from tickets.rich_text import render_markdown
from tickets.services import display_name

register = template.Library()
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@register.filter(name="person")
def person(user: object, empty: str = "—") -> str:
    """A user's full name, else username; ``empty`` when there is no user."""
    if user is None or not hasattr(user, "get_username"):
        return empty
    return display_name(user)  # type: ignore[arg-type]


@register.filter(name="message_html")
def message_html(message: object) -> str:
    """A message's body for a page: analysts' and the copilot's replies are Markdown, rendered
    and sanitised; what customers and the system wrote is plain text, kept as typed."""
    body = str(getattr(message, "body", ""))
    if getattr(message, "kind", "") in {"analyst", "copilot"}:
        return render_markdown(body)
    return format_html("<p>{}</p>", linebreaksbr(body))


@register.filter(name="stamp")
def stamp(value: dt.datetime | None) -> str:
    """A <time> element with the short local time and the full one on hover.

    One filter instead of several ``date`` filters: conversations render hundreds of these.
    """
    if value is None:
        return ""
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}" title="{}">{} {}, {}</time>',
        local.isoformat(),
        local.strftime("%Y-%m-%d %H:%M:%S"),
        MONTHS[local.month - 1],
        local.day,
        local.strftime("%H:%M"),
    )


@register.filter(name="sla_clock")
def sla_clock(ticket: object) -> str:
    """The response clock as a small badge ("due in 3 h", "reply overdue 20 min"); nothing once
    a finished or imported ticket has no clock running."""
    clock = sla.clock(ticket)  # type: ignore[arg-type]
    if not clock.state:
        return ""
    due = timezone.localtime(clock.due).strftime("%Y-%m-%d %H:%M") if clock.due else ""
    return format_html(
        '<span class="sla sla-{}" title="{} response due {}">{}</span>',
        clock.state,
        "Next" if clock.next_response else "First",
        due,
        clock.text,
    )


@register.simple_tag
def attachment_max_bytes() -> int:
    """The size limit of one attachment, for the file picker's early warning."""
    return int(settings.VIGIL_ATTACHMENT_MAX_BYTES)
