"""Sessions on the local Hub: creation and its refusals, OPEN → ACTIVE → DRAINING → CLOSED, expiry, the
jobs of a session and its usage."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from qhub_providers.api import HubQuantumClient, NotFoundError, UnprocessableEntityError
from qhub_providers.emulator import LocalHub

from .hub_support import auth, connect, qasm3_ghz, raw, wait_for_session, wait_for_status

BELL = qasm3_ghz(2)


def open_session(client: HubQuantumClient, backend_id: str = "aws.sim.sv1", **kwargs: Any) -> str:
    provider = kwargs.pop("provider", backend_id.split(".")[0].upper())
    session = client.sessions.create_session(backend_id=backend_id, mode="batch", provider=provider, **kwargs)
    assert session.id is not None
    return session.id


def test_a_new_session_is_open_and_echoes_its_request(org_client: HubQuantumClient) -> None:
    session = org_client.sessions.create_session(
        backend_id="aws.sim.sv1",
        mode="dedicated",
        provider="AWS",
        ttl=900,
        metadata={"experiment": 7},
        sdk_provider="CLIENT",
    )
    assert session.id is not None
    assert (session.status, session.mode, session.backend_id, session.provider) == (
        "OPEN",
        "dedicated",
        "aws.sim.sv1",
        "AWS",
    )
    assert (session.metadata, session.sdk_provider, session.final) == ({"experiment": 7}, "CLIENT", False)
    assert session.provider_id
    assert session.created_at is not None
    assert session.expires_at is not None
    assert session.expires_at - session.created_at == timedelta(seconds=900)
    assert (session.started_at, session.closed_at, session.usage_time_millis) == (None, None, 0)
    assert org_client.sessions.get_session(session.id) == session
    assert org_client.sessions.get_session_status(session.id).status == "OPEN"
    assert org_client.sessions.get_session_jobs(session.id) == []


def test_the_ibm_sdks_session_request_with_nulls(hub: LocalHub, org: str) -> None:
    body = {
        "backend_id": "ibm.qpu.fez",
        "mode": "dedicated",
        "provider": "IBM",
        "ttl": None,
        "metadata": None,
        "sdk_provider": "QISKIT",
    }
    answer = raw(hub, "POST", "sessions", headers=auth(hub, org), json=body)
    assert answer.status_code in {200, 201}, answer.text
    session = answer.json()
    assert (session["status"], session["mode"], session["metadata"]) == ("OPEN", "dedicated", None)


@pytest.mark.parametrize(
    ("changes", "status", "fragment"),
    [
        pytest.param(
            {"backend_id": "azure.ionq.simulator", "provider": "AZURE"}, 422, "sessions", id="no-sessions"
        ),
        pytest.param({"backend_id": "kipu.sim.qsim", "provider": "KIPU"}, 422, "sessions", id="kipu"),
        pytest.param({"provider": "IBM"}, 422, "AWS", id="wrong-provider"),
        pytest.param({"backend_id": "aws.sim.sv2"}, 404, "aws.sim.sv2", id="unknown-backend"),
        pytest.param({"mode": "exclusive"}, 400, "mode", id="bad-mode"),
        pytest.param({"mode": None}, 400, "mode", id="no-mode"),
        pytest.param({"provider": None}, 400, "provider", id="no-provider"),
        pytest.param({"backend_id": None}, 400, "backend_id", id="no-backend"),
        pytest.param({"ttl": -5}, 400, "ttl", id="negative-ttl"),
        pytest.param({"ttl": "long"}, 400, "ttl", id="ttl-string"),
        pytest.param({"ttl": 10**9}, 422, "ttl", id="ttl-too-long"),
        pytest.param({"metadata": [1]}, 400, "metadata", id="metadata-array"),
        pytest.param({"sdk_provider": 3}, 400, "sdk_provider", id="sdk-number"),
    ],
)
def test_refused_sessions(
    hub: LocalHub, org: str, changes: dict[str, Any], status: int, fragment: str
) -> None:
    body = {
        k: v
        for k, v in {"backend_id": "aws.sim.sv1", "mode": "batch", "provider": "AWS", **changes}.items()
        if v is not None
    }
    answer = raw(hub, "POST", "sessions", headers=auth(hub, org), json=body)
    assert answer.status_code == status, answer.text
    assert fragment in answer.json()["detail"]


def test_the_client_gets_422_for_a_backend_without_sessions(org_client: HubQuantumClient) -> None:
    with pytest.raises(UnprocessableEntityError, match="does not support sessions"):
        org_client.sessions.create_session(backend_id="azure.ionq.simulator", mode="batch", provider="AZURE")
    assert org_client.workloads.get_workloads(type="SESSION").total_elements == 0


def test_the_first_job_makes_the_session_active(org_client: HubQuantumClient) -> None:
    session_id = open_session(org_client)
    first = org_client.jobs.create_job(
        backend_id="aws.sim.sv1", shots=20, input=BELL, session_id=session_id, tags=["one"]
    )
    second = org_client.jobs.create_job(
        backend_id="aws.sim.sv1", shots=30, input=BELL, session_id=session_id, tags=["two", "ONE"]
    )
    assert first.session_id == session_id
    session = org_client.sessions.get_session(session_id)
    assert session.status == "ACTIVE"
    assert session.started_at is not None
    assert session.created_at is not None
    assert session.started_at >= session.created_at
    assert [j.id for j in org_client.sessions.get_session_jobs(session_id)] == [first.id, second.id]

    for job in (first, second):
        assert job.id is not None
        assert wait_for_status(org_client, job.id) == "COMPLETED"
    finished = org_client.sessions.get_session(session_id)
    usage = [org_client.jobs.get_job(str(j.id)).usage_time_millis or 0 for j in (first, second)]
    assert finished.usage_time_millis == sum(usage) > 0
    assert finished.usage_time_state == "MEASURED"
    assert {"one", "two"} <= {t.lower() for t in finished.tags or []}
    workload = org_client.workloads.get_workloads(type="SESSION").content or []
    assert [(w.id, w.job_count) for w in workload] == [(session_id, 2)]


def test_a_session_takes_jobs_for_its_own_backend_only(org_client: HubQuantumClient) -> None:
    session_id = open_session(org_client)
    with pytest.raises(UnprocessableEntityError, match=r"aws\.sim\.sv1"):
        org_client.jobs.create_job(backend_id="aws.sim.dm1", shots=10, input=BELL, session_id=session_id)
    assert org_client.sessions.get_session_status(session_id).status == "OPEN"


def test_closing_is_final_and_idempotent(org_client: HubQuantumClient) -> None:
    session_id = open_session(org_client)
    org_client.sessions.close_session(session_id)
    closed = org_client.sessions.get_session(session_id)
    assert (closed.status, closed.final) == ("CLOSED", True)
    assert closed.closed_at is not None
    org_client.sessions.close_session(session_id)  # again: a no-op
    assert org_client.sessions.get_session(session_id).closed_at == closed.closed_at
    with pytest.raises(UnprocessableEntityError, match="CLOSED"):
        org_client.sessions.update_session_state(session_id, accept_jobs=True)
    with pytest.raises(UnprocessableEntityError, match="CLOSED"):
        org_client.jobs.create_job(backend_id="aws.sim.sv1", shots=10, input=BELL, session_id=session_id)
    assert org_client.sessions.get_session_jobs(session_id) == []


def test_a_session_expires_after_its_ttl(org_client: HubQuantumClient) -> None:
    session_id = open_session(org_client, ttl=1)
    created = org_client.sessions.get_session(session_id)
    wait_for_session(org_client, session_id, "CLOSED", timeout=10)
    expired = org_client.sessions.get_session(session_id)
    assert expired.final is True
    assert created.created_at is not None
    assert expired.closed_at is not None
    assert expired.closed_at - created.created_at >= timedelta(seconds=0.9)
    with pytest.raises(UnprocessableEntityError, match="accepts no new jobs"):
        org_client.jobs.create_job(backend_id="aws.sim.sv1", shots=10, input=BELL, session_id=session_id)


def test_state_updates_need_a_boolean(hub: LocalHub, org: str, org_client: HubQuantumClient) -> None:
    session_id = open_session(org_client)
    for body in ({"accept_jobs": "no"}, {}, [False], {"accept": False}):
        answer = raw(hub, "PATCH", f"sessions/{session_id}", headers=auth(hub, org), json=body)
        assert answer.status_code == 400, body
    assert org_client.sessions.get_session_status(session_id).status == "OPEN"
    with pytest.raises(NotFoundError):
        org_client.sessions.update_session_state("no-such-session", accept_jobs=False)
    with pytest.raises(NotFoundError):
        org_client.sessions.close_session("no-such-session")


# --- draining, with jobs that wait in the queue ----------------------------------------------------------


@pytest.fixture(scope="module")
def queue_hub() -> Iterator[LocalHub]:
    """A Hub whose DM1 jobs wait a minute in the queue, so a session keeps jobs in flight."""
    with LocalHub(admin=True) as local:
        local.admin.set_backend("aws.sim.dm1", queue_delay=60)
        yield local


@pytest.fixture
def queued(queue_hub: LocalHub) -> Iterator[HubQuantumClient]:
    with connect(queue_hub) as personal:
        yield personal


def test_draining_refuses_new_jobs_then_closes_when_the_last_job_ends(queued: HubQuantumClient) -> None:
    session_id = open_session(queued, "aws.sim.dm1")
    in_flight = queued.jobs.create_job(backend_id="aws.sim.dm1", shots=10, input=BELL, session_id=session_id)
    assert in_flight.id is not None
    assert queued.sessions.get_session_status(session_id).status == "ACTIVE"

    draining = queued.sessions.update_session_state(session_id, accept_jobs=False)
    assert draining.status == "DRAINING"
    with pytest.raises(UnprocessableEntityError) as refused:
        queued.jobs.create_job(backend_id="aws.sim.dm1", shots=10, input=BELL, session_id=session_id)
    assert f"session '{session_id}' is DRAINING and accepts no new jobs" in str(refused.value)
    time.sleep(0.1)  # a few engine ticks: the job in flight keeps the session draining, not closed
    assert queued.sessions.get_session_status(session_id).status == "DRAINING"

    reopened = queued.sessions.update_session_state(session_id, accept_jobs=True)
    assert reopened.status == "ACTIVE"
    second = queued.jobs.create_job(backend_id="aws.sim.dm1", shots=10, input=BELL, session_id=session_id)
    assert second.id is not None

    queued.sessions.update_session_state(session_id, accept_jobs=False)
    queued.jobs.cancel_job(in_flight.id)
    queued.jobs.cancel_job(second.id)
    wait_for_session(queued, session_id, "CLOSED", timeout=5)
    assert [str(j.status) for j in queued.sessions.get_session_jobs(session_id)] == ["CANCELLED", "CANCELLED"]


def test_a_drained_idle_session_closes(queued: HubQuantumClient) -> None:
    session_id = open_session(queued, "aws.sim.dm1")
    queued.sessions.update_session_state(session_id, accept_jobs=False)
    wait_for_session(queued, session_id, "CLOSED", timeout=5)


def test_usage_is_pending_while_a_job_is_in_flight(queued: HubQuantumClient) -> None:
    session_id = open_session(queued, "aws.sim.dm1")
    job = queued.jobs.create_job(backend_id="aws.sim.dm1", shots=10, input=BELL, session_id=session_id)
    session = queued.sessions.get_session(session_id)
    assert (session.usage_time_state, session.usage_time_millis) == ("PENDING", 0)
    assert job.id is not None
    queued.jobs.cancel_job(job.id)
    queued.sessions.close_session(session_id)


def test_a_job_in_a_foreign_session_is_refused(
    hub: LocalHub, org_client: HubQuantumClient, client: HubQuantumClient
) -> None:
    session_id = open_session(client)
    with pytest.raises(NotFoundError):
        org_client.jobs.create_job(backend_id="aws.sim.sv1", shots=10, input=BELL, session_id=session_id)
    answer = raw(
        hub,
        "POST",
        "jobs",
        headers=auth(hub, org_client.organization_id),
        json={"backend_id": "aws.sim.sv1", "shots": 10, "input": BELL, "session_id": ["x"]},
    )
    assert answer.status_code == 400
    client.sessions.close_session(session_id)
