"""ASGI middleware of the local Hub: strict routing on the raw path, a body size limit, and the
fault injector behind the admin controls."""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote

from qhub_providers.emulator.errors import HubHTTPError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


async def send_json(send: Send, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
    payload = json.dumps(body).encode()
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": payload})


class RawPathMiddleware:
    """Route on the path as sent: an encoded ``/`` (``%2F``) stays inside its segment.

    Servers decode the path before routing, so ``jobs/x%2Fstatus`` would reach the status route of job
    ``x``. Keeping ``%2F`` encoded makes such an id simply unknown (404).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = scope.get("raw_path")
        if scope["type"] == "http" and raw:
            text = raw.decode("latin-1").split("?", 1)[0]
            text = text.replace("%2F", "%252F").replace("%2f", "%252F")
            scope["path"] = unquote(text)
        await self.app(scope, receive, send)


class BodyLimitMiddleware:
    """Refuse request bodies above a size with 413, without reading more than the limit.

    A declared ``Content-Length`` above the limit is refused at once. A body without one (chunked) is read
    here up to the limit before the app sees it: the app itself would turn any failure while reading the
    body into a 400.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        too_big = HubHTTPError(413, f"the request body exceeds {self.limit} bytes")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await send_json(send, 413, too_big.body())
            return
        buffered: list[Message] = []
        received = 0
        while True:
            message = await receive()
            buffered.append(message)
            if message["type"] != "http.request":
                break
            received += len(message.get("body", b""))
            if received > self.limit:
                await send_json(send, 413, too_big.body())
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return buffered.pop(0) if buffered else await receive()

        await self.app(scope, replay, send)


FAULT_KINDS = ("error", "rate_limit", "drop_before", "drop_after", "slow")


class FaultInjector:
    """Injects faults into a share of requests (admin controls; off until configured).

    Kinds: ``error`` (500/502/503 JSON), ``rate_limit`` (429 with ``Retry-After``), ``drop_before`` (the
    connection is cut and the request is not processed), ``drop_after`` (processed, then the connection
    is cut before the answer completes), ``slow`` (answered after ``slow_seconds``). Bounded: the rate is
    at most 0.9 and at most ``max_faults`` faults are injected in all. ``requests`` counts every request
    that passed the injector (faulted or not, admin requests aside) since the last configuration, so a
    test can tell how much traffic its fault rate was applied to.

    Slow storing (``store_delay`` seconds, on ``store_delay_rate`` of the job submissions) holds a
    ``POST .../jobs`` after its body was received and before the Hub stores the job, independent of the
    faults: a client whose connection breaks meanwhile (or a gateway that gives up) sees the job land
    late, which is what makes "looked it up, not there yet" reproducible.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.rate = 0.0
        self.kinds: tuple[str, ...] = FAULT_KINDS
        self.slow_seconds = 0.2
        self.retry_after_ms = 50
        self.max_faults = 0
        self.injected: dict[str, int] = dict.fromkeys(FAULT_KINDS, 0)
        self.requests = 0
        self.store_delay = 0.0
        self.store_delay_rate = 1.0
        self.stores_delayed = 0
        self._random = random.Random(0)

    def configure(self, body: Any) -> dict[str, Any]:
        """Apply ``{"rate", "kinds", "slow_seconds", "retry_after_ms", "max_faults", "seed", "store_delay",
        "store_delay_rate"}``."""
        if not isinstance(body, dict):
            raise HubHTTPError(400, "the body must be a JSON object")
        rate = body.get("rate", 0.0)
        if not isinstance(rate, int | float) or not 0 <= rate <= 0.9:
            raise HubHTTPError(400, "rate must be a number between 0 and 0.9")
        kinds = tuple(body.get("kinds") or FAULT_KINDS)
        unknown = set(kinds) - set(FAULT_KINDS)
        if unknown:
            raise HubHTTPError(400, f"unknown fault kinds {sorted(unknown)}; use {list(FAULT_KINDS)}")
        slow = body.get("slow_seconds", 0.2)
        if not isinstance(slow, int | float) or not 0 <= slow <= 30:
            raise HubHTTPError(400, "slow_seconds must be between 0 and 30")
        retry_after_ms = body.get("retry_after_ms", 50)
        if not isinstance(retry_after_ms, int) or not 0 <= retry_after_ms <= 60_000:
            raise HubHTTPError(400, "retry_after_ms must be between 0 and 60000")
        max_faults = body.get("max_faults", 10_000)
        if not isinstance(max_faults, int) or not 0 <= max_faults <= 1_000_000:
            raise HubHTTPError(400, "max_faults must be between 0 and 1000000")
        store_delay = body.get("store_delay", 0.0)
        if not isinstance(store_delay, int | float) or not 0 <= store_delay <= 30:
            raise HubHTTPError(400, "store_delay must be between 0 and 30 seconds")
        store_delay_rate = body.get("store_delay_rate", 1.0)
        if not isinstance(store_delay_rate, int | float) or not 0 <= store_delay_rate <= 1:
            raise HubHTTPError(400, "store_delay_rate must be between 0 and 1")
        with self._lock:
            self.store_delay = float(store_delay)
            self.store_delay_rate = float(store_delay_rate)
            self.stores_delayed = 0
            self.rate = float(rate)
            self.kinds = kinds
            self.slow_seconds = float(slow)
            self.retry_after_ms = retry_after_ms
            self.max_faults = max_faults
            self.injected = dict.fromkeys(FAULT_KINDS, 0)
            self.requests = 0
            self._random = random.Random(body.get("seed", 0))
        return self.stats()

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "rate": self.rate,
                "kinds": list(self.kinds),
                "injected": dict(self.injected),
                "requests": self.requests,
                "stores_delayed": self.stores_delayed,
            }

    def _draw(self) -> str | None:
        with self._lock:
            self.requests += 1
            if self.rate <= 0 or sum(self.injected.values()) >= self.max_faults:
                return None
            if self._random.random() >= self.rate:
                return None
            kind = self._random.choice(self.kinds)
            self.injected[kind] += 1
            return kind

    def _store_delay(self, scope: Scope) -> float:
        """Seconds to hold this request before the Hub sees it: only job submissions, on a share."""
        if scope.get("method") != "POST" or not scope.get("path", "").endswith("/jobs"):
            return 0.0
        with self._lock:
            if self.store_delay <= 0 or self._random.random() >= self.store_delay_rate:
                return 0.0
            self.stores_delayed += 1
            return self.store_delay

    def _slow_storing(self, app: ASGIApp) -> ASGIApp:
        async def held(scope: Scope, receive: Receive, send: Send) -> None:
            delay = self._store_delay(scope)
            if delay <= 0:
                await app(scope, receive, send)
                return
            # Receive the whole body first (the request has fully reached the Hub), then wait.
            buffered: list[Message] = []
            while True:
                message = await receive()
                buffered.append(message)
                if message["type"] != "http.request" or not message.get("more_body", False):
                    break
            await asyncio.sleep(delay)

            async def replay() -> Message:
                return buffered.pop(0) if buffered else await receive()

            await app(scope, replay, send)

        return held

    def wrap(self, app: ASGIApp) -> ASGIApp:
        app = self._slow_storing(app)

        async def faulty(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http" or "/admin/" in scope.get("path", ""):
                await app(scope, receive, send)
                return
            kind = self._draw()
            if kind is None:
                await app(scope, receive, send)
            elif kind == "error":
                status = self._random.choice((500, 502, 503))
                await send_json(send, status, HubHTTPError(status, "injected fault").body())
            elif kind == "rate_limit":
                headers = {"Retry-After": "1", "retry-after-ms": str(self.retry_after_ms)}
                await send_json(send, 429, HubHTTPError(429, "injected rate limit").body(), headers)
            elif kind == "slow":
                await asyncio.sleep(self.slow_seconds)
                await app(scope, receive, send)
            elif kind == "drop_before":
                await _cut(send)
            else:  # drop_after: the request is processed, then its answer is lost

                async def swallow(message: Message) -> None:
                    pass

                await app(scope, receive, swallow)
                await _cut(send)

        return faulty


async def _cut(send: Send) -> None:
    """Start an answer and stop before its body: the server then closes the connection, and the client
    sees it dropped mid-answer (an ambiguous failure, as when a network path breaks)."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"1000")],
        }
    )
