"""Pure pieces of the wire protocol: how a call is described, encoded and its answer read.

Nothing here does I/O, so the sync and the async transport share all of it.
"""

from __future__ import annotations

import codecs
import json
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypedDict, TypeVar
from urllib.parse import quote

import httpx
import pydantic

from qhub_providers.api.errors import (
    SECRET_HEADERS,
    AnswerTooLargeError,
    ApiError,
    ParsingError,
    error_for_status,
)

R = TypeVar("R")


class RequestOptions(TypedDict, total=False):
    """Per-call overrides, passed as ``request_options=`` to any endpoint method."""

    timeout: float
    """Deadline in seconds for this whole call (connecting, sending, every read, every retry), instead
    of the client's ``timeout``."""
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
class Confirmation(Generic[R]):
    """How to tell that a retried state change had already been made by an earlier attempt.

    When a retry meets 409 or 422 (the state it asks for is no longer reachable from the current one),
    ``lookup`` reads the resource and ``holds`` says whether it already is in the asked-for state; if so,
    the read record is the call's result.
    """

    lookup: Call[R]
    holds: Callable[[R], bool]


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
    confirm: Confirmation[R] | None = None
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


Mask = Callable[[str], str]
"""Removes credentials from text the server sent (which may echo them) before it goes into an error."""


def no_mask(text: str) -> str:
    return text


