"""A durable local Hub: stopped and started again on the same SQLite file, it still has every job, session,
result and service execution, and the jobs that were waiting run to the end."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qhub_providers.api import HubQuantumClient
from qhub_providers.emulator import LocalHub

from .hub_support import connect, ionq_ghz, qasm2_ghz, qasm3_ghz, wait_for_status

BELL = qasm3_ghz(2)
TOKEN = "local-durability-test-token"
ORG = "org-durable"


def snapshot(client: HubQuantumClient, job_id: str) -> dict[str, Any]:
    """Everything a client can read about a finished job."""
    stream = client.jobs.get_job_result_stream(job_id).read()
    return {
        "job": client.jobs.get_job(job_id),
        "result": client.jobs.get_job_result(job_id),
        "stream": json.loads(stream),
        "normalized": client.jobs.get_normalized_job_result(job_id),
        "memory": client.jobs.get_normalized_job_memory(job_id),
        "input": client.jobs.get_job_input(job_id),
        "normalized_input": client.jobs.get_normalized_job_input(job_id),
        "calibration": client.jobs.get_job_calibration(job_id),
    }


def test_jobs_sessions_and_results_survive_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "hub.sqlite3"
    before: dict[str, Any] = {}
    with (
        LocalHub(db=db, admin=True, token=TOKEN) as first,
        connect(first) as client,
        connect(first, organization_id=ORG) as org,
    ):
        session = client.sessions.create_session(backend_id="aws.sim.sv1", mode="batch", provider="AWS")
        assert session.id is not None
        done = client.jobs.create_job(backend_id="aws.sim.sv1", shots=100, input=BELL, session_id=session.id)
        qpu = client.jobs.create_job(backend_id="aws.ionq.forte", shots=100, input=BELL, tags=["qpu"])
        ionq = org.jobs.create_job(backend_id="azure.ionq.simulator", shots=100, input=ionq_ghz(3))
        org_session = org.sessions.create_session(backend_id="ibm.qpu.fez", mode="dedicated", provider="IBM")
        execution, se_token = first.create_service_execution()
        with connect(first, token=se_token) as service:
            se_job = service.jobs.create_job(backend_id="qudora.sim.xg1", shots=50, input=qasm2_ghz(2))
        finished = [str(j.id) for j in (done, qpu, ionq, se_job)]
        for job_id in finished:
            owner = org if job_id == ionq.id else client
            assert wait_for_status(owner, job_id) == "COMPLETED"

        first.admin.set_backend("kipu.sim.qsim", queue_delay=2.0)
        failed = client.jobs.create_job(backend_id="kipu.sim.qsim", shots=10, input=qasm2_ghz(2))
        assert failed.id is not None
        first.admin.force_job_status(failed.id, "FAILED", "lost in the move")
        assert wait_for_status(client, failed.id) == "FAILED"

        for job_id in [*finished, failed.id]:
            before[job_id] = snapshot(org if job_id == ionq.id else client, job_id)
        before["session"] = client.sessions.get_session(session.id)
        before["org_session"] = org.sessions.get_session(str(org_session.id))

        # Last, jobs that wait in the queue (two seconds on Kipu) when the Hub stops.
        waiting = [
            str(client.jobs.create_job(backend_id="kipu.sim.qsim", shots=20 + k, input=qasm2_ghz(2)).id)
            for k in range(3)
        ]
        before["workloads"] = [w.id for w in client.workloads.get_workloads(size=100).content or []]
        before["org_workloads"] = [w.id for w in org.workloads.get_workloads(size=100).content or []]
        assert {str(client.jobs.get_job_status(job_id).status) for job_id in waiting} == {"PENDING"}

    assert db.exists()
    restarted = datetime.now(UTC)
    with (
        LocalHub(db=db, admin=True, token=TOKEN) as second,
        connect(second) as client,
        connect(second, organization_id=ORG) as org,
    ):
        for job_id in [*finished, failed.id]:
            assert snapshot(org if job_id == ionq.id else client, job_id) == before[job_id]
        assert client.jobs.get_job_result(failed.id)["error"]["message"] == "lost in the move"
        assert client.sessions.get_session(str(session.id)) == before["session"]
        assert [j.id for j in client.sessions.get_session_jobs(str(session.id))] == [done.id]
        assert org.sessions.get_session(str(org_session.id)) == before["org_session"]

        # The waiting jobs were not lost: they run on the new Hub once their queue time has passed.
        for job_id in waiting:
            assert wait_for_status(client, job_id) == "COMPLETED"
            started_at = client.jobs.get_job(job_id).started_at
            assert started_at is not None
            assert started_at >= restarted
            normalized = client.jobs.get_normalized_job_result(job_id)
            assert normalized is not None
            assert set(getattr(normalized.pubs[0], "counts", None) or {}) == {"00", "11"}
        listed = client.workloads.get_workloads(size=100).content or []
        assert [w.id for w in listed] == before["workloads"]
        assert [w.id for w in org.workloads.get_workloads(size=100).content or []] == before["org_workloads"]
        # Organizations stay apart after the restart too.
        assert ionq.id not in {w.id for w in listed}

        # The service execution and its token outlive the restart.
        assert client.jobs.get_service_execution_job(execution, str(se_job.id)).id == se_job.id
        with connect(second, token=se_token) as service:
            assert service.jobs.get_job(str(se_job.id)).status == "COMPLETED"

        # New records go after the old ones.
        newer = client.jobs.create_job(backend_id="aws.sim.sv1", shots=10, input=BELL)
        ids = [w.id for w in client.workloads.get_workloads(size=100, type="JOB").content or []]
        assert ids[-1] == newer.id


def test_a_hub_without_a_database_starts_empty(tmp_path: Path) -> None:
    with LocalHub(token=TOKEN) as first, connect(first) as client:
        job = client.jobs.create_job(backend_id="kipu.sim.qsim", shots=10, input=qasm2_ghz(2))
        assert job.id is not None
        wait_for_status(client, job.id)
    with LocalHub(token=TOKEN) as second, connect(second) as client:
        assert client.workloads.get_workloads().total_elements == 0
    assert list(tmp_path.iterdir()) == []
