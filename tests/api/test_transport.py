"""Behaviour of the client's one transport: errors, retries, reconciliation, encoding, logging."""

from __future__ import annotations

import asyncio
import logging
import socket
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest

from qhub_providers.api import (
    ApiError,
    AsyncHubQuantumClient,
    BadGatewayError,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    HubConnectionError,
    HubError,
    HubQuantumClient,
    HubTimeoutError,
    InternalServerError,
    NotFoundError,
    ParsingError,
    RetryPolicy,
    ServiceUnavailableError,
    TooManyRequestsError,
    UnauthorizedError,
    UncertainSubmissionError,
    UnprocessableEntityError,
)
from tests.api.conftest import TOKEN, Answer, FakeClock, ScriptedHub

JOB = {"id": "j-1", "status": "PENDING", "backend_id": "aws.sim.sv1"}


def client_for(hub: ScriptedHub, clock: FakeClock, **kwargs: object) -> HubQuantumClient:
    policy = RetryPolicy(jitter=False, sleep=clock.sleep, async_sleep=clock.async_sleep)
    return HubQuantumClient(api_key=TOKEN, base_url=hub.base_url, retry_policy=policy, **kwargs)  # type: ignore[arg-type]


# -- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, BadRequestError),
        (401, UnauthorizedError),
        (403, ForbiddenError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (418, ApiError),
    ],
)
@pytest.mark.parametrize("json_body", [True, False], ids=["json", "text"])
def test_error_statuses_are_typed_with_the_servers_detail(
    hub: ScriptedHub, clock: FakeClock, status: int, error: type[ApiError], json_body: bool
) -> None:
    body = (
        {"title": "Nope", "status": status, "detail": "job j-9 not found"}
        if json_body
        else "job j-9 not found"
    )
    hub.add(Answer(status, body))
    with client_for(hub, clock) as client, pytest.raises(error) as info:
        client.jobs.get_job("j-9")
    assert info.value.status_code == status
    assert "job j-9 not found" in str(info.value)
    assert info.value.body == body
    assert len(hub.requests) == 1


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (429, TooManyRequestsError),
        (500, InternalServerError),
        (502, BadGatewayError),
        (503, ServiceUnavailableError),
    ],
)
def test_retryable_statuses_are_typed_after_the_last_retry(
    hub: ScriptedHub, clock: FakeClock, status: int, error: type[ApiError]
) -> None:
    hub.add(*[Answer(status, {"detail": "busy"})] * 3)
    with client_for(hub, clock) as client, pytest.raises(error, match="busy"):
        client.jobs.get_job_status("j-1")
    assert len(hub.requests) == 3
    assert clock.waits == [0.5, 1.0]


def test_empty_error_body_is_still_an_error(hub: ScriptedHub, clock: FakeClock) -> None:
    # An empty 404 on a 204-capable endpoint must not be mistaken for "no calibration".
    hub.add(Answer(404, None))
    with client_for(hub, clock) as client, pytest.raises(NotFoundError):
        client.backends.get_backend_calibration("nope")


def test_204_means_none_only_where_the_contract_says_so(hub: ScriptedHub, clock: FakeClock) -> None:
    hub.add(Answer(204), Answer(204))
    with client_for(hub, clock) as client:
        assert client.jobs.get_normalized_job_memory("j-1") is None
        with pytest.raises(ParsingError, match="empty"):
            client.backends.get_backend_config("aws.sim.sv1")


def test_unreadable_2xx_raises_parsing_error_keeping_the_body(hub: ScriptedHub, clock: FakeClock) -> None:
    hub.add(Answer(200, {"status": 12, "created_at": "not a date"}), Answer(200, "<html>oops</html>"))
    with client_for(hub, clock) as client:
        with pytest.raises(ParsingError) as info:
            client.jobs.get_job("j-1")
        assert info.value.body == {"status": 12, "created_at": "not a date"}
        assert "created_at" in str(info.value)
        with pytest.raises(ParsingError) as info2:
            client.jobs.get_job("j-1")
        assert info2.value.body == "<html>oops</html>"


# -- retries ---------------------------------------------------------------------------------------


def test_get_retries_5xx_then_succeeds(hub: ScriptedHub, clock: FakeClock) -> None:
    hub.add(Answer(503), Answer(500), Answer(200, JOB))
    with client_for(hub, clock) as client:
        assert client.jobs.get_job("j-1").id == "j-1"
    assert len(hub.requests) == 3
    assert clock.waits == [0.5, 1.0]


