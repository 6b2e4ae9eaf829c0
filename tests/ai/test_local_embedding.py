import numpy as np
import pytest

from ai import local_embedding
from ai.local_embedding import DIMENSIONS, LocalEmbedder


@pytest.fixture(scope="module")
def embedder():
    return LocalEmbedder(threads=1)


def test_it_finds_its_files_in_the_installed_packages():
    assert local_embedding.model_path().is_file()
    assert local_embedding.tokenizer_path().is_file()


def test_it_makes_unit_vectors_of_384_dimensions(embedder):
    vectors = embedder.embed(["My VM will not boot.", "I was charged twice.", "Hi"])

    assert vectors.shape == (3, DIMENSIONS)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_it_embeds_nothing_to_nothing(embedder):
    assert embedder.embed([]).shape == (0, DIMENSIONS)
    assert local_embedding.embed([]) == []


def test_it_ranks_a_paraphrase_above_an_unrelated_sentence(embedder):
    question, paraphrase, unrelated = embedder.embed(
        [
            "How do I reset my password?",
            "I forgot my password, how can I change it?",
            "What is the capital of France?",
        ]
    )

    assert question @ paraphrase > 0.6
    assert question @ unrelated < 0.3
    assert question @ paraphrase - question @ unrelated > 0.5


def test_it_keeps_the_input_order_across_batches(embedder, monkeypatch):
    monkeypatch.setattr(local_embedding, "BATCH_SIZE", 3)
    texts = [f"Ticket {number}: " + "the disk is full " * (number % 5) for number in range(10)]

    together = embedder.embed(texts)
    alone = np.vstack([embedder.embed([text]) for text in texts])

    assert np.allclose(together, alone, atol=1e-4)


def test_it_reads_only_the_first_256_tokens(embedder):
    start = "The VM will not boot after the kernel update. " * 60

    vectors = embedder.embed([start, start + "Also, my invoice is wrong.", "Short one."])

    assert vectors.shape == (3, DIMENSIONS)
    assert np.allclose(vectors[0], vectors[1], atol=1e-5)


def test_it_loads_one_embedder_per_process(settings, monkeypatch):
    settings.VIGIL_EMBEDDING_THREADS = 1
    monkeypatch.setattr(local_embedding, "_embedder", None)

    first = local_embedding.get_embedder()

    assert local_embedding.get_embedder() is first
    assert len(local_embedding.embed(["Printer on fire"])[0]) == DIMENSIONS
