"""The one place where HTTP happens: headers, retries, deadlines, reconciliation, error mapping, logging.

The conversation with the Hub for one call is written once, as a generator (:func:`_exchange`) that
yields what it needs done (send this request, sleep that long) and receives the outcome. The sync and the
async transport are small drivers that carry those steps out, so both clients behave identically.

Every answer is read here, whole, by the drivers: through a bounded decoder (:class:`~._wire.BodyDecoder`)
and against the call's deadline, so that no answer, however large, compressed or slow, gets around the
client's limits or escapes as an untyped error.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import AsyncIterator, Generator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from qhub_providers._version import __version__
from qhub_providers.api import _redirects, _wire
from qhub_providers.api.errors import (
    AnswerTooLargeError,
    ApiError,
    ClientClosedError,
    HubConnectionError,
    HubError,
    HubTimeoutError,
    ParsingError,
    TooManyRedirectsError,
    UncertainSubmissionError,
    UncertainSubmissionTimeout,
)
from qhub_providers.api.retry import Decision, RetryPolicy, decide, proves_unsent

R = TypeVar("R")

DEFAULT_TIMEOUT = 60.0
"""Seconds one call may take in all (connecting, sending, every read and every retry)."""
DEFAULT_MAX_ANSWER_BYTES = 64 * 1024 * 1024
"""Largest answer body (after decompression) the client reads; the result streams are not bounded."""
# sys.version_info rather than platform.python_version(): the platform module costs milliseconds to import.
_PYTHON = ".".join(str(part) for part in sys.version_info[:3])
USER_AGENT = f"qhub-providers/{__version__} python/{_PYTHON} httpx/{httpx.__version__}"


@dataclass(frozen=True)
class _Send:
    request: httpx.Request
    stream: bool
    deadline: float | None
    """Monotonic time by which the whole answer must have been read."""
    limit: int | None


@dataclass(frozen=True)
class _Sleep:
    seconds: float


_Step = _Send | _Sleep
_Outcome = _wire.Answer | httpx.Response | Exception


class Settings:
    """What every request of one client shares. The token is kept out of ``repr``."""

    def __init__(
        self,
        *,
        base_url: str,
        token: str,
        organization_id: str | None,
        headers: Mapping[str, str] | None,
        timeout: float | None,
        max_retries: int,
        logger: logging.Logger,
        retry_policy: RetryPolicy,
        max_answer_bytes: int | None = DEFAULT_MAX_ANSWER_BYTES,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        if timeout is not None and timeout <= 0:
            raise ValueError("timeout must be a positive number of seconds (or None)")
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.organization_id = organization_id
        self.extra_headers = dict(headers or {})
        self.timeout = timeout
        self.max_retries = max_retries
        self.logger = logger
        self.retry_policy = retry_policy
        self.max_answer_bytes = max_answer_bytes
        self._secrets = [token] + [v for k, v in self.extra_headers.items() if k.lower() in _SECRET_NAMES]

    def __repr__(self) -> str:
        return f"Settings(base_url={self.base_url!r}, organization_id={self.organization_id!r})"

    def mask(self, text: str) -> str:
        """``text`` without the credentials of this client, for error messages (servers may echo them)."""
        for secret in self._secrets:
            if len(secret) >= 8 and secret in text:
                text = text.replace(secret, "***")
        return text

    def headers(self, call: _wire.Call[Any]) -> dict[str, str]:
        # Precedence, lowest first: defaults, client headers, auth/organization, per-call headers.
        # Only encodings the client decodes itself, in bounded pieces (see _wire.BodyDecoder).
        out = {"User-Agent": USER_AGENT, "Accept": "application/json", "Accept-Encoding": "gzip, deflate"}
        out.update(self.extra_headers)
        out["X-Auth-Token"] = self._token
        if self.organization_id:
            out["X-OrganizationId"] = self.organization_id
        out.update(call.options.get("additional_headers", {}))
        return out

    def build(self, client: httpx.Client | httpx.AsyncClient, call: _wire.Call[Any]) -> httpx.Request:
        try:
            return client.build_request(
                call.method,
                f"{self.base_url}/{call.path}",
                params=list(call.query) or None,
                json=call.body,
                headers=self.headers(call),
            )
        except httpx.InvalidURL as exc:
            # An argument no URL can carry (an id longer than httpx allows): refused like any bad argument.
            shown = call.path if len(call.path) <= 80 else call.path[:80] + "..."
            raise ValueError(f"{call.method} {shown}: cannot build the request URL ({exc})") from None


_SECRET_NAMES = frozenset({"x-auth-token", "authorization", "proxy-authorization", "cookie", "x-api-key"})


def _where(call: _wire.Call[Any], request: httpx.Request) -> str:
    return f"{call.method} {request.url.copy_with(query=None)}"


def _failure_error(
    settings: Settings, call: _wire.Call[Any], error: Exception, request: httpx.Request
) -> HubError:
    where = _where(call, request)
    if isinstance(error, httpx.TimeoutException):
        return HubTimeoutError(f"{where} timed out: {type(error).__name__}", request=request)
    text = settings.mask(f"{where} failed: {type(error).__name__}: {error}")
    if isinstance(error, httpx.ConnectError):
        text += (
            f" - nothing answers at {settings.base_url}: check base_url (or QHUB_QUANTUM_BASE_URL), "
            "or start a local Hub with 'qhub-providers emulator'"
        )
    return HubConnectionError(text, request=request)


class _Clock:
    """The deadline of one call: ``None`` means no deadline (an injected httpx client's own timeout).

    Time is the later of the real clock and the sum of the waits asked for, so that a replaced
    ``RetryPolicy.sleep`` (a fake clock in tests) sees the same decisions as real sleeping would give.
    """

    def __init__(self, seconds: float | None, deadline: float | None = None) -> None:
        self.seconds = seconds
        self.start = time.monotonic()
        self.slept = 0.0
        if deadline is None and seconds is not None:
            deadline = self.start + seconds
        self.deadline = deadline

    def now(self) -> float:
        return max(time.monotonic(), self.start + self.slept)

    def describe(self) -> str:
        if self.seconds is not None:
            return f"the call's timeout of {self.seconds:g} s"
        return "the time left to settle a submission"

    def remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - self.now()

    def attempt_timeout(self, policy: RetryPolicy) -> float | None:
        """Time for the next attempt: what is left, capped by the policy's ``attempt_timeout``."""
        left = self.remaining()
        cap = policy.attempt_timeout
        if left is None:
            return cap
        return left if cap is None else min(left, cap)

    def allows(self, seconds: float) -> bool:
        """Whether a wait of ``seconds`` still leaves time for another attempt."""
        left = self.remaining()
        return left is None or left > seconds

    def sleep(self, seconds: float) -> _Sleep:
        self.slept += seconds
        return _Sleep(seconds)


def _timed(request: httpx.Request, seconds: float | None) -> httpx.Request:
    if seconds is not None:
        request.extensions["timeout"] = httpx.Timeout(max(seconds, 0.001)).as_dict()
    return request


def _exchange(
    settings: Settings,
    client: httpx.Client | httpx.AsyncClient,
    call: _wire.Call[R],
    clock: _Clock | None = None,
) -> Generator[_Step, Any, R | httpx.Response]:
    """Drive one call to its end; yields steps, returns the result (or the open response if streaming)."""
    log = settings.logger
    policy = settings.retry_policy
    retries = call.options.get("max_retries", settings.max_retries)
    clock = clock or _Clock(call.options.get("timeout", settings.timeout))
    request = settings.build(client, call)
    attempt = 0
    hops = 0
    last_error: Exception | None = None
    while True:
        budget = clock.attempt_timeout(policy)
        if budget is not None and budget <= 0:
            # The call's time is up before this attempt could start. (A job submission only gets here
            # after failures that prove it was not taken: the ambiguous ones go to _settle at once.)
            raise HubTimeoutError(
                f"{_where(call, request)} did not complete in time ({clock.describe()}; "
                f"last failure: {_describe(last_error)})",
                request=request,
            ) from last_error
        if log.isEnabledFor(logging.DEBUG):
            log.debug("-> %s %s headers=%s", request.method, request.url, _wire.redact(request.headers))
        started = time.perf_counter()
        deadline = None if budget is None else time.monotonic() + budget
        outcome: _Outcome = yield _Send(
            _timed(request, budget), call.stream, deadline, settings.max_answer_bytes
        )
        error = outcome if isinstance(outcome, Exception) else None
        response = outcome if not isinstance(outcome, Exception) else None
        if response is not None:
            log.debug(
                "<- %s %s %s (%.1f ms)",
                response.status_code,
                request.method,
                request.url,
                (time.perf_counter() - started) * 1000,
            )
            if 200 <= response.status_code < 300:
                if isinstance(response, httpx.Response):
                    return response
                try:
                    return _wire.interpret(call, response, settings.mask)
                except (ParsingError, AnswerTooLargeError) as exc:
                    if call.reconcile is None:
                        raise
                    # The Hub took the job but its answer cannot be read: the job exists, and the token
                    # finds it.
                    return (yield from _settle(settings, client, call, request, exc))
            # Redirects are followed here, not by httpx, so that the token never goes to another origin.
            assert isinstance(response, _wire.Answer)
            following = _redirects.next_request(request, response, client)
            if following is not None:
                hops += 1
                if hops > client.max_redirects:
                    raise TooManyRedirectsError(
                        f"{call.method} {call.path}: more than {client.max_redirects} redirects",
                        request=request,
                    )
                request = following
                continue
            if call.confirm is not None and attempt > 0 and response.status_code in (409, 422):
                confirmed = yield from _confirm(settings, client, call, clock)
                if confirmed is not None:
                    return confirmed
        status = response.status_code if response is not None else None
        decision = decide(
            idempotent=call.idempotent, can_reconcile=call.reconcile is not None, status=status, error=error
        )
        failure: Exception
        if error is not None:
            failure = error
        else:
            assert isinstance(response, _wire.Answer)
            failure = _wire.read_error(response, settings.mask)
        if decision is Decision.RECONCILE:
            # The job may be stored, now or a moment later: never send it again, look it up.
            return (yield from _settle(settings, client, call, request, failure))
        delay = policy.delay(attempt, response.headers if response is not None else None)
        if decision is Decision.STOP or attempt >= retries or not clock.allows(delay):
            if response is not None:
                raise failure
            assert error is not None
            if not call.idempotent and not proves_unsent(error):
                token = call.reconcile.token if call.reconcile else None
                uncertain = (
                    UncertainSubmissionTimeout
                    if isinstance(error, httpx.TimeoutException)
                    else UncertainSubmissionError
                )
                raise uncertain(
                    settings.mask(
                        f"{call.method} {call.path}: the request may or may not have reached the Hub "
                        f"({type(error).__name__}); check before sending it again"
                    ),
                    client_token=token,
                    request=request,
                ) from error
            raise _failure_error(settings, call, error, request) from error
        reason = response.status_code if response is not None else type(error).__name__
        log.info(
            "retrying %s %s in %.2f s after %s (retry %d of %d)",
            request.method,
            call.path,
            delay,
            reason,
            attempt + 1,
            retries,
        )
        yield clock.sleep(delay)
        attempt += 1
        last_error = failure
        request = settings.build(client, call)


def _describe(error: Exception | None) -> str:
    return "none" if error is None else f"{type(error).__name__}: {error}"


def _settle(
    settings: Settings,
    client: httpx.Client | httpx.AsyncClient,
    call: _wire.Call[R],
    request: httpx.Request,
    failure: Exception,
) -> Generator[_Step, Any, R]:
    """After an ambiguous failure of a job submission: look the job up by its client token until it
    shows up or the settle window ends. Never sends the submission again (see :mod:`.retry`)."""
    assert call.reconcile is not None
    policy = settings.retry_policy
    token = call.reconcile.token
    window = _Clock(policy.settle_window)
    # Lookups that fail prove nothing either way; they may go on past the window, up to a bound.
    patience = 2 * policy.settle_window
    what = _describe(failure)
    settings.logger.info(
        "%s %s failed ambiguously (%s); looking it up by its token", call.method, call.path, what
    )
    lookups = 0
    problem: Exception | None = None
    waits = policy.settle_waits()
    while True:
        lookups += 1
        try:
            looked_up = yield from _exchange(
                settings, client, call.reconcile.lookup, _Clock(None, window.start + patience)
            )
        except HubError as exc:
            problem = exc
            fetch = None
            if _definitive(exc):
                # The lookup itself is refused (no such endpoint, an answer that is no listing): asking
                # again will not change that.
                break
        else:
            problem = None
            fetch = call.reconcile.found(looked_up)
        if fetch is not None:
            settings.logger.info("%s %s had been stored; not sending it again", call.method, call.path)
            # Reading the stored record gets a window of its own: the job exists, and a plain error now
            # would read as "nothing was created".
            try:
                result = yield from _exchange(settings, client, fetch, _Clock(patience))
            except HubError as exc:
                job_id = fetch.path.rsplit("/", 1)[-1]
                raise UncertainSubmissionError(
                    settings.mask(
                        f"{call.method} {call.path} failed ({what}) but the job was stored as {job_id}; "
                        f"reading its record back failed: {exc} (client token {token!r})"
                    ),
                    client_token=token,
                    request=request,
                    job_id=job_id,
                ) from exc
            assert not isinstance(result, httpx.Response)
            return result
        if problem is None and (window.remaining() or 0) <= 0:
            break
        wait = next(waits)
        if window.now() + wait >= window.start + patience:
            break
        yield window.sleep(wait)
    uncertain = (
        UncertainSubmissionTimeout
        if isinstance(failure, httpx.TimeoutException | HubTimeoutError)
        else UncertainSubmissionError
    )
    found = "could not be looked up" if problem is not None else "was not found"
    last = f"; last: {_describe(problem)}" if problem is not None else ""
    raise uncertain(
        settings.mask(
            f"{call.method} {call.path} failed ({what}) and the job {found} under its client token within "
            f"{policy.settle_window:g} s ({lookups} lookups{last}). "
            f"It was not sent again; it was most likely never stored. Look for the token to be sure "
            f"(client token {token!r})"
        ),
        client_token=token,
        request=request,
    ) from failure


def _definitive(error: HubError) -> bool:
    """An error that asking again will not change: a 4xx other than 408/429, or an unreadable 2xx."""
    if isinstance(error, ApiError):
        return error.status_code < 500 and error.status_code not in (408, 429)
    return False


def _confirm(
    settings: Settings, client: httpx.Client | httpx.AsyncClient, call: _wire.Call[R], clock: _Clock
) -> Generator[_Step, Any, R | None]:
    """A retried state change met 409/422: the record if an earlier attempt already made the change."""
    assert call.confirm is not None
    try:
        current = yield from _exchange(settings, client, call.confirm.lookup, _Clock(None, clock.deadline))
    except HubError:
        return None
    if isinstance(current, httpx.Response) or not call.confirm.holds(current):
        return None
    settings.logger.info("%s %s had already been applied by an earlier attempt", call.method, call.path)
    return current


def _may_read_again(settings: Settings, call: _wire.Call[Any], attempt: int, delivered: bool) -> bool:
    """Whether a stream that broke may be opened again: only while none of it reached the caller (a
    connection cut right after the status line), for a request safe to repeat, within the retries."""
    retries = call.options.get("max_retries", settings.max_retries)
    return not delivered and call.idempotent and attempt < retries


def _before_reading_again(settings: Settings, call: _wire.Call[Any], attempt: int, error: Exception) -> float:
    delay = settings.retry_policy.delay(attempt)
    settings.logger.info(
        "reading %s %s again in %.2f s after %s before its first byte",
        call.method,
        call.path,
        delay,
        type(error).__name__,
    )
    return delay


def _closed(client: httpx.Client | httpx.AsyncClient) -> ClientClosedError:
    return ClientClosedError(
        "this client is closed (used after close() or after its 'with' block); create a new client"
    )


def _already_read(response: httpx.Response, step: _Send) -> _wire.Answer | None:
    """The answer of a response whose body httpx read already (a transport that hands over complete
    bodies, such as ``httpx.MockTransport``): decoded by httpx, so only the size limit applies."""
    if not response.is_stream_consumed:
        return None
    try:
        content = response.content
    except httpx.ResponseNotRead:
        content = b""
    unreadable = None
    if step.limit is not None and len(content) > step.limit:
        unreadable = _wire.UnreadableBody(f"the answer exceeds {step.limit} bytes", limit=step.limit)
        content = b""
    return _wire.Answer(response.status_code, response.headers, content, step.request, unreadable)


class _Reader:
    """Collects an answer's decoded body within the size limit and the deadline."""

    def __init__(self, response: httpx.Response, step: _Send) -> None:
        self.response = response
        self.step = step
        self.pieces: list[bytes] = []
        self.decoder: _wire.BodyDecoder | None = None
        self.unreadable: _wire.UnreadableBody | None = None
        try:
            self.decoder = _wire.BodyDecoder(response.headers, step.limit)
        except _wire.UnreadableBody as exc:
            self.unreadable = exc

    def take(self, raw: bytes) -> bool:
        """Add one raw chunk; ``False`` once the body cannot be read further."""
        if self.decoder is None:
            return False
        try:
            self.pieces.extend(self.decoder.feed(raw))
        except _wire.UnreadableBody as exc:
            self.unreadable = exc
            return False
        if self.step.deadline is not None and time.monotonic() > self.step.deadline:
            # A server that trickles its answer is still bound by the call's deadline.
            raise httpx.ReadTimeout("the answer did not complete in time", request=self.step.request)
        return True

    def answer(self) -> _wire.Answer:
        if self.decoder is not None and self.unreadable is None:
            try:
                self.pieces.extend(self.decoder.finish())
            except _wire.UnreadableBody as exc:
                self.unreadable = exc
        return _wire.Answer(
            self.response.status_code,
            self.response.headers,
            b"".join(self.pieces) if self.unreadable is None else b"",
            self.step.request,
            self.unreadable,
        )


def _chunks(call: _wire.Call[Any], response: httpx.Response) -> tuple[_wire.BodyDecoder, int | None]:
    try:
        decoder = _wire.BodyDecoder(response.headers, None)
    except _wire.UnreadableBody as exc:
        raise ParsingError(
            response.status_code, response.headers, None, reason=exc.reason, expected="a file"
        ) from None
    return decoder, call.options.get("chunk_size")


def _rechunk(pieces: list[bytes], buffer: bytearray, size: int | None) -> Iterator[bytes]:
    for piece in pieces:
        if size is None:
            if piece:
                yield piece
            continue
        buffer.extend(piece)
        while len(buffer) >= size:
            yield bytes(buffer[:size])
            del buffer[:size]


def _undecodable(response: httpx.Response, exc: _wire.UnreadableBody) -> ParsingError:
    return ParsingError(response.status_code, response.headers, None, reason=exc.reason, expected="a file")


class SyncTransport:
    """Carries calls out over an ``httpx.Client``."""

    is_async = False

    def __init__(self, settings: Settings, client: httpx.Client, *, owns_client: bool) -> None:
        self.settings = settings
        self.client = client
        self._owns_client = owns_client

    def _perform(self, step: _Send) -> _Outcome:
        if self.client.is_closed:
            raise _closed(self.client)
        try:
            response = self.client.send(step.request, stream=True, follow_redirects=False)
        except httpx.TransportError as exc:
            return exc
        except RuntimeError:
            if self.client.is_closed:  # closed by another thread or task meanwhile
                raise _closed(self.client) from None
            raise
        if step.stream and 200 <= response.status_code < 300:
            return response
        try:
            complete = _already_read(response, step)
            if complete is not None:
                return complete
            reader = _Reader(response, step)
            for raw in response.iter_raw():
                if not reader.take(raw):
                    break
            return reader.answer()
        except httpx.TransportError as exc:
            return exc
        finally:
            response.close()

    def _drive(self, call: _wire.Call[Any]) -> Any:
        steps = _exchange(self.settings, self.client, call)
        outcome: Any = None
        while True:
            try:
                step = steps.send(outcome)
            except StopIteration as done:
                return done.value
            if isinstance(step, _Sleep):
                self.settings.retry_policy.sleep(step.seconds)
                outcome = None
            else:
                outcome = self._perform(step)

    def send(self, call: _wire.Call[R]) -> R:
        result: R = self._drive(call)
        return result

    def stream(self, call: _wire.Call[Any]) -> Iterator[bytes]:
        attempt = 0
        while True:
            response: httpx.Response = self._drive(call)
            delivered = False
            try:
                decoder, size = _chunks(call, response)
                buffer = bytearray()
                for raw in response.iter_raw():
                    for chunk in _rechunk(list(decoder.feed(raw)), buffer, size):
                        delivered = True
                        yield chunk
                for chunk in _rechunk(list(decoder.finish()), buffer, size):
                    yield chunk
                if buffer:
                    yield bytes(buffer)
                return
            except _wire.UnreadableBody as exc:
                raise _undecodable(response, exc) from None
            except httpx.TransportError as exc:
                if not _may_read_again(self.settings, call, attempt, delivered):
                    raise _failure_error(self.settings, call, exc, response.request) from exc
                delay = _before_reading_again(self.settings, call, attempt, exc)
            finally:
                response.close()
            self.settings.retry_policy.sleep(delay)
            attempt += 1

    def close(self) -> None:
        if self._owns_client:
            self.client.close()


class AsyncTransport:
    """Carries calls out over an ``httpx.AsyncClient``."""

    is_async = True

    def __init__(self, settings: Settings, client: httpx.AsyncClient, *, owns_client: bool) -> None:
        self.settings = settings
        self.client = client
        self._owns_client = owns_client

    async def _perform(self, step: _Send) -> _Outcome:
        if self.client.is_closed:
            raise _closed(self.client)
        try:
            response = await self.client.send(step.request, stream=True, follow_redirects=False)
        except httpx.TransportError as exc:
            return exc
        except RuntimeError:
            if self.client.is_closed:  # closed by another thread or task meanwhile
                raise _closed(self.client) from None
            raise
        if step.stream and 200 <= response.status_code < 300:
            return response
        try:
            complete = _already_read(response, step)
            if complete is not None:
                return complete
            reader = _Reader(response, step)
            async for raw in response.aiter_raw():
                if not reader.take(raw):
                    break
            return reader.answer()
        except httpx.TransportError as exc:
            return exc
        finally:
            await response.aclose()

    async def _drive(self, call: _wire.Call[Any]) -> Any:
        steps = _exchange(self.settings, self.client, call)
        outcome: Any = None
        while True:
            try:
                step = steps.send(outcome)
            except StopIteration as done:
                return done.value
            if isinstance(step, _Sleep):
                await self.settings.retry_policy.async_sleep(step.seconds)
                outcome = None
            else:
                outcome = await self._perform(step)

    async def send(self, call: _wire.Call[R]) -> R:
        result: R = await self._drive(call)
        return result

    async def stream(self, call: _wire.Call[Any]) -> AsyncIterator[bytes]:
        attempt = 0
        while True:
            response: httpx.Response = await self._drive(call)
            delivered = False
            try:
                decoder, size = _chunks(call, response)
                buffer = bytearray()
                async for raw in response.aiter_raw():
                    for chunk in _rechunk(list(decoder.feed(raw)), buffer, size):
                        delivered = True
                        yield chunk
                for chunk in _rechunk(list(decoder.finish()), buffer, size):
                    yield chunk
                if buffer:
                    yield bytes(buffer)
                return
            except _wire.UnreadableBody as exc:
                raise _undecodable(response, exc) from None
            except httpx.TransportError as exc:
                if not _may_read_again(self.settings, call, attempt, delivered):
                    raise _failure_error(self.settings, call, exc, response.request) from exc
                delay = _before_reading_again(self.settings, call, attempt, exc)
            finally:
                await response.aclose()
            await self.settings.retry_policy.async_sleep(delay)
            attempt += 1

    async def aclose(self) -> None:
        if self._owns_client:
            await self.client.aclose()


Transport = SyncTransport | AsyncTransport
