"""What the client guarantees whatever the server sends: typed errors for any answer (compressed wrong,
nested too deep, a strange charset, too large), the token never in a message, a deadline per call that a
trickling server cannot stretch, a clear error for a closed client or a Hub that is not there, and a
session drain that a retry does not turn into a failure."""

from __future__ import annotations

import asyncio
import gzip
import socket
import threading
import time
import zlib
from collections.abc import Iterator

import pytest

from qhub_providers.api import (
    AnswerTooLargeError,
    AsyncHubQuantumClient,
    ClientClosedError,
    HubConnectionError,
    HubError,
    HubQuantumClient,
    HubTimeoutError,
    ParsingError,
    RetryPolicy,
    UncertainSubmissionError,
)
from qhub_providers.api.resources.jobs import CLIENT_TOKEN_PREFIX
from tests.api.conftest import TOKEN, Answer, FakeClock, ScriptedHub

JOB = {"id": "j-1", "status": "PENDING", "backend_id": "aws.sim.sv1"}
FOUND = {"content": [{"id": "j-1", "type": "JOB"}], "page": 0, "size": 1, "total_elements": 1}
NOT_GZIP = b"\x1f\x8b\x08\x00definitely not a gzip stream"


def client_for(hub: ScriptedHub, clock: FakeClock, **kwargs: object) -> HubQuantumClient:
    policy = RetryPolicy(jitter=False, sleep=clock.sleep, async_sleep=clock.async_sleep, settle_window=1.0)
    return HubQuantumClient(api_key=TOKEN, base_url=hub.base_url, retry_policy=policy, **kwargs)  # type: ignore[arg-type]


# -- any answer ends in a typed error ------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_body_that_does_not_decompress_is_a_parsing_error(
    hub: ScriptedHub, clock: FakeClock, encoding: str
) -> None:
    hub.add(Answer(200, NOT_GZIP, headers={"Content-Encoding": encoding, "Content-Type": "application/json"}))
    with client_for(hub, clock) as client, pytest.raises(ParsingError, match="decompress"):
        client.jobs.get_job("j-1")


def test_a_body_that_does_not_decompress_is_typed_for_the_async_client_and_streams(
    hub: ScriptedHub, clock: FakeClock
) -> None:
    broken = Answer(200, NOT_GZIP, headers={"Content-Encoding": "gzip"})
    hub.add(broken, broken)

    async def run() -> None:
        policy = RetryPolicy(sleep=clock.sleep, async_sleep=clock.async_sleep)
        async with AsyncHubQuantumClient(api_key=TOKEN, base_url=hub.base_url, retry_policy=policy) as client:
            with pytest.raises(ParsingError):
                await client.jobs.get_job("j-1")
            with pytest.raises(ParsingError):
                async for _ in client.jobs.get_job_result_stream("j-1"):
                    pass

    asyncio.run(run())
    hub.add(broken)
    with client_for(hub, clock) as client, pytest.raises(ParsingError):
        b"".join(client.jobs.get_job_result_stream("j-1"))


def test_well_compressed_answers_and_streams_are_read(hub: ScriptedHub, clock: FakeClock) -> None:
    import json

    packed = gzip.compress(json.dumps(JOB).encode())
    deflated = zlib.compress(json.dumps(JOB).encode())
    hub.add(
        Answer(200, packed, headers={"Content-Encoding": "gzip"}),
        Answer(200, deflated, headers={"Content-Encoding": "deflate"}),
        Answer(200, gzip.compress(b"x" * 100_000), headers={"Content-Encoding": "gzip"}),
    )
    with client_for(hub, clock) as client:
        assert client.jobs.get_job("j-1").id == "j-1"
        assert client.jobs.get_job("j-1").id == "j-1"
        chunks = list(client.jobs.get_job_result_stream("j-1", chunk_size=4096))
    assert b"".join(chunks) == b"x" * 100_000
    assert {len(chunk) for chunk in chunks[:-1]} == {4096}


