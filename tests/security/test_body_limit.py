"""Request bodies have a size limit: the local Hub answers 413 before it has read an oversized body, on
every route that takes a body, declared or chunked; the client reports it as a typed error and does not
send the body again."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import httpx
import pytest

from qhub_providers.api import ApiError, AsyncHubQuantumClient, HubQuantumClient, PayloadTooLargeError
from qhub_providers.emulator import LocalHub

from .support import BELL, TOKEN, connect, headers_for, status_of

LIMIT = 32 * 1024 * 1024
"""The local Hub's limit on request bodies (bytes)."""
MIB = 1024 * 1024


def _declare_only(hub: LocalHub, method: str, path: str, declared: int) -> bytes:
    """Send headers that announce a body of ``declared`` bytes, send 10 of them, and read the answer: it
    can only come before the body is complete."""
    assert hub.port is not None
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{hub.port}\r\nX-Auth-Token: {TOKEN}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {declared}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", hub.port), timeout=30) as sock:
        sock.sendall(head.encode() + b'{"input": ')
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)
            assert chunk, "the Hub closed the connection without an answer"
            answer += chunk
        headers, _, body = answer.partition(b"\r\n\r\n")
        length = int(
            next(
                line.split(b":")[1]
                for line in headers.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
        )
        while len(body) < length:
            chunk = sock.recv(65536)
            assert chunk
            body += chunk
    return headers + b"\r\n\r\n" + body


def _body_routes(hub: LocalHub) -> list[tuple[str, str]]:
    document = httpx.get(f"{hub.base_url}/openapi.json", timeout=30).json()
    routes = []
    for path, item in document["paths"].items():
        for method in item:
            if method in {"post", "put", "patch"}:
                routes.append((method.upper(), path.replace("{", "x").replace("}", "x")))
    return sorted(routes)


def test_every_route_with_a_body_refuses_an_announced_oversized_body_before_reading_it(hub: LocalHub) -> None:
    routes = _body_routes(hub)
    assert ("POST", "/quantum/jobs") in routes
    assert ("POST", "/quantum/sessions") in routes
    for method, path in routes:
        answer = _declare_only(hub, method, path, LIMIT + 1)
        assert status_of(answer) == 413, (method, path, answer[:200])
        assert b'"status": 413' in answer or b'"status":413' in answer


def test_a_chunked_body_without_a_length_is_refused_once_it_passes_the_limit(hub: LocalHub, org: str) -> None:
    """No Content-Length to judge by: the Hub counts while it reads and answers 413 at the limit. (The
    HTTP server then reads and discards the rest of the body, to keep the connection usable; that part
    is never held in memory.)"""

    def oversized_json() -> Iterator[bytes]:
        yield b'{"backend_id": "aws.sim.sv1", "shots": 1, "input": "'
        for _ in range(LIMIT // MIB + 4):
            yield b"x" * MIB
        yield b'"}'

    with httpx.Client(timeout=60) as http:
        answer = http.post(
            f"{hub.base_url}/jobs",
            content=oversized_json(),
            headers={**headers_for(org), "Content-Type": "application/json"},
        )
    assert "content-length" not in answer.request.headers
    assert answer.status_code == 413
    assert answer.json()["status"] == 413
    with connect(hub, organization_id=org) as client:
        assert client.jobs.search_jobs().total_elements == 0


def test_the_client_raises_a_typed_error_and_does_not_send_the_body_again(hub: LocalHub, org: str) -> None:
    sent: list[httpx.Request] = []
    http = httpx.Client(timeout=60, event_hooks={"request": [sent.append]})
    huge = "x" * (LIMIT + MIB)
    with HubQuantumClient(
        api_key=TOKEN, base_url=hub.base_url, organization_id=org, max_retries=2, httpx_client=http
    ) as client:
        with pytest.raises(PayloadTooLargeError) as caught:
            client.jobs.create_job(backend_id="aws.sim.sv1", shots=10, input=huge)
        assert caught.value.status_code == 413
        assert isinstance(caught.value, ApiError)
        assert "exceeds" in str(caught.value)
        assert len(sent) == 1  # 413 is final: no retry, no second copy of the body
        assert client.jobs.search_jobs().total_elements == 0
        # The limit is about size only: a large body under it reaches the Hub and is judged on content.
        job = client.jobs.create_job(backend_id="aws.sim.sv1", shots=10, input=BELL, name="n" * MIB)
        assert job.id is not None
    http.close()


def test_the_async_client_raises_the_same_typed_error(hub: LocalHub, org: str) -> None:
    async def submit() -> BaseException:
        async with AsyncHubQuantumClient(
            api_key=TOKEN, base_url=hub.base_url, organization_id=org, max_retries=2
        ) as client:
            try:
                await client.sessions.create_session(
                    backend_id="aws.sim.sv1",
                    mode="batch",
                    provider="AWS",
                    metadata={"blob": "x" * (LIMIT + MIB)},
                )
            except PayloadTooLargeError as exc:
                return exc
        raise AssertionError("an oversized session was accepted")

    error = asyncio.run(submit())
    assert getattr(error, "status_code", None) == 413
