import math
from typing import Literal

import pytest
from pydantic import BaseModel, StrictFloat, StrictInt

from ai import embedding, llm
from ai.llm import Completion, JsonCompletion, LLMError
from copilot.prompts import PROMPTS_DIR as COPILOT_PROMPTS
from knowledge.prompts import PROMPTS_DIR as KNOWLEDGE_PROMPTS

MESSAGES = [{"role": "user", "content": "Answer in JSON, please."}]


class Triage(BaseModel):
    intent: Literal["question", "incident"]
    confidence: StrictFloat | StrictInt
    tags: list[str] | None = None


SCHEMA = Triage


@pytest.fixture
def model(settings, monkeypatch):
    """A configured model that litellm mocks: a fake key, and no network."""
    settings.VIGIL_LLM_MODELS = {"default": "openai/gpt-4o-mini"}
    settings.VIGIL_LLM_RETRIES = 2
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    return "openai/gpt-4o-mini"


@pytest.fixture
def backoffs(monkeypatch):
    waits = []
    monkeypatch.setattr(llm, "_backoff", waits.append)
    return waits


@pytest.fixture
def scripted(monkeypatch):
    """Replace litellm's chat call by the real one answering each scripted mock in turn."""
    real = llm._litellm_completion
    calls = []

    def script(*mocks):
        def fake(**kwargs):
            calls.append(kwargs)
            return real(**{**kwargs, "mock_response": mocks[min(len(calls), len(mocks)) - 1]})

        monkeypatch.setattr(llm, "_litellm_completion", fake)
        return calls

    return script


def test_it_is_not_configured_without_a_model(settings):
    settings.VIGIL_LLM_MODELS = {"default": ""}

    assert llm.model_for("extract") is None
    assert not llm.llm_configured()
    assert not llm.llm_configured("extract")


def test_it_is_configured_with_a_model(model):
    assert llm.llm_configured()
    assert llm.model_for("extract") == model


def test_it_prefers_a_model_set_for_the_purpose(settings):
    settings.VIGIL_LLM_MODELS = {"default": "openai/gpt-4o", "extract": "openai/gpt-4o-mini"}

    assert llm.model_for("extract") == "openai/gpt-4o-mini"
    assert llm.model_for("EXTRACT") == "openai/gpt-4o-mini"
    assert llm.model_for("draft") == "openai/gpt-4o"


def test_it_refuses_to_complete_without_a_model(settings):
    settings.VIGIL_LLM_MODELS = {"default": ""}

    with pytest.raises(LLMError) as caught:
        llm.complete(purpose="draft", messages=MESSAGES, mock_response="Hi")

    assert caught.value.retryable is False


def test_it_returns_the_mocked_completion(model):
    completion = llm.complete(purpose="draft", messages=MESSAGES, mock_response="Try a restart.")

    assert isinstance(completion, Completion)
    assert completion.text == "Try a restart."
    assert completion.model == model
    assert completion.prompt_tokens > 0
    assert completion.completion_tokens > 0
    assert completion.latency_ms >= 0


def test_it_parses_a_json_answer(model):
    answer = '{"intent": "incident", "confidence": 0.8, "tags": ["vm"]}'

    result = llm.complete_json(
        purpose="extract", messages=MESSAGES, schema=SCHEMA, mock_response=answer
    )

    assert isinstance(result, JsonCompletion)
    assert result.data == Triage(intent="incident", confidence=0.8, tags=["vm"])
    assert result.completion.text == answer


def test_it_asks_for_json_mode(model, scripted):
    calls = scripted('{"intent": "question", "confidence": 1}')

    llm.complete_json(purpose="extract", messages=MESSAGES, schema=SCHEMA)

    assert calls[0]["response_format"] == {"type": "json_object"}


def test_it_parses_fenced_json(model):
    answer = 'Here it is:\n```json\n{"intent": "question", "confidence": 1, "tags": null}\n```'

    result = llm.complete_json(
        purpose="extract", messages=MESSAGES, schema=SCHEMA, mock_response=answer
    )

    assert result.data == Triage(intent="question", confidence=1, tags=None)


@pytest.mark.parametrize("answer", ["I think it is an incident.", '["incident"]', '{"intent": '])
def test_it_rejects_an_answer_that_is_no_json_object(model, answer):
    with pytest.raises(LLMError) as caught:
        llm.complete_json(purpose="extract", messages=MESSAGES, schema=SCHEMA, mock_response=answer)

    assert caught.value.retryable is False


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ('{"intent": "incident"}', "confidence: Field required"),
        ('{"intent": "incident", "confidence": "high"}', "confidence"),
        ('{"intent": "incident", "confidence": true}', "confidence"),
        ('{"intent": "chit-chat", "confidence": 1}', "intent: Input should be"),
        ('{"intent": "incident", "confidence": 1, "tags": "vm"}', "tags: Input should be"),
    ],
)
def test_it_rejects_json_that_breaks_the_schema(model, answer, problem):
    with pytest.raises(LLMError) as caught:
        llm.complete_json(purpose="extract", messages=MESSAGES, schema=SCHEMA, mock_response=answer)

    assert caught.value.retryable is False
    assert problem in str(caught.value)


