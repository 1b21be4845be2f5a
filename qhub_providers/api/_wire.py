"""Pure pieces of the wire protocol: how a call is described, encoded and its answer read.

Nothing here does I/O, so the sync and the async transport share all of it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypedDict, TypeVar
from urllib.parse import quote

import httpx
import pydantic

from qhub_providers.api.errors import SECRET_HEADERS, ApiError, ParsingError, error_for_status

R = TypeVar("R")


class RequestOptions(TypedDict, total=False):
    """Per-call overrides, passed as ``request_options=`` to any endpoint method."""

    timeout: float
    """Seconds for this call (connect, read, write and pool), instead of the client's timeout."""
    max_retries: int
    """Retries for this call, instead of the client's ``max_retries``."""
    additional_headers: Mapping[str, str]
    """Headers added to this request (they win over the client's headers)."""
    chunk_size: int
    """Chunk size in bytes for the result-stream endpoints."""


@dataclass(frozen=True)
class Reconciliation(Generic[R]):
    """How to find out whether a create request that failed ambiguously was stored after all.

    ``lookup`` is an idempotent call; ``found`` turns its answer into the call that fetches the stored
    record, or ``None`` when nothing was stored (then the create request is sent again).
    """

    lookup: Call[Any]
    found: Callable[[Any], Call[R] | None]
    token: str


@dataclass(frozen=True)
class Call(Generic[R]):
    """One endpoint invocation, fully described: what to send and how to read the answer."""

    method: str
    path: str
    """Relative to the base URL, path segments already percent-encoded."""
    parse: Callable[[Any], R]
    """Turns the decoded JSON of a 2xx answer into the result."""
    expected: str = "JSON"
    """What the answer should be, for error messages."""
    query: tuple[tuple[str, str], ...] = ()
    body: Any = None
    """The JSON body; ``None`` sends no body."""
    empty_is_none: bool = False
    """A 2xx answer with an empty body (204) means ``None`` (calibration, normalized views)."""
    ignore_body: bool = False
    """Any 2xx answer means success and returns ``None`` (the DELETE endpoints)."""
    idempotent: bool = True
    """Safe to send again after an ambiguous failure."""
    stream: bool = False
    reconcile: Reconciliation[R] | None = None
    options: RequestOptions = field(default_factory=lambda: RequestOptions())


def segment(value: object) -> str:
    """Percent-encode one path segment so that no id can change the route (``/``, ``..``, ``?``)."""
    text = str(value)
    if not text:
        raise ValueError("an id must not be empty")
    if text in {".", ".."}:
        return text.replace(".", "%2E")
    return quote(text, safe="")


def path(template: str, **ids: object) -> str:
    """Fill a path template such as ``jobs/{id}/status`` with encoded segments."""
    return template.format(**{name: segment(value) for name, value in ids.items()})


def format_datetime(value: datetime, name: str) -> str:
    """ISO-8601 in UTC with ``Z``; a naive datetime is refused rather than guessed."""
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{name} is a naive datetime; give it a time zone, e.g. datetime(..., tzinfo=timezone.utc)"
        )
    text = value.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")


def query(*pairs: tuple[str, Any]) -> tuple[tuple[str, str], ...]:
    """Encode query parameters: ``None`` dropped, lists repeat their key, booleans lower-case."""
    out: list[tuple[str, str]] = []
    for key, value in pairs:
        values: Iterable[Any] = value if isinstance(value, list | tuple) else [value]
        for item in values:
            if item is None:
                continue
            if isinstance(item, bool):
                out.append((key, "true" if item else "false"))
            elif isinstance(item, datetime):
                out.append((key, format_datetime(item, key)))
            else:
                out.append((key, str(item)))
    return tuple(out)


def adapter(tp: Any) -> Callable[[Any], Any]:
    """A parse function for a type (model, list of models, ``dict``) using one TypeAdapter, built on the
    first call so that importing the client stays cheap."""
    built: list[pydantic.TypeAdapter[Any]] = []

    def parse(value: Any) -> Any:
        if not built:
            built.append(pydantic.TypeAdapter(tp))
        return built[0].validate_python(value)

    return parse


def raw(value: Any) -> Any:
    """Parse function for free-form JSON answers."""
    return value


def redact(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers fit for a log line."""
    return {k: ("***" if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}


def _json_or_text(response: httpx.Response) -> Any:
    text = response.text
    if not text.strip():
        return ""
    try:
        return json.loads(text)
    except ValueError:
        return text


def read_error(response: httpx.Response) -> ApiError:
    """The typed error for a non-2xx answer, whatever its body."""
    return error_for_status(response.status_code, response.headers, _json_or_text(response))


def interpret(call: Call[R], response: httpx.Response) -> R:
    """Read a complete answer: the parsed result, ``None``, or a typed error."""
    status = response.status_code
    if not 200 <= status < 300:
        raise read_error(response)
    if call.ignore_body:
        return None  # type: ignore[return-value]
    text = response.text
    if not text.strip():
        if call.empty_is_none:
            return None  # type: ignore[return-value]
        raise ParsingError(status, response.headers, "", reason="the body is empty", expected=call.expected)
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ParsingError(status, response.headers, text, reason=str(exc), expected=call.expected) from None
    try:
        return call.parse(data)
    except pydantic.ValidationError as exc:
        reason = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}" for err in exc.errors()[:5]
        )
        raise ParsingError(status, response.headers, data, reason=reason, expected=call.expected) from None
