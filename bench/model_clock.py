"""The embedding model's share of a bench: texts embedded, model calls, and seconds inside the
model. With the local engine that time is compute on this machine's cores, so it bounds an
import or a replay however few statements the rest sends."""

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from ai import embedding


@dataclass
class ModelClock:
    texts: int = 0
    calls: int = 0
    seconds: float = 0.0

    @contextmanager
    def leaving_out(self) -> Iterator[None]:
        """What the model does within the block is not counted (a knowledge import before a
        replay, say)."""
        texts, calls, seconds = self.texts, self.calls, self.seconds
        try:
            yield
        finally:
            self.texts, self.calls, self.seconds = texts, calls, seconds

    def line(self, customer_messages: int) -> str:
        """The model's figures, and the customer messages a second the replay or import
        could reach were everything but the model free."""
        if not self.calls:
            return "the embedding model: not called"
        return (
            f"the embedding model: {self.texts} texts in {self.calls} calls, {self.seconds:.1f} s"
            f" (at most {customer_messages / max(self.seconds, 1e-9):.0f} customer messages/s"
            " were everything else free)"
        )


@contextmanager
def model_clock() -> Iterator[ModelClock]:
    """Times every call into the embedding model within the block, on any thread."""
    clock = ModelClock()
    embed_now = embedding._embed_now

    def timed(texts: Sequence[str]) -> list[list[float]]:
        started = time.perf_counter()
        try:
            return embed_now(texts)
        finally:
            clock.seconds += time.perf_counter() - started
            clock.calls += 1
            clock.texts += len(texts)

    embedding._embed_now = timed  # type: ignore[assignment]
    try:
        yield clock
    finally:
        embedding._embed_now = embed_now  # type: ignore[assignment]