def test_it_retries_a_rate_limit_then_succeeds(model, scripted, backoffs):
    calls = scripted("litellm.RateLimitError", "Done.")

    completion = llm.complete(purpose="draft", messages=MESSAGES)

    assert completion.text == "Done."
    assert len(calls) == 2
    assert backoffs == [1]


def test_it_gives_up_after_the_configured_retries(model, scripted, backoffs, settings):
    settings.VIGIL_LLM_RETRIES = 1
    calls = scripted("litellm.InternalServerError")

    with pytest.raises(LLMError) as caught:
        llm.complete(purpose="draft", messages=MESSAGES)

    assert caught.value.retryable is True
    assert len(calls) == 2
    assert backoffs == [1]


def test_it_does_not_retry_a_bad_request(model, scripted, backoffs):
    calls = scripted("litellm.ContextWindowExceededError", "Done.")

    with pytest.raises(LLMError) as caught:
        llm.complete(purpose="draft", messages=MESSAGES)

    assert caught.value.retryable is False
    assert len(calls) == 1
    assert backoffs == []


def test_it_does_not_retry_a_refused_key(model, monkeypatch, backoffs):
    class Refused(Exception):
        status_code = 401

    calls = []

    def fake(**kwargs):
        calls.append(kwargs)
        raise Refused("invalid api key")

    monkeypatch.setattr(llm, "_litellm_completion", fake)

    with pytest.raises(LLMError) as caught:
        llm.complete(purpose="draft", messages=MESSAGES)

    assert caught.value.retryable is False
    assert isinstance(caught.value.__cause__, Refused)
    assert len(calls) == 1


def test_it_retries_a_lost_connection(model, monkeypatch, backoffs):
    outcomes = [ConnectionResetError("reset by peer"), llm._litellm_completion]

    def fake(**kwargs):
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome(**{**kwargs, "mock_response": "Back."})

    monkeypatch.setattr(llm, "_litellm_completion", fake)

    assert llm.complete(purpose="draft", messages=MESSAGES).text == "Back."
    assert backoffs == [1]


def test_it_passes_the_timeout_to_the_provider(model, scripted, settings):
    settings.VIGIL_LLM_TIMEOUT = 7
    calls = scripted("Done.")

    llm.complete(purpose="draft", messages=MESSAGES)

    assert calls[0]["timeout"] == 7
    assert calls[0]["max_retries"] == 0


def test_it_embeds_nothing_to_nothing():
    assert embedding.embed([]) == []


def test_it_embeds_locally_by_default(settings):
    settings.VIGIL_EMBEDDING_MODEL = "local"

    vectors = embedding.embed(["My VM will not boot.", "I was charged twice."])

    assert len(vectors) == 2
    assert all(len(vector) == embedding.EMBEDDING_DIMENSIONS for vector in vectors)
    assert all(math.isclose(math.hypot(*vector), 1.0, abs_tol=1e-4) for vector in vectors)


def test_it_ranks_a_paraphrase_above_an_unrelated_sentence(settings):
    settings.VIGIL_EMBEDDING_MODEL = "local"
    question, paraphrase, unrelated = embedding.embed(
        [
            "How do I reset my password?",
            "I forgot my password, how can I change it?",
            "What is the capital of France?",
        ]
    )

    def cosine(a, b):
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert cosine(question, paraphrase) > 0.6
    assert cosine(question, unrelated) < 0.3


def test_it_embeds_with_a_litellm_model(settings, monkeypatch):
    settings.VIGIL_EMBEDDING_MODEL = "openai/text-embedding-3-small"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    real = embedding._litellm_embedding
    calls = []

    def fake(**kwargs):
        calls.append(kwargs)
        return real(**kwargs, mock_response=[3.0] * embedding.EMBEDDING_DIMENSIONS)

    monkeypatch.setattr(embedding, "_litellm_embedding", fake)

    [vector] = embedding.embed(["My VM will not boot."])

    assert calls[0]["dimensions"] == embedding.EMBEDDING_DIMENSIONS
    assert len(vector) == embedding.EMBEDDING_DIMENSIONS
    assert math.isclose(math.hypot(*vector), 1.0)


def test_it_refuses_remote_vectors_of_another_size(settings, monkeypatch):
    settings.VIGIL_EMBEDDING_MODEL = "openai/text-embedding-3-large"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    real = embedding._litellm_embedding
    monkeypatch.setattr(
        embedding, "_litellm_embedding", lambda **kwargs: real(**kwargs, mock_response=[0.1] * 3072)
    )

    with pytest.raises(LLMError) as caught:
        embedding.embed(["My VM will not boot."])

    assert caught.value.retryable is False
    assert "3072" in str(caught.value)


def test_it_renders_a_prompt_without_escaping(tmp_path, monkeypatch):
    (tmp_path / "triage.txt").write_text(
        "Ticket: {{ subject }}\n{% for tag in tags %}- {{ tag }}\n{% endfor %}"
    )
    text = llm.render_prompt(
        tmp_path, "triage.txt", subject="<b>Disk</b> & network", tags=["a&b", "'x'"]
    )

    assert text == "Ticket: <b>Disk</b> & network\n- a&b\n- 'x'"


def test_it_finds_each_apps_prompts_in_its_prompts_folder():
    assert (COPILOT_PROMPTS / "copilot_assess.txt").is_file()
    assert (KNOWLEDGE_PROMPTS / "extract_knowledge.txt").is_file()
