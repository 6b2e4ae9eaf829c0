import json

import numpy as np
import pytest

from ai import fitted, fitting


def noisy_rows(count=400, seed=5):
    rng = np.random.default_rng(seed)
    rows, labels = [], []
    for _ in range(count):
        closeness, noise = float(rng.random()), float(rng.random())
        rows.append({"closeness": closeness, "noise": noise})
        labels.append(bool(rng.random() < closeness))
    return rows, labels


def test_a_fitted_model_answers_like_scikit_learn_and_survives_json():
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    rows, labels = noisy_rows()
    model = fitting.fit("answerability", rows, labels, features=["closeness", "noise"])
    x = np.array([[r["closeness"], r["noise"]] for r in rows])
    scaled = (x - np.array(model.means)) / np.array(model.scales)
    reference = CalibratedClassifierCV(
        LogisticRegression(max_iter=3000),
        method="sigmoid",
        cv=StratifiedKFold(5, shuffle=True, random_state=0),
    ).fit(scaled, labels)
    again = fitted.from_json(model.to_json())
    for row, expected in zip(rows[:20], reference.predict_proba(scaled[:20])[:, 1], strict=False):
        assert again.probability(row) == pytest.approx(expected, abs=1e-6)
    assert again.version == model.version
    assert again.probability({"closeness": 0.95, "noise": 0.5}) > 0.7
    assert again.probability({"closeness": 0.05, "noise": 0.5}) < 0.3


def test_a_model_checks_itself_on_held_out_rows():
    rows, labels = noisy_rows(800)
    model = fitting.fit("answerability", rows[:400], labels[:400], features=["closeness"])
    check = fitting.check(model, rows[400:], labels[400:])
    assert check.samples == 400
    assert check.auc is not None
    assert check.auc > 0.7
    assert sum(row.count for row in check.reliability) == 400
    for row in check.reliability:
        if row.count > 40:
            assert row.observed == pytest.approx(row.mean_predicted, abs=0.15)


def test_too_few_examples_are_refused():
    with pytest.raises(ValueError, match="Too few examples"):
        fitting.fit("gate", [{"a": 1.0}] * 10, [True] * 5 + [False] * 5, features=["a"])


@pytest.mark.parametrize(
    "stored",
    [
        "not json",
        {"purpose": "answerability"},
        {
            "purpose": "answerability",
            "version": "v",
            "features": ["a", "b"],
            "means": [0.0],
            "scales": [1.0, 1.0],
            "members": [
                {"coef": [1.0, 1.0], "intercept": 0, "calibration_a": -1, "calibration_b": 0}
            ],
        },
        {
            "purpose": "answerability",
            "version": "v",
            "features": [],
            "means": [],
            "scales": [],
            "members": [],
        },
    ],
)
def test_an_unreadable_model_falls_back_to_the_default_with_a_reason(stored, caplog):
    model = fitted.model_or_default("answerability", stored)
    assert model == fitted.default_model("answerability")
    assert "unreadable" in caplog.text


def test_a_model_for_another_purpose_is_not_used(caplog):
    gate = fitted.default_model("gate").to_json()
    assert fitted.model_or_default("answerability", gate) == fitted.default_model("answerability")
    assert "is for 'gate'" in caplog.text


@pytest.mark.parametrize("purpose", ["gate", "answerability"])
def test_the_models_shipped_in_the_package_load_and_answer(purpose):
    model = fitted.from_json((fitted.DEFAULTS_DIR / f"{purpose}.json").read_text())
    assert model.purpose == purpose
    assert model.trained_on > 1000
    assert 0.0 < model.probability({}) < 1.0


def test_the_shipped_answerability_model_trusts_closer_and_agreeing_knowledge():
    model = fitted.from_json((fitted.DEFAULTS_DIR / "answerability.json").read_text())
    far = {"vote": 0.2, "agreeing": 0.05, "similarity": 0.3, "closeness": 0.35}
    near = {"vote": 0.9, "agreeing": 0.6, "similarity": 0.8, "closeness": 0.85}
    assert model.probability(near) > model.probability(far)
    assert json.loads(model.to_json())["features"] == list(model.features)


def test_rows_grouped_by_source_give_calibrators_that_agree():
    # A large source with rare positives, then a small one with many, one after the other (as
    # replays are read): unshuffled folds would calibrate each member on a different mix.
    rng = np.random.default_rng(7)
    rows, labels = [], []
    for source, rate, count in ((0.0, 0.01, 3000), (1.0, 0.6, 300)):
        for _ in range(count):
            closeness = float(rng.random())
            rows.append({"closeness": closeness, "source": source})
            labels.append(bool(rng.random() < rate * closeness))
    model = fitting.fit("answerability", rows, labels, features=["closeness", "source"])
    slopes = [-a for _, _, a, _ in model.members]
    assert min(slopes) > 0
    assert max(slopes) / min(slopes) < 2, slopes