def test_json_nested_too_deeply_is_a_parsing_error(hub: ScriptedHub, clock: FakeClock) -> None:
    hub.add(Answer(200, "[" * 100_000 + "]" * 100_000, headers={"Content-Type": "application/json"}))
    with client_for(hub, clock) as client, pytest.raises(ParsingError, match="nested"):
        client.jobs.get_job("j-1")


def test_a_strange_charset_label_does_not_escape_as_unicode_error(hub: ScriptedHub, clock: FakeClock) -> None:
    body = b'{"id": "j-1", "status": "PENDING"}'
    hub.add(
        Answer(200, body, headers={"Content-Type": "application/json; charset=utf-32"}),
        Answer(200, body, headers={"Content-Type": "application/json; charset=no-such-codec"}),
    )
    with client_for(hub, clock) as client:
        assert client.jobs.get_job("j-1").id == "j-1"
        assert client.jobs.get_job("j-1").id == "j-1"


def test_an_answer_over_the_size_limit_is_refused_while_reading(hub: ScriptedHub, clock: FakeClock) -> None:
    # 300 KB of gzip that would unpack to 300 MB: reading stops at the limit.
    bomb = gzip.compress(b" " * (300 * 1024 * 1024), compresslevel=9)
    hub.add(Answer(200, bomb, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}))
    with (
        client_for(hub, clock, max_answer_bytes=1_000_000) as client,
        pytest.raises(AnswerTooLargeError) as info,
    ):
        client.jobs.get_job("j-1")
    assert info.value.limit == 1_000_000


def test_an_unreadable_answer_to_a_submission_finds_the_job_by_its_token(
    hub: ScriptedHub, clock: FakeClock
) -> None:
    # The Hub took the job (2xx) but its answer cannot be read: the job exists and the token finds it.
    hub.add(
        Answer(201, NOT_GZIP, headers={"Content-Encoding": "gzip"}),
        Answer(200, FOUND),
        Answer(200, JOB),
    )
    with client_for(hub, clock) as client:
        assert client.jobs.create_job(backend_id="aws.sim.sv1", shots=1, input="x").id == "j-1"
    assert [r.method for r in hub.requests] == ["POST", "GET", "GET"]


def test_a_created_job_without_an_id_is_looked_up_not_returned(hub: ScriptedHub, clock: FakeClock) -> None:
    hub.add(Answer(201, {"status": "PENDING"}), Answer(200, FOUND), Answer(200, JOB))
    with client_for(hub, clock) as client:
        assert client.jobs.create_job(backend_id="aws.sim.sv1", shots=1, input="x").id == "j-1"


def test_a_token_echoed_by_the_server_is_masked_in_every_message(hub: ScriptedHub, clock: FakeClock) -> None:
    hub.add(
        Answer(400, {"detail": f"bad token {TOKEN}"}),
        Answer(200, f"not json {TOKEN}"),
    )
    with client_for(hub, clock) as client:
        with pytest.raises(HubError) as first:
            client.jobs.get_job("j-1")
        with pytest.raises(ParsingError) as second:
            client.jobs.get_job("j-1")
    for error in (first.value, second.value):
        assert TOKEN not in str(error)
        assert TOKEN not in repr(error)
        assert TOKEN not in str(getattr(error, "body", ""))


# -- deadlines -------------------------------------------------------------------------------------------


