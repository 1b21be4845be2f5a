"""The one place where HTTP happens: headers, retries, reconciliation, error mapping, logging.

The conversation with the Hub for one call is written once, as a generator (:func:`_exchange`) that
yields what it needs done (send this request, sleep that long) and receives the outcome. The sync and the
async transport are small drivers that carry those steps out, so both clients behave identically.
"""

from __future__ import annotations

import logging
import platform
import time
from collections.abc import AsyncIterator, Generator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from qhub_providers._version import __version__
from qhub_providers.api import _redirects, _wire
from qhub_providers.api.errors import (
    ApiError,
    HubConnectionError,
    HubError,
    HubTimeoutError,
    TooManyRedirectsError,
    UncertainSubmissionError,
    UncertainSubmissionTimeout,
)
from qhub_providers.api.retry import Decision, RetryPolicy, decide

R = TypeVar("R")

DEFAULT_TIMEOUT = 60.0
USER_AGENT = f"qhub-providers/{__version__} python/{platform.python_version()} httpx/{httpx.__version__}"


@dataclass(frozen=True)
class _Send:
    request: httpx.Request
    stream: bool


@dataclass(frozen=True)
class _Sleep:
    seconds: float


_Step = _Send | _Sleep


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
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.organization_id = organization_id
        self.extra_headers = dict(headers or {})
        self.timeout = timeout
        self.max_retries = max_retries
        self.logger = logger
        self.retry_policy = retry_policy

    def __repr__(self) -> str:
        return f"Settings(base_url={self.base_url!r}, organization_id={self.organization_id!r})"

    def headers(self, call: _wire.Call[Any]) -> dict[str, str]:
        # Precedence, lowest first: defaults, client headers, auth/organization, per-call headers.
        out = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        out.update(self.extra_headers)
        out["X-Auth-Token"] = self._token
        if self.organization_id:
            out["X-OrganizationId"] = self.organization_id
        out.update(call.options.get("additional_headers", {}))
        return out

    def build(self, client: httpx.Client | httpx.AsyncClient, call: _wire.Call[Any]) -> httpx.Request:
        timeout = call.options.get("timeout", self.timeout)
        extra: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
        try:
            return client.build_request(
                call.method,
                f"{self.base_url}/{call.path}",
                params=list(call.query) or None,
                json=call.body,
                headers=self.headers(call),
                **extra,
            )
        except httpx.InvalidURL as exc:
            # An argument no URL can carry (an id longer than httpx allows): refused like any bad argument.
            shown = call.path if len(call.path) <= 80 else call.path[:80] + "..."
            raise ValueError(f"{call.method} {shown}: cannot build the request URL ({exc})") from None


def _failure_error(call: _wire.Call[Any], error: Exception, request: httpx.Request) -> HubError:
    where = f"{call.method} {request.url.copy_with(query=None)}"
    if isinstance(error, httpx.TimeoutException):
        return HubTimeoutError(f"{where} timed out: {type(error).__name__}", request=request)
    return HubConnectionError(f"{where} failed: {type(error).__name__}: {error}", request=request)


def _exchange(
    settings: Settings, client: httpx.Client | httpx.AsyncClient, call: _wire.Call[R]
) -> Generator[_Step, Any, R | httpx.Response]:
    """Drive one call to its end; yields steps, returns the result (or the open response if streaming)."""
    log = settings.logger
    policy = settings.retry_policy
    retries = call.options.get("max_retries", settings.max_retries)
    request = settings.build(client, call)
    attempt = 0
    hops = 0
    while True:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("-> %s %s headers=%s", request.method, request.url, _wire.redact(request.headers))
        started = time.perf_counter()
        outcome = yield _Send(request, call.stream)
        error = outcome if isinstance(outcome, Exception) else None
        response = outcome if isinstance(outcome, httpx.Response) else None
        if response is not None:
            log.debug(
                "<- %s %s %s (%.1f ms)",
                response.status_code,
                request.method,
                request.url,
                (time.perf_counter() - started) * 1000,
            )
            if 200 <= response.status_code < 300:
                return response if call.stream else _wire.interpret(call, response)
            # Redirects are followed here, not by httpx, so that the token never goes to another origin.
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
        decision = decide(
            idempotent=call.idempotent,
            can_reconcile=call.reconcile is not None,
            status=response.status_code if response is not None else None,
            error=error,
        )
        exhausted = decision is Decision.STOP or attempt >= retries
        if exhausted and decision is Decision.RECONCILE:
            # The last attempt failed ambiguously (a 5xx, a dropped answer): the job may have been stored
            # all the same. Raising without looking would invite the caller to submit it a second time.
            stored = yield from _reconcile(settings, client, call, request, error)
            if not isinstance(stored, _NotFound):
                return stored
        if exhausted:
            if response is not None:
                raise _wire.read_error(response)
            assert error is not None
            if not call.idempotent and decision is not Decision.RETRY:
                token = call.reconcile.token if call.reconcile else None
                uncertain = (
                    UncertainSubmissionTimeout
                    if isinstance(error, httpx.TimeoutException)
                    else UncertainSubmissionError
                )
                raise uncertain(
                    f"{call.method} {call.path}: the request may or may not have reached the Hub "
                    f"({type(error).__name__}); check before sending it again"
                    + (f" (client token tag {token!r})" if token else ""),
                    client_token=token,
                    request=request,
                ) from error
            raise _failure_error(call, error, request) from error
        delay = policy.delay(attempt, response.headers if response is not None else None)
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
        yield _Sleep(delay)
        attempt += 1
        if decision is Decision.RECONCILE:
            stored = yield from _reconcile(settings, client, call, request, error)
            if not isinstance(stored, _NotFound):
                return stored
        request = settings.build(client, call)


