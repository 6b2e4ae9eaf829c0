import threading

import pytest

from ai import embedding, local_embedding


@pytest.fixture
def model_calls(monkeypatch):
    """Each call that reaches the local model, as the texts it was given."""
    calls: list[list[str]] = []
    real = local_embedding.embed

    def counted(texts):
        calls.append(list(texts))
        return real(texts)

    monkeypatch.setattr(local_embedding, "embed", counted)
    return calls


def test_it_gives_a_text_the_same_vector_alone_and_among_others():
    # What reuse and prefetching rely on: the batch a text is embedded in changes nothing.
    texts = ["How do I resize a volume?", "hi", "My card was charged twice " * 12, "Reboot?"]
    together = local_embedding.embed(texts)
    assert [local_embedding.embed([text])[0] for text in texts] == together
    assert local_embedding.embed(list(reversed(texts))) == list(reversed(together))


def test_it_embeds_a_text_once_within_a_block(model_calls):
    with embedding.reusing() as reused:
        first = embedding.embed(["Resize the volume", "Charged twice"])
        again = embedding.embed(["Charged twice", "Resize the volume", "Charged twice"])
    assert model_calls == [["Resize the volume", "Charged twice"]]
    assert again == [first[1], first[0], first[1]]
    assert (reused.calls, reused.embedded) == (1, 2)
    assert embedding.embed(["Resize the volume"]) == [first[0]]  # the block is over
    assert len(model_calls) == 2


def test_prefetch_embeds_the_next_texts_in_one_call(model_calls):
    texts = ["Resize the volume", "Charged twice", "Lost my phone"]
    alone = [embedding.embed([text])[0] for text in texts]
    model_calls.clear()
    with embedding.reusing():
        embedding.prefetch([*texts, texts[0], ""])
        found = [embedding.embed([text])[0] for text in texts]
    assert model_calls == [texts]
    assert found == alone


def test_prefetch_outside_a_block_embeds_nothing(model_calls):
    embedding.prefetch(["Resize the volume"])
    assert model_calls == []


def test_it_keeps_the_most_recently_used_vectors(model_calls):
    with embedding.reusing(limit=2):
        embedding.embed(["a volume", "a card"])
        embedding.embed(["a volume"])  # used again: kept
        embedding.embed(["a phone"])  # "a card" goes
        embedding.embed(["a volume", "a phone", "a card"])
    assert model_calls == [["a volume", "a card"], ["a phone"], ["a card"]]


def test_ahead_gives_each_batch_with_its_texts_embedded(model_calls):
    batches = [["Resize the volume", "Charged twice"], ["Lost my phone"], ["Reset the key"]]
    planned_on: list[int] = []

    def plan(batch):
        planned_on.append(threading.get_ident())
        return batch

    given = []
    with embedding.reusing():
        for batch in embedding.ahead(iter(batches), plan):
            given.append(batch)
            # Asked for while the next batch is embedded: already there, no call of its own.
            calls = len(model_calls)
            embedding.embed(batch)
            assert len(model_calls) == calls
    assert given == batches
    assert sorted(model_calls) == sorted(batches)
    assert set(planned_on) == {threading.get_ident()}  # planned on the caller's thread


def test_ahead_outside_a_block_plans_nothing(model_calls):
    def plan(batch):
        raise AssertionError("not planned outside a reusing() block")

    assert list(embedding.ahead([["a"], ["b"]], plan)) == [["a"], ["b"]]
    assert model_calls == []


def test_ahead_raises_a_failing_model_before_the_batch_it_concerns(monkeypatch):
    def failing(texts):
        raise RuntimeError("model file unreadable")

    monkeypatch.setattr(local_embedding, "embed", failing)
    with embedding.reusing():
        batches = embedding.ahead([["a"], ["b"]], lambda batch: batch)
        with pytest.raises(embedding.LLMError, match="unreadable"):
            next(batches)  # not given: its texts could not be embedded
