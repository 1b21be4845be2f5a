"""Connections to the local Hub: a client that goes quiet while the Hub waits for it (no request at all, or a
request cut off in its headers or body) is disconnected; a keep-alive connection in use is not."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from qhub_providers.emulator import LocalHub

IDLE_TIMEOUT = 0.3
GUARD = 20.0
"""Seconds a socket read may block before the test fails: far above the idle timeout, only a hang hits it."""


@pytest.fixture(scope="module")
def quick_hub() -> Iterator[LocalHub]:
    with LocalHub(idle_timeout=IDLE_TIMEOUT) as hub:
        yield hub


def _connect(hub: LocalHub) -> socket.socket:
    assert hub.port is not None
    connection = socket.create_connection((hub.host, hub.port), timeout=GUARD)
    return connection


def _closed_by_hub(connection: socket.socket) -> bytes:
    """Read until the Hub closes the connection; what it sent before (a hang raises socket.timeout)."""
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


@pytest.mark.parametrize(
    "sent",
    [
        pytest.param(b"", id="nothing"),
        pytest.param(b"GET /quantum/backends HTTP/1.1\r\nHost: local", id="half-a-header"),
        pytest.param(
            b"POST /quantum/jobs HTTP/1.1\r\nHost: local\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n{",
            id="half-a-body",
        ),
    ],
)
def test_a_silent_client_is_disconnected(quick_hub: LocalHub, sent: bytes) -> None:
    with _connect(quick_hub) as connection:
        connection.sendall(sent)
        assert _closed_by_hub(connection) == b""


def test_a_keep_alive_connection_serves_requests_then_closes_when_idle(quick_hub: LocalHub) -> None:
    request = b"GET /quantum/backends HTTP/1.1\r\nHost: local\r\n\r\n"
    with _connect(quick_hub) as connection:
        for _ in range(2):  # two requests on one connection, each answered in full
            connection.sendall(request)
            head = b""
            while b"\r\n\r\n" not in head:
                head += connection.recv(1)
            assert head.startswith(b"HTTP/1.1 200"), head
            length = int(
                next(
                    line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
                ).split(b":")[1]
            )
            body = b""
            while len(body) < length:
                body += connection.recv(length - len(body))
            assert body.startswith(b"[")
        assert _closed_by_hub(connection) == b""
