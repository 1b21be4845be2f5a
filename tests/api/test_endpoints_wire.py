"""Every one of the 41 endpoints, on both clients: exact method, path, query, headers and body,
and the parsing of the contract's example answers."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from qhub_providers.api import AsyncHubQuantumClient, HubQuantumClient
from qhub_providers.api.models import (
    Backend,
    BackendStateInfo,
    CalibrationResponse,
    GateBasedCalibration,
    Job,
    JobStatus,
    NormalizedCountsResult,
    Page,
    RuntimeMinutesResponse,
    Session,
    SessionStatus,
    WorkloadResponse,
)
from tests.api.conftest import TOKEN, Answer, ScriptedHub

JOB = {
    "id": "j-1",
    "name": "bell",
    "backend_id": "aws.sim.sv1",
    "provider": "AWS",
    "status": "COMPLETED",
    "created_at": "2026-04-17T12:34:56Z",
    "shots": 100,
    "tags": ["a"],
    "input_format": "BRAKET_OPEN_QASM_V3",
}
SESSION = {"id": "s-1", "backend_id": "aws.sim.sv1", "provider": "AWS", "status": "ACTIVE", "mode": "batch"}
BACKEND = {
    "id": "aws.sim.sv1",
    "provider": "AWS",
    "type": "SIMULATOR",
    "configuration": {"qubit_count": 34, "shots_range": {"min": 1, "max": 100000}},
}
CALIBRATION = {
    "backend_id": "ibm.qpu.fez",
    "calibrated_at": "2026-04-17T00:00:00Z",
    "calibration": {
        "type": "gate_based",
        "medians": {"t1_us": 150.0, "gates": {"cz": {"operational": True, "error": 0.004}}},
        "qubits": [{"qubit": 0, "operational": True, "readout_error": 0.01, "gates": {}}],
        "qubit_pairs": [{"qubits": [0, 1], "gates": {"cz": {"operational": True, "error": 0.005}}}],
    },
}
WORKLOAD = {"id": "j-1", "type": "JOB", "backend_id": "aws.sim.sv1", "status": "COMPLETED"}


def page(*items: Any) -> dict[str, Any]:
    return {"content": list(items), "page": 0, "size": 20, "total_elements": len(items), "total_pages": 1}


NORMALIZED = {
    "pubs": [{"type": "counts", "index": 0, "counts": {"00": 5, "11": 5}, "shots": 10, "qubits": 2}]
}
WHEN = datetime(2026, 4, 17, 12, 34, 56, tzinfo=UTC)


@dataclass
class Case:
    name: str
    invoke: Callable[[Any], Any]
    method: str
    path: str
    query: list[tuple[str, str]]
    answer: Answer
    check: Callable[[Any], bool]
    body: Any = None


CASES = [
    Case(
        "get_backends",
        lambda c: c.backends.get_backends(provider="IBM", only_planqk_sdk=True),
        "GET",
        "backends",
        [("provider", "IBM"), ("onlyPlanqkSdk", "true")],
        Answer(body=[BACKEND]),
        lambda r: isinstance(r[0], Backend) and r[0].configuration.qubit_count == 34,
    ),
    Case(
        "get_least_busy_backend",
        lambda c: c.backends.get_least_busy_backend(provider="IBM", min_qubits=5),
        "GET",
        "backends/least-busy",
        [("provider", "IBM"), ("minQubits", "5")],
        Answer(body=BACKEND),
        lambda r: r.id == "aws.sim.sv1",
    ),
    Case(
        "get_backend",
        lambda c: c.backends.get_backend("aws.sim.sv1"),
        "GET",
        "backends/aws.sim.sv1",
        [],
        Answer(body=BACKEND),
        lambda r: isinstance(r, Backend),
    ),
    Case(
        "get_backend_status",
        lambda c: c.backends.get_backend_status("aws.sim.sv1"),
        "GET",
        "backends/aws.sim.sv1/status",
        [],
        Answer(body={"status": "ONLINE", "queue_size": 3, "queue_avg_time": 12}),
        lambda r: isinstance(r, BackendStateInfo) and r.queue_size == 3,
    ),
    Case(
        "get_backend_config",
        lambda c: c.backends.get_backend_config("aws.sim.sv1"),
        "GET",
        "backends/aws.sim.sv1/config",
        [],
        Answer(body={"paradigm": {"qubitCount": 34}}),
        lambda r: r == {"paradigm": {"qubitCount": 34}},
    ),
    Case(
        "get_backend_calibration",
        lambda c: c.backends.get_backend_calibration("ibm.qpu.fez", effective_at=WHEN),
        "GET",
        "backends/ibm.qpu.fez/calibration",
        [("effectiveAt", "2026-04-17T12:34:56Z")],
        Answer(body=CALIBRATION),
        lambda r: isinstance(r, CalibrationResponse) and isinstance(r.calibration, GateBasedCalibration),
    ),
    Case(
        "get_backend_calibration_history",
        lambda c: c.backends.get_backend_calibration_history(
            "ibm.qpu.fez", from_=WHEN, to=WHEN, page=1, size=10, sort=["calibratedAt,desc", "backendId,asc"]
        ),
        "GET",
        "backends/ibm.qpu.fez/calibration-history",
        [
            ("from", "2026-04-17T12:34:56Z"),
            ("to", "2026-04-17T12:34:56Z"),
            ("page", "1"),
            ("size", "10"),
            ("sort", "calibratedAt,desc"),
            ("sort", "backendId,asc"),
        ],
        Answer(body=page(CALIBRATION)),
        lambda r: isinstance(r, Page) and isinstance(r.content[0], CalibrationResponse),
    ),
    Case(
        "create_session",
        lambda c: c.sessions.create_session(
            backend_id="aws.sim.sv1", mode="dedicated", provider="AWS", ttl=900, metadata={"a": 1}
        ),
        "POST",
        "sessions",
        [],
        Answer(body=SESSION),
        lambda r: isinstance(r, Session) and r.status is SessionStatus.ACTIVE,
        body={
            "backend_id": "aws.sim.sv1",
            "mode": "dedicated",
            "ttl": 900,
            "metadata": {"a": 1},
            "provider": "AWS",
        },
    ),
    Case(
        "get_session",
        lambda c: c.sessions.get_session("s-1"),
        "GET",
        "sessions/s-1",
        [],
        Answer(body=SESSION),
        lambda r: r.id == "s-1",
    ),
    Case(
        "update_session_state",
        lambda c: c.sessions.update_session_state("s-1", accept_jobs=False),
        "PATCH",
        "sessions/s-1",
        [],
        Answer(body={**SESSION, "status": "DRAINING"}),
        lambda r: r.status == "DRAINING",
        body={"accept_jobs": False},
    ),
    Case(
        "close_session",
        lambda c: c.sessions.close_session("s-1"),
        "DELETE",
        "sessions/s-1",
        [],
        Answer(status=204),
        lambda r: r is None,
    ),
    Case(
        "get_session_status",
        lambda c: c.sessions.get_session_status("s-1"),
        "GET",
        "sessions/s-1/status",
        [],
        Answer(body={"status": "CLOSED"}),
        lambda r: r.status is SessionStatus.CLOSED,
    ),
    Case(
        "get_session_jobs",
        lambda c: c.sessions.get_session_jobs("s-1"),
        "GET",
        "sessions/s-1/jobs",
        [],
        Answer(body=[JOB, {**JOB, "id": "j-2"}]),
        lambda r: [j.id for j in r] == ["j-1", "j-2"],
    ),
    Case(
        "search_jobs",
        lambda c: c.jobs.search_jobs(page=2, size=5, sort="createdAt,desc", service_execution_id="se-1"),
        "GET",
        "jobs",
        [("page", "2"), ("size", "5"), ("sort", "createdAt,desc"), ("serviceExecutionId", "se-1")],
        Answer(body=page(JOB)),
        lambda r: isinstance(r.content[0], Job),
    ),
    Case(
        "get_job",
        lambda c: c.jobs.get_job("j-1"),
        "GET",
        "jobs/j-1",
        [],
        Answer(body=JOB),
        lambda r: r.status is JobStatus.COMPLETED and r.created_at == WHEN,
    ),
    Case(
        "cancel_job",
        lambda c: c.jobs.cancel_job("j-1"),
        "DELETE",
        "jobs/j-1",
        [],
        Answer(status=204),
        lambda r: r is None,
    ),
    Case(
        "get_job_status",
        lambda c: c.jobs.get_job_status("j-1"),
        "GET",
        "jobs/j-1/status",
        [],
        Answer(body={"status": "RUNNING"}),
        lambda r: r.status is JobStatus.RUNNING,
    ),
    Case(
        "get_job_result",
        lambda c: c.jobs.get_job_result("j-1"),
        "GET",
        "jobs/j-1/result",
        [],
        Answer(body=[{"counts": {"0": 1}}, {"counts": {"1": 1}}]),
        lambda r: r == [{"counts": {"0": 1}}, {"counts": {"1": 1}}],
    ),
    Case(
        "get_normalized_job_result",
        lambda c: c.jobs.get_normalized_job_result("j-1"),
        "GET",
        "jobs/j-1/result/normalized",
        [],
        Answer(body=NORMALIZED),
        lambda r: isinstance(r.pubs[0], NormalizedCountsResult) and r.pubs[0].counts == {"00": 5, "11": 5},
    ),
    Case(
        "get_normalized_job_memory",
        lambda c: c.jobs.get_normalized_job_memory("j-1"),
        "GET",
        "jobs/j-1/result/normalized/memory",
        [],
        Answer(body={"memory": ["0x0", "0x3"], "qubits": 2, "shots": 2}),
        lambda r: r.memory == ["0x0", "0x3"],
    ),
    Case(
        "get_job_input",
        lambda c: c.jobs.get_job_input("j-1"),
        "GET",
        "jobs/j-1/input",
        [],
        Answer(body={"qasm": "OPENQASM 3;"}),
        lambda r: r == {"qasm": "OPENQASM 3;"},
    ),
    Case(
        "get_normalized_job_input",
        lambda c: c.jobs.get_normalized_job_input("j-1"),
        "GET",
        "jobs/j-1/input/normalized",
        [],
        Answer(body={"format": "openqasm.v3", "pubs": [{"qasm": "OPENQASM 3;"}]}),
        lambda r: r.pubs[0].qasm == "OPENQASM 3;",
    ),
    Case(
        "get_job_calibration",
        lambda c: c.jobs.get_job_calibration("j-1"),
        "GET",
        "jobs/j-1/calibration",
        [],
        Answer(status=204),
        lambda r: r is None,
    ),
    Case(
        "get_service_execution_workloads",
        lambda c: c.jobs.get_service_execution_workloads("se-1", page=0, size=50, sort="createdAt,desc"),
        "GET",
        "service-executions/se-1/workloads",
        [("page", "0"), ("size", "50"), ("sort", "createdAt,desc")],
        Answer(body=page(WORKLOAD)),
        lambda r: isinstance(r.content[0], WorkloadResponse),
    ),
    Case(
        "get_service_execution_session",
        lambda c: c.jobs.get_service_execution_session("se-1", "s-1"),
        "GET",
        "service-executions/se-1/sessions/s-1",
        [],
        Answer(body=SESSION),
        lambda r: r.id == "s-1",
    ),
    Case(
        "update_service_execution_session_state",
        lambda c: c.jobs.update_service_execution_session_state("se-1", "s-1", accept_jobs=True),
        "PATCH",
        "service-executions/se-1/sessions/s-1",
        [],
        Answer(body=SESSION),
        lambda r: r.status is SessionStatus.ACTIVE,
        body={"accept_jobs": True},
    ),
    Case(
        "close_service_execution_session",
        lambda c: c.jobs.close_service_execution_session("se-1", "s-1"),
        "DELETE",
        "service-executions/se-1/sessions/s-1",
        [],
        Answer(status=200, body={}),
        lambda r: r is None,
    ),
    Case(
        "get_service_execution_session_status",
        lambda c: c.jobs.get_service_execution_session_status("se-1", "s-1"),
        "GET",
        "service-executions/se-1/sessions/s-1/status",
        [],
        Answer(body={"status": "OPEN"}),
        lambda r: r.status is SessionStatus.OPEN,
    ),
    Case(
        "get_service_execution_session_jobs",
        lambda c: c.jobs.get_service_execution_session_jobs("se-1", "s-1"),
        "GET",
        "service-executions/se-1/sessions/s-1/jobs",
        [],
        Answer(body=JOB),  # the single-object shape of one old generator is tolerated
        lambda r: [j.id for j in r] == ["j-1"],
    ),
    Case(
        "get_service_execution_job",
        lambda c: c.jobs.get_service_execution_job("se-1", "j-1"),
        "GET",
        "service-executions/se-1/jobs/j-1",
        [],
        Answer(body=JOB),
        lambda r: r.id == "j-1",
    ),
    Case(
        "cancel_service_execution_job",
        lambda c: c.jobs.cancel_service_execution_job("se-1", "j-1"),
        "DELETE",
        "service-executions/se-1/jobs/j-1",
        [],
        Answer(status=204),
        lambda r: r is None,
    ),
    Case(
        "get_service_execution_job_status",
        lambda c: c.jobs.get_service_execution_job_status("se-1", "j-1"),
        "GET",
        "service-executions/se-1/jobs/j-1/status",
        [],
        Answer(body={"status": "DETACHED"}),
        lambda r: r.status is JobStatus.DETACHED,
    ),
    Case(
        "get_service_execution_normalized_job_result",
        lambda c: c.jobs.get_service_execution_normalized_job_result("se-1", "j-1"),
        "GET",
        "service-executions/se-1/jobs/j-1/result/normalized",
        [],
        Answer(status=204),
        lambda r: r is None,
    ),
    Case(
        "get_service_execution_job_input",
        lambda c: c.jobs.get_service_execution_job_input("se-1", "j-1"),
        "GET",
        "service-executions/se-1/jobs/j-1/input",
        [],
        Answer(body={"circuit": []}),
        lambda r: r == {"circuit": []},
    ),
    Case(
        "get_service_execution_normalized_job_input",
        lambda c: c.jobs.get_service_execution_normalized_job_input("se-1", "j-1"),
        "GET",
        "service-executions/se-1/jobs/j-1/input/normalized",
        [],
        Answer(body={"format": "openqasm.v2", "pubs": [{"qasm": "OPENQASM 2.0;"}]}),
        lambda r: r.format == "openqasm.v2",
    ),
    Case(
        "get_service_execution_job_calibration",
        lambda c: c.jobs.get_service_execution_job_calibration("se-1", "j-1"),
        "GET",
        "service-executions/se-1/jobs/j-1/calibration",
        [],
        Answer(body=CALIBRATION),
        lambda r: r.backend_id == "ibm.qpu.fez",
    ),
    Case(
        "get_workloads",
        lambda c: c.workloads.get_workloads(
            page=0,
            size=10,
            sort="createdAt,desc",
            type=["JOB", "SESSION"],
            status="COMPLETED",
            provider="AWS",
            backend_id="aws.sim.sv1",
            tag=["x", "y"],
            origin="STANDALONE",
            service_execution_id="se-1",
        ),
        "GET",
        "workloads",
        [
            ("page", "0"),
            ("size", "10"),
            ("sort", "createdAt,desc"),
            ("type", "JOB"),
            ("type", "SESSION"),
            ("status", "COMPLETED"),
            ("provider", "AWS"),
            ("backendId", "aws.sim.sv1"),
            ("tag", "x"),
            ("tag", "y"),
            ("origin", "STANDALONE"),
            ("serviceExecutionId", "se-1"),
        ],
        Answer(body=page(WORKLOAD)),
        lambda r: r.content[0].type == "JOB",
    ),
    Case(
        "get_runtime_minutes",
        lambda c: c.runtime_minutes.get_runtime_minutes(),
        "GET",
        "runtime-minutes",
        [],
        Answer(body={"allowances": [{"id": "a", "provider": "IBM", "remaining_seconds": 60}]}),
        lambda r: isinstance(r, RuntimeMinutesResponse) and r.allowances[0].remaining_seconds == 60,
    ),
]


def _sync(hub: ScriptedHub, case: Case) -> Any:
    with HubQuantumClient(api_key=TOKEN, organization_id="org-1", base_url=hub.base_url) as client:
        return case.invoke(client)


def _async(hub: ScriptedHub, case: Case) -> Any:
    async def run() -> Any:
        async with AsyncHubQuantumClient(
            api_key=TOKEN, organization_id="org-1", base_url=hub.base_url
        ) as client:
            return await case.invoke(client)

    return asyncio.run(run())


@pytest.mark.parametrize("driver", [_sync, _async], ids=["sync", "async"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_endpoint_wire(hub: ScriptedHub, case: Case, driver: Callable[[ScriptedHub, Case], Any]) -> None:
    hub.add(case.answer)
    result = driver(hub, case)
    request = hub.last
    assert request.method == case.method
    assert request.path == f"/quantum/{case.path}"
    assert request.query == case.query
    assert request.headers["x-auth-token"] == TOKEN
    assert request.headers["x-organizationid"] == "org-1"
    assert request.headers["user-agent"].startswith("qhub-providers/")
    if case.body is None:
        assert request.body == b""
        assert "content-type" not in request.headers
    else:
        assert request.json == case.body
        assert request.headers["content-type"] == "application/json"
    assert case.check(result), result


def test_create_job_body_omits_unset_and_adds_client_token(hub: ScriptedHub) -> None:
    hub.add(Answer(body=JOB))
    with HubQuantumClient(api_key=TOKEN, base_url=hub.base_url) as client:
        job = client.jobs.create_job(backend_id="aws.sim.sv1", shots=100, input="OPENQASM 3;")
    body = hub.last.json
    assert set(body) == {"backend_id", "shots", "input", "tags"}
    assert body["input"] == "OPENQASM 3;"
    (token,) = body["tags"]
    assert token.startswith("qhub-providers-token:")
    assert len(token) > 30
    assert "x-organizationid" not in hub.last.headers
    assert isinstance(job, Job)


def test_create_job_body_with_everything(hub: ScriptedHub) -> None:
    hub.add(Answer(body=JOB))
    with HubQuantumClient(api_key=TOKEN, base_url=hub.base_url) as client:
        client.jobs.create_job(
            backend_id="azure.ionq.simulator",
            shots=100,
            input={"circuit": [{"type": "h", "targets": [0]}], "gateset": "qis", "qubits": 1},
            name="n",
            input_format="IONQ_CIRCUIT_V1",
            input_params={"meas_map": "[[0]]"},
            tags=["a", "b"],
            session_id="s1",
            sdk_provider="CLIENT",
            client_token="fixed",
        )
    assert hub.last.json == {
        "name": "n",
        "backend_id": "azure.ionq.simulator",
        "shots": 100,
        "input": {"circuit": [{"type": "h", "targets": [0]}], "gateset": "qis", "qubits": 1},
        "input_format": "IONQ_CIRCUIT_V1",
        "input_params": {"meas_map": "[[0]]"},
        "tags": ["a", "b", "qhub-providers-token:fixed"],
        "session_id": "s1",
        "sdk_provider": "CLIENT",
    }


def test_result_stream_yields_chunks(hub: ScriptedHub) -> None:
    payload = b'{"counts": {"0": 1}, "memory": [' + b'"0x0",' * 50_000 + b'"0x1"]}'
    hub.add(Answer(body=payload, chunked=True))
    with HubQuantumClient(api_key=TOKEN, base_url=hub.base_url) as client:
        chunks = list(client.jobs.get_job_result_stream("j-1", chunk_size=8192))
    assert hub.last.path == "/quantum/jobs/j-1/result-stream"
    assert len(chunks) > 10
    assert max(len(c) for c in chunks) <= 8192
    assert b"".join(chunks) == payload


def test_service_execution_result_stream_async(hub: ScriptedHub) -> None:
    hub.add(Answer(body=b'{"histogram": {"0": 1.0}}'))

    async def run() -> bytes:
        async with AsyncHubQuantumClient(api_key=TOKEN, base_url=hub.base_url) as client:
            return b"".join([c async for c in client.jobs.get_service_execution_job_result_stream("se", "j")])

    assert asyncio.run(run()) == b'{"histogram": {"0": 1.0}}'
    assert hub.last.path == "/quantum/service-executions/se/jobs/j/result-stream"


def test_every_contract_endpoint_is_covered() -> None:
    client = HubQuantumClient(api_key="x")
    endpoints = {
        name
        for namespace in ("backends", "sessions", "jobs", "workloads", "runtime_minutes")
        for name in dir(getattr(client, namespace))
        if not name.startswith(("_", "iter_"))
    }
    tested_elsewhere = {
        "create_job",
        "get_job_result_stream",
        "get_service_execution_job_result_stream",
        "find_by_client_token",  # a listing then a fetch: tests/reliability/test_find_by_client_token.py
        "wait_for_job",  # status polls with backoff: tests/api/test_wait_for_job.py
    }
    assert endpoints == {c.name for c in CASES} | tested_elsewhere
    assert len(endpoints) == 43
    client.close()


def test_sync_and_async_clients_expose_the_same_signatures() -> None:
    sync = HubQuantumClient(api_key="x")
    asynchronous = AsyncHubQuantumClient(api_key="x")
    for namespace in ("backends", "sessions", "jobs", "workloads", "runtime_minutes"):
        a, b = getattr(sync, namespace), getattr(asynchronous, namespace)
        names = [n for n in dir(a) if not n.startswith("_")]
        assert names == [n for n in dir(b) if not n.startswith("_")]
        for name in names:
            params_a = list(inspect.signature(getattr(a, name)).parameters)
            params_b = list(inspect.signature(getattr(b, name)).parameters)
            assert params_a == params_b, name
    sync.close()
