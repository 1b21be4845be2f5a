"""A TCP fault proxy between the client and a local Hub: real sockets, real resets, real stalls.

The local Hub's own fault injector acts inside the server, after the request was parsed; a network
path breaks in other places too. The proxy reads each HTTP/1.1 request whole, then, for a share of them,
does what a broken network or a gateway does:

* ``reset_before``: the connection is reset and the request never reaches the Hub;
* ``reset_after``: the request is forwarded, then the client's connection is reset at once (the Hub
  goes on and stores the job);
* ``cut_body``: the Hub's answer is forwarded up to half of its body, then the connection is closed;
* ``stall``: the request is forwarded and no answer ever comes (until the client gives up);
* ``gateway_504``: the request is forwarded and the client gets a gateway's 504 page at once, while
  the Hub goes on;
* ``gateway_502``: a gateway's 502 page without forwarding anything (the Hub never sees the request).

Every proxied request uses a connection of its own (``Connection: close`` both ways), so a fault never
spills over into the next request.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
import threading
from collections import Counter
from collections.abc import Iterator

PROXY_FAULTS = ("reset_before", "reset_after", "cut_body", "stall", "gateway_504", "gateway_502")
STALL_LIMIT = 30.0
"""Longest a stalled connection is held if the client never gives up (keeps the proxy bounded)."""

_GATEWAY_PAGE = b"<html><head><title>{status}</title></head><body><h1>{status} {reason}</h1></body></html>"


def _gateway_answer(status: int, reason: str) -> bytes:
    body = _GATEWAY_PAGE.replace(b"{status}", str(status).encode()).replace(b"{reason}", reason.encode())
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


def _closing(head: bytes) -> bytes:
    """The request head with ``Connection: close`` in place of any Connection header."""
    lines = head.split(b"\r\n")
    kept = [line for line in lines[1:] if line and not line.lower().startswith(b"connection:")]
    return b"\r\n".join([lines[0], *kept, b"Connection: close", b"", b""])


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST instead of FIN (SO_LINGER 0), as a middlebox that drops the connection does."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class FaultProxy:
    """``with FaultProxy(upstream_port) as proxy:`` point clients at ``proxy.base_url``.

    ``configure(rate=..., kinds=..., seed=...)`` sets the share of requests that get a fault; ``counts``
    tells how many requests passed and which faults were made.
    """

    def __init__(self, upstream_port: int, prefix: str = "/quantum") -> None:
        self.upstream_port = upstream_port
        self.prefix = prefix
        self.rate = 0.0
        self.kinds: tuple[str, ...] = PROXY_FAULTS
        self.counts: Counter[str] = Counter()
        self._random = random.Random(0)
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.AbstractServer | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="fault-proxy", daemon=True)
        self._background: set[asyncio.Task[None]] = set()
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.prefix}"

    def configure(self, *, rate: float, kinds: tuple[str, ...] = PROXY_FAULTS, seed: int = 0) -> None:
        unknown = set(kinds) - set(PROXY_FAULTS)
        assert not unknown, unknown
        self.rate, self.kinds, self._random = rate, kinds, random.Random(seed)
        self.counts = Counter()

    def _draw(self) -> str | None:
        self.counts["requests"] += 1
        if self.rate <= 0 or self._random.random() >= self.rate:
            return None
        kind = self._random.choice(self.kinds)
        self.counts[kind] += 1
        return kind

    async def _forward(self, head: bytes, body: bytes) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        writer.write(_closing(head) + body)
        await writer.drain()
        return reader, writer

    def _finish_in_background(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Let the Hub complete the request (it keeps working; its answer goes nowhere)."""

        async def drain() -> None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(reader.read(), STALL_LIMIT)
            writer.close()

        task = self._loop.create_task(drain())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(client_reader.readuntil(b"\r\n\r\n"), STALL_LIMIT)
            body = await client_reader.readexactly(_content_length(head))
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, OSError):
            client_writer.close()
            return
        kind = self._draw()
        try:
            if kind == "reset_before":
                _reset(client_writer)
                return
            if kind == "gateway_502":
                client_writer.write(_gateway_answer(502, "Bad Gateway"))
                await client_writer.drain()
                client_writer.close()
                return
            up_reader, up_writer = await self._forward(head, body)
            if kind == "reset_after":
                _reset(client_writer)
                self._finish_in_background(up_reader, up_writer)
                return
            if kind == "gateway_504":
                client_writer.write(_gateway_answer(504, "Gateway Timeout"))
                await client_writer.drain()
                client_writer.close()
                self._finish_in_background(up_reader, up_writer)
                return
            if kind == "stall":
                self._finish_in_background(up_reader, up_writer)
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(client_reader.read(), STALL_LIMIT)
                client_writer.close()
                return
            answer = await asyncio.wait_for(up_reader.read(), STALL_LIMIT)
            up_writer.close()
            if kind == "cut_body":
                split = answer.find(b"\r\n\r\n") + 4
                answer = answer[: split + max(1, (len(answer) - split) // 2)]
            client_writer.write(answer)
            await client_writer.drain()
            client_writer.close()
        except (OSError, TimeoutError, asyncio.IncompleteReadError):
            client_writer.close()

    def start(self) -> FaultProxy:
        self._thread.start()
        started = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._handle, "127.0.0.1", 0, backlog=512), self._loop
        )
        self._server = started.result(timeout=10)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self

    def stop(self) -> None:
        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            for task in list(self._background):
                task.cancel()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def fault_proxy(upstream_port: int) -> Iterator[FaultProxy]:
    with FaultProxy(upstream_port) as proxy:
        yield proxy