@pytest.mark.parametrize(
    ("headers", "wait"),
    [
        ({"Retry-After": "3"}, 3.0),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"Retry-After": "3600"}, 60.0),  # capped
    ],
)
def test_retry_after_is_honoured_and_capped(
    hub: ScriptedHub, clock: FakeClock, headers: dict[str, str], wait: float
) -> None:
    hub.add(Answer(429, {"detail": "slow down"}, headers=headers), Answer(200, JOB))
    # A deadline long enough for the capped wait: no wait may run past the call's deadline.
    with client_for(hub, clock, timeout=120) as client:
        client.jobs.get_job("j-1")
    assert clock.waits == [wait]


def test_a_retry_after_beyond_the_deadline_ends_the_call_at_once(hub: ScriptedHub, clock: FakeClock) -> None:
    hub.add(Answer(429, {"detail": "slow down"}, headers={"Retry-After": "30"}), Answer(200, JOB))
    with client_for(hub, clock, timeout=10) as client, pytest.raises(TooManyRequestsError):
        client.jobs.get_job("j-1")
    assert clock.waits == []
    assert len(hub.requests) == 1


def test_retry_after_as_http_date(hub: ScriptedHub, clock: FakeClock) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    hub.add(Answer(503, headers={"Retry-After": when}), Answer(200, JOB))
    with client_for(hub, clock) as client:
        client.jobs.get_job("j-1")
    assert 17 <= clock.waits[0] <= 20


def test_backoff_grows_with_jitter_within_bounds(hub: ScriptedHub) -> None:
    waits: list[float] = []
    policy = RetryPolicy(base_delay=1.0, max_delay=3.0, sleep=waits.append)
    hub.add(*[Answer(503)] * 4, Answer(200, JOB))
    with HubQuantumClient(api_key=TOKEN, base_url=hub.base_url, max_retries=4, retry_policy=policy) as client:
        client.jobs.get_job("j-1")
    nominal = [1.0, 2.0, 3.0, 3.0]
    assert all(n / 2 <= w <= n for w, n in zip(waits, nominal, strict=True))


def test_max_retries_per_client_and_per_call(hub: ScriptedHub, clock: FakeClock) -> None:
    hub.default = Answer(503)
    with client_for(hub, clock, max_retries=0) as client:
        with pytest.raises(ServiceUnavailableError):
            client.jobs.get_job("j-1")
        assert len(hub.requests) == 1
        with pytest.raises(ServiceUnavailableError):
            client.jobs.get_job("j-1", request_options={"max_retries": 3})
        assert len(hub.requests) == 5


def test_get_retries_a_dropped_connection(hub: ScriptedHub, clock: FakeClock) -> None:
    hub.add(Answer(drop=True), Answer(200, JOB))
    with client_for(hub, clock) as client:
        assert client.jobs.get_job("j-1").id == "j-1"
    assert len(hub.requests) == 2


def test_connection_refused_is_retried_then_typed(clock: FakeClock) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    policy = RetryPolicy(jitter=False, sleep=clock.sleep)
    with (
        HubQuantumClient(
            api_key=TOKEN, base_url=f"http://127.0.0.1:{port}/quantum", retry_policy=policy
        ) as client,
        pytest.raises(HubConnectionError) as info,
    ):
        client.sessions.create_session(backend_id="aws.sim.sv1", mode="batch", provider="AWS")
    # Connection refused: the request never left, so even a create is retried.
    assert clock.waits == [0.5, 1.0]
    assert isinstance(info.value, httpx.TransportError)
    assert TOKEN not in str(info.value)


def test_timeout_is_typed_and_an_httpx_timeout(hub: ScriptedHub, clock: FakeClock) -> None:
    hub.add(Answer(200, JOB, delay=1.0))
    with client_for(hub, clock, max_retries=0) as client, pytest.raises(HubTimeoutError) as info:
        client.jobs.get_job("j-1", request_options={"timeout": 0.2})
    assert isinstance(info.value, httpx.TimeoutException)
    assert isinstance(info.value, HubError)


# -- job and session creation are never duplicated --------------------------------------------------


