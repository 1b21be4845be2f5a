"""A scripted Hub on loopback for wire-level tests of the REST client.

It is a real HTTP server on 127.0.0.1 that records every request byte for byte and answers from a script,
including faults the local Hub does not produce on demand (non-JSON error bodies, a dropped connection
after the request was read, a stalled answer). Behaviour against the real emulator is tested in
``tests/emulator``.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

TOKEN = "tok-7c1f-secret-value"


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up on purpose (the tests of cut connections) is no server error worth a
    traceback in the test output."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@dataclass
class Recorded:
    method: str
    raw_path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes
    peer: int = 0
    """The client's port: one per TCP connection."""

    @property
    def path(self) -> str:
        return urlsplit(self.raw_path).path

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Answer:
    status: int = 200
    body: Any = None
    """JSON-encoded unless bytes or str."""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    """Close the connection after reading the request, without answering."""
    delay: float = 0.0
    chunked: bool = False


class ScriptedHub:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.script: deque[Answer] = deque()
        self.default = Answer(200, {})
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                split = urlsplit(self.path)
                hub.requests.append(
                    Recorded(
                        self.command,
                        self.path,
                        parse_qsl(split.query, keep_blank_values=True),
                        {k.lower(): v for k, v in self.headers.items()},
                        body,
                        int(self.client_address[1]),
                    )
                )
                answer = hub.script.popleft() if hub.script else hub.default
                if answer.delay:
                    time.sleep(answer.delay)
                if answer.drop:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if isinstance(answer.body, bytes):
                    payload = answer.body
                elif isinstance(answer.body, str):
                    payload = answer.body.encode()
                elif answer.body is None:
                    payload = b""
                else:
                    payload = json.dumps(answer.body).encode()
                self.send_response(answer.status)
                for key, value in answer.headers.items():
                    self.send_header(key, value)
                if answer.body is not None and not isinstance(answer.body, str | bytes):
                    self.send_header("Content-Type", "application/json")
                if answer.chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for start in range(0, len(payload), 4096):
                        piece = payload[start : start + 4096]
                        self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                    self.wfile.write(b"0\r\n\r\n")
                    return
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _handle

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/quantum"

    def add(self, *answers: Answer) -> None:
        self.script.extend(answers)

    @property
    def last(self) -> Recorded:
        return self.requests[-1]


@contextlib.contextmanager
def serving() -> Iterator[ScriptedHub]:
    """A scripted Hub answering on 127.0.0.1 for the duration of the block."""
    server = ScriptedHub()
    server.thread.start()
    try:
        yield server
    finally:
        server.server.shutdown()
        server.server.server_close()


@pytest.fixture
def hub() -> Iterator[ScriptedHub]:
    with serving() as server:
        yield server


class FakeClock:
    """Records the waits the client asks for instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
