"""The one interface between Vigil and language or embedding models.

Everything that talks to a model goes through here, and this is the only module that imports
litellm (ruff TID251 keeps it so). litellm is imported lazily: it takes about three seconds, and
most processes never call a model. Every provider failure becomes `LLMError`, which says whether
trying again may help.

Models come from settings: `VIGIL_LLM_MODELS` maps a purpose ("extract", "draft", ...) to a litellm
model name, with "default" for every purpose without its own entry; empty means no LLM, and Vigil
must work without one. Provider keys are read by litellm from its usual variables
(OPENAI_API_KEY, ANTHROPIC_API_KEY, ...).
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.template import Context, Engine
from pydantic import BaseModel, ValidationError

logger = logging.getLogger(__name__)

_BACKOFF_SECONDS = 0.5
_BACKOFF_MAX_SECONDS = 4.0

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


class LLMError(Exception):
    """A model call failed; `retryable` says whether the same call may succeed later."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class Completion:
    """A model's answer, with what a run records about it.

    `model` is the configured litellm model name; `latency_ms` covers every attempt.
    """

    text: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    latency_ms: float


@dataclass(frozen=True)
class JsonCompletion(Generic[M]):
    """A JSON object answer validated by its pydantic model, and the completion it came from."""

    data: M
    completion: Completion


def model_for(purpose: str) -> str | None:
    """The litellm model for `purpose`, falling back to the default; None when no LLM is set."""
    models: dict[str, str] = getattr(settings, "VIGIL_LLM_MODELS", {})
    return models.get(purpose.lower()) or models.get("default") or None


def llm_configured(purpose: str = "default") -> bool:
    """Whether a model is configured for `purpose`."""
    return model_for(purpose) is not None


def complete(
    *,
    purpose: str,
    messages: list[dict[str, str]],
    max_tokens: int = 512,
    temperature: float = 0.0,
    mock_response: str | None = None,
) -> Completion:
    """Send a chat to the model configured for `purpose` and return its answer.

    Retryable failures (timeouts, rate limits, provider outages) are retried
    `VIGIL_LLM_RETRIES` times with a short backoff; any failure left raises `LLMError`.
    `mock_response` is handed to litellm, which then answers with it and calls no provider.
    """
    return _complete(
        purpose=purpose,
        messages=messages,
        max_tokens=max_tokens,
        temperature=temperature,
        mock_response=mock_response,
        extra={},
    )


class CompletionStream:
    """The answer's pieces as the model writes them; ``completion`` once all were read."""

    def __init__(self, model: str, raw: Any, messages: list[dict[str, str]], started: float):
        self.model = model
        self.completion: Completion | None = None
        self._raw = raw
        self._messages = messages
        self._started = started

    def __iter__(self) -> Iterator[str]:
        pieces: list[str] = []
        try:
            for chunk in self._raw:
                delta = chunk.choices[0].delta.content or ""
                if delta:
                    pieces.append(delta)
                    yield delta
        except LLMError:
            raise
        except Exception as exc:
            raise _as_llm_error(exc) from exc
        text = "".join(pieces)
        litellm = _litellm()
        self.completion = Completion(
            text=text,
            model=self.model,
            prompt_tokens=_count_tokens(litellm, self.model, messages=self._messages),
            completion_tokens=_count_tokens(litellm, self.model, text=text),
            latency_ms=(time.perf_counter() - self._started) * 1000,
        )


def _count_tokens(litellm: Any, model: str, **what: Any) -> int:
    try:
        return int(litellm.token_counter(model=model, **what))
    except Exception:  # a count is nice to have, never worth failing an answer over
        return 0


def stream(
    *,
    purpose: str,
    messages: list[dict[str, str]],
    max_tokens: int = 512,
    temperature: float = 0.0,
    mock_response: str | None = None,
) -> CompletionStream:
    """Like `complete`, but the answer arrives piece by piece: iterate over the result.

    Starting the stream is retried like `complete`; a failure midway raises `LLMError`.
    """
    kwargs = _call_kwargs(purpose, messages, max_tokens, temperature, mock_response, stream=True)
    model = kwargs["model"]
    started = time.perf_counter()
    raw = _with_retries(lambda: _litellm_completion(**kwargs))
    return CompletionStream(model, raw, messages, started)


def complete_json(
    *,
    purpose: str,
    messages: list[dict[str, str]],
    schema: type[M],
    max_tokens: int = 800,
    mock_response: str | None = None,
) -> JsonCompletion[M]:
    """Like `complete`, for an answer that must be a JSON object valid for the pydantic `schema`.

    JSON mode is requested where the provider has it, so the messages must ask for JSON in words.
    The answer may come in a ```json fence. An answer that is not JSON or that the model refuses
    raises `LLMError(retryable=False)`, naming each field that is wrong.
    """
    completion = _complete(
        purpose=purpose,
        messages=messages,
        max_tokens=max_tokens,
        temperature=0.0,
        mock_response=mock_response,
        extra={"response_format": {"type": "json_object"}},
    )
    data = parse_json_object(completion.text)
    try:
        validated = schema.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'answer'}: {error['msg']}"
            for error in exc.errors()
        )
        raise LLMError(
            f"The model's JSON does not match the schema: {problems}", retryable=False
        ) from exc
    return JsonCompletion(data=validated, completion=completion)


def render_prompt(directory: Path, name: str, **context: Any) -> str:
    """Render the prompt template `<directory>/<name>` as plain text (no HTML escaping).

    Each app keeps its prompts in its own `prompts/` folder and passes it here.
    """
    template = _prompt_engine(str(directory)).get_template(name)
    return template.render(Context(context, autoescape=False)).strip()