class UnreadableBody(Exception):
    """The body of an answer could not be read (a failed decompression, over the size limit); internal,
    always turned into a typed error by the transport."""

    def __init__(self, reason: str, *, limit: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.limit = limit
        """Set when the body was over this size limit."""


_PIECE = 64 * 1024


class _Zlib:
    """gzip or deflate, decompressed in bounded pieces so that a small bomb cannot blow up in one call."""

    def __init__(self, encoding: str) -> None:
        self._deflate = encoding == "deflate"
        self._started = False
        self._decoder = zlib.decompressobj(zlib.MAX_WBITS if self._deflate else 16 + zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._deflate and not self._started:
            self._started = True
            try:
                probe = zlib.decompressobj(zlib.MAX_WBITS)
                probe.decompress(data[:2])
            except zlib.error:
                # "deflate" is sent both zlib-wrapped (as the RFC says) and raw; accept both.
                self._decoder = zlib.decompressobj(-zlib.MAX_WBITS)
        pending = data
        while True:
            piece = self._decoder.decompress(pending, _PIECE)
            if piece:
                yield piece
            pending = self._decoder.unconsumed_tail
            if not pending and len(piece) < _PIECE:
                return

    def finish(self) -> Iterator[bytes]:
        tail = self._decoder.flush()
        if tail:
            yield tail


class _Other:
    """Encodings beyond gzip and deflate, through httpx's own decoders (only if the server sends them)."""

    def __init__(self, encoding: str) -> None:
        from httpx._decoders import SUPPORTED_DECODERS as decoders

        if encoding not in decoders:
            raise UnreadableBody(f"unsupported Content-Encoding {encoding!r}")
        self._decoder = decoders[encoding]()

    def feed(self, data: bytes) -> Iterator[bytes]:
        out: bytes = self._decoder.decode(data)
        if out:
            yield out

    def finish(self) -> Iterator[bytes]:
        out: bytes = self._decoder.flush()
        if out:
            yield out


class BodyDecoder:
    """Undoes the ``Content-Encoding`` of an answer chunk by chunk, counting what comes out.

    Any failure raises :class:`UnreadableBody`; more than ``limit`` decoded bytes too (``None``: no limit).
    """

    def __init__(self, headers: Mapping[str, str], limit: int | None) -> None:
        self.limit = limit
        self.size = 0
        names = [n.strip().lower() for n in headers.get("content-encoding", "").split(",")]
        names = [n for n in names if n and n != "identity"]
        if len(names) > 2:
            raise UnreadableBody(f"too many content encodings ({len(names)})")
        try:
            # Applied in order by the server, so undone in reverse.
            self._stages = [_Zlib(n) if n in ("gzip", "deflate") else _Other(n) for n in reversed(names)]
        except UnreadableBody:
            raise
        except Exception as exc:  # an httpx decoder whose package is missing or broken
            raise UnreadableBody(f"cannot decode Content-Encoding: {type(exc).__name__}") from None

    def _run(self, pieces: Iterable[bytes], stage: int) -> Iterator[bytes]:
        if stage == len(self._stages):
            yield from pieces
            return
        for piece in pieces:
            yield from self._run(self._stages[stage].feed(piece), stage + 1)

    def _counted(self, pieces: Iterable[bytes]) -> Iterator[bytes]:
        try:
            for piece in pieces:
                self.size += len(piece)
                if self.limit is not None and self.size > self.limit:
                    raise UnreadableBody(f"the answer exceeds {self.limit} bytes", limit=self.limit)
                yield piece
        except UnreadableBody:
            raise
        except Exception as exc:  # zlib.error, a broken brotli stream ...
            raise UnreadableBody(f"the body cannot be decompressed ({type(exc).__name__}: {exc})") from None

    def feed(self, raw: bytes) -> Iterator[bytes]:
        """Decoded pieces of one raw chunk."""
        return self._counted(self._run([raw], 0))

    def finish(self) -> Iterator[bytes]:
        """The last decoded pieces, once the raw body ended."""

        def tails() -> Iterator[bytes]:
            for stage in range(len(self._stages)):
                yield from self._run(self._stages[stage].finish(), stage + 1)

        return self._counted(tails())


@dataclass(frozen=True)
class Answer:
    """A complete answer of the Hub, its body decoded (``content``), or why it could not be read."""

    status_code: int
    headers: httpx.Headers
    content: bytes
    request: httpx.Request
    unreadable: UnreadableBody | None = None

    @property
    def has_redirect_location(self) -> bool:
        """A redirect status with a ``Location`` to follow (as ``httpx.Response`` has it)."""
        return self.status_code in (301, 302, 303, 307, 308) and "location" in self.headers


def _text(answer: Answer, mask: Mask = no_mask) -> str:
    """The body as text: its declared charset when that works, else UTF-8 with replacements."""
    content_type = answer.headers.get("content-type", "")
    charset = None
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower() or None
    text = None
    if charset:
        try:
            codecs.lookup(charset)
            text = answer.content.decode(charset)
        except (LookupError, UnicodeError, ValueError):
            text = None
    if text is None:
        text = answer.content.decode("utf-8", errors="replace")
    return mask(text)


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("the JSON is nested too deeply") from None


def _json_or_text(answer: Answer, mask: Mask) -> Any:
    if answer.unreadable is not None:
        return f"<unreadable body: {answer.unreadable.reason}>"
    text = _text(answer, mask)
    if not text.strip():
        return ""
    try:
        return _parse_json(text)
    except ValueError:
        return text


def read_error(answer: Answer, mask: Mask = no_mask) -> ApiError:
    """The typed error for a non-2xx answer, whatever its body."""
    return error_for_status(answer.status_code, answer.headers, _json_or_text(answer, mask))


def interpret(call: Call[R], answer: Answer, mask: Mask = no_mask) -> R:
    """Read a complete answer: the parsed result, ``None``, or a typed error (whose body and message
    have the client's credentials masked, should the server echo them)."""
    status = answer.status_code
    if not 200 <= status < 300:
        raise read_error(answer, mask)
    if call.ignore_body:
        return None  # type: ignore[return-value]
    if answer.unreadable is not None:
        if answer.unreadable.limit is not None:
            raise AnswerTooLargeError(status, answer.headers, answer.unreadable.limit)
        reason = answer.unreadable.reason
        raise ParsingError(status, answer.headers, None, reason=reason, expected=call.expected)
    text = _text(answer)

    def unreadable(body: Any, reason: str) -> ParsingError:
        masked = mask(text)
        if masked != text:
            body = _json_or_text(answer, mask)
            reason = mask(reason)
        return ParsingError(status, answer.headers, body, reason=reason, expected=call.expected)

    if not text.strip():
        if call.empty_is_none:
            return None  # type: ignore[return-value]
        raise unreadable("", "the body is empty")
    try:
        data = _parse_json(text)
    except ValueError as exc:
        raise unreadable(text, str(exc)) from None
    try:
        return call.parse(data)
    except pydantic.ValidationError as exc:
        reason = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}" for err in exc.errors()[:5]
        )
        raise unreadable(data, reason) from None
    except (ValueError, TypeError, RecursionError) as exc:
        raise unreadable(data, f"{type(exc).__name__}: {exc}") from None
