"""Embeddings: the 384-d vectors stored with knowledge and compared by retrieval.

`VIGIL_EMBEDDING_MODEL` picks the backend: "local" (all-MiniLM-L6-v2, int8, on onnxruntime in
this process; loaded on first use) or a litellm embedding model. Failures raise `LLMError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings

from ai.llm import LLMError, _litellm, _timeout, _with_retries

EMBEDDING_DIMENSIONS = 384
_EMBEDDING_BATCH = 64

LOCAL_EMBEDDING_MODEL = "local/all-MiniLM-L6-v2-int8"


def embedding_model_name() -> str:
    """The name stored with each vector, so a model change can be detected and re-embedded."""
    backend = getattr(settings, "VIGIL_EMBEDDING_MODEL", "local") or "local"
    return LOCAL_EMBEDDING_MODEL if backend == "local" else backend


def embed(texts: Sequence[str]) -> list[list[float]]:
    """L2-normalised 384-d vectors for `texts`, in order; [] for no texts.

    `VIGIL_EMBEDDING_MODEL` picks the backend: "local" (all-MiniLM-L6-v2 in this process) or a
    litellm embedding model whose vectors have 384 dimensions.
    """
    if not texts:
        return []
    backend = getattr(settings, "VIGIL_EMBEDDING_MODEL", "local") or "local"
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
