"""JSON from outside Vigil: parsed with a bound on nesting, so no body reaches RecursionError.

Every body Vigil reads (the REST API's and the inbound webhook's) is a few levels deep; a
deeper one is refused with the reason, as the caller's mistake it is, never a server error.
"""

import json
from collections.abc import Iterable, Mapping
from typing import IO, Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32
TOO_DEEP = f"The JSON is nested more than {MAX_DEPTH} levels deep."


class TooDeep(ValueError):
    def __init__(self) -> None:
        super().__init__(TOO_DEEP)


def loads(raw: bytes | str) -> Any:
    """``json.loads`` that raises ValueError (TooDeep) for JSON nested too deeply."""
    try:
        data = json.loads(raw)
    except RecursionError:
        raise TooDeep from None
    check_depth(data)
    return data


def check_depth(data: Any) -> None:
    """TooDeep when ``data`` holds containers more than MAX_DEPTH levels deep."""
    level, depth = [data], 0
    while containers := [value for value in level if isinstance(value, dict | list)]:
        depth += 1
        if depth > MAX_DEPTH:
            raise TooDeep
        level = [child for value in containers for child in _children(value)]


def _children(value: dict[Any, Any] | list[Any]) -> Iterable[Any]:
    return value.values() if isinstance(value, dict) else value


class BoundedJSONParser(JSONParser):
    """The API's parser: DRF's, with nesting bounded as above."""

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
            check_depth(data)
        except (RecursionError, TooDeep):
            raise ParseError(TOO_DEEP) from None
        return data
