"""REST API for the dashboards' figures: the pages' own selectors, scope and access rules."""

from collections.abc import Callable
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from core.api import ApiRequest, BaseApi
from dashboards import access, data
from dashboards.scope import FilterForm, Scope
from dashboards.selectors import copilot, knowledge, support

Figures = dict[str, Callable[[Scope], Any]]

FIGURES: dict[str, Figures] = {
    "support": {
        "volume": support.support_volume,
        "backlog": support.support_backlog,
        "times": support.support_times,
        "sla": support.support_sla,
        "satisfaction": support.support_satisfaction,
        "waiting": support.support_waiting,
    },
    "copilot": {
        "activity": copilot.copilot_activity,
        "acceptance": copilot.copilot_acceptance,
        "precision": copilot.copilot_precision,
        "silence": copilot.copilot_silence,
        "cost": copilot.copilot_cost,
    },
    "knowledge": {
        "growth": knowledge.knowledge_growth,
        "mix": knowledge.knowledge_mix,
        "curation": knowledge.knowledge_curation,
        "most_cited": lambda scope: knowledge.knowledge_usage(scope, order="cited"),
        "most_dismissed": lambda scope: knowledge.knowledge_usage(scope, order="dismissed"),
    },
}


class FiguresSerializer(serializers.Serializer):
    class Meta:
        ref_name = "DashboardFigures"

    page = serializers.ChoiceField(choices=sorted(FIGURES))
    team = serializers.CharField(allow_null=True, help_text="The team's slug; null: all yours.")
    start = serializers.DateField()
    end = serializers.DateField()
    figures = serializers.DictField(
        child=serializers.JSONField(),
        help_text="Each figure of the page by name, as the dashboard page shows it.",
    )


class DashboardFiguresApi(BaseApi):
    @extend_schema(
        operation_id="dashboards_figures",
        parameters=[
            OpenApiParameter("page", OpenApiTypes.STR, OpenApiParameter.PATH, enum=sorted(FIGURES)),
            OpenApiParameter("team", OpenApiTypes.STR, description="A team's slug (yours)."),
            OpenApiParameter("start", OpenApiTypes.DATE, description="First day (30 days ago)."),
            OpenApiParameter("end", OpenApiTypes.DATE, description="Last day (today)."),
        ],
        responses={200: FiguresSerializer},
    )
    def get(self, request: ApiRequest, page: str) -> Response:
        access.page_for_user(request.user, page)
        form = FilterForm(request.query_params, user=request.user)
        if not form.is_valid():
            raise ValidationError(_fields(form))
        scope = form.scope()
        figures = {name: data.plain(figure(scope)) for name, figure in FIGURES[page].items()}
        return Response(
            {
                "page": page,
                "team": scope.team or None,
                "start": scope.start,
                "end": scope.end,
                "figures": figures,
            }
        )


def _fields(form: FilterForm) -> dict[str, list[str]]:
    """The form's errors, those of the whole form under ``filters``."""
    return {
        ("filters" if name == "__all__" else name): [str(error) for error in errors]
        for name, errors in form.errors.items()
    }
