import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from dashboards.scope import Scope


def in_range(queryset: QuerySet[Any], scope: Scope, field: str = "created_at") -> QuerySet[Any]:
    return queryset.filter(**{f"{field}__gte": scope.since, f"{field}__lt": scope.until})


def for_teams(queryset: QuerySet[Any], scope: Scope, team_field: str) -> QuerySet[Any]:
    if scope.team_ids is None:
        return queryset
    return queryset.filter(**{f"{team_field}__in": scope.team_ids})


def per_day(
    scope: Scope, rows: Iterable[tuple[dt.date, float | None]], empty: float | None = 0
) -> list[float | None]:
    """Values of (day, value) rows laid over every day of the scope; ``empty`` elsewhere."""
    found = dict(rows)
    return [found.get(day, empty) for day in scope.days]


def share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 3600
