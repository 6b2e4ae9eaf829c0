"""REST API for the knowledge base: search and list for every role, curation for curators."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from core import roles
from core.api import (
    PAGE_PARAMETERS,
    ApiRequest,
    BaseApi,
    paginated,
    paginated_response,
    query_params,
)
from knowledge import selectors, services
from knowledge.models import KnowledgeEntry
from tickets.apis import TeamSerializer
from tickets.models import Team

Status = KnowledgeEntry.Status
NEW_ENTRY_STATUSES = [Status.APPROVED, Status.PROPOSED]


class EntrySerializer(serializers.Serializer):
    class Meta:
        ref_name = "KnowledgeEntry"

    id = serializers.IntegerField()
    question = serializers.CharField()
    answer = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    team = TeamSerializer(allow_null=True, help_text="null: the entry serves every team.")
    status = serializers.ChoiceField(choices=Status.choices)
    source = serializers.ChoiceField(choices=KnowledgeEntry.Source.choices)
    evidence_count = serializers.IntegerField()
    flagged = serializers.BooleanField()
    flag_reason = serializers.CharField()
    reject_reason = serializers.CharField()
    times_suggested = serializers.IntegerField()
    times_accepted = serializers.IntegerField()
    times_edited = serializers.IntegerField()
    times_dismissed = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    reviewed_at = serializers.DateTimeField(allow_null=True)


def _require_curator(request: ApiRequest) -> None:
    if not roles.can_curate(request.user):
        raise PermissionDenied("Only curators and admins can change knowledge.")


def _entry(request: ApiRequest, entry_id: int) -> KnowledgeEntry:
    entry = selectors.entry_get_for_user(request.user, entry_id)
    if entry is None:
        raise NotFound(f"There is no knowledge entry #{entry_id}.")
    return entry


def _team(request: ApiRequest, slug: str | None) -> Team | None:
    if not slug:
        return None
    team = Team.objects.filter(slug=slug).first()
    if team is None:
        raise serializers.ValidationError({"team": [f"There is no team {slug!r}."]})
    return team


class EntryListApi(BaseApi):
    class FilterSerializer(serializers.Serializer):
        class Meta:
            ref_name = "KnowledgeFilters"

        status = serializers.ChoiceField(
            choices=Status.choices,
            default=Status.APPROVED,
            help_text="Curators and admins may list any status; others approved entries.",
        )
        team = serializers.SlugField(
            required=False, help_text="A team's slug, or `all` for the entries serving all teams."
        )
        source = serializers.ChoiceField(choices=KnowledgeEntry.Source.choices, required=False)
        q = serializers.CharField(
            required=False, max_length=200, help_text="Text in the question or answer."
        )

    @extend_schema(
        operation_id="knowledge_list",
        parameters=[FilterSerializer, *PAGE_PARAMETERS],
        responses=paginated(EntrySerializer, "KnowledgeEntryPage"),
    )
    def get(self, request: ApiRequest) -> Response:
        data = query_params(request, self.FilterSerializer)
        if data["status"] != Status.APPROVED and not roles.can_curate(request.user):
            raise PermissionDenied("Only curators and admins see entries that are not approved.")
        entries = selectors.entries_for_user(
            request.user,
            status=data["status"],
            team=data.get("team", ""),
            source=data.get("source", ""),
            q=data.get("q", ""),
        )
        return paginated_response(
            request=request, view=self, queryset=entries, serializer_class=EntrySerializer
        )


class EntrySearchApi(BaseApi):
    class FilterSerializer(serializers.Serializer):
        class Meta:
            ref_name = "KnowledgeSearchQuery"

        q = serializers.CharField(max_length=500, help_text="A question, in plain words.")
        team = serializers.SlugField(
            required=False,
            help_text="Search what serves this team (default: every team you may see).",
        )
        limit = serializers.IntegerField(min_value=1, max_value=20, default=5)

    class HitSerializer(serializers.Serializer):
        class Meta:
            ref_name = "KnowledgeHit"

        entry = EntrySerializer()
        score = serializers.FloatField(help_text="Cosine similarity plus a full-text lift.")
        similarity = serializers.FloatField(allow_null=True)
        reasons = serializers.ListField(child=serializers.CharField())

    @extend_schema(
        operation_id="knowledge_search",
        description=(
            "Hybrid search (meaning and key words) over approved entries in your teams' scope: "
            "the search the copilot uses."
        ),
        parameters=[FilterSerializer],
        responses=HitSerializer(many=True),
    )
    def get(self, request: ApiRequest) -> Response:
        data = query_params(request, self.FilterSerializer)
        scope = selectors.scope_for_user(request.user)
        if "team" in data:
            scope = self._team_in(scope, data["team"])
        hits = selectors.knowledge_search(data["q"], team=scope, limit=data["limit"])
        return Response(self.HitSerializer(hits, many=True).data)

    @staticmethod
    def _team_in(scope: selectors.Scope, slug: str) -> Team:
        teams = Team.objects.all() if scope == selectors.ALL_TEAMS else scope
        team = next((t for t in teams if isinstance(t, Team) and t.slug == slug), None)  # type: ignore[union-attr]
        if team is None:
            raise serializers.ValidationError({"team": [f"You have no team {slug!r}."]})
        return team


class EntryDetailApi(BaseApi):
    @extend_schema(operation_id="knowledge_retrieve", responses=EntrySerializer)
    def get(self, request: ApiRequest, entry_id: int) -> Response:
        return Response(EntrySerializer(_entry(request, entry_id)).data)


class EntryCreateApi(BaseApi):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "KnowledgeEntryCreate"

        question = serializers.CharField(max_length=services.MAX_QUESTION)
        answer = serializers.CharField(max_length=services.MAX_ANSWER)
        tags = serializers.ListField(
            child=serializers.CharField(max_length=40), max_length=20, default=list
        )
        team = serializers.SlugField(
            required=False, allow_null=True, help_text="A team's slug; null serves every team."
        )
        status = serializers.ChoiceField(
            choices=NEW_ENTRY_STATUSES,
            default=Status.APPROVED,
            help_text="`approved` (the copilot may cite it at once) or `proposed` (for review).",
        )

    @extend_schema(
        operation_id="knowledge_create",
        request=InputSerializer,
        responses={201: EntrySerializer},
    )
    def post(self, request: ApiRequest) -> Response:
        _require_curator(request)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        entry = services.entry_create(
            question=data["question"],
            answer=data["answer"],
            tags=data["tags"],
            team=_team(request, data.get("team")),
            actor=request.user,
            status=data["status"],
            note="written through the API",
        )
        return Response(EntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class EntryApproveApi(BaseApi):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "KnowledgeEntryApprove"

        question = serializers.CharField(
            max_length=services.MAX_QUESTION, required=False, help_text="An edited question."
        )
        answer = serializers.CharField(
            max_length=services.MAX_ANSWER, required=False, help_text="An edited answer."
        )

    @extend_schema(
        operation_id="knowledge_approve",
        description="Approve a proposed entry, optionally with an edited text.",
        request=InputSerializer,
        responses=EntrySerializer,
    )
    def post(self, request: ApiRequest, entry_id: int) -> Response:
        _require_curator(request)
        entry = _entry(request, entry_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.entry_approve(
            entry=entry,
            actor=request.user,
            question=data.get("question"),
            answer=data.get("answer"),
        )
        return Response(EntrySerializer(_entry(request, entry_id)).data)


class EntryRejectApi(BaseApi):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "KnowledgeEntryReject"

        reason = serializers.CharField(max_length=300, help_text="Why; the next curator reads it.")

    @extend_schema(
        operation_id="knowledge_reject",
        description="Reject a proposed entry, saying why.",
        request=InputSerializer,
        responses=EntrySerializer,
    )
    def post(self, request: ApiRequest, entry_id: int) -> Response:
        _require_curator(request)
        entry = _entry(request, entry_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.entry_reject(
            entry=entry, actor=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(EntrySerializer(_entry(request, entry_id)).data)