def test_create_job_after_5xx_is_never_sent_again_and_found_when_it_lands_late(
    hub: ScriptedHub, clock: FakeClock
) -> None:
    # A gateway's 500 while the Hub is still storing the job: the first lookups find nothing *yet*.
    empty = {"content": [], "page": 0, "size": 1, "total_elements": 0, "total_pages": 0}
    found = {"content": [{"id": "j-5", "type": "JOB"}], "page": 0, "size": 1, "total_elements": 1}
    hub.add(Answer(500), Answer(200, empty), Answer(200, empty), Answer(200, found), Answer(200, JOB))
    with client_for(hub, clock) as client:
        job = client.jobs.create_job(backend_id="aws.sim.sv1", shots=10, input="OPENQASM 3;")
    assert job.id == "j-1"
    methods = [(r.method, r.path) for r in hub.requests]
    assert methods == [("POST", "/quantum/jobs")] + [("GET", "/quantum/workloads")] * 3 + [
        ("GET", "/quantum/jobs/j-5")
    ]
    token = hub.requests[0].json["tags"][-1]
    assert all(("tag", token) in r.query and ("type", "JOB") in r.query for r in hub.requests[1:4])
    # Short pauses between the lookups, growing.
    assert len(clock.waits) == 2
    assert 0 < clock.waits[0] < clock.waits[1] <= 1.0


def test_create_job_after_dropped_answer_returns_the_stored_job(hub: ScriptedHub, clock: FakeClock) -> None:
    found = {
        "content": [{"id": "j-77", "type": "JOB"}],
        "page": 0,
        "size": 1,
        "total_elements": 1,
        "total_pages": 1,
    }
    hub.add(Answer(drop=True), Answer(200, found), Answer(200, {**JOB, "id": "j-77"}))
    with client_for(hub, clock) as client:
        job = client.jobs.create_job(backend_id="aws.sim.sv1", shots=10, input="OPENQASM 3;")
    assert job.id == "j-77"
    assert [r.method for r in hub.requests] == ["POST", "GET", "GET"]
    assert hub.requests[2].path == "/quantum/jobs/j-77"


def test_create_job_429_is_retried_without_lookup(hub: ScriptedHub, clock: FakeClock) -> None:
    hub.add(Answer(429, headers={"Retry-After": "1"}), Answer(200, JOB))
    with client_for(hub, clock) as client:
        client.jobs.create_job(backend_id="aws.sim.sv1", shots=10, input="x")
    assert [r.method for r in hub.requests] == ["POST", "POST"]


def test_create_job_gives_up_with_uncertain_error_carrying_the_token(
    hub: ScriptedHub, clock: FakeClock
) -> None:
    hub.default = Answer(drop=True)
    with client_for(hub, clock, max_retries=0) as client, pytest.raises(UncertainSubmissionError) as info:
        client.jobs.create_job(backend_id="aws.sim.sv1", shots=10, input="x", client_token="abc")
    assert info.value.client_token == "qhub-providers-token:abc"
    assert "abc" in str(info.value)
    # One submission, then the (failing) lookups by the token over the settle window: never a second POST.
    methods = [r.method for r in hub.requests]
    assert methods[0] == "POST"
    assert set(methods[1:]) == {"GET"}
    assert len(methods) > 2
    assert sum(clock.waits) <= 2 * 10.0  # failing lookups go on for one more settle window at most


def test_create_job_5xx_on_the_last_attempt_returns_the_job_stored_anyway(
    hub: ScriptedHub, clock: FakeClock
) -> None:
    found = {"content": [{"id": "j-5", "type": "JOB"}], "page": 0, "size": 1, "total_elements": 1}
    hub.add(Answer(502), Answer(200, found), Answer(200, {**JOB, "id": "j-5"}))
    with client_for(hub, clock, max_retries=0) as client:
        job = client.jobs.create_job(backend_id="aws.sim.sv1", shots=10, input="OPENQASM 3;")
    assert job.id == "j-5"
    assert [r.method for r in hub.requests] == ["POST", "GET", "GET"]


def test_create_job_5xx_is_uncertain_with_its_cause_when_nothing_was_stored(
    hub: ScriptedHub, clock: FakeClock
) -> None:
    # A 503 does not prove that the job was not stored (a gateway may say it while the Hub works on):
    # the client looks for it over the settle window, never sends it again, then says it is uncertain.
    empty = {"content": [], "page": 0, "size": 1, "total_elements": 0, "total_pages": 0}
    hub.add(Answer(503, {"detail": "overloaded"}))
    hub.default = Answer(200, empty)
    with client_for(hub, clock, max_retries=0) as client, pytest.raises(UncertainSubmissionError) as info:
        client.jobs.create_job(backend_id="aws.sim.sv1", shots=10, input="OPENQASM 3;")
    assert isinstance(info.value.__cause__, ServiceUnavailableError)
    assert "overloaded" in str(info.value)
    methods = [r.method for r in hub.requests]
    assert methods.count("POST") == 1
    assert len(methods) > 2


