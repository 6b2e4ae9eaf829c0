"""Which known answer a customer's words call for, learned from a team's own history.

Every resolved ticket leaves an example: the customer's question, labelled with the knowledge
entry that answered it. A multinomial logistic regression (scikit-learn) over the TF-IDF of
those questions' words learns which words point to which answer *against the others* of the
same team: a product name, an error text, "refund" in one team's history and not another's.
Its probability for a new question is the share of questions like it that ended with that
answer, and is reasonably calibrated, as logistic regression is.

Nearest-example votes (``knowledge.selectors``) say which past questions are close; this model
says which words decide between answers. Its probability is one more feature of the copilot's
fitted answerability model, which weighs it with the others (``copilot.pipeline.answerability``).

A team's history can name thousands of answers. The model keeps the ``max_answers`` with the
most examples as its own classes and folds the rest into one "something else" class, so that
its cost stays bounded and a question about a rare answer is not forced onto a common one.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

OTHER = -1  # the label of everything outside the model's own classes
MAX_ANSWERS = 200
MIN_EXAMPLES = 4  # fewer past questions than this teach nothing reliable
REGULARISATION_C = 10.0  # few examples per answer: let distinctive words count
TOLERANCE = 1e-2


@dataclass
class TextClassifier:
    """A fitted model; ``probabilities`` answers for one text."""

    vectorizer: object
    model: object
    labels: list[int]
    examples: int

    def probabilities(self, text: str) -> dict[int, float]:
        """Each known answer's probability for ``text`` ("something else" left out); none
        when ``text`` has no word the history knows (the shares of the history alone are the
        fitted model's ``prior``, not the classifier's to repeat)."""
        features = self.vectorizer.transform([text])  # type: ignore[attr-defined]
        if not features.nnz:
            return {}
        row = self.model.predict_proba(features)[0]  # type: ignore[attr-defined]
        return {
            label: float(p) for label, p in zip(self.labels, row, strict=True) if label != OTHER
        }


def fit(
    texts: Sequence[str], labels: Sequence[int], *, max_answers: int = MAX_ANSWERS
) -> TextClassifier | None:
    """A classifier of ``texts`` by ``labels``, or None when there is too little to learn from
    (fewer than ``MIN_EXAMPLES`` examples, or fewer than two answers)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    if len(texts) < MIN_EXAMPLES:
        return None
    counts = Counter(labels)
    kept = {label for label, _ in counts.most_common(max_answers)}
    targets = [label if label in kept else OTHER for label in labels]
    if len(set(targets)) < 2:
        return None
    vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english")
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # every text empty once stop words are out
        return None
    # A loose tolerance: the probabilities settle long before lbfgs' default one is met, and a
    # team with hundreds of answers is fitted in a fraction of a second instead of seconds.
    model = LogisticRegression(C=REGULARISATION_C, tol=TOLERANCE, max_iter=200)
    with warnings.catch_warnings():
        # Most answers have one or two examples: sklearn warns that this looks like regression.
        warnings.simplefilter("ignore")
        model.fit(matrix, np.asarray(targets))
    return TextClassifier(
        vectorizer=vectorizer,
        model=model,
        labels=[int(label) for label in model.classes_],
        examples=len(texts),
    )
