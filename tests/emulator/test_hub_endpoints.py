"""Every endpoint of the Quantum API on the local Hub, driven end to end by the REST client over HTTP.

Backends, calibrations, job views, workloads, runtime minutes, the service-execution routes and the
async client are here; the deeper behaviour of jobs, sessions, isolation and the admin controls has files
of its own.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from qhub_providers.api import (
    BadRequestError,
    HubQuantumClient,
    NotFoundError,
    UnprocessableEntityError,
)
from qhub_providers.api.models import GateBasedCalibration, NormalizedCountsResult, QueraAquilaCalibration
from qhub_providers.emulator import LocalHub

from .hub_support import (
    IBM_PARAMS,
    ahs_pair_program,
    connect,
    ibm_isa_ghz,
    ibm_sampler_input,
    ionq_ghz,
    qasm2_ghz,
    qasm3_ghz,
    raw,
    wait_for_status,
)

BELL = qasm3_ghz(2)
GHZ3 = qasm3_ghz(3)
SHOTS = 200


@pytest.fixture(scope="module")
def finished(client: HubQuantumClient) -> dict[str, str]:
    """Completed jobs of several families on the shared Hub, by label."""
    fez_bell = ibm_isa_ghz(client, "ibm.qpu.fez", 2)
    submissions: dict[str, dict[str, Any]] = {
        "sv1": {"backend_id": "aws.sim.sv1", "input": BELL, "tags": ["endpoints"], "sdk_provider": "BRAKET"},
        "program_set": {"backend_id": "aws.sim.sv1", "input": {"qasm": [BELL, GHZ3]}},
        "ionq": {"backend_id": "azure.ionq.simulator", "input": ionq_ghz(2)},
        "fez": {
            "backend_id": "ibm.qpu.fez",
            "input": ibm_sampler_input([fez_bell], SHOTS),
            "input_params": IBM_PARAMS,
            "input_format": "QISKIT_QPY",
        },
        "aquila": {"backend_id": "aws.quera.aquila", "input": ahs_pair_program(), "input_params": {}},
    }
    ids = {label: client.jobs.create_job(shots=SHOTS, **body).id for label, body in submissions.items()}
    for label, job_id in ids.items():
        assert job_id is not None
        assert wait_for_status(client, job_id) == "COMPLETED", label
    return {label: str(job_id) for label, job_id in ids.items()}


# --- backends ------------------------------------------------------------------------------------------


def test_backends_list_every_family_and_filter_by_provider(client: HubQuantumClient) -> None:
    backends = client.backends.get_backends()
    ids = {b.id for b in backends}
    assert {"aws.sim.sv1", "aws.quera.aquila", "ibm.qpu.fez", "iqm.qpu.garnet", "azure.ionq.simulator"} <= ids
    assert {"qudora.sim.xg1", "kipu.sim.qsim", "aqt.sim.ideal", "aqt.qpu.ibex", "quandela.qpu.belenos"} <= ids
    assert all(isinstance(b.queue_size, int) for b in backends)  # the authenticated view

    aws = client.backends.get_backends(provider="aws")
    assert aws
    assert {b.provider for b in aws} == {"AWS"}
    assert {b.id for b in aws} == {b.id for b in backends if b.provider == "AWS"}
    assert client.backends.get_backends(provider="no-such-provider") == []

    # Quandela jobs cannot be run by the QHUB SDK (its record lists Perceval only), so the SDK-only listing
    # leaves the backend out.
    sdk_only = {b.id for b in client.backends.get_backends(only_planqk_sdk=True)}
    assert "quandela.qpu.belenos" not in sdk_only
    assert "aws.sim.sv1" in sdk_only


def test_anonymous_callers_get_the_reduced_backend_view(hub: LocalHub, client: HubQuantumClient) -> None:
    answer = raw(hub, "GET", "backends", headers={})
    assert answer.status_code == 200
    anonymous = {b["id"]: b for b in answer.json()}
    authenticated = {b.id: b for b in client.backends.get_backends()}
    assert set(anonymous) == set(authenticated)
    for record in anonymous.values():
        assert "queue_size" not in record
        assert "availability" not in record
        assert record["has_calibration"] is False
    assert authenticated["ibm.qpu.fez"].has_calibration is True
    assert authenticated["aws.sim.sv1"].has_calibration is False


def test_one_backend_its_status_and_dotted_ids(client: HubQuantumClient) -> None:
    backend = client.backends.get_backend("aws.ionq.forte.enterprise")
    assert backend.id == "aws.ionq.forte.enterprise"
    assert backend.provider == "AWS"
    assert backend.configuration is not None
    assert "BRAKET_OPEN_QASM_V3" in (backend.configuration.supported_input_formats or [])
    status = client.backends.get_backend_status("aws.ionq.forte.enterprise")
    assert status.status == "ONLINE"
    assert isinstance(status.queue_size, int)
    # "aws.ionq.forte" is a prefix of the id above: dotted ids are matched whole.
    assert client.backends.get_backend("aws.ionq.forte").id == "aws.ionq.forte"
    with pytest.raises(NotFoundError):
        client.backends.get_backend("aws.ionq")
    with pytest.raises(NotFoundError):
        client.backends.get_backend_status("no.such.backend")


def test_backend_configs_are_provider_native(client: HubQuantumClient) -> None:
    braket = client.backends.get_backend_config("aws.sim.sv1")
    assert "device_capabilities" in braket["braketSchemaHeader"]["name"]
    ibm = client.backends.get_backend_config("ibm.qpu.fez")
    assert ibm["config"]["n_qubits"] == 156
    assert "cz" in ibm["config"]["basis_gates"]
    assert "qubits" in ibm["properties"]
    iqm = client.backends.get_backend_config("iqm.qpu.garnet")
    assert iqm["qubits"][0] == "QB1"
    assert {"prx", "cz"} <= set(iqm["gates"])
    assert iqm["calibration_set_id"]


def test_backend_calibration_latest_at_an_instant_and_none_for_simulators(
    hub: LocalHub, client: HubQuantumClient
) -> None:
    latest = client.backends.get_backend_calibration("ibm.qpu.fez")
    assert latest is not None
    assert latest.backend_id == "ibm.qpu.fez"
    assert isinstance(latest.calibration, GateBasedCalibration)
    assert len(latest.calibration.qubits) == 156
    assert latest.calibrated_at <= datetime.now(UTC)

    moment = datetime(2025, 3, 1, 12, tzinfo=UTC)
    earlier = client.backends.get_backend_calibration("ibm.qpu.fez", effective_at=moment)
    assert earlier is not None
    assert earlier.calibrated_at <= moment < latest.calibrated_at
    assert earlier.calibration != latest.calibration

    aquila = client.backends.get_backend_calibration("aws.quera.aquila")
    assert aquila is not None
    assert isinstance(aquila.calibration, QueraAquilaCalibration)

    assert client.backends.get_backend_calibration("aws.sim.sv1") is None
    assert (
        client.backends.get_backend_calibration("ibm.qpu.fez", effective_at=datetime(2000, 1, 1, tzinfo=UTC))
        is None
    )
    answer = raw(hub, "GET", "backends/aws.sim.sv1/calibration")
    assert (answer.status_code, answer.content) == (204, b"")


def test_calibration_history_pages_in_either_order(client: HubQuantumClient) -> None:
    start, end = datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 3, 10, 12, tzinfo=UTC)
    first = client.backends.get_backend_calibration_history(
        "iqm.qpu.garnet", from_=start, to=end, page=0, size=4, sort="calibratedAt,desc"
    )
    assert first.total_elements is not None
    assert first.total_elements >= 2
    assert first.total_pages == math.ceil(first.total_elements / 4)
    assert len(first.content or []) == 4

    newest_first = list(
        client.backends.iter_calibration_history("iqm.qpu.garnet", from_=start, to=end, size=4)
    )
    moments = [c.calibrated_at for c in newest_first]
    assert len(moments) == first.total_elements == len(set(moments))
    assert moments == sorted(moments, reverse=True)
    assert all(start <= m <= end for m in moments)
    assert [c.calibrated_at for c in first.content or []] == moments[:4]

    oldest_first = client.backends.get_backend_calibration_history(
        "iqm.qpu.garnet", from_=start, to=end, size=100
    )
    assert [c.calibrated_at for c in oldest_first.content or []] == moments[::-1]

    beyond = client.backends.get_backend_calibration_history(
        "iqm.qpu.garnet", from_=start, to=end, page=50, size=4
    )
    assert beyond.content == []
    assert beyond.total_elements == first.total_elements

    simulator = client.backends.get_backend_calibration_history("aws.sim.sv1", from_=start, to=end)
    assert (simulator.content, simulator.total_elements) == ([], 0)


def test_calibrations_never_come_from_the_future(client: HubQuantumClient) -> None:
    latest = client.backends.get_backend_calibration("ibm.qpu.kingston")
    far_ahead = client.backends.get_backend_calibration(
        "ibm.qpu.kingston", effective_at=datetime(9999, 12, 31, tzinfo=UTC)
    )
    assert latest is not None
    assert far_ahead is not None
    assert far_ahead.calibrated_at == latest.calibrated_at <= datetime.now(UTC)
    newest = client.backends.get_backend_calibration_history(
        "ibm.qpu.kingston",
        from_=datetime(2025, 1, 1, tzinfo=UTC),
        to=datetime(9999, 12, 31, tzinfo=UTC),
        size=1,
        sort="calibratedAt,desc",
    )
    assert [c.calibrated_at for c in newest.content or []] == [latest.calibrated_at]


def test_a_history_over_millennia_answers_quickly(client: HubQuantumClient) -> None:
    started = time.monotonic()
    page = client.backends.get_backend_calibration_history(
        "ibm.qpu.kingston",
        from_=datetime(1, 1, 1, tzinfo=UTC),
        to=datetime(9999, 12, 31, tzinfo=UTC),
        page=1,
        size=3,
    )
    assert time.monotonic() - started < 5
    assert len(page.content or []) == 3
    assert page.total_elements is not None
    assert page.total_elements > 3


@pytest.mark.parametrize(
    "query",
    [
        "calibration?effectiveAt=9999-12-31T23:59:59-05:00",
        "calibration?effectiveAt=0001-01-01T00:00:00%2B05:00",
        "calibration?effectiveAt=yesterday",
        "calibration?effectiveAt=2025-13-01T00:00:00Z",
        "calibration-history?from=0001-01-01T00:00:00%2B05:00&to=2025-01-02T00:00:00Z",
        "calibration-history?from=2025-01-01T00:00:00Z&to=9999-12-31T23:59:59-01:00",
        "calibration-history?from=2025-01-01T00:00:00Z&to=2025-01-02T00:00:00Z&size=0",
        "calibration-history?from=2025-01-01T00:00:00Z&to=2025-01-02T00:00:00Z&page=-1",
        "calibration-history?from=2025-01-01T00:00:00Z&to=2025-01-02T00:00:00Z&sort=t1,desc",
    ],
)
def test_instants_and_paging_out_of_range_are_400(hub: LocalHub, query: str) -> None:
    answer = raw(hub, "GET", f"backends/ibm.qpu.fez/{query}")
    assert answer.status_code == 400, answer.text
    assert answer.json()["detail"]


def test_calibration_history_refuses_bad_intervals(hub: LocalHub, client: HubQuantumClient) -> None:
    start, end = datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 3, 10, tzinfo=UTC)
    with pytest.raises(BadRequestError, match="from"):
        client.backends.get_backend_calibration_history("iqm.qpu.garnet", from_=end, to=start)
    missing_to = raw(hub, "GET", "backends/iqm.qpu.garnet/calibration-history?from=2025-03-01T00:00:00Z")
    assert missing_to.status_code == 400
    zoneless = raw(
        hub,
        "GET",
        "backends/iqm.qpu.garnet/calibration-history?from=2025-03-01T00:00:00&to=2025-03-02T00:00:00Z",
    )
    assert zoneless.status_code == 400
    assert "zone" in zoneless.json()["detail"]


def test_least_busy_is_the_ibm_backend_with_the_shortest_queue(client: HubQuantumClient) -> None:
    ibm = [str(b.id) for b in client.backends.get_backends(provider="IBM")]
    queues = {
        backend_id: client.backends.get_backend_status(backend_id).queue_size or 0 for backend_id in ibm
    }
    chosen = client.backends.get_least_busy_backend(provider="IBM")
    assert chosen.id in ibm
    assert queues[str(chosen.id)] == min(queues.values())
    assert client.backends.get_least_busy_backend(provider="ibm", min_qubits=100).id in ibm

    with pytest.raises(NotFoundError):
        client.backends.get_least_busy_backend(provider="IBM", min_qubits=10_000)
    for provider in ("AWS", "IQM", "AZURE"):
        with pytest.raises(BadRequestError, match="IBM"):
            client.backends.get_least_busy_backend(provider=provider)


# --- job views -----------------------------------------------------------------------------------------


def test_job_record_echoes_the_submission(client: HubQuantumClient, finished: dict[str, str]) -> None:
    job = client.jobs.get_job(finished["sv1"])
    assert (job.id, job.backend_id, job.provider) == (finished["sv1"], "aws.sim.sv1", "AWS")
    assert (job.input_format, job.shots, job.status, job.sdk_provider) == (
        "BRAKET_OPEN_QASM_V3",
        SHOTS,
        "COMPLETED",
        "BRAKET",
    )
    assert "endpoints" in (job.tags or [])
    assert job.created_at is not None
    assert job.started_at is not None
    assert job.ended_at is not None
    assert job.created_at <= job.started_at <= job.ended_at
    assert job.usage_time_millis is not None
    assert job.usage_time_millis > 0
    assert job.usage_time_state == "MEASURED"
    assert client.jobs.get_job_status(finished["sv1"]).status == "COMPLETED"


def test_braket_result_and_its_normalized_views_agree(
    client: HubQuantumClient, finished: dict[str, str]
) -> None:
    from braket.tasks import GateModelQuantumTaskResult

    native = client.jobs.get_job_result(finished["sv1"])
    braket_counts = GateModelQuantumTaskResult.from_string(json.dumps(native)).measurement_counts
    # Braket keys list qubit 0 first; the normalized view is Qiskit's little-endian order.
    expected = {key[::-1]: n for key, n in braket_counts.items()}

    normalized = client.jobs.get_normalized_job_result(finished["sv1"])
    assert normalized is not None
    (pub,) = normalized.pubs
    assert isinstance(pub, NormalizedCountsResult)
    assert (pub.index, pub.shots, pub.qubits, pub.counts) == (0, SHOTS, 2, expected)

    memory = client.jobs.get_normalized_job_memory(finished["sv1"])
    assert memory is not None
    assert (memory.shots, memory.qubits, len(memory.memory or [])) == (SHOTS, 2, SHOTS)
    tallied: dict[str, int] = {}
    for shot in memory.memory or []:
        key = format(int(shot, 16), "02b")
        tallied[key] = tallied.get(key, 0) + 1
    assert tallied == expected


@pytest.mark.parametrize("label", ["sv1", "program_set", "ionq", "fez", "aquila"])
def test_result_stream_is_the_result(client: HubQuantumClient, finished: dict[str, str], label: str) -> None:
    result = client.jobs.get_job_result(finished[label])
    streamed = client.jobs.get_job_result_stream(finished[label]).read()
    assert json.loads(streamed) == result
    chunks = list(client.jobs.get_job_result_stream(finished[label], chunk_size=512))
    assert len(chunks) == math.ceil(len(streamed) / 512)
    assert b"".join(chunks) == streamed


def test_result_stream_is_a_json_attachment(hub: LocalHub, finished: dict[str, str]) -> None:
    answer = raw(hub, "GET", f"jobs/{finished['ionq']}/result-stream")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert "attachment" in answer.headers["content-disposition"]


def test_job_input_is_always_an_object(client: HubQuantumClient, finished: dict[str, str]) -> None:
    assert client.jobs.get_job_input(finished["sv1"]) == {"qasm": BELL}
    assert client.jobs.get_job_input(finished["program_set"]) == {"qasm": [BELL, GHZ3]}
    assert client.jobs.get_job_input(finished["ionq"]) == ionq_ghz(2)
    ibm_input = client.jobs.get_job_input(finished["fez"])
    assert ibm_input["version"] == 2
    assert ibm_input["pubs"][0][0]["__type__"] == "QuantumCircuit"
    assert client.jobs.get_job_input(finished["aquila"]) == ahs_pair_program()


def test_normalized_input_is_openqasm_per_pub_and_422_for_analog_programs(
    client: HubQuantumClient, finished: dict[str, str]
) -> None:
    single = client.jobs.get_normalized_job_input(finished["sv1"])
    assert single.format == "openqasm.v3"
    assert [(p.qasm, p.shots) for p in single.pubs] == [(BELL, SHOTS)]
    program_set = client.jobs.get_normalized_job_input(finished["program_set"])
    assert [p.qasm for p in program_set.pubs] == [BELL, GHZ3]
    assert sum(p.shots or 0 for p in program_set.pubs) == SHOTS
    ibm = client.jobs.get_normalized_job_input(finished["fez"])
    assert len(ibm.pubs) == 1
    assert "measure" in ibm.pubs[0].qasm
    with pytest.raises(UnprocessableEntityError):
        client.jobs.get_normalized_job_input(finished["aquila"])


def test_views_that_do_not_exist_answer_204(
    hub: LocalHub, client: HubQuantumClient, finished: dict[str, str]
) -> None:
    # Neutral atoms have no gate-model result; IonQ simulators give probabilities, no shots; a program set
    # has no single per-shot memory.
    assert client.jobs.get_normalized_job_result(finished["aquila"]) is None
    assert client.jobs.get_normalized_job_memory(finished["aquila"]) is None
    assert client.jobs.get_normalized_job_memory(finished["ionq"]) is None
    assert client.jobs.get_normalized_job_memory(finished["program_set"]) is None
    for path in (
        f"jobs/{finished['aquila']}/result/normalized",
        f"jobs/{finished['ionq']}/result/normalized/memory",
        f"jobs/{finished['sv1']}/calibration",
    ):
        answer = raw(hub, "GET", path)
        assert (answer.status_code, answer.content) == (204, b""), path

    ionq = client.jobs.get_normalized_job_result(finished["ionq"])
    assert ionq is not None
    assert ionq.pubs[0].type == "probabilities"


def test_job_calibration_is_the_one_the_job_ran_with(
    client: HubQuantumClient, finished: dict[str, str]
) -> None:
    calibration = client.jobs.get_job_calibration(finished["fez"])
    assert calibration is not None
    assert calibration.backend_id == "ibm.qpu.fez"
    job = client.jobs.get_job(finished["fez"])
    assert job.started_at is not None
    assert calibration.calibrated_at <= job.started_at
    assert client.jobs.get_job_calibration(finished["sv1"]) is None


def test_unknown_jobs_are_404_on_every_job_view(client: HubQuantumClient) -> None:
    calls: list[Callable[[str], Any]] = [
        client.jobs.get_job,
        client.jobs.get_job_status,
        client.jobs.get_job_result,
        client.jobs.get_normalized_job_result,
        client.jobs.get_normalized_job_memory,
        client.jobs.get_job_input,
        client.jobs.get_normalized_job_input,
        client.jobs.get_job_calibration,
        client.jobs.cancel_job,
        lambda job_id: client.jobs.get_job_result_stream(job_id).read(),
    ]
    for call in calls:
        with pytest.raises(NotFoundError):
            call("00000000-0000-0000-0000-000000000000")


# --- listings -------------------------------------------------------------------------------------------


def test_search_jobs_pages_and_sorts(org_client: HubQuantumClient) -> None:
    created = [
        org_client.jobs.create_job(backend_id="kipu.sim.qsim", shots=10, input=qasm2_ghz(2), name=f"job-{k}")
        for k in range(5)
    ]
    ids = {j.id for j in created}
    page = org_client.jobs.search_jobs(page=0, size=2, sort="createdAt,desc")
    assert (page.page, page.size, page.total_elements, page.total_pages) == (0, 2, 5, 3)
    listed = list(org_client.jobs.iter_jobs(size=2))
    assert {j.id for j in listed} == ids
    moments = [j.created_at for j in listed]
    assert all(a is not None and b is not None and a >= b for a, b in itertools.pairwise(moments))
    by_name = org_client.jobs.search_jobs(size=10, sort=["name,desc"])
    assert [j.name for j in by_name.content or []] == [f"job-{k}" for k in range(4, -1, -1)]
    with pytest.raises(BadRequestError):
        org_client.jobs.search_jobs(sort="noSuchProperty,asc")


def test_runtime_minutes_report_the_ibm_allowance(client: HubQuantumClient) -> None:
    minutes = client.runtime_minutes.get_runtime_minutes()
    (allowance,) = minutes.allowances or []
    assert allowance.provider == "IBM"
    ibm = {b.id for b in client.backends.get_backends(provider="IBM")}
    assert set(allowance.backend_ids or []) == ibm
    assert allowance.allocated_seconds is not None
    assert allowance.allocated_seconds > 0
    assert allowance.remaining_seconds == allowance.allocated_seconds - (allowance.consumed_seconds or 0)
    assert allowance.limit_reached is False


@pytest.fixture
def workloads(hub: LocalHub, org: str, org_client: HubQuantumClient) -> dict[str, str]:
    """Four jobs and a session in a fresh organization, one job run by a service execution."""
    alpha = org_client.jobs.create_job(
        backend_id="aws.sim.sv1", shots=10, input=BELL, tags=["alpha", "shared"], name="alpha"
    )
    beta = org_client.jobs.create_job(
        backend_id="azure.ionq.simulator", shots=10, input=ionq_ghz(2), tags=["beta"], name="beta"
    )
    gamma = org_client.jobs.create_job(
        backend_id="kipu.sim.qsim", shots=10, input=qasm2_ghz(2), tags=["SHARED"], name="gamma"
    )
    session = org_client.sessions.create_session(backend_id="aws.sim.sv1", mode="batch", provider="AWS")
    execution_id, token = hub.create_service_execution(organization_id=org)
    with connect(hub, token=token) as service:
        delta = service.jobs.create_job(
            backend_id="qudora.sim.xg1", shots=10, input=qasm2_ghz(2), tags=["se"], name="delta"
        )
    ids = {
        "alpha": str(alpha.id),
        "beta": str(beta.id),
        "gamma": str(gamma.id),
        "delta": str(delta.id),
        "session": str(session.id),
        "execution": execution_id,
    }
    for label in ("alpha", "beta", "gamma", "delta"):
        assert wait_for_status(org_client, ids[label]) == "COMPLETED"
    return ids


def test_workloads_filters_are_anded_and_lists_ored(
    org_client: HubQuantumClient, workloads: dict[str, str]
) -> None:
    ids = workloads
    by_id = {value: key for key, value in ids.items()}

    def labels(**filters: Any) -> set[str]:
        page = org_client.workloads.get_workloads(size=100, **filters)
        return {by_id[str(w.id)] for w in page.content or []}

    jobs = {"alpha", "beta", "gamma", "delta"}
    assert labels() == {*jobs, "session"}
    assert labels(type="JOB") == jobs
    assert labels(type="session") == {"session"}
    assert labels(type=["JOB", "SESSION"]) == {*jobs, "session"}
    assert labels(status="COMPLETED") == jobs
    assert labels(status=["open", "completed"]) == {*jobs, "session"}
    assert labels(provider="azure") == {"beta"}
    assert labels(provider=["AZURE", "KIPU"]) == {"beta", "gamma"}
    assert labels(backend_id="aws.sim.sv1") == {"alpha", "session"}
    assert labels(backend_id=["aws.sim.sv1", "kipu.sim.qsim"]) == {"alpha", "session", "gamma"}
    assert labels(tag="shared") == {"alpha", "gamma"}
    assert labels(tag=["BETA", "se"]) == {"beta", "delta"}
    assert labels(origin="STANDALONE") == {"alpha", "beta", "gamma", "session"}
    assert labels(origin="SERVICE_EXECUTION") == {"delta"}
    assert labels(service_execution_id=ids["execution"]) == {"delta"}
    assert labels(type="JOB", backend_id="aws.sim.sv1") == {"alpha"}
    assert labels(type="SESSION", status="COMPLETED") == set()
    with pytest.raises(BadRequestError):
        org_client.workloads.get_workloads(type="TASK")
    with pytest.raises(BadRequestError):
        org_client.workloads.get_workloads(origin="ELSEWHERE")


def test_a_session_is_found_by_the_tags_of_its_jobs(org_client: HubQuantumClient) -> None:
    session = org_client.sessions.create_session(backend_id="aws.sim.sv1", mode="batch", provider="AWS")
    assert session.id is not None
    job = org_client.jobs.create_job(
        backend_id="aws.sim.sv1", shots=10, input=BELL, session_id=session.id, tags=["Sweep-7"]
    )
    (shown,) = org_client.workloads.get_workloads(type="SESSION").content or []
    assert "Sweep-7" in (shown.tags or [])
    found = org_client.workloads.get_workloads(tag="sweep-7").content or []
    assert {w.id for w in found} == {job.id, session.id}
    assert org_client.workloads.get_workloads(tag="other").content == []


def test_workloads_describe_jobs_and_sessions(
    org_client: HubQuantumClient, workloads: dict[str, str]
) -> None:
    listed = {w.id: w for w in org_client.workloads.get_workloads(size=100).content or []}
    delta = listed[workloads["delta"]]
    assert (delta.type, delta.backend_id, delta.provider, delta.name) == (
        "JOB",
        "qudora.sim.xg1",
        "QUDORA",
        "delta",
    )
    assert delta.service_execution_id == workloads["execution"]
    assert "se" in (delta.tags or [])
    assert listed[workloads["alpha"]].service_execution_id is None
    session = listed[workloads["session"]]
    assert (session.type, session.status, session.mode, session.job_count) == ("SESSION", "OPEN", "batch", 0)


def test_workloads_sort_newest_first_and_page(
    org_client: HubQuantumClient, workloads: dict[str, str]
) -> None:
    pages = [org_client.workloads.get_workloads(page=n, size=2, sort="createdAt,desc") for n in range(4)]
    assert [len(p.content or []) for p in pages] == [2, 2, 1, 0]
    assert {(p.total_elements, p.total_pages) for p in pages} == {(5, 3)}
    listed = [w for p in pages for w in p.content or []]
    assert {w.id for w in listed} == {v for k, v in workloads.items() if k != "execution"}
    moments = [w.created_at for w in listed]
    assert all(a is not None and b is not None and a >= b for a, b in itertools.pairwise(moments))
    oldest_first = org_client.workloads.get_workloads(size=10, sort="createdAt,asc").content or []
    assert [w.created_at for w in oldest_first] == sorted(m for m in moments if m is not None)
    assert oldest_first[0].id == workloads["alpha"]


# --- service executions ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def se_hub() -> Iterator[LocalHub]:
    """A Hub whose DM1 queue holds jobs for a minute, so that a service execution has a pending job."""
    with LocalHub(admin=True) as local:
        local.admin.set_backend("aws.sim.dm1", queue_delay=60)
        yield local


def test_service_execution_routes(se_hub: LocalHub) -> None:
    execution_id, token = se_hub.create_service_execution()
    other_execution, _ = se_hub.create_service_execution()
    with (
        connect(se_hub) as owner,
        connect(se_hub, token=token) as service,
    ):
        personal = owner.jobs.create_job(backend_id="aws.sim.sv1", shots=10, input=BELL)
        done = service.jobs.create_job(backend_id="aws.sim.sv1", shots=SHOTS, input=BELL)
        qpu = service.jobs.create_job(backend_id="aws.ionq.forte", shots=SHOTS, input=BELL)
        queued = service.jobs.create_job(backend_id="aws.sim.dm1", shots=10, input=BELL)
        session = service.sessions.create_session(backend_id="aws.sim.sv1", mode="dedicated", provider="AWS")
        in_session = service.jobs.create_job(
            backend_id="aws.sim.sv1", shots=10, input=BELL, session_id=session.id
        )
        se, jobs = execution_id, owner.jobs
        for job in (done, qpu, in_session, personal):
            assert wait_for_status(owner, str(job.id)) == "COMPLETED"
        done_id, session_id = str(done.id), str(session.id)

        # 26 workloads, and 14 jobs filtered by execution
        workload_ids = {w.id for w in jobs.get_service_execution_workloads(se, size=50).content or []}
        assert workload_ids == {done.id, qpu.id, queued.id, in_session.id, session.id}
        searched = owner.jobs.search_jobs(service_execution_id=se, size=50).content or []
        assert {j.id for j in searched} == {done.id, qpu.id, queued.id, in_session.id}
        assert personal.id not in {j.id for j in service.jobs.search_jobs(size=50).content or []}

        # 32, 34, 35, 36, 37, 38, 39: one job's views
        assert jobs.get_service_execution_job(se, done_id).backend_id == "aws.sim.sv1"
        assert jobs.get_service_execution_job_status(se, done_id).status == "COMPLETED"
        normalized = jobs.get_service_execution_normalized_job_result(se, done_id)
        assert normalized is not None
        assert sum((normalized.pubs[0].counts or {}).values()) == SHOTS  # type: ignore[union-attr]
        streamed = jobs.get_service_execution_job_result_stream(se, done_id).read()
        assert json.loads(streamed) == owner.jobs.get_job_result(done_id)
        assert jobs.get_service_execution_job_input(se, done_id) == {"qasm": BELL}
        assert jobs.get_service_execution_normalized_job_input(se, done_id).pubs[0].qasm == BELL
        assert jobs.get_service_execution_job_calibration(se, done_id) is None
        calibration = jobs.get_service_execution_job_calibration(se, str(qpu.id))
        assert calibration is not None
        assert calibration.backend_id == "aws.ionq.forte"

        # 33: cancel the queued one
        jobs.cancel_service_execution_job(se, str(queued.id))
        assert wait_for_status(owner, str(queued.id)) == "CANCELLED"

        # 27, 28, 29, 30, 31: the session
        assert jobs.get_service_execution_session(se, session_id).status == "ACTIVE"
        assert [j.id for j in jobs.get_service_execution_session_jobs(se, session_id)] == [in_session.id]
        drained = jobs.update_service_execution_session_state(se, session_id, accept_jobs=False)
        assert drained.status in {"DRAINING", "CLOSED"}
        jobs.close_service_execution_session(se, session_id)
        jobs.close_service_execution_session(se, session_id)
        assert jobs.get_service_execution_session_status(se, session_id).status == "CLOSED"

        # The execution's records are not reachable through another execution, nor its token's own jobs
        # through a foreign execution.
        with pytest.raises(NotFoundError):
            jobs.get_service_execution_job(other_execution, done_id)
        with pytest.raises(NotFoundError):
            jobs.get_service_execution_session(other_execution, session_id)
        with pytest.raises(NotFoundError):
            service.jobs.get_job(str(personal.id))
        assert jobs.get_service_execution_workloads(other_execution).content == []


# --- the async client --------------------------------------------------------------------------------------


def test_async_client_round_trip(hub: LocalHub, org: str) -> None:
    async def scenario() -> tuple[Any, ...]:
        async with hub.async_client(organization_id=org, max_retries=0) as client:
            backends = await client.backends.get_backends(provider="AWS")
            job = await client.jobs.create_job(backend_id="aws.sim.sv1", shots=SHOTS, input=BELL)
            assert job.id is not None
            status = None
            for _ in range(1500):
                status = (await client.jobs.get_job_status(job.id)).status
                if status == "COMPLETED":
                    break
                await asyncio.sleep(0.02)
            result = await client.jobs.get_job_result(job.id)
            streamed = b"".join([chunk async for chunk in client.jobs.get_job_result_stream(job.id)])
            normalized = await client.jobs.get_normalized_job_result(job.id)
            listed = await client.workloads.get_workloads(type="JOB")
            missing = None
            try:
                await client.jobs.get_job("no-such-job")
            except NotFoundError as error:
                missing = error
            return backends, status, result, streamed, normalized, listed, job.id, missing

    backends, status, result, streamed, normalized, listed, job_id, missing = asyncio.run(scenario())
    assert {b.provider for b in backends} == {"AWS"}
    assert status == "COMPLETED"
    assert json.loads(streamed) == result
    assert normalized is not None
    assert set(normalized.pubs[0].counts) == {"00", "11"}
    assert [w.id for w in listed.content] == [job_id]
    assert isinstance(missing, NotFoundError)


def test_async_and_sync_clients_see_the_same_hub(
    hub: LocalHub, org: str, org_client: HubQuantumClient
) -> None:
    job = org_client.jobs.create_job(backend_id="kipu.sim.qsim", shots=10, input=qasm2_ghz(2))
    job_id = str(job.id)
    wait_for_status(org_client, job_id)

    async def read() -> tuple[Any, Any]:
        async with hub.async_client(organization_id=org, max_retries=0) as client:
            return await client.jobs.get_job(job_id), await client.runtime_minutes.get_runtime_minutes()

    seen, minutes = asyncio.run(read())
    assert seen == org_client.jobs.get_job(job_id)
    assert minutes.allowances
