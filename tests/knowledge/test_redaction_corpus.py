"""Redaction measured on the labelled support sentences in redaction_cases.jsonl (the figures in
docs/benchmarks.md come from the same cases through bench/redaction.py)."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from knowledge.redaction import URL_RE, redact
from knowledge.redaction.scoring import KINDS, load_cases, score

CASES = load_cases(Path(__file__).with_name("redaction_cases.jsonl"))
# What the issue asks for: names the ticket does not know are found from their context only.
TARGETS = dict.fromkeys(KINDS, 0.97) | {"name": 0.6}


@pytest.fixture(scope="module")
def result():
    return score(CASES, redact)


def test_the_corpus_is_large_and_covers_every_kind():
    assert len(CASES) >= 300
    assert sum(1 for case in CASES if not case.pii) >= 67
    kinds = {kind for case in CASES for kind, _ in case.pii}
    assert kinds == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_it_redacts_each_kind_of_personal_data(result, kind):
    tally = result.kinds[kind]
    missed = "\n".join(f"{value!r} -> {redacted}" for value, redacted in tally.missed)
    assert tally.recall >= TARGETS[kind], f"recall {tally.recall:.2f}; missed:\n{missed}"


def test_it_changes_nothing_in_text_without_personal_data(result):
    assert result.clean_changed == []


def test_what_must_stay_stays(result):
    assert result.kept_broken == []


def test_every_link_keeps_its_scheme_host_and_path():
    for case in CASES:
        redacted = redact(case.text)
        for link in URL_RE.findall(case.text):
            parts = urlsplit(link if "://" in link else f"https://{link}")
            base = f"{parts.netloc}{parts.path}"
            if any(value in base for _, value in case.pii):
                continue  # an email in the path or an address as host is redacted in place
            assert base in redacted, case.text
