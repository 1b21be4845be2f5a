"""``POST jobs`` as real clients send it, its precise refusals, and the job lifecycle on the local Hub.

Submissions take the shapes of ``api/models/inputs.py``: object or bare-string inputs with or without the
``backendId`` tag, explicit ``null``s, the generated ``{"value": ...}`` wrapper, IQM options in either place,
and IBM primitive inputs encoded by qiskit_ibm_runtime. Bodies the REST client would never send go out with
raw httpx.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qhub_providers.api import (
    BadRequestError,
    HubQuantumClient,
    NotFoundError,
    UnprocessableEntityError,
)
from qhub_providers.api.models import NormalizedCountsResult, NormalizedErrorResult
from qhub_providers.emulator import LocalHub

from .hub_support import (
    IBM_PARAMS,
    auth,
    connect,
    fraction,
    ibm_counts,
    ibm_isa_ghz,
    ibm_sampler_input,
    ionq_ghz,
    iqm_ghz,
    qasm2_ghz,
    qasm3_ghz,
    raw,
    slow_qasm3,
    status_trace,
    wait_for_status,
    wait_until,
)

BELL = qasm3_ghz(2)
SHOTS = 200


def post_job(hub: LocalHub, body: Any, organization_id: str) -> httpx.Response:
    return raw(hub, "POST", "jobs", headers=auth(hub, organization_id), json=body)


def bell_counts(client: HubQuantumClient, job_id: str) -> dict[str, int]:
    assert wait_for_status(client, job_id) == "COMPLETED"
    normalized = client.jobs.get_normalized_job_result(job_id)
    assert normalized is not None
    pub = normalized.pubs[0]
    assert isinstance(pub, NormalizedCountsResult)
    assert pub.counts is not None
    return pub.counts


# --- shapes real clients send ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "job_input",
    [
        pytest.param(BELL, id="bare-string"),
        pytest.param({"qasm": BELL}, id="object"),
        pytest.param({"backendId": "aws.sim.sv1", "qasm": BELL}, id="object-with-backendId"),
        pytest.param({"value": BELL, "backendId": "aws.sim.sv1"}, id="value-wrapper"),
        pytest.param({"value": BELL}, id="value-wrapper-without-backendId"),
    ],
)
def test_every_input_shape_runs_the_same_program(org_client: HubQuantumClient, job_input: Any) -> None:
    job = org_client.jobs.create_job(backend_id="aws.sim.sv1", shots=SHOTS, input=job_input)
    assert job.status == "PENDING"
    assert job.id is not None
    counts = bell_counts(org_client, job.id)
    assert set(counts) == {"00", "11"}
    assert sum(counts.values()) == SHOTS
    assert org_client.jobs.get_job_input(job.id) == {"qasm": BELL}


def test_the_official_sdks_body_with_explicit_nulls(
    hub: LocalHub, org: str, org_client: HubQuantumClient
) -> None:
    body = {
        "name": None,
        "backend_id": "aws.sim.sv1",
        "shots": 100,
        "input": BELL,
        "input_format": "BRAKET_OPEN_QASM_V3",
        "input_params": {"disable_qubit_rewiring": False},
        "qasm": None,
        "tags": None,
        "session_id": None,
        "sdk_provider": None,
    }
    answer = post_job(hub, body, org)
    assert answer.status_code in {200, 201}, answer.text
    job = answer.json()
    assert (job["backend_id"], job["shots"], job["status"], job["name"]) == (
        "aws.sim.sv1",
        100,
        "PENDING",
        None,
    )
    assert job["input_params"] == {"disable_qubit_rewiring": False}
    assert job["tags"] in (None, [])
    assert sum(bell_counts(org_client, job["id"]).values()) == 100


def test_nulls_in_every_optional_field_of_an_ionq_job(
    hub: LocalHub, org: str, org_client: HubQuantumClient
) -> None:
    body = {
        "name": "ionq",
        "backend_id": "azure.ionq.simulator",
        "shots": 100,
        "input": {"backendId": "azure.ionq.simulator", **ionq_ghz(2), "registers": None},
        "input_format": None,
        "input_params": {"meas_map": "[0, 1]", "memory": None},
        "qasm": None,
        "tags": ["a", "A", "b"],
        "session_id": None,
        "sdk_provider": "QISKIT",
    }
    answer = post_job(hub, body, org)
    assert answer.status_code in {200, 201}, answer.text
    job = answer.json()
    assert job["input_format"] == "IONQ_CIRCUIT_V1"  # the backend's own format when none is named
    assert job["tags"] == ["a", "b"]  # deduplicated case-insensitively
    # qhub-quantum reads the qubit count back from the job's input_params.
    assert job["input_params"]["qubits"] == 2
    assert job["input_params"]["meas_map"] == "[0, 1]"
    assert wait_for_status(org_client, job["id"]) == "COMPLETED"
    assert org_client.jobs.get_job_result(job["id"]) == {"histogram": {"0": 0.5, "3": 0.5}}


def test_the_backend_id_tag_is_dropped_from_input_params(org_client: HubQuantumClient) -> None:
    job = org_client.jobs.create_job(
        backend_id="aws.sim.sv1",
        shots=10,
        input={"backendId": "aws.sim.sv1", "qasm": BELL},
        input_params={"backendId": "aws.sim.sv1", "disable_qubit_rewiring": False, "qubit_count": 2.0},
    )
    assert job.input_params == {"disable_qubit_rewiring": False, "qubit_count": 2.0}


IQM_MAPPING = [
    {"logical_name": "a", "physical_name": "QB4"},
    {"logical_name": "b", "physical_name": "QB1"},
]
IQM_SDK_PARAMS = {
    "custom_settings": None,
    "calibration_set_id": None,
    "qubit_mapping": None,
    "heralding_mode": "none",
    "move_validation_mode": "strict",
    "move_gate_frame_tracking_mode": "full",
    "active_reset_cycles": None,
    "dd_mode": "disabled",
    "dd_strategy": None,
    "max_circuit_duration_over_t2": None,
}


@pytest.mark.parametrize("where", ["input", "input_params"])
def test_iqm_run_options_are_read_from_input_or_input_params(
    org_client: HubQuantumClient, where: str
) -> None:
    circuit = iqm_ghz(["a", "b"])
    job_input: dict[str, Any] = {"circuits": [circuit]}
    params: dict[str, Any] = dict(IQM_SDK_PARAMS)
    if where == "input":
        job_input["qubit_mapping"] = IQM_MAPPING
    else:
        params["qubit_mapping"] = IQM_MAPPING
    job = org_client.jobs.create_job(
        backend_id="iqm.qpu.garnet",
        shots=SHOTS,
        input=job_input,
        input_params=params,
        input_format="IQM_JOB_INPUT_V1",
    )
    assert job.id is not None
    counts = bell_counts(org_client, job.id)
    assert fraction(counts, "00", "11") > 0.8
    # The logical qubits landed on the physical ones named by the mapping: QB4 and QB1 (coupled on Garnet).
    rendered = org_client.jobs.get_normalized_job_input(job.id).pubs[0].qasm
    assert "q[3]" in rendered
    assert "q[0]" in rendered
    assert "q[1]" not in rendered


def test_iqm_options_without_a_mapping_refuse_logical_names(org_client: HubQuantumClient) -> None:
    with pytest.raises(UnprocessableEntityError, match="'a'"):
        org_client.jobs.create_job(
            backend_id="iqm.qpu.garnet", shots=SHOTS, input={"circuits": [iqm_ghz(["a", "b"])]}
        )


def test_ibm_submission_as_qhub_quantum_sends_it(
    hub: LocalHub, org: str, org_client: HubQuantumClient, client: HubQuantumClient
) -> None:
    circuit = ibm_isa_ghz(client, "ibm.qpu.marrakesh", 2)
    job_input = ibm_sampler_input([circuit, circuit], 300)
    assert isinstance(job_input["pubs"][0], list)  # PUBs are arrays: [circuit, parameters, shots]
    body = {
        "name": None,
        "backend_id": "ibm.qpu.marrakesh",
        "shots": 600,
        "input": job_input,
        "input_format": "QISKIT_QPY",
        "input_params": {**IBM_PARAMS, "backend_name": "ibm_marrakesh", "job_tags": ["exp"]},
        "qasm": {"format": "openqasm.v3", "programs": [{"qasm": "OPENQASM 3.0;", "name": "circuit-1"}]},
        "tags": ["exp"],
        "session_id": None,
        "sdk_provider": "QISKIT",
    }
    answer = post_job(hub, body, org)
    assert answer.status_code in {200, 201}, answer.text
    job_id = answer.json()["id"]
    assert wait_for_status(org_client, job_id) == "COMPLETED"
    per_pub = ibm_counts(org_client.jobs.get_job_result(job_id))
    assert [sum(c.values()) for c in per_pub] == [300, 300]
    assert all(fraction(c, "00", "11") > 0.8 for c in per_pub)
    assert org_client.jobs.get_job(job_id).input_params["program_id"] == "sampler"  # type: ignore[index]


# --- refusals ------------------------------------------------------------------------------------------

GOOD = {"backend_id": "aws.sim.sv1", "shots": 10, "input": BELL}
TOO_WIDE = "OPENQASM 3.0;\nqubit[40] q;\nbit[40] b;\nh q[0];\nb = measure q;\n"


@pytest.mark.parametrize(
    ("changes", "status", "fragment"),
    [
        pytest.param({"backend_id": "aws.sim.sv9"}, 404, "aws.sim.sv9", id="unknown-backend"),
        pytest.param({"input_format": "IONQ_CIRCUIT_V1"}, 422, "not supported", id="unsupported-format"),
        pytest.param({"input": TOO_WIDE}, 422, "40 qubits", id="too-many-qubits"),
        pytest.param(
            {"backend_id": "azure.ionq.simulator", "input": ionq_ghz(30)},
            422,
            "30 qubits",
            id="too-many-ionq-qubits",
        ),
        pytest.param({"shots": 100_001}, 422, "100001", id="too-many-shots"),
        pytest.param(
            {"backend_id": "azure.ionq.simulator", "input": ionq_ghz(2), "shots": 0},
            422,
            "shots",
            id="no-shots",
        ),
        pytest.param(
            {"input": "OPENQASM 3.0;\nqubit[2] q;\nhadamard q[0];\n"}, 400, "hadamard", id="bad-qasm3"
        ),
        pytest.param({"input": "OPENQASM 3.0;\nqubit[2 q;\n"}, 400, "line 2", id="qasm3-syntax"),
        pytest.param(
            {
                "backend_id": "kipu.sim.qsim",
                "input": 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\nfoo q[0];\n',
            },
            400,
            "'foo' is not defined",
            id="bad-qasm2",
        ),
        pytest.param(
            {
                "backend_id": "quandela.qpu.belenos",
                "input": {"value": {"circuit": []}, "backendId": "quandela.qpu.belenos"},
            },
            400,
            "Perceval job payload",
            id="quandela",
        ),
        pytest.param({"backend_id": None}, 400, "backend_id", id="missing-backend"),
        pytest.param({"shots": None}, 400, "shots", id="missing-shots"),
        pytest.param({"input": None}, 400, "input", id="missing-input"),
        pytest.param({"shots": "100"}, 400, "shots", id="shots-string"),
        pytest.param({"shots": 1.5}, 400, "shots", id="shots-float"),
        pytest.param({"shots": True}, 400, "shots", id="shots-bool"),
        pytest.param({"backend_id": 7}, 400, "backend_id", id="backend-number"),
        pytest.param({"tags": "one"}, 400, "tags", id="tags-string"),
        pytest.param({"tags": [1, 2]}, 400, "tags", id="tags-numbers"),
        pytest.param({"input_params": [1]}, 400, "input_params", id="params-array"),
        pytest.param({"name": 5}, 400, "name", id="name-number"),
        pytest.param({"session_id": 5}, 400, "session_id", id="session-number"),
        pytest.param({"sdk_provider": 5}, 400, "sdk_provider", id="sdk-number"),
        pytest.param({"input_format": 5}, 400, "input_format", id="format-number"),
        pytest.param({"input": 42}, 400, "OpenQASM 3", id="input-number"),
        pytest.param({"session_id": "no-such-session"}, 404, "no-such-session", id="unknown-session"),
    ],
)
def test_bad_submissions_get_precise_answers(
    hub: LocalHub, org: str, changes: dict[str, Any], status: int, fragment: str
) -> None:
    body = {k: v for k, v in {**GOOD, **changes}.items() if v is not None}
    answer = post_job(hub, body, org)
    assert answer.status_code == status, answer.text
    error = answer.json()
    assert error["status"] == status
    assert fragment in error["detail"]


def test_the_client_raises_typed_errors_for_refused_jobs(org_client: HubQuantumClient) -> None:
    with pytest.raises(NotFoundError, match=r"aws\.sim\.sv9"):
        org_client.jobs.create_job(backend_id="aws.sim.sv9", shots=10, input=BELL)
    with pytest.raises(UnprocessableEntityError, match="100001"):
        org_client.jobs.create_job(backend_id="aws.sim.sv1", shots=100_001, input=BELL)
    with pytest.raises(BadRequestError, match="not valid OpenQASM 3"):
        org_client.jobs.create_job(backend_id="aws.sim.sv1", shots=10, input="OPENQASM 3.0;\nqubit q\n")
    # Nothing refused was stored.
    assert org_client.workloads.get_workloads().total_elements == 0


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        pytest.param(b"{not json", "application/json", id="broken-json"),
        pytest.param(b"", "application/json", id="empty"),
        pytest.param(b"null", "application/json", id="null"),
        pytest.param(b"[1, 2]", "application/json", id="array"),
        pytest.param(b'"OPENQASM 3.0;"', "application/json", id="string"),
        pytest.param(b"\xff\xfe\x00", "application/json", id="not-utf8"),
        pytest.param(b"NaN", "application/json", id="nan"),
        pytest.param(b"[" * 50_000 + b"]" * 50_000, "application/json", id="deeply-nested"),
        pytest.param(json.dumps(GOOD).encode(), "text/plain", id="text-plain"),
        pytest.param(b"backend_id=aws.sim.sv1", "application/x-www-form-urlencoded", id="form"),
    ],
)
def test_bodies_that_are_not_a_json_object_are_400(
    hub: LocalHub, org: str, content: bytes, content_type: str
) -> None:
    headers = {**auth(hub, org), "content-type": content_type}
    answer = raw(hub, "POST", "jobs", headers=headers, content=content)
    assert answer.status_code == 400, answer.text
    assert answer.json()["status"] == 400


def test_a_huge_body_is_413(hub: LocalHub, org: str) -> None:
    limit = 32 * 1024 * 1024
    headers = {**auth(hub, org), "content-type": "application/json"}
    declared = raw(hub, "POST", "jobs", headers=headers, content=b" " * (limit + 1))
    assert declared.status_code == 413
    assert "exceeds" in declared.json()["detail"]

    def chunked() -> Iterator[bytes]:  # no Content-Length: the limit is enforced while reading
        chunk = b" " * (1024 * 1024)
        for _ in range(limit // len(chunk) + 1):
            yield chunk

    streamed = raw(hub, "POST", "jobs", headers=headers, content=chunked())
    assert streamed.status_code == 413


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(
        st.sampled_from(["qasm", "value", "backendId", "circuits", "pubs", "x"]), st.text(max_size=10)
    ),
)
_FIELDS = [
    "name",
    "backend_id",
    "shots",
    "input",
    "input_format",
    "input_params",
    "qasm",
    "tags",
    "session_id",
    "sdk_provider",
]


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    body=st.fixed_dictionaries(
        {},
        optional={
            **dict.fromkeys(_FIELDS, _VALUES),
            "backend_id": st.sampled_from(
                ["aws.sim.sv1", "azure.ionq.simulator", "ibm.qpu.fez", "iqm.qpu.garnet"]
            ),
        },
    )
)
def test_no_job_submission_gets_a_500(hub: LocalHub, body: dict[str, Any]) -> None:
    answer = post_job(hub, body, "org-fuzz")
    assert answer.status_code < 500, answer.text
    assert "detail" in answer.json() or answer.status_code in {200, 201}


# --- lifecycle -------------------------------------------------------------------------------------------

QUEUE_DELAY = 0.5


@pytest.fixture(scope="module")
def slow_hub() -> Iterator[LocalHub]:
    """A Hub whose jobs wait half a second in the queue (a minute on Kipu)."""
    with LocalHub(admin=True, queue_delay=QUEUE_DELAY) as local:
        local.admin.set_backend("kipu.sim.qsim", queue_delay=60)
        yield local


@pytest.fixture
def slow(slow_hub: LocalHub) -> Iterator[HubQuantumClient]:
    with connect(slow_hub) as personal:
        yield personal


def queued_job(client: HubQuantumClient) -> str:
    """A job that stays PENDING for a minute."""
    job = client.jobs.create_job(backend_id="kipu.sim.qsim", shots=10, input=qasm2_ghz(2))
    assert job.id is not None
    return job.id


def test_pending_running_completed(slow: HubQuantumClient) -> None:
    job = slow.jobs.create_job(backend_id="aws.sim.sv1", shots=10, input=slow_qasm3())
    assert job.id is not None
    assert status_trace(slow, job.id) == ["PENDING", "RUNNING", "COMPLETED"]
    record = slow.jobs.get_job(job.id)
    assert record.created_at
    assert record.started_at
    assert record.ended_at
    assert record.started_at - record.created_at >= timedelta(seconds=QUEUE_DELAY * 0.9)
    assert record.started_at < record.ended_at
    assert record.usage_time_millis is not None
    assert record.usage_time_millis > 0


def test_results_are_404_until_the_job_ends(slow: HubQuantumClient) -> None:
    job_id = queued_job(slow)
    for view in (
        slow.jobs.get_job_result,
        slow.jobs.get_normalized_job_result,
        slow.jobs.get_normalized_job_memory,
        lambda i: slow.jobs.get_job_result_stream(i).read(),
    ):
        with pytest.raises(NotFoundError, match="PENDING"):
            view(job_id)
    assert slow.jobs.get_job_calibration(job_id) is None
    assert slow.jobs.get_job_input(job_id) == {"qasm": qasm2_ghz(2)}  # the input is there at once
    assert slow.jobs.get_normalized_job_input(job_id).pubs[0].shots == 10
    job = slow.jobs.get_job(job_id)
    assert (job.status, job.started_at, job.ended_at, job.usage_time_state) == (
        "PENDING",
        None,
        None,
        "PENDING",
    )
    qpu = slow.jobs.create_job(backend_id="aws.ionq.forte", shots=10, input=BELL)
    assert qpu.id is not None
    assert slow.jobs.get_job_calibration(qpu.id) is None  # not run yet, so no calibration applied


def test_cancelling_a_pending_job(slow: HubQuantumClient) -> None:
    job_id = queued_job(slow)
    slow.jobs.cancel_job(job_id)
    assert slow.jobs.get_job_status(job_id).status in {"CANCELLING", "CANCELLED"}
    assert wait_for_status(slow, job_id) == "CANCELLED"
    with pytest.raises(NotFoundError):
        slow.jobs.get_job_result(job_id)
    job = slow.jobs.get_job(job_id)
    assert job.ended_at is not None
    assert job.started_at is None
    slow.jobs.cancel_job(job_id)  # asking again (a retried DELETE) is harmless
    assert slow.jobs.get_job_status(job_id).status == "CANCELLED"


def test_cancelling_a_running_job_goes_through_cancelling(slow: HubQuantumClient) -> None:
    job = slow.jobs.create_job(backend_id="aws.sim.sv1", shots=10, input=slow_qasm3(num_qubits=19))
    assert job.id is not None
    wait_for_status(slow, job.id, {"RUNNING", "COMPLETED"})
    slow.jobs.cancel_job(job.id)
    assert slow.jobs.get_job_status(job.id).status == "CANCELLING"
    assert status_trace(slow, job.id) == ["CANCELLING", "CANCELLED"]
    with pytest.raises(NotFoundError):
        slow.jobs.get_normalized_job_result(job.id)


def test_cancelling_a_finished_job_is_refused(slow: HubQuantumClient) -> None:
    job = slow.jobs.create_job(backend_id="aws.sim.sv1", shots=10, input=BELL)
    assert job.id is not None
    assert wait_for_status(slow, job.id) == "COMPLETED"
    with pytest.raises(BadRequestError, match="COMPLETED"):
        slow.jobs.cancel_job(job.id)
    assert slow.jobs.get_job_status(job.id).status == "COMPLETED"


def test_a_failed_job_answers_with_the_error_envelope(slow_hub: LocalHub, slow: HubQuantumClient) -> None:
    job_id = queued_job(slow)
    slow_hub.admin.force_job_status(job_id, "FAILED", "the detector caught fire")
    assert wait_for_status(slow, job_id) == "FAILED"
    envelope = slow.jobs.get_job_result(job_id)
    assert envelope["error"]["message"] == "the detector caught fire"
    assert isinstance(envelope["error"].get("code"), str)
    assert json.loads(slow.jobs.get_job_result_stream(job_id).read()) == envelope
    normalized = slow.jobs.get_normalized_job_result(job_id)
    assert normalized is not None
    (pub,) = normalized.pubs
    assert isinstance(pub, NormalizedErrorResult)
    assert (pub.error or {})["message"] == "the detector caught fire"
    assert slow.jobs.get_normalized_job_memory(job_id) is None
    assert slow.jobs.get_job(job_id).ended_at is not None


@pytest.mark.parametrize("status", ["ABORTED", "DETACHED", "CANCELLED"])
def test_forced_terminal_statuses_end_the_job_without_a_result(
    slow_hub: LocalHub, slow: HubQuantumClient, status: str
) -> None:
    job_id = queued_job(slow)
    slow_hub.admin.force_job_status(job_id, status)
    assert wait_for_status(slow, job_id) == status
    assert slow.jobs.get_job(job_id).ended_at is not None
    with pytest.raises(NotFoundError, match=status):
        slow.jobs.get_job_result(job_id)
    with pytest.raises(NotFoundError):
        slow.jobs.get_normalized_job_result(job_id)


@pytest.mark.parametrize("status", ["UNKNOWN", "RUNNING", "PENDING"])
def test_forced_transient_statuses_are_held_then_the_job_carries_on(
    slow_hub: LocalHub, slow: HubQuantumClient, status: str
) -> None:
    job = slow.jobs.create_job(backend_id="aws.sim.sv1", shots=10, input=BELL)
    assert job.id is not None
    # The clock starts before the hold does: timed from the first poll that saw the status (late on a
    # busy machine), the rest of the hold could be shorter than the bound.
    forced_at = time.monotonic()
    slow_hub.admin.force_job_status(job.id, status, hold=0.6)
    wait_for_status(slow, job.id, {status}, timeout=5)
    trace = status_trace(slow, job.id, timeout=10)
    assert trace[0] == status
    assert trace[-1] == "COMPLETED"
    assert time.monotonic() - forced_at >= 0.55  # the hold starts when the engine applies the status
    assert set(bell_counts(slow, job.id)) == {"00", "11"}


def test_ids_are_unique_and_records_independent(org_client: HubQuantumClient) -> None:
    jobs = [
        org_client.jobs.create_job(backend_id="kipu.sim.qsim", shots=10 + k, input=qasm2_ghz(2))
        for k in range(4)
    ]
    assert len({j.id for j in jobs}) == 4
    for job in jobs:
        assert job.id is not None
        wait_for_status(org_client, job.id)
    assert sorted(org_client.jobs.get_job(str(j.id)).shots or 0 for j in jobs) == [10, 11, 12, 13]
    wait_until(lambda: org_client.workloads.get_workloads(type="JOB").total_elements == 4)
