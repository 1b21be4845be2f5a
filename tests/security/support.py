"""Helpers of the security tests: a distinctive token, clients, raw requests, and a scanner for secrets.

Everything talks to a real :class:`~qhub_providers.emulator.LocalHub` over HTTP on 127.0.0.1.
"""

from __future__ import annotations

import secrets
import socket
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx

from qhub_providers.api import HubQuantumClient
from qhub_providers.emulator import LocalHub
from tests.waiting import wait_until

T = TypeVar("T")

# Random cores nobody else prints, so that finding one anywhere is a leak and never a coincidence.
TOKEN = f"qhubsec-{secrets.token_hex(12)}"
"""The access token of the security tests' Hub."""
WRONG_TOKEN = f"qhubwrong-{secrets.token_hex(12)}"
"""A token the Hub does not know: still a secret of whoever sent it."""
SECRETS = (TOKEN, WRONG_TOKEN)

BELL = "OPENQASM 3.0;\nbit[2] b;\nqubit[2] q;\nh q[0];\ncnot q[0], q[1];\nb = measure q;\n"
TERMINAL = frozenset({"COMPLETED", "FAILED", "CANCELLED", "ABORTED", "DETACHED"})


def leaks(text: str) -> list[str]:
    """The secrets found in ``text`` (whole, or their random cores)."""
    return [s for s in SECRETS if s in text or s.split("-", 1)[1] in text]


def assert_no_secret(*texts: object) -> None:
    """Fail, naming where, if any text (or repr of an object) holds a secret."""
    for text in texts:
        shown = text if isinstance(text, str) else repr(text)
        found = leaks(shown)
        assert not found, f"secret found in: {shown[:300]!r}"


def exception_texts(exc: BaseException) -> list[str]:
    """Everything a program shows of an exception: message, repr, the full traceback with its causes, and
    the request and answer it carries."""
    texts = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts += [str(current), repr(current), repr(getattr(current, "args", ()))]
        request = _request_of(current)
        if request is not None:
            texts += [repr(request), str(request.url), repr(request.headers), str(dict(request.headers))]
        for name in ("headers", "body", "detail", "client_token"):
            if hasattr(current, name):
                texts.append(repr(getattr(current, name)))
        current = current.__cause__ or current.__context__
    return texts


def _request_of(exc: BaseException) -> httpx.Request | None:
    try:
        request = getattr(exc, "request", None)
    except RuntimeError:  # httpx raises when an error has no request
        return None
    return request if isinstance(request, httpx.Request) else None


@contextmanager
def connect(
    hub: LocalHub, *, organization_id: str | None = None, token: str | None = None, **kwargs: Any
) -> Iterator[HubQuantumClient]:
    """A client of ``hub`` that does not retry unless told to (a server error reaches the test as is)."""
    kwargs.setdefault("max_retries", 0)
    with HubQuantumClient(
        api_key=TOKEN if token is None else token,
        base_url=hub.base_url,
        organization_id=organization_id,
        **kwargs,
    ) as client:
        yield client


def headers_for(organization_id: str | None = None, token: str | None = TOKEN) -> dict[str, str]:
    """Headers of a raw request as the client sends them."""
    out: dict[str, str] = {}
    if token is not None:
        out["X-Auth-Token"] = token
    if organization_id:
        out["X-OrganizationId"] = organization_id
    return out


def raw(hub: LocalHub, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One raw request to ``<base_url>/<path>`` with httpx (percent-escapes go on the wire as written)."""
    kwargs.setdefault("headers", headers_for())
    with httpx.Client(timeout=30) as http:
        return http.request(method, f"{hub.base_url}/{path}", **kwargs)


def raw_socket(hub: LocalHub, request_line_target: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    """Send one HTTP/1.1 request with the target exactly as given (httpx would remove ``..`` segments)
    and return the raw answer."""
    assert hub.port is not None
    lines = [f"GET {request_line_target} HTTP/1.1", f"Host: 127.0.0.1:{hub.port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
    with socket.create_connection(("127.0.0.1", hub.port), timeout=30) as sock:
        sock.sendall(data)
        return _read_all(sock)


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def status_of(answer: bytes) -> int:
    """The status code of a raw HTTP answer."""
    return int(answer.split(b" ", 2)[1])


def finished(client: HubQuantumClient, job_id: str) -> str:
    """Wait for a job to end; its final status."""

    def status() -> str | None:
        current = client.jobs.get_job_status(job_id).status
        return str(current) if current in TERMINAL else None

    return wait_until(status, what=f"job {job_id} to end")


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def all_texts(items: Iterable[object]) -> list[str]:
    return [item if isinstance(item, str) else repr(item) for item in items]