def test_create_session_is_not_retried_after_ambiguous_failures(hub: ScriptedHub, clock: FakeClock) -> None:
    hub.add(Answer(503, {"detail": "overloaded"}))
    with client_for(hub, clock) as client, pytest.raises(ServiceUnavailableError):
        client.sessions.create_session(backend_id="aws.sim.sv1", mode="batch", provider="AWS")
    assert len(hub.requests) == 1
    hub.add(Answer(drop=True))
    with client_for(hub, clock) as client, pytest.raises(UncertainSubmissionError):
        client.sessions.create_session(backend_id="aws.sim.sv1", mode="batch", provider="AWS")
    assert len(hub.requests) == 2


def test_session_state_patch_is_idempotent_and_retried(hub: ScriptedHub, clock: FakeClock) -> None:
    hub.add(Answer(502), Answer(200, {"id": "s", "status": "DRAINING"}))
    with client_for(hub, clock) as client:
        assert client.sessions.update_session_state("s", accept_jobs=False).status == "DRAINING"
    assert [r.method for r in hub.requests] == ["PATCH", "PATCH"]


def test_async_client_retries_with_async_sleep(hub: ScriptedHub, clock: FakeClock) -> None:
    hub.add(Answer(503), Answer(200, JOB))
    policy = RetryPolicy(jitter=False, sleep=clock.sleep, async_sleep=clock.async_sleep)

    async def run() -> str | None:
        async with AsyncHubQuantumClient(api_key=TOKEN, base_url=hub.base_url, retry_policy=policy) as client:
            return (await client.jobs.get_job("j-1")).id

    assert asyncio.run(run()) == "j-1"
    assert clock.waits == [0.5]


# -- request encoding --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("job_id", "raw"),
    [
        ("a/b", "a%2Fb"),
        ("..", "%2E%2E"),
        ("x?y=1", "x%3Fy%3D1"),
        ("a b", "a%20b"),
        ("aws.sim.sv1", "aws.sim.sv1"),
    ],
)
def test_ids_cannot_change_the_route(hub: ScriptedHub, clock: FakeClock, job_id: str, raw: str) -> None:
    hub.add(Answer(200, JOB))
    with client_for(hub, clock) as client:
        client.jobs.get_job_status(job_id)
    assert hub.last.raw_path == f"/quantum/jobs/{raw}/status"


def test_empty_id_is_refused(hub: ScriptedHub, clock: FakeClock) -> None:
    with client_for(hub, clock) as client, pytest.raises(ValueError, match="empty"):
        client.jobs.get_job("")
    assert hub.requests == []


def test_datetimes_go_out_as_utc_z_and_naive_ones_are_refused(hub: ScriptedHub, clock: FakeClock) -> None:
    plus_two = timezone(timedelta(hours=2))
    hub.add(Answer(204))
    with client_for(hub, clock) as client:
        client.backends.get_backend_calibration(
            "x", effective_at=datetime(2026, 4, 17, 14, 0, tzinfo=plus_two)
        )
        assert hub.last.query == [("effectiveAt", "2026-04-17T12:00:00Z")]
        with pytest.raises(ValueError, match="naive"):
            client.backends.get_backend_calibration("x", effective_at=datetime(2026, 4, 17, 14, 0))
    assert len(hub.requests) == 1


def test_custom_and_per_call_headers(hub: ScriptedHub, clock: FakeClock) -> None:
    hub.add(Answer(200, JOB))
    with client_for(hub, clock, headers={"X-Trace": "t1", "X-Auth-Token": "must-not-win"}) as client:
        client.jobs.get_job("j", request_options={"additional_headers": {"X-Call": "c1"}})
    assert hub.last.headers["x-trace"] == "t1"
    assert hub.last.headers["x-call"] == "c1"
    assert hub.last.headers["x-auth-token"] == TOKEN


# -- secrets -------------------------------------------------------------------------------------


