"""Fitting the copilot's calibrated classifiers with scikit-learn (used by `fit_copilot`).

Features are standardised, a logistic regression (L2) is fitted on each of ``folds`` shuffled
folds and calibrated by Platt scaling on the fold it did not see (``CalibratedClassifierCV``);
the result is exported to a ``FittedModel`` that answers without scikit-learn.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ai.fitted import FittedModel

MIN_SAMPLES = 40


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    count: int
    mean_predicted: float
    observed: float


@dataclass(frozen=True)
class Check:
    """How a model did on examples it was not fitted on."""

    samples: int
    base_rate: float
    log_loss: float
    auc: float | None
    reliability: list[Bin]


def fit(
    purpose: str,
    rows: Sequence[Mapping[str, float]],
    labels: Sequence[bool],
    *,
    features: Sequence[str],
    folds: int = 5,
    c: float = 1.0,
    notes: Mapping[str, object] | None = None,
) -> FittedModel:
    """A calibrated logistic regression of ``labels`` on ``features`` of ``rows``."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    x, y = _matrix(rows, features), np.asarray(labels, dtype=int)
    positives = int(y.sum())
    if len(y) < MIN_SAMPLES or min(positives, len(y) - positives) < folds:
        raise ValueError(
            f"Too few examples to fit the {purpose} model: {len(y)} examples, {positives} "
            f"positive (needs {MIN_SAMPLES} and at least {folds} of each kind)."
        )
    means = x.mean(axis=0)
    scales = x.std(axis=0)
    scales[scales == 0] = 1.0
    scaled = (x - means) / scales
    # Shuffled folds: rows arrive grouped by source, and an unshuffled fold holding almost one
    # source alone gets a flat calibrator that drags every probability of the ensemble down.
    calibrated = CalibratedClassifierCV(
        LogisticRegression(C=c, max_iter=3000),
        method="sigmoid",
        cv=StratifiedKFold(folds, shuffle=True, random_state=0),
    ).fit(scaled, y)
    members = []
    for member in calibrated.calibrated_classifiers_:
        estimator, [calibrator] = member.estimator, member.calibrators
        members.append(
            (
                tuple(float(v) for v in estimator.coef_[0]),
                float(estimator.intercept_[0]),
                float(calibrator.a_),
                float(calibrator.b_),
            )
        )
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")
    return FittedModel(
        purpose=purpose,
        version=f"{purpose}-{stamp}-n{len(y)}",
        features=tuple(features),
        means=tuple(float(v) for v in means),
        scales=tuple(float(v) for v in scales),
        members=tuple(members),
        trained_on=len(y),
        notes=dict(notes or {}),
    )


def check(
    model: FittedModel, rows: Sequence[Mapping[str, float]], labels: Sequence[bool], bins: int = 10
) -> Check:
    """Log loss, ranking (AUC) and a reliability table of ``model`` on ``rows``."""
    predicted = [model.probability(row) for row in rows]
    return Check(
        samples=len(labels),
        base_rate=sum(labels) / len(labels) if labels else 0.0,
        log_loss=log_loss(predicted, labels),
        auc=auc(predicted, labels),
        reliability=reliability(predicted, labels, bins),
    )


def log_loss(predicted: Sequence[float], labels: Sequence[bool]) -> float:
    if not labels:
        return 0.0
    eps = 1e-6
    total = sum(
        -math.log(min(max(p if y else 1 - p, eps), 1.0))
        for p, y in zip(predicted, labels, strict=True)
    )
    return total / len(labels)


def auc(predicted: Sequence[float], labels: Sequence[bool]) -> float | None:
    """The chance a random positive scores above a random negative (ties count half)."""
    pairs = sorted(zip(predicted, labels, strict=True))
    positives = sum(1 for _, y in pairs if y)
    negatives = len(pairs) - positives
    if not positives or not negatives:
        return None
    rank_sum, i = 0.0, 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        average_rank = (i + j + 1) / 2
        rank_sum += average_rank * sum(1 for _, y in pairs[i:j] if y)
        i = j
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def reliability(predicted: Sequence[float], labels: Sequence[bool], bins: int = 10) -> list[Bin]:
    rows = []
    for k in range(bins):
        low, high = k / bins, (k + 1) / bins
        inside = [
            (p, y)
            for p, y in zip(predicted, labels, strict=True)
            if low <= p < high or (k == bins - 1 and p == 1.0)
        ]
        if inside:
            rows.append(
                Bin(
                    low=low,
                    high=high,
                    count=len(inside),
                    mean_predicted=sum(p for p, _ in inside) / len(inside),
                    observed=sum(1 for _, y in inside if y) / len(inside),
                )
            )
    return rows


def _matrix(rows: Sequence[Mapping[str, float]], features: Sequence[str]) -> np.ndarray:
    return np.asarray([[float(row.get(name, 0.0)) for name in features] for row in rows])
