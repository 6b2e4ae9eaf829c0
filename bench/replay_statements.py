"""What a replay asks of the database, printed as figures (not a test): the statements sent
while conversations are replayed (the replay database's creation and a knowledge import left
out), per customer message, with the time spent waiting for them, and the statement shapes
that cost most; and the time the embedding model took (a knowledge import's left out).
Learning and approving as it goes, with the local engine, as the replay figures in
docs/benchmarks.md and docs/evaluation.md are made. Usage:
  python bench/replay_statements.py CONVERSATIONS.jsonl [--knowledge KB.jsonl] [--limit N]
      [--top N]
"""

import argparse
import os
import re
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil_site.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench.model_clock import ModelClock, model_clock  # noqa: E402
from replay import runner  # noqa: E402
from replay.management.commands import replay as replay_command  # noqa: E402

QUOTED = re.compile(r"'[^']*'")
NUMBER = re.compile(r"\b\d+(\.\d+)?\b")
REPEATED = re.compile(r"(%s, )+%s")
SAVEPOINT_NAME = re.compile(r'"s\d+_x\d+"')


def shape(sql: str) -> str:
    """A statement without its values: statements that differ only in them are one shape."""
    sql = SAVEPOINT_NAME.sub('"…"', sql)
    return REPEATED.sub("%s, …", NUMBER.sub("N", QUOTED.sub("?", sql)))


class Counter:
    def __init__(self) -> None:
        self.on = False
        self.shapes: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
        self.customer_messages = 0
        self.conversations = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, ctx: Any):
        if not self.on:
            return execute(sql, params, many, ctx)
        started = time.perf_counter()
        try:
            return execute(sql, params, many, ctx)
        finally:
            seen = self.shapes[shape(sql)]
            seen[0] += 1
            seen[1] += time.perf_counter() - started


@contextmanager
def counting(counter: Counter) -> Iterator[None]:
    """Count the statements of ``Replayer.replay`` only, on whichever connection it uses."""
    replay = runner.Replayer.replay

    def counted(self: runner.Replayer, conversation: Any) -> runner.ConversationResult:
        if counter.on:  # not re-entered, but be sure
            return replay(self, conversation)
        wrappers = connection.execute_wrappers
        wrappers.append(counter)
        counter.on = True
        try:
            result = replay(self, conversation)
        finally:
            counter.on = False
            wrappers.remove(counter)
        counter.conversations += 1
        counter.customer_messages += len(result.messages)
        return result

    runner.Replayer.replay = counted  # type: ignore[method-assign]
    try:
        yield
    finally:
        runner.Replayer.replay = replay  # type: ignore[method-assign]


@contextmanager
def knowledge_import_left_out(clock: ModelClock) -> Iterator[None]:
    """The model's time importing ``--knowledge`` is not the replay's."""
    command = replay_command.Command
    import_knowledge = command._import

    def left_out(self: Any, path: Path) -> None:
        with clock.leaving_out():
            import_knowledge(self, path)

    command._import = left_out  # type: ignore[method-assign]
    try:
        yield
    finally:
        command._import = import_knowledge  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("conversations", type=Path)
    parser.add_argument("--knowledge", type=Path)
    parser.add_argument("--limit", type=int, default=300)
    parser.add_argument("--top", type=int, default=15, help="statement shapes shown")
    args = parser.parse_args()
    options = ["--learn", "--auto-approve", "--engine", "local", "--progress", "none"]
    options += ["--limit", str(args.limit)]
    if args.knowledge:
        options += ["--knowledge", str(args.knowledge)]
    counter = Counter()
    with (
        tempfile.TemporaryDirectory() as folder,
        counting(counter),
        model_clock() as clock,
        knowledge_import_left_out(clock),
    ):
        started = time.perf_counter()
        call_command("replay", str(args.conversations), *options, "--report", f"{folder}/r.json")
        elapsed = time.perf_counter() - started
    statements = sum(int(count) for count, _ in counter.shapes.values())
    waited = sum(seconds for _, seconds in counter.shapes.values())
    messages = max(counter.customer_messages, 1)
    print(
        f"\n{counter.conversations} conversations, {counter.customer_messages} customer messages;"
        f" the command took {elapsed:.1f} s"
    )
    print(
        f"statements while replaying: {statements} ({statements / messages:.1f} per customer"
        f" message), {waited:.1f} s waiting for them ({1000 * waited / messages:.1f} ms per"
        " customer message)"
    )
    print(clock.line(messages) + ("; the knowledge import's left out" if args.knowledge else ""))
    print(f"\nthe {args.top} shapes sent most often: count, seconds, per customer message")
    ranked = sorted(counter.shapes.items(), key=lambda item: -item[1][0])
    for sql, (count, seconds) in ranked[: args.top]:
        print(f"{int(count):7d} {seconds:6.2f}s {count / messages:5.2f}  {sql[:110]}")


if __name__ == "__main__":
    main()
