"""The local Hub's store over time: old records can be dropped (``keep_days``), and a store written by an
earlier version of the Hub (every record in one table) is read as it was."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from pathlib import Path

from qhub_providers.emulator import LocalHub

from .hub_support import connect, qasm2_ghz, raw, wait_for_status

TOKEN = "local-storage-test-token"
BELL_QASM3 = "OPENQASM 3.0;\nqubit[2] q;\nbit[2] c;\nh q[0];\ncnot q[0], q[1];\nc = measure q;\n"
HELD = "qudora.sim.xg1"


def test_keep_days_drops_ended_records_and_keeps_waiting_ones(tmp_path: Path) -> None:
    db = tmp_path / "hub.sqlite3"
    with LocalHub(db=db, admin=True, token=TOKEN) as first, connect(first) as client:
        done = client.jobs.create_job(backend_id="kipu.sim.qsim", shots=10, input=qasm2_ghz(2), tags=["old"])
        assert done.id is not None
        assert wait_for_status(client, done.id) == "COMPLETED"
        closed = client.sessions.create_session(backend_id="aws.sim.sv1", mode="batch", provider="AWS")
        client.sessions.close_session(str(closed.id))
        first.admin.set_backend(HELD, queue_delay=3600)
        waiting = client.jobs.create_job(backend_id=HELD, shots=10, input=qasm2_ghz(2))
        assert waiting.id is not None
        assert client.workloads.get_workloads().total_elements == 3

    # Thirty days keep everything this young.
    with LocalHub(db=db, token=TOKEN, keep_days=30) as second, connect(second) as client:
        assert client.workloads.get_workloads().total_elements == 3

    # Zero days: whatever has ended is gone (with its result); the job still waiting stays.
    with LocalHub(db=db, token=TOKEN, keep_days=0) as third, connect(third) as client:
        assert raw(third, "GET", f"jobs/{done.id}").status_code == 404
        assert raw(third, "GET", f"jobs/{done.id}/result").status_code == 404
        assert raw(third, "GET", f"sessions/{closed.id}").status_code == 404
        assert client.workloads.get_workloads(tag=["old"]).total_elements == 0
        listing = client.jobs.search_jobs()
        assert [job.id for job in listing.content or []] == [waiting.id]
        assert listing.total_elements == 1
        assert client.jobs.get_job_status(waiting.id).status == "PENDING"


def test_a_store_of_an_earlier_hub_is_read(tmp_path: Path) -> None:
    """Earlier Hubs kept jobs and sessions as JSON in one ``records`` table; a Hub opening such a file moves
    them into its own tables and serves them as before."""
    db = tmp_path / "old.sqlite3"
    session = {
        "id": "old-session",
        "backend_id": "aws.sim.sv1",
        "provider": "AWS",
        "status": "CLOSED",
        "mode": "batch",
        "created_at": "2026-01-01T00:00:00.000Z",
        "started_at": "2026-01-01T00:00:01.000Z",
        "closed_at": "2026-01-01T00:01:00.000Z",
        "expires_at": "2026-01-01T08:00:00.000Z",
        "provider_id": "local-session-old",
        "tags": ["kept"],
        "metadata": None,
        "sdk_provider": None,
        "_scope": "personal",
        "_se": None,
        "_expires": 0,
        "_seq": 1,
    }
    job = {
        "id": "old-job",
        "name": "from an earlier Hub",
        "backend_id": "aws.sim.sv1",
        "provider": "AWS",
        "provider_job_id": "local-old",
        "input_params": {},
        "input_format": "BRAKET_OPEN_QASM_V3",
        "tags": ["kept"],
        "status": "COMPLETED",
        "created_at": "2026-01-01T00:00:02.000Z",
        "started_at": "2026-01-01T00:00:02.000Z",
        "ended_at": "2026-01-01T00:00:03.000Z",
        "usage_time_millis": 7,
        "shots": 10,
        "session_id": "old-session",
        "sdk_provider": None,
        "usage_time_state": "MEASURED",
        "_scope": "personal",
        "_se": None,
        "_input": "OPENQASM 3.0;",
        "_seq": 2,
    }
    with sqlite3.connect(db) as old:
        old.execute(
            "CREATE TABLE records (kind TEXT, id TEXT, seq INTEGER, doc TEXT, PRIMARY KEY (kind, id))"
        )
        old.execute("CREATE TABLE results (job_id TEXT, view TEXT, body TEXT, PRIMARY KEY (job_id, view))")
        for kind, doc in (("session", session), ("job", job)):
            old.execute(
                "INSERT INTO records VALUES (?, ?, ?, ?)", (kind, doc["id"], doc["_seq"], json.dumps(doc))
            )
        old.execute("INSERT INTO results VALUES ('old-job', 'native', '{\"counts\": {\"0\": 10}}')")
    old.close()

    with LocalHub(db=db, token=TOKEN) as hub, connect(hub) as client:
        assert client.jobs.get_job("old-job").name == "from an earlier Hub"
        assert client.jobs.get_job_result("old-job") == {"counts": {"0": 10}}
        opened = client.sessions.get_session("old-session")
        assert (opened.usage_time_millis, sorted(opened.tags or [])) == (7, ["kept"])
        listed = client.workloads.get_workloads(tag=["kept"])
        assert [w.id for w in listed.content or []] == ["old-session", "old-job"]
        newer = client.jobs.create_job(backend_id="kipu.sim.qsim", shots=10, input=qasm2_ghz(2))
        assert [j.id for j in client.jobs.search_jobs().content or []] == ["old-job", newer.id]


FULL_SCAN = re.compile(
    r"\bSCAN (jobs|sessions|tags|results|records)\b(?! USING INDEX (jobs_unfinished|sessions_open)\b)"
)
"""A step that reads a whole table (or a whole index of it); the partial indexes of unfinished jobs and open
sessions are the exceptions, they hold only what the engine has still to do."""


def test_requests_and_the_idle_engine_never_read_a_whole_table() -> None:
    """Every statement the store runs while the Hub serves requests and idles is answered through an index,
    so what a request costs does not grow with the jobs the Hub has stored."""
    with LocalHub(admin=True, token=TOKEN) as hub, connect(hub, organization_id="org-plans") as client:
        execution, se_token = hub.create_service_execution("org-plans")
        session = client.sessions.create_session(backend_id="aws.sim.sv1", mode="batch", provider="AWS")
        assert session.id is not None
        done = client.jobs.create_job(
            backend_id="aws.sim.sv1", shots=10, input=BELL_QASM3, tags=["t"], session_id=session.id
        )
        assert done.id is not None
        assert wait_for_status(client, done.id) == "COMPLETED"
        statements: list[str] = []
        hub.store.trace(statements.append)
        try:
            with connect(hub, token=se_token) as service:
                service.jobs.search_jobs()
                service.workloads.get_workloads()
            client.backends.get_backends()
            client.backends.get_backend_status("aws.sim.sv1")
            client.jobs.search_jobs(size=5, page=1)
            client.jobs.search_jobs(service_execution_id=execution)
            client.jobs.get_job(done.id)
            client.jobs.get_job_status(done.id)
            client.jobs.get_job_result(done.id)
            client.jobs.get_job_input(done.id)
            client.sessions.get_session(session.id)
            client.sessions.get_session_jobs(session.id)
            client.workloads.get_workloads()
            client.workloads.get_workloads(tag=["t"], status=["COMPLETED"], type=["JOB", "SESSION"])
            client.workloads.get_workloads(
                origin=["STANDALONE"], backend_id=["aws.sim.sv1"], sort=["name,desc"]
            )
            # Sorts on other properties, deep pages (read from the listing's end) and filters.
            client.jobs.search_jobs(sort=["status,desc"], size=1, page=1)
            client.jobs.search_jobs(sort=["endedAt,asc", "name,desc"])
            client.workloads.get_workloads(sort=["backendId,asc"], size=1, page=1)
            client.workloads.get_workloads(status=["completed"], sort=["createdAt,desc"])
            client.workloads.get_workloads(tag=["T"], sort=["createdAt,asc"], page=1, size=1)
            client.workloads.get_workloads(provider=["aws"], backend_id=["aws.sim.sv1"], sort=["type,desc"])
            client.runtime_minutes.get_runtime_minutes()
            time.sleep(0.2)  # the engine's ticks while nothing is to be done
        finally:
            hub.store.trace(None)
        queries = {s for s in statements if s.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE"))}
        assert any("FROM jobs" in s for s in queries)  # the trace saw the listings
        scans = {s: plan for s in queries if (plan := [p for p in hub.store.plan(s) if FULL_SCAN.search(p)])}
    assert not scans, scans
