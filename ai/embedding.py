"""Embeddings: the 384-d vectors stored with knowledge and compared by retrieval.

`VIGIL_EMBEDDING_MODEL` picks the backend: "local" (all-MiniLM-L6-v2, int8, on onnxruntime in
this process; loaded on first use) or a litellm embedding model. Failures raise `LLMError`.

Work over many conversations (an import, a replay) embeds inside ``reusing()``: a text is
embedded once however often it is asked for, and ``prefetch`` embeds what the next
conversations will ask for in one model call. The local model gives a text the same vector
whatever else is in its batch, so this changes no vector, only how many calls make them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

import numpy as np
from django.conf import settings

from ai.llm import LLMError, _litellm, _timeout, _with_retries

EMBEDDING_DIMENSIONS = 384
_EMBEDDING_BATCH = 64

LOCAL_EMBEDDING_MODEL = "local/all-MiniLM-L6-v2-int8"


def embedding_model_name() -> str:
    """The name stored with each vector, so a model change can be detected and re-embedded."""
    backend = getattr(settings, "VIGIL_EMBEDDING_MODEL", "local") or "local"
    return LOCAL_EMBEDDING_MODEL if backend == "local" else backend


class _Reused:
    """Vectors already made in a ``reusing()`` block, the least recently used dropped first."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self.calls = 0  # model calls made in the block
        self.embedded = 0  # texts those calls embedded
        # ``ahead`` fills it from a thread of its own while the caller reads it.
        self.lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> np.ndarray | None:
        with self.lock:
            vector = self.vectors.get(key)
            if vector is not None:
                self.vectors.move_to_end(key)
            return vector

    def put(self, key: tuple[str, str], vector: Sequence[float]) -> np.ndarray:
        # float64 holds a float32 or a Python float exactly: the vector given back is the same.
        array = np.asarray(vector, dtype=np.float64)
        with self.lock:
            self.vectors[key] = array
            while len(self.vectors) > self.limit:
                self.vectors.popitem(last=False)
        return array

    def fill(self, backend: str, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Embed those of ``texts`` not kept yet, in one model call, keep them, and give them."""
        missing = [text for text in dict.fromkeys(texts) if self.get((backend, text)) is None]
        if not missing:
            return {}
        with self.lock:
            self.calls += 1
            self.embedded += len(missing)
        vectors = _embed_now(missing)
        return {
            text: self.put((backend, text), vector)
            for text, vector in zip(missing, vectors, strict=True)
        }


_reused: ContextVar[_Reused | None] = ContextVar("vigil_embedding_reused", default=None)


@contextmanager
def reusing(limit: int = 20_000) -> Iterator[_Reused]:
    """Within the block, ``embed`` keeps the vectors it made (up to ``limit``, about 3 KB
    each) and gives them again instead of running the model; ``prefetch`` fills it ahead."""
    token = _reused.set(_Reused(limit))
    try:
        yield _reused.get()  # type: ignore[misc]
    finally:
        _reused.reset(token)


def prefetch(texts: Iterable[str]) -> None:
    """Embed the ``texts`` not embedded yet in this ``reusing()`` block, in one call, so that
    later ``embed`` calls find them. Outside such a block it does nothing."""
    if (reused := _reused.get()) is not None:
        reused.fill(_backend(), _some(texts))


Batch = TypeVar("Batch")


def ahead(batches: Iterable[Batch], plan: Callable[[Batch], list[str]]) -> Iterator[Batch]:
    """Each of ``batches`` once the texts ``plan`` gives for it are embedded, the next batch's
    texts being embedded meanwhile, on a thread of their own, while the caller works on this
    one: the model's time overlaps the caller's database writes instead of adding to them.

    ``plan`` runs here, on the caller's thread, one batch ahead and in order. Inside a
    ``reusing()`` block only (outside it, each batch is given as it comes, nothing embedded).
    Vectors are the same as when embedded one by one; a text the plan missed is embedded when
    asked for. A model failure is raised here, before the batch it concerns is given."""
    reused = _reused.get()
    if reused is None:
        yield from batches
        return
    backend = _backend()
    pending = iter(batches)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="vigil-embedding") as pool:
        batch = next(pending, None)
        if batch is None:
            return
        filled: Future[dict[str, np.ndarray]] | None = pool.submit(
            reused.fill, backend, _some(plan(batch))
        )
        while batch is not None:
            following = next(pending, None)
            if filled is not None:
                filled.result()
            filled = (
                pool.submit(reused.fill, backend, _some(plan(following)))
                if following is not None
                else None
            )
            yield batch
            batch = following


def _some(texts: Iterable[str]) -> list[str]:
    """The texts worth embedding ahead: not empty."""
    return [text for text in texts if text]


def _backend() -> str:
    return getattr(settings, "VIGIL_EMBEDDING_MODEL", "local") or "local"


def embed(texts: Sequence[str]) -> list[list[float]]:
    """L2-normalised 384-d vectors for `texts`, in order; [] for no texts.

    `VIGIL_EMBEDDING_MODEL` picks the backend: "local" (all-MiniLM-L6-v2 in this process) or a
    litellm embedding model whose vectors have 384 dimensions.
    """
    if not texts:
        return []
    reused = _reused.get()
    if reused is None:
        return _embed_now(texts)
    backend = _backend()
    found = {text: reused.get((backend, text)) for text in texts}
    found.update(reused.fill(backend, [text for text, vector in found.items() if vector is None]))
    return [found[text].tolist() for text in texts]  # type: ignore[union-attr]


def _embed_now(texts: Sequence[str]) -> list[list[float]]:
    backend = _backend()
    if backend == "local":
        from ai import local_embedding

        try:
            return local_embedding.embed(texts)
        except Exception as exc:
            raise LLMError(f"Local embedding failed: {exc}", retryable=False) from exc
    vectors: list[list[float]] = []
    for start in range(0, len(texts), _EMBEDDING_BATCH):
        batch = list(texts[start : start + _EMBEDDING_BATCH])
        vectors.extend(_embed_remote(backend, batch))
    return vectors


def _embed_remote(model: str, texts: list[str]) -> list[list[float]]:
    response = _with_retries(
        lambda: _litellm_embedding(
            model=model,
            input=texts,
            # Models that can shorten their vectors (OpenAI's text-embedding-3) make 384-d ones.
            dimensions=EMBEDDING_DIMENSIONS,
            timeout=_timeout(),
            max_retries=0,
            drop_params=True,
        )
    )
    try:
        items = response.data if hasattr(response, "data") else response["data"]
        vectors = [
            item["embedding"] if isinstance(item, dict) else item.embedding for item in items
        ]
    except (AttributeError, KeyError, TypeError) as exc:
        raise LLMError(
            f"Unexpected embedding response from {model}: {exc}", retryable=False
        ) from exc
    if len(vectors) != len(texts):
        raise LLMError(
            f"{model} returned {len(vectors)} vectors for {len(texts)} texts.", retryable=False
        )
    return [_normalised(model, vector) for vector in vectors]


def _normalised(model: str, vector: Sequence[float]) -> list[float]:
    if len(vector) != EMBEDDING_DIMENSIONS:
        raise LLMError(
            f"{model} makes {len(vector)}-d vectors; Vigil stores {EMBEDDING_DIMENSIONS}-d ones.",
            retryable=False,
        )
    norm = sum(value * value for value in vector) ** 0.5
    if norm == 0:
        raise LLMError(f"{model} returned a zero vector.", retryable=False)
    return [value / norm for value in vector]


def _litellm_embedding(**kwargs: Any) -> Any:
    """The one litellm embedding call (tests replace it to script failures)."""
    return _litellm().embedding(**kwargs)
