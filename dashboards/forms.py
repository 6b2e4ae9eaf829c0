from django import forms

from copilot.models import CopilotRun
from knowledge.models import KnowledgeRevision


class RunAuditForm(forms.Form):
    decision = forms.ChoiceField(
        required=False,
        choices=[("", "Any decision"), *CopilotRun.Decision.choices],
        error_messages={"invalid_choice": "The decision is “speak” or “silent”."},
    )
    reason = forms.CharField(required=False, max_length=200, strip=True)


class CurationAuditForm(forms.Form):
    kind = forms.ChoiceField(
        required=False,
        choices=[("", "Any change"), *KnowledgeRevision.Kind.choices],
        error_messages={"invalid_choice": "There is no change of kind “%(value)s”."},
    )
    actor = forms.CharField(required=False, max_length=120, strip=True)
