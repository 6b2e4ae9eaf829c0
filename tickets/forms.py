from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.functional import lazy

from tickets import attachments, bulk_services, services
from tickets.models import Macro, SatisfactionRating, Team, Ticket
from tickets.placeholders import validate_placeholders
from tickets.selectors import parse_int


def _max_chars() -> int:
    return settings.VIGIL_MAX_MESSAGE_CHARS


class MessageField(forms.CharField):
    """Message text: stripped, required, and no longer than the documented limit."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 4}))
        super().__init__(strip=True, **kwargs)  # type: ignore[arg-type]
        self.error_messages["required"] = "The message is empty. Write something before sending."

    def validate(self, value: str) -> None:
        super().validate(value)
        limit = _max_chars()
        if len(value) > limit:
            raise forms.ValidationError(
                f"Messages are limited to {limit:,} characters; this one has {len(value):,}."
            )


class FilesInput(forms.FileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.Field):
    """Files attached to a message: read and checked (size, sniffed type, the scanner); the
    cleaned value is a list of ``attachments.IncomingFile``, empty when none were chosen."""

    widget = FilesInput

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "Attach files")
        # Read when shown: the limits are settings, which tests and deployments change.
        kwargs.setdefault("help_text", lazy(attachments.upload_hint, str)())
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def to_python(self, value: object) -> list[attachments.IncomingFile]:
        uploads = [v for v in (value if isinstance(value, list) else [value]) if v]
        try:
            return attachments.read_uploads(uploads)  # type: ignore[arg-type]
        except attachments.AttachmentRefused as exc:
            raise forms.ValidationError(
                [*exc.reasons, "Nothing was sent: choose the files again."]
            ) from exc

    def bound_data(self, data: object, initial: object) -> object:
        return initial  # a browser never sends a file back: the form is shown without it


class MacroChoiceField(forms.ModelMultipleChoiceField):
    """The macros a reply was written with: ids among those offered on the ticket."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            queryset=Macro.objects.none(),
            required=False,
            widget=forms.MultipleHiddenInput,
            error_messages={
                "invalid_choice": "Macro %(value)s is not one of yours or this ticket's team's.",
                "invalid_pk_value": "“%(pk)s” is not a macro id.",
            },
            **kwargs,
        )


class ReplyForm(forms.Form):
    body = MessageField(label="Reply")
    attachments = AttachmentsField()
    macros = MacroChoiceField()
    internal = forms.BooleanField(required=False, label="Internal note")
    client_token = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)
    then_status = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Send"),
            (Ticket.Status.WAITING, "Send & wait on customer"),
            (Ticket.Status.RESOLVED, "Send & resolve"),
        ],
    )

    def __init__(self, *args: object, macros: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if macros is not None:
            self.fields["macros"].queryset = macros  # type: ignore[attr-defined]


class TicketNumberField(forms.Field):
    """A ticket's number, written "42" or "#42"."""

    def to_python(self, value: object) -> int | None:
        text = str(value or "").strip().lstrip("#").strip()
        if not text:
            return None
        number = parse_int(text[:24])
        if number is None or number < 1:
            raise forms.ValidationError("Give the number of the ticket to merge into, e.g. 42.")
        return number


class MergeForm(forms.Form):
    into = TicketNumberField(error_messages={"required": "Choose the ticket to merge into."})


class RatingForm(forms.Form):
    rating = forms.ChoiceField(
        choices=SatisfactionRating.Rating.choices,
        error_messages={"required": "Choose good or bad.", "invalid_choice": "Choose good or bad."},
    )
    comment = forms.CharField(required=False, max_length=2000, widget=forms.Textarea)


class PortalReplyForm(forms.Form):
    body = MessageField(label="Your reply")
    attachments = AttachmentsField(label="Attach files (screenshots, logs, invoices)")
    client_token = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Team) -> str:
        return f"{obj.name} — {obj.description}" if obj.description else obj.name


class PortalTicketForm(forms.Form):
    name = forms.CharField(max_length=120, label="Your name")
    email = forms.EmailField(label="Email")
    # No topic is chosen for the customer: a ticket in the wrong team waits for the wrong people.
    team = TeamChoiceField(
        queryset=Team.objects.all(),
        label="Topic",
        empty_label="Choose a topic…",
        to_field_name="slug",
        error_messages={
            "required": "Choose the topic your question is about.",
            "invalid_choice": "Choose one of the topics in the list.",
        },
    )
    subject = forms.CharField(max_length=200)
    body = MessageField(label="How can we help?", widget=forms.Textarea(attrs={"rows": 7}))
    attachments = AttachmentsField(label="Attach files (screenshots, logs, invoices)")
    client_token = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Ticket.Status.choices)


class PriorityForm(forms.Form):
    priority = forms.TypedChoiceField(choices=Ticket.Priority.choices, coerce=int)


class TagsForm(forms.Form):
    tags = forms.CharField(required=False, max_length=500)


class AssignForm(forms.Form):
    assignee = forms.CharField(required=False)


class TeamForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.all(), to_field_name="slug")


