from django import forms
from django.conf import settings

from tickets.models import Team, Ticket


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


class ReplyForm(forms.Form):
    body = MessageField(label="Reply")
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


class PortalReplyForm(forms.Form):
    body = MessageField(label="Your reply")
    client_token = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Team) -> str:
        return f"{obj.name} — {obj.description}" if obj.description else obj.name


class PortalTicketForm(forms.Form):
    name = forms.CharField(max_length=120, label="Your name")
    email = forms.EmailField(label="Email")
    team = TeamChoiceField(
        queryset=Team.objects.all(), label="Topic", empty_label=None, to_field_name="slug"
    )
    subject = forms.CharField(max_length=200)
    body = MessageField(label="How can we help?", widget=forms.Textarea(attrs={"rows": 7}))
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