@pytest.fixture
def trickling() -> Iterator[int]:
    """A server that accepts, sends a status line and headers, then one body byte every 0.2 s."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            conn.recv(65536)
            try:
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
                )
                for _ in range(1000):
                    if stop.is_set():
                        break
                    conn.sendall(b" ")
                    time.sleep(0.2)
            except OSError:
                pass
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    stop.set()
    thread.join(timeout=5)
    server.close()


def test_the_timeout_is_a_deadline_for_the_whole_call(trickling: int) -> None:
    base_url = f"http://127.0.0.1:{trickling}/quantum"
    started = time.monotonic()
    with (
        HubQuantumClient(api_key=TOKEN, base_url=base_url, timeout=1.0, max_retries=3) as client,
        pytest.raises(HubTimeoutError),
    ):
        client.jobs.get_job("j-1")
    # Each read is far shorter than the timeout; only a deadline for the whole call ends it.
    assert time.monotonic() - started < 10


# -- misuse and misconfiguration ---------------------------------------------------------------------------


def test_a_client_used_after_its_with_block_raises_a_typed_error(hub: ScriptedHub, clock: FakeClock) -> None:
    with client_for(hub, clock) as client:
        pass
    with pytest.raises(ClientClosedError, match="closed"):
        client.jobs.get_job("j-1")

    async def run() -> None:
        async with AsyncHubQuantumClient(api_key=TOKEN, base_url=hub.base_url) as closed:
            pass
        with pytest.raises(ClientClosedError):
            await closed.jobs.get_job("j-1")

    asyncio.run(run())


def test_connection_refused_suggests_checking_the_base_url(clock: FakeClock) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    policy = RetryPolicy(sleep=clock.sleep)
    with (
        HubQuantumClient(
            api_key=TOKEN, base_url=f"http://127.0.0.1:{port}/quantum", retry_policy=policy
        ) as client,
        pytest.raises(HubConnectionError) as info,
    ):
        client.backends.get_backends()
    assert "base_url" in str(info.value)
    assert "emulator" in str(info.value)


# -- idempotent drain -------------------------------------------------------------------------------------


def test_a_retried_drain_that_meets_the_already_closed_session_succeeds(
    hub: ScriptedHub, clock: FakeClock
) -> None:
    # The first PATCH drained the session (which then closed) but its answer was lost.
    closed = {"id": "s-1", "status": "CLOSED"}
    hub.add(Answer(drop=True), Answer(422, {"detail": "session is CLOSED"}), Answer(200, closed))
    with client_for(hub, clock) as client:
        session = client.sessions.update_session_state("s-1", accept_jobs=False)
    assert session.status == "CLOSED"
    assert [r.method for r in hub.requests] == ["PATCH", "PATCH", "GET"]


def test_a_first_drain_refused_is_still_an_error(hub: ScriptedHub, clock: FakeClock) -> None:
    hub.add(Answer(422, {"detail": "session is CLOSED"}))
    with client_for(hub, clock) as client, pytest.raises(HubError, match="CLOSED"):
        client.sessions.update_session_state("s-1", accept_jobs=False)
    assert len(hub.requests) == 1


def test_an_uncertain_submission_names_its_token(hub: ScriptedHub, clock: FakeClock) -> None:
    empty = {"content": [], "page": 0, "size": 1, "total_elements": 0}
    hub.add(Answer(504, "<html>gateway timeout</html>"))
    hub.default = Answer(200, empty)
    with client_for(hub, clock) as client, pytest.raises(UncertainSubmissionError) as info:
        client.jobs.create_job(backend_id="aws.sim.sv1", shots=1, input="x", client_token="t-9")
    assert info.value.client_token == CLIENT_TOKEN_PREFIX + "t-9"
    assert "t-9" in str(info.value)
    assert [r.method for r in hub.requests].count("POST") == 1


def test_an_oversized_answer_to_a_submission_finds_the_job_by_its_token(
    hub: ScriptedHub, clock: FakeClock
) -> None:
    oversized = Answer(201, {**JOB, "name": "x" * 5000})
    hub.add(oversized, Answer(200, FOUND), Answer(200, JOB))
    with client_for(hub, clock, max_answer_bytes=2000) as client:
        assert client.jobs.create_job(backend_id="aws.sim.sv1", shots=1, input="x").id == "j-1"
    assert [r.method for r in hub.requests] == ["POST", "GET", "GET"]