class _NotFound:
    """What :func:`_reconcile` gives when the Hub holds no record under the call's client token."""


_NOT_FOUND = _NotFound()


def _reconcile(
    settings: Settings,
    client: httpx.Client | httpx.AsyncClient,
    call: _wire.Call[R],
    request: httpx.Request,
    error: Exception | None,
) -> Generator[_Step, Any, R | httpx.Response | _NotFound]:
    """After an ambiguous failure, look the call's record up by its client token: the stored record if
    the Hub has it, :data:`_NOT_FOUND` if sending again is safe; raises when neither can be known."""
    assert call.reconcile is not None
    token = call.reconcile.token
    try:
        looked_up = yield from _exchange(settings, client, call.reconcile.lookup)
    except (ApiError, HubConnectionError, HubTimeoutError) as exc:
        raise UncertainSubmissionError(
            f"{call.method} {call.path} failed ambiguously and the check whether it was stored "
            f"failed too: {exc}",
            client_token=token,
            request=request,
        ) from exc
    fetch = call.reconcile.found(looked_up)
    if fetch is not None:
        settings.logger.info(
            "%s %s had been stored before the failure; not sending it again", call.method, call.path
        )
        try:
            return (yield from _exchange(settings, client, fetch))
        except (ApiError, HubConnectionError, HubTimeoutError) as exc:
            # The record exists; a plain error here would read as "nothing was created", and a
            # caller who then submits again would make a second job. The tag leads back to it.
            raise UncertainSubmissionError(
                f"{call.method} {call.path} was stored despite the failure, but reading back the "
                f"stored record failed: {exc} (client token tag {token!r})",
                client_token=token,
                request=request,
            ) from exc
    if isinstance(error, httpx.ReadTimeout):
        # The whole request was sent and the Hub may still be working on it: not finding it *yet*
        # proves nothing, and sending it again would create a second job once the first lands.
        raise UncertainSubmissionTimeout(
            f"{call.method} {call.path} timed out and is not stored yet, but the Hub may still be "
            f"working on it; not sending it again (client token tag {token!r})",
            client_token=token,
            request=request,
        ) from error
    return _NOT_FOUND


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


class SyncTransport:
    """Carries calls out over an ``httpx.Client``."""

    is_async = False

    def __init__(self, settings: Settings, client: httpx.Client, *, owns_client: bool) -> None:
        self.settings = settings
        self.client = client
        self._owns_client = owns_client

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
                continue
            try:
                outcome = self.client.send(step.request, stream=step.stream, follow_redirects=False)
                if step.stream and not 200 <= outcome.status_code < 300:
                    outcome.read()
                    outcome.close()
            except httpx.TransportError as exc:
                outcome = exc

    def send(self, call: _wire.Call[R]) -> R:
        result: R = self._drive(call)
        return result

    def stream(self, call: _wire.Call[Any]) -> Iterator[bytes]:
        attempt = 0
        while True:
            response: httpx.Response = self._drive(call)
            delivered = False
            try:
                for chunk in response.iter_bytes(call.options.get("chunk_size")):
                    delivered = True
                    yield chunk
                return
            except httpx.TransportError as exc:
                if not _may_read_again(self.settings, call, attempt, delivered):
                    raise _failure_error(call, exc, response.request) from exc
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
                continue
            try:
                outcome = await self.client.send(step.request, stream=step.stream, follow_redirects=False)
                if step.stream and not 200 <= outcome.status_code < 300:
                    await outcome.aread()
                    await outcome.aclose()
            except httpx.TransportError as exc:
                outcome = exc

    async def send(self, call: _wire.Call[R]) -> R:
        result: R = await self._drive(call)
        return result

    async def stream(self, call: _wire.Call[Any]) -> AsyncIterator[bytes]:
        attempt = 0
        while True:
            response: httpx.Response = await self._drive(call)
            delivered = False
            try:
                async for chunk in response.aiter_bytes(call.options.get("chunk_size")):
                    delivered = True
                    yield chunk
                return
            except httpx.TransportError as exc:
                if not _may_read_again(self.settings, call, attempt, delivered):
                    raise _failure_error(call, exc, response.request) from exc
                delay = _before_reading_again(self.settings, call, attempt, exc)
            finally:
                await response.aclose()
            await self.settings.retry_policy.async_sleep(delay)
            attempt += 1

    async def aclose(self) -> None:
        if self._owns_client:
            await self.client.aclose()


Transport = SyncTransport | AsyncTransport
