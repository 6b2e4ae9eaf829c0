"""Fitted copilot models: small calibrated classifiers stored as plain JSON.

A model is a logistic regression over named features, standardised, calibrated by Platt
scaling on held-out folds (scikit-learn's ``CalibratedClassifierCV``, see ``ai.fitting``) and
exported as numbers, so answering needs only numpy and loading never unpickles code. The
package ships a default for each purpose in ``ai/fitted/``; a team may have its own, refitted
on its history and stored by the copilot app. A model that is missing or unreadable falls
back to the shipped default, with a logged reason: the copilot never stops over it.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from pydantic import BaseModel, ValidationError, field_validator

logger = logging.getLogger(__name__)

DEFAULTS_DIR = Path(__file__).resolve().parent / "fitted"


class ModelError(Exception):
    """A stored model cannot be read; the message says why."""


class _Member(BaseModel):
    """One fold of the calibrated ensemble: a logistic regression and its sigmoid calibration."""

    coef: list[float]
    intercept: float
    calibration_a: float
    calibration_b: float


class _Stored(BaseModel):
    purpose: str
    version: str
    features: list[str]
    means: list[float]
    scales: list[float]
    members: list[_Member]
    trained_on: int = 0
    notes: dict[str, Any] = {}

    @field_validator("members")
    @classmethod
    def _some_members(cls, members: list[_Member]) -> list[_Member]:
        if not members:
            raise ValueError("a model needs at least one member")
        return members


@dataclass(frozen=True)
class FittedModel:
    """A calibrated classifier: ``probability(features)`` is the chance of a positive."""

    purpose: str
    version: str
    features: tuple[str, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]
    members: tuple[tuple[tuple[float, ...], float, float, float], ...]
    trained_on: int = 0
    notes: Mapping[str, Any] | None = None

    def probability(self, values: Mapping[str, float]) -> float:
        """Mean over the calibrated members; a missing feature counts as its training mean."""
        scaled = [
            (float(values.get(name, mean)) - mean) / (scale or 1.0)
            for name, mean, scale in zip(self.features, self.means, self.scales, strict=True)
        ]
        total = 0.0
        for coef, intercept, a, b in self.members:
            decision = intercept + sum(c * x for c, x in zip(coef, scaled, strict=True))
            total += _sigmoid(-(a * decision + b))
        return total / len(self.members)

    def to_json(self) -> str:
        return json.dumps(
            {
                "purpose": self.purpose,
                "version": self.version,
                "features": list(self.features),
                "means": list(self.means),
                "scales": list(self.scales),
                "members": [
                    {"coef": list(c), "intercept": i, "calibration_a": a, "calibration_b": b}
                    for c, i, a, b in self.members
                ],
                "trained_on": self.trained_on,
                "notes": dict(self.notes or {}),
            },
            indent=1,
        )


def from_json(text: str | bytes | Mapping[str, Any]) -> FittedModel:
    """Read a stored model; ModelError when it is not one."""
    try:
        data = text if isinstance(text, Mapping) else json.loads(text)
        stored = _Stored.model_validate(data)
    except (ValueError, ValidationError) as exc:
        raise ModelError(f"not a fitted model: {exc}") from exc
    width = len(stored.features)
    if len(stored.means) != width or len(stored.scales) != width:
        raise ModelError("the model's scaling does not match its features")
    if any(len(member.coef) != width for member in stored.members):
        raise ModelError("the model's coefficients do not match its features")
    return FittedModel(
        purpose=stored.purpose,
        version=stored.version,
        features=tuple(stored.features),
        means=tuple(stored.means),
        scales=tuple(stored.scales),
        members=tuple(
            (tuple(m.coef), m.intercept, m.calibration_a, m.calibration_b) for m in stored.members
        ),
        trained_on=stored.trained_on,
        notes=stored.notes,
    )


@cache
def default_model(purpose: str) -> FittedModel:
    """The default model for ``purpose``: from ``VIGIL_FITTED_MODELS_DIR`` when that folder
    has one, otherwise the one shipped in the package."""
    folder = getattr(settings, "VIGIL_FITTED_MODELS_DIR", None)
    path = Path(folder) / f"{purpose}.json" if folder else None
    if path is not None and path.is_file():
        try:
            return from_json(path.read_text(encoding="utf-8"))
        except ModelError as exc:
            logger.warning("using the shipped %s model: %s is unreadable (%s)", purpose, path, exc)
    return from_json((DEFAULTS_DIR / f"{purpose}.json").read_text(encoding="utf-8"))


def model_or_default(purpose: str, stored: str | Mapping[str, Any] | None) -> FittedModel:
    """``stored`` when it reads as a model for ``purpose``, else the shipped default."""
    if stored is None:
        return default_model(purpose)
    try:
        model = from_json(stored)
    except ModelError as exc:
        logger.warning(
            "using the shipped %s model: the stored one is unreadable (%s)", purpose, exc
        )
        return default_model(purpose)
    if model.purpose != purpose:
        logger.warning(
            "using the shipped %s model: the stored one is for %r", purpose, model.purpose
        )
        return default_model(purpose)
    return model


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)