class MacroForm(forms.Form):
    """A macro's fields; the views hand them to ``macro_services``."""

    name = forms.CharField(max_length=80)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        validators=[validate_placeholders],
        max_length=10_000,
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        required=False,
        empty_label="Personal (only me)",
        to_field_name="slug",
        label="For",
    )
    set_status = forms.ChoiceField(
        required=False,
        label="Set status",
        choices=[("", "Leave as it is"), *Ticket.Status.choices],
    )
    set_priority = forms.TypedChoiceField(
        required=False,
        label="Set priority",
        coerce=int,
        empty_value=None,
        choices=[("", "Leave as it is"), *Ticket.Priority.choices],
    )
    add_tags = forms.CharField(
        required=False,
        max_length=500,
        label="Add tags",
        help_text="Comma-separated; added to the ticket's tags when the reply is sent.",
    )
    copilot_offers = forms.BooleanField(
        required=False,
        initial=True,
        label=Macro._meta.get_field("copilot_offers").verbose_name.capitalize(),
        help_text=Macro._meta.get_field("copilot_offers").help_text,
    )

    def __init__(
        self, *args: object, teams: object = None, for_team: bool = False, **kwargs: object
    ) -> None:
        """``teams``: those the user may give a macro to (admins); None: personal only.
        ``for_team``: a team's macro is edited (whether the copilot offers it is asked)."""
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if teams is None:
            del self.fields["team"]
        else:
            self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        if teams is None and not for_team:
            del self.fields["copilot_offers"]  # a personal macro is never offered

    def clean_add_tags(self) -> list[str]:
        try:
            return services.normalise_tags(self.cleaned_data["add_tags"])
        except services.TicketError as exc:
            raise forms.ValidationError(str(exc)) from exc


def macro_initial(macro: Macro) -> dict[str, object]:
    return {
        "name": macro.name,
        "body": macro.body,
        "team": macro.team.slug if macro.team else None,
        "set_status": macro.set_status,
        "set_priority": macro.set_priority or "",
        "add_tags": ", ".join(macro.add_tags),
        "copilot_offers": macro.copilot_offers,
    }


class TicketIdsField(forms.Field):
    """Ticket numbers ticked in the queue: each a number, at least one, not too many."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: object) -> list[int]:
        ids = []
        for item in value or []:  # type: ignore[attr-defined]
            pk = parse_int(str(item).strip().lstrip("#"))
            if pk is None:
                raise forms.ValidationError(f"“{str(item)[:20]}” is not a ticket number.")
            ids.append(pk)
        return ids

    def validate(self, value: list[int]) -> None:
        if not value:
            raise forms.ValidationError("Tick at least one ticket.")
        if len(value) > bulk_services.MAX_TICKETS:
            raise forms.ValidationError(
                f"At most {bulk_services.MAX_TICKETS} tickets at a time; {len(value)} were ticked."
            )


BULK_ACTIONS = [
    ("assign", "Assign"),
    ("status", "Set status"),
    ("priority", "Set priority"),
    ("add_tags", "Add tags"),
    ("remove_tags", "Remove tags"),
    ("team", "Move to team"),
]


class BulkForm(forms.Form):
    tickets = TicketIdsField()
    action = forms.ChoiceField(choices=BULK_ACTIONS)
    assignee = forms.CharField(required=False, max_length=20)
    status = forms.ChoiceField(required=False, choices=[("", "—"), *Ticket.Status.choices])
    priority = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, choices=[("", "—"), *Ticket.Priority.choices]
    )
    tags = forms.CharField(required=False, max_length=500)
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, to_field_name="slug"
    )

    def __init__(self, *args: object, user: object, teams: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.user = user
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        action = data.get("action")
        needs = {"status": "status", "priority": "priority", "team": "team"}
        if action in needs and not data.get(needs[action]):
            self.add_error(needs[action], f"Choose the {needs[action]} to set.")
        if action in {"add_tags", "remove_tags"}:
            try:
                data["tags"] = services.normalise_tags(data.get("tags") or "")
            except services.TicketError as exc:
                self.add_error("tags", str(exc))
            else:
                if not data["tags"]:
                    self.add_error("tags", "Write the tags, comma-separated.")
        if action == "assign":
            data["assignee"] = self._assignee(str(data.get("assignee") or ""))
        return data

    def _assignee(self, value: str) -> object:
        if value == "me":
            return self.user
        if value in {"", "none"}:
            return None
        pk = parse_int(value)
        person = get_user_model().objects.filter(pk=pk).first() if pk is not None else None
        if person is None:
            self.add_error("assignee", "That person does not exist.")
        return person

    def change(self) -> bulk_services.BulkChange:
        data = self.cleaned_data
        return bulk_services.BulkChange(
            action=data["action"],
            assignee=data.get("assignee") if data["action"] == "assign" else None,
            status=data.get("status") or "",
            priority=data.get("priority") or 0,
            tags=tuple(data.get("tags") or ()) if data["action"].endswith("_tags") else (),
            team=data.get("team"),
        )


class NotificationSettingsForm(forms.Form):
    email_digest = forms.BooleanField(
        required=False,
        label="Email me a digest of unread notifications, once an hour",
    )

    def __init__(self, *args: Any, has_email: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_email = has_email

    def clean_email_digest(self) -> bool:
        on: bool = self.cleaned_data["email_digest"]
        if on and not self.has_email:
            raise forms.ValidationError(
                "Your account has no email address to send a digest to. Ask an admin to add one."
            )
        return on
