from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from ai import llm
from core import untrusted_json
from replay.models import ReplayRun
from tickets.models import Team


def _first_line(upload: UploadedFile) -> bytes:
    upload.seek(0)
    for raw in upload:
        if raw.strip():
            upload.seek(0)
            return bytes(raw)
    upload.seek(0)
    return b""


def check_jsonl(upload: UploadedFile, *, needs: str, hint: str) -> UploadedFile:
    """A non-empty .jsonl file within the size limit whose first line is a JSON object with
    the key ``needs``: enough to catch the wrong file before a replay starts."""
    name = upload.name or ""
    limit_mb = settings.VIGIL_REPLAY_MAX_UPLOAD_MB
    if not name.lower().endswith(".jsonl"):
        raise forms.ValidationError(
            f"“{name}” is not a .jsonl file: one JSON object per line, named *.jsonl."
        )
    if not upload.size:
        raise forms.ValidationError(f"“{name}” is empty.")
    if upload.size > limit_mb * 1024 * 1024:
        size_mb = upload.size / 1024 / 1024
        raise forms.ValidationError(
            f"“{name}” is {size_mb:.1f} MB; the limit is {limit_mb} MB "
            "(VIGIL_REPLAY_MAX_UPLOAD_MB). Split it, or run manage.py replay on the server."
        )
    first = _first_line(upload)
    try:
        data = untrusted_json.loads(first.decode("utf-8"))
    except UnicodeDecodeError:
        raise forms.ValidationError(f"“{name}” is not UTF-8 text.") from None
    except ValueError as exc:
        raise forms.ValidationError(
            f"The first line of “{name}” is not JSON ({exc}). Each line must be one JSON object."
        ) from None
    if not isinstance(data, dict):
        raise forms.ValidationError(f"The first line of “{name}” is not a JSON object.")
    if needs not in data:
        raise forms.ValidationError(f"The first line of “{name}” has no “{needs}”: {hint}")
    return upload


class ReplayForm(forms.Form):
    conversations = forms.FileField(
        label="Conversations",
        help_text="JSONL, one conversation per line in the replay format.",
        widget=forms.ClearableFileInput(attrs={"accept": ".jsonl"}),
    )
    knowledge = forms.FileField(
        label="Knowledge (optional)",
        required=False,
        help_text="JSONL knowledge entries, imported and approved before the replay.",
        widget=forms.ClearableFileInput(attrs={"accept": ".jsonl"}),
    )
    engine = forms.ChoiceField(choices=ReplayRun.Engine.choices, initial=ReplayRun.Engine.LOCAL)
    learn = forms.BooleanField(
        required=False,
        initial=True,
        label="Learn from resolved conversations",
        help_text="Later conversations may use what earlier ones taught.",
    )
    auto_approve = forms.BooleanField(
        required=False,
        initial=True,
        label="Approve what is learned at once",
        help_text="As a curator would; otherwise learned entries stay proposed and unused.",
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"),
        required=False,
        to_field_name="slug",
        empty_label="No team (default settings)",
        help_text="The replay uses this team's copilot settings; its threshold can be set "
        "from the result.",
    )
    limit = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=10_000_000,
        label="Only the first",
        help_text="conversations (blank: all).",
    )
    target_precision = forms.FloatField(
        required=False,
        min_value=0.01,
        max_value=1.0,
        label="Target precision",
        help_text="Blank: the team's target, else 0.8.",
        widget=forms.NumberInput(attrs={"step": "0.01", "placeholder": "0.8"}),
    )

    def clean_conversations(self) -> UploadedFile:
        return check_jsonl(
            self.cleaned_data["conversations"],
            needs="messages",
            hint="each conversation needs a list of messages (is this a knowledge file?).",
        )

    def clean_knowledge(self) -> UploadedFile | None:
        upload = self.cleaned_data.get("knowledge")
        if not upload:
            return None
        return check_jsonl(
            upload,
            needs="question",
            hint="each knowledge entry needs a question and an answer.",
        )

    def clean_engine(self) -> str:
        engine: str = self.cleaned_data["engine"]
        if engine == ReplayRun.Engine.LLM and not llm.llm_configured("answer"):
            raise forms.ValidationError(
                "No language model is configured (VIGIL_LLM_MODEL): only the local engine can run."
            )
        return engine


class ImportForm(forms.Form):
    conversations = forms.FileField(
        label="Conversations",
        help_text="JSONL, one past conversation per line in the replay format.",
        widget=forms.ClearableFileInput(attrs={"accept": ".jsonl"}),
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"),
        required=False,
        to_field_name="slug",
        empty_label="Only the teams the lines name",
        help_text="For lines that name no team; a line's own team wins.",
    )
    learn = forms.BooleanField(
        required=False,
        initial=True,
        label="Learn from resolved conversations",
        help_text="What analysts answered becomes proposed knowledge in the curation queue.",
    )
    create_teams = forms.BooleanField(
        required=False,
        label="Create the teams the lines name",
        help_text="Without it, lines naming a team that is not here are skipped. New teams "
        "start without members: add their people in Admin.",
    )

    def clean_conversations(self) -> UploadedFile:
        return check_jsonl(
            self.cleaned_data["conversations"],
            needs="messages",
            hint="each conversation needs a list of messages (is this a knowledge file?).",
        )