def test_token_never_logged_nor_shown(
    hub: ScriptedHub, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    hub.add(Answer(503), Answer(401, {"detail": "bad token"}))
    caplog.set_level(logging.DEBUG, logger="qhub_providers.api")
    with client_for(hub, clock) as client:
        with pytest.raises(UnauthorizedError) as info:
            client.jobs.get_job("j-1")
        shown = [repr(client), str(client), str(info.value), repr(info.value), repr(client.jobs)]
    logged = caplog.text
    assert "x-auth-token" in logged.lower()  # the header is logged, redacted
    assert "GET" in logged
    assert "retrying" in logged
    assert TOKEN not in logged
    assert all(TOKEN not in text for text in shown)


def test_silent_logging_config(hub: ScriptedHub, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    hub.add(Answer(503), Answer(200, JOB))
    caplog.set_level(logging.DEBUG)
    with client_for(hub, clock, logging={"silent": True}) as client:
        client.jobs.get_job("j-1")
    assert "retrying" not in caplog.text


# -- pagination ------------------------------------------------------------------------------------


def _pages(total: int, size: int) -> list[Answer]:
    answers = []
    pages = (total + size - 1) // size
    for number in range(pages):
        ids = range(number * size, min(total, (number + 1) * size))
        content = [{"id": f"j-{i}"} for i in ids]
        answers.append(
            Answer(
                200,
                {
                    "content": content,
                    "page": number,
                    "size": size,
                    "total_elements": total,
                    "total_pages": pages,
                },
            )
        )
    return answers


def test_iter_jobs_walks_pages_lazily(hub: ScriptedHub, clock: FakeClock) -> None:
    hub.add(*_pages(7, 3))
    with client_for(hub, clock) as client:
        jobs = client.jobs.iter_jobs(size=3)
        assert hub.requests == []  # nothing fetched before iteration
        first = next(iter(jobs))
        assert first.id == "j-0"
        assert len(hub.requests) == 1
    hub.requests.clear()
    hub.script.clear()
    hub.add(*_pages(7, 3))
    with client_for(hub, clock) as client:
        ids = [j.id for j in client.jobs.iter_jobs(size=3)]
    assert ids == [f"j-{i}" for i in range(7)]
    assert [dict(r.query)["page"] for r in hub.requests] == ["0", "1", "2"]
    assert dict(hub.requests[0].query)["sort"] == "createdAt,desc"


def test_async_iter_workloads(hub: ScriptedHub) -> None:
    hub.add(*_pages(5, 2))

    async def run() -> list[str | None]:
        async with AsyncHubQuantumClient(api_key=TOKEN, base_url=hub.base_url) as client:
            return [w.id async for w in client.workloads.iter_workloads(size=2, type="JOB")]

    assert asyncio.run(run()) == [f"j-{i}" for i in range(5)]
    assert len(hub.requests) == 3


def test_iter_calibration_history(hub: ScriptedHub, clock: FakeClock) -> None:
    hub.add(Answer(200, {"content": [], "page": 0, "size": 100, "total_elements": 0, "total_pages": 0}))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with client_for(hub, clock) as client:
        assert list(client.backends.iter_calibration_history("x", from_=start, to=start)) == []
    assert dict(hub.last.query)["sort"] == "calibratedAt,desc"


def test_sync_pager_refuses_async_use(hub: ScriptedHub, clock: FakeClock) -> None:
    with client_for(hub, clock) as client:
        pager = client.jobs.iter_jobs()

        async def run() -> None:
            async for _ in pager:
                pass

        with pytest.raises(TypeError, match="sync client"):
            asyncio.run(run())


# -- construction ----------------------------------------------------------------------------


def test_base_url_wins_and_environment_none_needs_base_url() -> None:
    with pytest.raises(ValueError, match="base_url or environment"):
        HubQuantumClient(api_key="x", environment=None)
    client = HubQuantumClient(api_key="x", base_url="http://127.0.0.1:9/quantum/")
    assert client.base_url == "http://127.0.0.1:9/quantum"
    assert HubQuantumClient(api_key="x").base_url == "https://api.hub.kipu-quantum.com/quantum"
    with pytest.raises(ValueError, match="api_key"):
        HubQuantumClient(api_key=" ")


def test_injected_httpx_client_is_used_and_not_closed(hub: ScriptedHub) -> None:
    hub.add(Answer(200, JOB))
    own = httpx.Client(headers={"X-Injected": "yes"})
    with HubQuantumClient(api_key=TOKEN, base_url=hub.base_url, httpx_client=own) as client:
        client.jobs.get_job("j-1")
    assert hub.last.headers["x-injected"] == "yes"
    assert not own.is_closed
    own.close()


def test_namespaces_are_created_lazily_and_once() -> None:
    client = HubQuantumClient(api_key="x")
    assert "jobs" not in vars(client)
    assert client.jobs is client.jobs
    client.close()


def test_from_env_resolves_credentials(monkeypatch: pytest.MonkeyPatch, hub: ScriptedHub) -> None:
    monkeypatch.setenv("KQH_PERSONAL_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("KQH_ORGANIZATION_ID", "org-9")
    monkeypatch.setenv("QHUB_QUANTUM_BASE_URL", hub.base_url)
    hub.add(Answer(200, JOB))
    with HubQuantumClient.from_env() as client:
        client.jobs.get_job("j-1")
    assert hub.last.headers["x-auth-token"] == TOKEN
    assert hub.last.headers["x-organizationid"] == "org-9"
