"""Recall of redaction per kind of personal data on the labelled sentences kept with the tests,
the sentences without personal data that it changed, and the time it takes per sentence.

No database, no network. Usage:
  python bench/redaction.py [--cases tests/knowledge/redaction_cases.jsonl] [--misses]
      [--repeat 5]
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from knowledge.redaction import redact  # noqa: E402
from knowledge.redaction.scoring import load_cases, score  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cases", type=Path, default=ROOT / "tests" / "knowledge" / "redaction_cases.jsonl"
    )
    parser.add_argument("--misses", action="store_true", help="print every miss and change")
    parser.add_argument("--repeat", type=int, default=5, help="passes timed (the best is kept)")
    args = parser.parse_args()

    cases = load_cases(args.cases)
    redact(cases[0].text)  # first call pays for imports and compiled patterns
    results = [score(cases, redact) for _ in range(max(args.repeat, 1))]
    result = min(results, key=lambda r: r.seconds_per_case)

    print(f"{len(cases)} sentences, {result.clean_total} without personal data\n")
    print(f"| {'kind':<8} | {'values':>6} | {'redacted':>8} | {'recall':>6} |")
    print(f"|{'-' * 10}|{'-' * 8}|{'-' * 10}|{'-' * 8}|")
    for kind, tally in result.kinds.items():
        print(f"| {kind:<8} | {tally.total:>6} | {tally.found:>8} | {tally.recall:>6.2f} |")
    print(
        f"\nsentences without personal data changed: "
        f"{len(result.clean_changed)} of {result.clean_total}"
    )
    print(f"links or other text that had to stay, broken: {len(result.kept_broken)}")
    print(f"time per sentence: {result.seconds_per_case * 1000:.3f} ms (best of {len(results)})")

    if args.misses:
        print("\nmissed:")
        for kind, tally in result.kinds.items():
            for value, redacted in tally.missed:
                print(f"  {kind:<8} {value!r}\n           -> {redacted}")
        print("\nchanged without personal data:")
        for text, redacted in result.clean_changed:
            print(f"  {text}\n  -> {redacted}")
        print("\nbroken:")
        for keep, redacted in result.kept_broken:
            print(f"  {keep!r}\n  -> {redacted}")


if __name__ == "__main__":
    main()
