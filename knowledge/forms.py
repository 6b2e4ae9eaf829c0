from django import forms

from knowledge.services import MAX_ANSWER, MAX_QUESTION
from tickets.models import Team


class EntryForm(forms.Form):
    question = forms.CharField(max_length=MAX_QUESTION, widget=forms.Textarea(attrs={"rows": 2}))
    answer = forms.CharField(max_length=MAX_ANSWER, widget=forms.Textarea(attrs={"rows": 7}))
    tags = forms.CharField(required=False, max_length=400, help_text="comma-separated")
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(), required=False, empty_label="All teams", to_field_name="slug"
    )


class ApproveForm(forms.Form):
    """Edit then approve: both fields optional, the entry's text is kept when absent."""

    question = forms.CharField(required=False, max_length=MAX_QUESTION)
    answer = forms.CharField(required=False, max_length=MAX_ANSWER)


class RejectForm(forms.Form):
    reason = forms.CharField(max_length=300)


class TargetForm(forms.Form):
    target = forms.IntegerField(min_value=1, max_value=2**62)
