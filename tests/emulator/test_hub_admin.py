"""The local Hub's admin controls: backend states and queues, queue delays, forced statuses, injected faults,
and that none of it exists on a Hub started without ``admin=True``."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest

from qhub_providers.api import BadRequestError, HubQuantumClient, NotFoundError, UnprocessableEntityError
from qhub_providers.emulator import LocalHub

from .hub_support import auth, connect, qasm2_ghz, qasm3_ghz, raw, status_trace, wait_for_status

BELL = qasm3_ghz(2)
IBM = ("ibm.qpu.fez", "ibm.qpu.marrakesh", "ibm.qpu.kingston", "ibm.qpu.aachen")


# --- backend state ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["PAUSED", "OFFLINE"])
def test_a_stopped_backend_keeps_its_jobs_pending_until_online(
    private_hub: LocalHub, private_client: HubQuantumClient, state: str
) -> None:
    answer = raw(private_hub, "PUT", "admin/backends/aws.sim.sv1", json={"status": state})
    assert answer.status_code == 200
    assert answer.json()["status"] == state
    assert private_client.backends.get_backend_status("aws.sim.sv1").status == state

    jobs = [private_client.jobs.create_job(backend_id="aws.sim.sv1", shots=10, input=BELL) for _ in range(2)]
    other = private_client.jobs.create_job(backend_id="kipu.sim.qsim", shots=10, input=qasm2_ghz(2))
    assert other.id is not None
    assert wait_for_status(private_client, other.id) == "COMPLETED"  # other backends carry on
    time.sleep(0.2)
    assert [private_client.jobs.get_job_status(str(j.id)).status for j in jobs] == ["PENDING", "PENDING"]
    assert private_client.backends.get_backend_status("aws.sim.sv1").queue_size == 2

    private_hub.admin.set_backend("aws.sim.sv1", status="ONLINE")
    assert [wait_for_status(private_client, str(j.id)) for j in jobs] == ["COMPLETED", "COMPLETED"]
    assert private_client.backends.get_backend_status("aws.sim.sv1").queue_size == 0


def test_a_retired_backend_refuses_new_jobs(private_hub: LocalHub, private_client: HubQuantumClient) -> None:
    private_hub.admin.set_backend("aws.sim.dm1", status="RETIRED")
    with pytest.raises(UnprocessableEntityError, match="retired"):
        private_client.jobs.create_job(backend_id="aws.sim.dm1", shots=10, input=BELL)


def test_queue_sizes_decide_the_least_busy_backend(
    private_hub: LocalHub, private_client: HubQuantumClient
) -> None:
    def least_busy(**kwargs: Any) -> str:
        return str(private_client.backends.get_least_busy_backend(provider="IBM", **kwargs).id)

    for queue, backend_id in enumerate(IBM):
        private_hub.admin.set_backend(backend_id, queue_size=10 + queue)
    assert least_busy() == "ibm.qpu.fez"
    assert private_client.backends.get_backend_status("ibm.qpu.fez").queue_size == 10

    answer = raw(private_hub, "PUT", "admin/backends/ibm.qpu.kingston", json={"queue_size": 1})
    assert (answer.status_code, answer.json()["queue_size"]) == (200, 1)
    assert least_busy() == "ibm.qpu.kingston"
    assert private_client.backends.get_backend("ibm.qpu.kingston").queue_size == 1

    private_hub.admin.set_backend("ibm.qpu.kingston", status="PAUSED")
    assert least_busy() == "ibm.qpu.fez"
    private_hub.admin.set_backend("ibm.qpu.fez", status="OFFLINE")
    assert least_busy() == "ibm.qpu.marrakesh"

    private_hub.admin.set_backend("ibm.qpu.marrakesh", queue_size=20)
    assert least_busy() == "ibm.qpu.aachen"
    assert least_busy(min_qubits=156) == "ibm.qpu.aachen"
    private_hub.admin.set_backend("ibm.qpu.aachen", status="PAUSED")
    assert least_busy() == "ibm.qpu.marrakesh"
    private_hub.admin.set_backend("ibm.qpu.marrakesh", status="OFFLINE")
    with pytest.raises(NotFoundError):
        least_busy()
    with pytest.raises(BadRequestError):
        private_client.backends.get_least_busy_backend(provider="IQM")


def test_queued_jobs_add_to_the_reported_queue(
    private_hub: LocalHub, private_client: HubQuantumClient
) -> None:
    private_hub.admin.set_backend("iqm.qpu.garnet", status="PAUSED", queue_size=4, queue_avg_time=90)
    circuit = {"name": "x", "instructions": [{"name": "measure", "locus": ["QB1"], "args": {"key": "m"}}]}
    for _ in range(3):
        private_client.jobs.create_job(backend_id="iqm.qpu.garnet", shots=10, input={"circuits": [circuit]})
    status = private_client.backends.get_backend_status("iqm.qpu.garnet")
    assert (status.status, status.queue_size, status.queue_avg_time) == ("PAUSED", 7, 90)


def test_a_queue_delay_holds_jobs_pending(private_hub: LocalHub, private_client: HubQuantumClient) -> None:
    answer = raw(private_hub, "PUT", "admin/backends/kipu.sim.qsim", json={"queue_delay": 0.4})
    assert answer.status_code == 200
    job = private_client.jobs.create_job(backend_id="kipu.sim.qsim", shots=10, input=qasm2_ghz(2))
    assert job.id is not None
    started = time.monotonic()
    trace = status_trace(private_client, job.id)
    assert trace[0] == "PENDING"
    assert trace[-1] == "COMPLETED"
    assert time.monotonic() - started >= 0.3
    record = private_client.jobs.get_job(job.id)
    assert record.created_at
    assert record.started_at
    assert (record.started_at - record.created_at).total_seconds() >= 0.35


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"status": "BROKEN"}, 400),
        ({"queue_size": -1}, 400),
        ({"queue_delay": 10_000}, 400),
        ({"colour": "blue"}, 400),
        ([1, 2], 400),
    ],
)
def test_backend_controls_validate_their_input(private_hub: LocalHub, body: Any, status: int) -> None:
    answer = raw(private_hub, "PUT", "admin/backends/aws.sim.sv1", json=body)
    assert answer.status_code == status, answer.text
    assert (
        raw(private_hub, "PUT", "admin/backends/no.such.backend", json={"status": "PAUSED"}).status_code
        == 404
    )


def test_forced_statuses_over_http(private_hub: LocalHub, private_client: HubQuantumClient) -> None:
    private_hub.admin.set_backend("aws.sim.sv1", status="PAUSED")
    job = private_client.jobs.create_job(backend_id="aws.sim.sv1", shots=10, input=BELL)
    path = f"admin/jobs/{job.id}/force"
    for body in (
        {"status": "COMPLETED"},
        {"status": "ABORTED", "hold": "long"},
        {"state": "ABORTED"},
        "ABORTED",
    ):
        assert raw(private_hub, "POST", path, json=body).status_code == 400, body
    assert (
        raw(private_hub, "POST", "admin/jobs/no-such-job/force", json={"status": "ABORTED"}).status_code
        == 404
    )
    forced = raw(private_hub, "POST", path, json={"status": "FAILED", "message": "forced over HTTP"})
    assert forced.status_code == 204
    assert job.id is not None
    assert wait_for_status(private_client, job.id) == "FAILED"
    assert private_client.jobs.get_job_result(job.id)["error"]["message"] == "forced over HTTP"
    again = raw(private_hub, "POST", path, json={"status": "ABORTED"})
    assert again.status_code == 400
    assert "FAILED" in again.json()["detail"]


def test_stats_count_jobs_by_status(private_hub: LocalHub, private_client: HubQuantumClient) -> None:
    job = private_client.jobs.create_job(backend_id="kipu.sim.qsim", shots=10, input=qasm2_ghz(2))
    private_client.sessions.create_session(backend_id="aws.sim.sv1", mode="batch", provider="AWS")
    assert job.id is not None
    wait_for_status(private_client, job.id)
    stats = raw(private_hub, "GET", "admin/stats").json()
    assert (stats["jobs"], stats["jobs_by_status"], stats["sessions"]) == (1, {"COMPLETED": 1}, 1)
    assert stats["faults"]["rate"] == 0


# --- faults -------------------------------------------------------------------------------------------------

REQUESTS = 30


def configure_faults(hub: LocalHub, kind: str, rate: float = 0.5, **extra: Any) -> None:
    answer = raw(hub, "PUT", "admin/faults", json={"rate": rate, "kinds": [kind], "seed": 4, **extra})
    assert answer.status_code == 200, answer.text


def injected(hub: LocalHub) -> dict[str, int]:
    counts: dict[str, int] = raw(hub, "GET", "admin/stats").json()["faults"]["injected"]
    return counts


def status_polls(hub: LocalHub) -> list[httpx.Response | Exception]:
    """``REQUESTS`` status reads over one connection-per-request client, keeping failures as values."""
    outcomes: list[httpx.Response | Exception] = []
    for _ in range(REQUESTS):
        try:
            outcomes.append(raw(hub, "GET", "backends/aws.sim.sv1/status"))
        except httpx.TransportError as error:
            outcomes.append(error)
    return outcomes


def test_error_faults_answer_5xx_json(private_hub: LocalHub) -> None:
    configure_faults(private_hub, "error")
    outcomes = status_polls(private_hub)
    failed = [o for o in outcomes if isinstance(o, httpx.Response) and o.status_code >= 500]
    assert 0 < len(failed) < REQUESTS
    assert len(failed) == injected(private_hub)["error"]
    assert {o.status_code for o in failed} <= {500, 502, 503}
    assert all(o.json()["detail"] == "injected fault" for o in failed)
    assert all(isinstance(o, httpx.Response) and o.status_code in {200, 500, 502, 503} for o in outcomes)


def test_rate_limit_faults_answer_429_with_retry_hints(private_hub: LocalHub) -> None:
    configure_faults(private_hub, "rate_limit", retry_after_ms=40)
    outcomes = status_polls(private_hub)
    limited = [o for o in outcomes if isinstance(o, httpx.Response) and o.status_code == 429]
    assert 0 < len(limited) == injected(private_hub)["rate_limit"] < REQUESTS
    assert all(o.headers["retry-after"] == "1" and o.headers["retry-after-ms"] == "40" for o in limited)


def test_slow_faults_delay_the_answer(private_hub: LocalHub) -> None:
    configure_faults(private_hub, "slow", rate=0.2, slow_seconds=0.3)
    durations = []
    for outcome in status_polls(private_hub):
        assert isinstance(outcome, httpx.Response)
        assert outcome.status_code == 200
        durations.append(outcome.elapsed.total_seconds())
    slow = [d for d in durations if d >= 0.3]
    assert 0 < len(slow) == injected(private_hub)["slow"] < REQUESTS


@pytest.mark.parametrize(("kind", "processed"), [("drop_before", False), ("drop_after", True)])
def test_dropped_connections_before_or_after_the_request_is_processed(
    private_hub: LocalHub, private_client: HubQuantumClient, kind: str, processed: bool
) -> None:
    configure_faults(private_hub, kind)
    body = {"backend_id": "kipu.sim.qsim", "shots": 10, "input": qasm2_ghz(2)}
    answered, dropped = 0, 0
    for _ in range(REQUESTS):
        try:
            answer = raw(private_hub, "POST", "jobs", json={**body, "tags": [uuid.uuid4().hex]})
        except httpx.RemoteProtocolError:
            dropped += 1
        else:
            assert answer.status_code == 200
            answered += 1
    assert 0 < dropped == injected(private_hub)[kind] < REQUESTS
    raw(private_hub, "PUT", "admin/faults", json={"rate": 0})
    stored = private_client.workloads.get_workloads(type="JOB", size=100).total_elements
    assert stored == (REQUESTS if processed else answered)


def test_faults_are_bounded_and_spare_the_admin_routes(private_hub: LocalHub) -> None:
    answer = raw(private_hub, "PUT", "admin/faults", json={"rate": 0.9, "kinds": ["error"], "max_faults": 3})
    assert answer.status_code == 200
    statuses = [o.status_code for o in status_polls(private_hub) if isinstance(o, httpx.Response)]
    assert statuses.count(200) == REQUESTS - 3
    assert all(raw(private_hub, "GET", "admin/stats").status_code == 200 for _ in range(10))
    for bad in ({"rate": 0.95}, {"rate": "high"}, {"kinds": ["gremlins"]}, {"slow_seconds": 60}, [0.5]):
        assert raw(private_hub, "PUT", "admin/faults", json=bad).status_code == 400, bad


def test_the_rest_client_rides_out_rate_limits_and_ambiguous_submissions(private_hub: LocalHub) -> None:
    with private_hub.client() as retrying:  # the client's own retry policy, not the tests' max_retries=0
        private_hub.set_faults(rate=0.5, kinds=["rate_limit"], seed=2, retry_after_ms=10)
        assert all(retrying.backends.get_backend_status("aws.sim.sv1").status == "ONLINE" for _ in range(10))
        assert injected(private_hub)["rate_limit"] > 0

        # The answer to the submission is lost after the Hub stored the job: the client must find it, not
        # submit it a second time.
        private_hub.set_faults(rate=0.9, kinds=["drop_after"], max_faults=1)
        job = retrying.jobs.create_job(backend_id="kipu.sim.qsim", shots=10, input=qasm2_ghz(2))
        assert injected(private_hub)["drop_after"] == 1
        assert job.id is not None
        jobs = retrying.workloads.get_workloads(type="JOB").content or []
        assert [w.id for w in jobs] == [job.id]


# --- without admin=True -------------------------------------------------------------------------------------


def test_admin_routes_do_not_exist_without_admin() -> None:
    with LocalHub() as plain, connect(plain) as client:
        job = client.jobs.create_job(backend_id="kipu.sim.qsim", shots=10, input=qasm2_ghz(2))
        for method, path, body in [
            ("POST", f"admin/jobs/{job.id}/force", {"status": "ABORTED"}),
            ("PUT", "admin/backends/aws.sim.sv1", {"status": "PAUSED"}),
            ("PUT", "admin/faults", {"rate": 0.5}),
            ("POST", "admin/service-executions", {}),
            ("GET", "admin/stats", None),
        ]:
            answer = raw(plain, method, path, headers=auth(plain), json=body)
            assert answer.status_code == 404, path
        assert client.backends.get_backend_status("aws.sim.sv1").status == "ONLINE"
        assert job.id is not None
        assert wait_for_status(client, job.id) == "COMPLETED"
        with pytest.raises(RuntimeError, match="admin"):
            _ = plain.admin
        with pytest.raises(RuntimeError, match="admin"):
            plain.set_faults(rate=0.1)
        with pytest.raises(RuntimeError, match="admin"):
            plain.create_service_execution()
