"""PostgreSQL aggregates and functions the dashboards compute in the database."""

from collections.abc import Sequence
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db.models import Aggregate, F, FloatField, Func, Value
from django.db.models.expressions import Combinable


class Percentile(Aggregate):
    """``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)``: the continuous
    percentile of the group, NULLs ignored, None for an empty group."""

    function = "percentile_cont"
    name = "Percentile"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("A percentile's fraction lies between 0 and 1.")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


class Percentiles(Aggregate):
    """Several continuous percentiles of the group from one sort:
    ``percentile_cont(ARRAY[…]) WITHIN GROUP (ORDER BY expression)``, a list of floats in the
    order of ``fractions``, None for an empty group."""

    function = "percentile_cont"
    name = "Percentiles"
    template = (
        "%(function)s(ARRAY[%(fractions)s]::float8[]) WITHIN GROUP (ORDER BY %(expressions)s)"
    )
    output_field = ArrayField(FloatField())

    def __init__(self, expression: Any, fractions: Sequence[float], **extra: Any) -> None:
        if not fractions or not all(0 <= f <= 1 for f in fractions):
            raise ValueError("Percentiles need fractions between 0 and 1.")
        listed = ", ".join(repr(float(f)) for f in fractions)
        super().__init__(expression, fractions=listed, **extra)


def pick(values: Sequence[float] | None, index: int) -> float | None:
    """One of the values a ``Percentiles`` gave, None when the group was empty."""
    return None if values is None else values[index]


class EpochSeconds(Func):
    """The length of an interval in seconds, as a float."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)::float8"
    output_field = FloatField()


def seconds_between(start: str, end: str) -> EpochSeconds:
    later: Combinable = F(end)
    return EpochSeconds(later - F(start))


class ReasonHead(Func):
    """A silence reason without the figures in brackets at its end, so that "no knowledge
    above threshold (0.41 < 0.6)" and "(0.52 < 0.6)" count as one reason."""

    function = "regexp_replace"

    def __init__(self, expression: Any, **extra: Any) -> None:
        super().__init__(expression, Value(r"\s*\([^()]*\)\s*$"), Value(""), **extra)