def parse_json_object(text: str) -> dict[str, Any]:
    """The JSON object in a model's answer, bare or in a ``` fence."""
    fenced = re.search(r"```(?:json)?\s*(.*?)\s*```", text, flags=re.DOTALL | re.IGNORECASE)
    raw = fenced.group(1) if fenced else text.strip()
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise LLMError(f"The model did not answer with JSON: {exc}", retryable=False) from exc
    if not isinstance(data, dict):
        raise LLMError("The model's JSON is not an object.", retryable=False)
    return data


def _complete(
    *,
    purpose: str,
    messages: list[dict[str, str]],
    max_tokens: int,
    temperature: float,
    mock_response: str | None,
    extra: dict[str, Any],
) -> Completion:
    kwargs = _call_kwargs(purpose, messages, max_tokens, temperature, mock_response, **extra)
    model = kwargs["model"]
    started = time.perf_counter()
    response = _with_retries(lambda: _litellm_completion(**kwargs))
    latency_ms = (time.perf_counter() - started) * 1000
    try:
        text = response.choices[0].message.content or ""
        usage = getattr(response, "usage", None)
        return Completion(
            text=text,
            model=model,
            prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
            completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
            latency_ms=latency_ms,
        )
    except (AttributeError, IndexError, TypeError, ValueError) as exc:
        raise LLMError(f"Unexpected response from {model}: {exc}", retryable=False) from exc


def _call_kwargs(
    purpose: str,
    messages: list[dict[str, str]],
    max_tokens: int,
    temperature: float,
    mock_response: str | None,
    **extra: Any,
) -> dict[str, Any]:
    """litellm.completion's arguments for `purpose`; LLMError when no model is configured."""
    model = model_for(purpose)
    if model is None:
        raise LLMError(f"No LLM is configured for {purpose!r} (VIGIL_LLM_MODEL).", retryable=False)
    kwargs: dict[str, Any] = {
        "model": model,
        "messages": messages,
        "max_tokens": max_tokens,
        "temperature": temperature,
        "timeout": _timeout(),
        # Retries are ours, so that they follow one policy for every provider.
        "max_retries": 0,
        # Providers without a parameter (JSON mode, temperature) get the call without it.
        "drop_params": True,
        **extra,
    }
    if mock_response is not None:
        kwargs["mock_response"] = mock_response
    return kwargs


def _with_retries(call: Callable[[], T]) -> T:
    attempts = 1 + max(0, int(getattr(settings, "VIGIL_LLM_RETRIES", 2)))
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except Exception as exc:
            error = exc if isinstance(exc, LLMError) else _as_llm_error(exc)
            if not error.retryable or attempt == attempts:
                if error is exc:
                    raise
                raise error from exc
            logger.warning("LLM call failed (attempt %s of %s): %s", attempt, attempts, error)
            _backoff(attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _backoff(attempt: int) -> None:
    time.sleep(min(_BACKOFF_SECONDS * 2 ** (attempt - 1), _BACKOFF_MAX_SECONDS))


def _as_llm_error(exc: Exception) -> LLMError:
    return LLMError(f"{type(exc).__name__}: {exc}", retryable=_is_retryable(exc))


def _is_retryable(exc: Exception) -> bool:
    litellm = _litellm()
    permanent = (
        litellm.AuthenticationError,
        litellm.PermissionDeniedError,
        litellm.BadRequestError,  # also context window and content policy errors
        litellm.NotFoundError,
        litellm.UnprocessableEntityError,
    )
    transient = (
        litellm.Timeout,
        litellm.RateLimitError,
        litellm.APIConnectionError,
        litellm.ServiceUnavailableError,
        litellm.InternalServerError,
        litellm.BadGatewayError,
        TimeoutError,
        ConnectionError,
    )
    if isinstance(exc, permanent):
        return False
    if isinstance(exc, transient):
        return True
    status = getattr(exc, "status_code", None)
    return isinstance(status, int) and (status in {408, 409, 429} or status >= 500)


def _timeout() -> float:
    return float(getattr(settings, "VIGIL_LLM_TIMEOUT", 30))


@cache
def price_per_1k_tokens(model: str) -> float | None:
    """US dollars for 1,000 tokens of ``model`` from litellm's local price map: the mean of its
    input and output prices, since a run records its tokens as one total. None when the map
    does not know the model (a local or self-hosted one)."""
    if not model:
        return None
    prices = _litellm().model_cost
    info = prices.get(model) or prices.get(model.split("/", 1)[-1])
    if not isinstance(info, dict):
        return None
    rates = [info.get("input_cost_per_token"), info.get("output_cost_per_token")]
    known = [float(rate) for rate in rates if isinstance(rate, int | float)]
    return 1000 * sum(known) / len(known) if known else None


@cache
def _prompt_engine(directory: str) -> Engine:
    # An engine of its own: prompts are plain text, never HTML, and not site templates.
    return Engine(dirs=[directory], autoescape=False)


def _litellm() -> Any:
    # Without this, importing litellm fetches a price list from the network.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    # Vigil registers no litellm callbacks (runs record their own model, tokens and latency), but
    # litellm would still hand every streamed chunk to a logging thread with an event loop of its
    # own: that halved the speed at which a streamed answer is read.
    litellm.disable_streaming_logging = True
    return litellm


def _litellm_completion(**kwargs: Any) -> Any:
    """The one litellm chat call (tests replace it to script failures)."""
    return _litellm().completion(**kwargs)
