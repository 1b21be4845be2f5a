"""The wire models against the payloads of the Hub API contract (fixtures in ``fixtures/``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from qhub_providers.api import models
from qhub_providers.api.models import (
    AhsHamiltonian,
    AqtJobInput,
    AqtJobInputParams,
    AwsAhsJobInput,
    AwsQasm3JobInput,
    AwsQasm3JobInputParams,
    AzureIonqJobInput,
    AzureIonqJobInputCircuitItem,
    AzureIonqJobInputParams,
    Backend,
    BackendSdk,
    BackendSdkType,
    BackendStateInfo,
    BackendStatus,
    CalibrationResponse,
    CreateJobRequest,
    CreateSessionRequest,
    Documentation,
    GateBasedCalibration,
    HardwareProvider,
    IbmJobInput,
    IbmJobInputOptions,
    IbmJobInputParams,
    IbmTwirlingStrategy,
    IbmZneExtrapolator,
    IqmHeraldingMode,
    IqmJobInput,
    IqmJobInputParams,
    Job,
    JobInputFormat,
    JobStatus,
    JobStatusResponse,
    KipuJobInput,
    KipuJobInputParams,
    KipuSimulationMode,
    NormalizedCountsResult,
    NormalizedErrorResult,
    NormalizedExpectationValuesResult,
    NormalizedJobInput,
    NormalizedJobResult,
    NormalizedMemoryResult,
    NormalizedProbabilitiesResult,
    NormalizedUnknownResult,
    NormalizedUnmappedResult,
    PageResponseCalibrationResponse,
    PageResponseJob,
    PageResponseWorkloadResponse,
    Provider,
    QasmCircuit,
    QasmFormat,
    QasmProgram,
    QuandelaJobInputParams,
    QudoraJobInput,
    QudoraJobInputParams,
    QueraAquilaCalibration,
    RuntimeMinutesResponse,
    SdkProvider,
    Session,
    SessionMode,
    SessionStateUpdateRequest,
    SessionStatus,
    SessionStatusResponse,
    UnknownCalibration,
    UsageTimeState,
    WireModel,
    WorkloadResponse,
    WorkloadType,
)

FIXTURES = Path(__file__).parent / "fixtures"


def _text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8").strip()


def _load(name: str) -> Any:
    return json.loads(_text(name))


def _compact(value: Any) -> str:
    # The reference client's request encoding: compact separators, non-ASCII not escaped.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


# --- requests: exact wire JSON ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fixture", ["create_job_ionq.json", "create_job_aws_qasm3.json", "create_job_ibm_qasm.json"]
)
def test_observed_create_job_bodies_round_trip_byte_for_byte(fixture: str) -> None:
    wire = _text(fixture)
    request = CreateJobRequest.model_validate_json(wire)
    assert _compact(request.to_wire()) == wire


def test_create_job_built_from_typed_models_emits_the_observed_ionq_body() -> None:
    request = CreateJobRequest(
        name="n",
        backend_id="azure.ionq.simulator",
        shots=100,
        input=AzureIonqJobInput(
            backend_id="azure.ionq.simulator",
            circuit=[
                AzureIonqJobInputCircuitItem(type="h", targets=[0]),
                AzureIonqJobInputCircuitItem(type="cnot", targets=[1], controls=[0]),
            ],
            gateset="qis",
            qubits=2,
        ),
        input_format=JobInputFormat.IONQ_CIRCUIT_V1,
        tags=["a", "b"],
        session_id="s1",
        sdk_provider=SdkProvider.CLIENT,
    )
    assert _compact(request.to_wire()) == _text("create_job_ionq.json")


def test_create_job_built_from_typed_models_emits_the_observed_braket_body() -> None:
    request = CreateJobRequest(
        backend_id="aws.sim.sv1",
        shots=100,
        input=AwsQasm3JobInput(backend_id="aws.sim.sv1", qasm="OPENQASM 3;"),
        input_format="BRAKET_OPEN_QASM_V3",
        input_params=AwsQasm3JobInputParams(
            backend_id="aws.sim.sv1", disable_qubit_rewiring=False, qubit_count=2
        ),
    )
    assert _compact(request.to_wire()) == _text("create_job_aws_qasm3.json")


def test_create_job_with_qasm_block_emits_the_observed_ibm_body() -> None:
    request = CreateJobRequest(
        backend_id="ibm.qpu.fez",
        shots=100,
        input=IbmJobInput(backend_id="ibm.qpu.fez"),
        qasm=QasmCircuit(format=QasmFormat.OPENQASM_V3, programs=[QasmProgram(qasm="OPENQASM 3;", name="p")]),
    )
    assert _compact(request.to_wire()) == _text("create_job_ibm_qasm.json")


def test_unset_request_fields_are_omitted_and_input_may_be_a_bare_string() -> None:
    request = CreateJobRequest(backend_id="kipu.sim.qsim", shots=10, input="OPENQASM 2.0;")
    assert request.to_wire() == {"backend_id": "kipu.sim.qsim", "shots": 10, "input": "OPENQASM 2.0;"}


def test_input_models_do_not_require_backend_id_and_then_omit_it() -> None:
    job_input = AwsQasm3JobInput(qasm="OPENQASM 3;")
    assert job_input.backend_id is None
    assert job_input.to_wire() == {"qasm": "OPENQASM 3;"}
    parsed = AwsQasm3JobInput.model_validate({"backendId": "aws.sim.sv1", "qasm": "OPENQASM 3;"})
    assert parsed.backend_id == "aws.sim.sv1"
    assert "backendId" not in (parsed.model_extra or {})


def test_sdk_request_with_explicit_nulls_parses_and_is_sent_without_them() -> None:
    wire = _load("create_job_sdk_nulls.json")
    request = CreateJobRequest.model_validate(wire)
    assert request.name is None
    assert request.qasm is None
    assert isinstance(request.input, str)
    assert request.input.startswith("OPENQASM 3.0;")
    assert request.to_wire() == _without_nulls(wire)


def test_create_job_requires_backend_shots_and_input() -> None:
    with pytest.raises(ValidationError) as excinfo:
        CreateJobRequest.model_validate({"name": "x"})
    missing = {error["loc"][0] for error in excinfo.value.errors() if error["type"] == "missing"}
    assert missing == {"backend_id", "shots", "input"}


@pytest.mark.parametrize("fixture", ["create_session_minimal.json", "create_session_full.json"])
def test_observed_create_session_bodies_round_trip_byte_for_byte(fixture: str) -> None:
    wire = _text(fixture)
    request = CreateSessionRequest.model_validate_json(wire)
    assert isinstance(request.mode, SessionMode)
    assert request.provider is Provider.AWS
    assert _compact(request.to_wire()) == wire


def test_create_session_built_from_python_emits_the_observed_body_and_accepts_tags() -> None:
    request = CreateSessionRequest(
        backend_id="aws.sim.sv1",
        mode=SessionMode.DEDICATED,
        ttl=900,
        metadata={"a": 1},
        provider=Provider.AWS,
        sdk_provider=SdkProvider.CLIENT,
    )
    assert _compact(request.to_wire()) == _text("create_session_full.json")
    tagged = CreateSessionRequest(backend_id="b", mode="batch", provider="IBM", tags=["demo"])
    assert tagged.to_wire()["tags"] == ["demo"]


def test_create_session_requires_backend_mode_and_provider() -> None:
    with pytest.raises(ValidationError):
        CreateSessionRequest.model_validate({"backend_id": "aws.sim.sv1", "mode": "batch"})


def test_session_state_update_body() -> None:
    assert _compact(SessionStateUpdateRequest(accept_jobs=False).to_wire()) == '{"accept_jobs":false}'
    with pytest.raises(ValidationError):
        SessionStateUpdateRequest.model_validate({})


# --- job inputs ---------------------------------------------------------------------------------------------

_INPUT_MODELS: dict[str, tuple[type[WireModel] | None, type[WireModel]]] = {
    "ionq": (AzureIonqJobInput, AzureIonqJobInputParams),
    "aws_program_set": (AwsQasm3JobInput, AwsQasm3JobInputParams),
    "iqm": (IqmJobInput, IqmJobInputParams),
    "iqm_options_in_input": (IqmJobInput, IqmJobInputParams),
    "aqt": (AqtJobInput, AqtJobInputParams),
    "kipu": (KipuJobInput, KipuJobInputParams),
    "qudora": (QudoraJobInput, QudoraJobInputParams),
    "quandela": (None, QuandelaJobInputParams),
    "ibm_sampler": (IbmJobInput, IbmJobInputParams),
    "ibm_estimator": (IbmJobInput, IbmJobInputParams),
}


@pytest.mark.parametrize("family", sorted(_INPUT_MODELS))
def test_each_family_input_parses_and_dumps_back_to_the_same_wire_json(family: str) -> None:
    example = _load("job_inputs.json")[family]
    input_model, params_model = _INPUT_MODELS[family]
    params = params_model.model_validate(example["input_params"])
    assert params.to_wire() == _without_nulls(example["input_params"])
    if input_model is not None:
        job_input = input_model.model_validate(example["input"])
        assert job_input.to_wire() == _without_nulls(example["input"])
        request = CreateJobRequest(backend_id="b", shots=1, input=job_input, input_params=params)
        assert request.to_wire()["input"] == _without_nulls(example["input"])


def test_family_specific_fields_are_typed() -> None:
    examples = _load("job_inputs.json")
    ionq = AzureIonqJobInput.model_validate(examples["ionq"]["input"])
    assert ionq.circuit[0].rotation == pytest.approx(1.5707963267948966)
    assert ionq.circuit[1].gate == "h"
    assert ionq.circuit[3].model_extra == {"terms": ["XX"], "coefficients": [0.5], "time": 0.1}
    ionq_params = AzureIonqJobInputParams.model_validate(examples["ionq"]["input_params"])
    assert ionq_params.model_extra == {"meas_map": "[0, 1]", "memory": True}

    iqm = IqmJobInput.model_validate(examples["iqm_options_in_input"]["input"])
    assert iqm.heralding_mode is IqmHeraldingMode.ZEROS
    assert iqm.qubit_mapping is not None
    assert iqm.qubit_mapping[0].physical_name == "QB5"
    assert iqm.circuits[0].instructions[0].args is not None
    assert iqm.circuits[0].instructions[0].args.key == "m"

    kipu = KipuJobInputParams.model_validate(examples["kipu"]["input_params"])
    assert kipu.mode is KipuSimulationMode.AMPLITUDES

    qudora = QudoraJobInput.model_validate(examples["qudora"]["input"])
    assert isinstance(qudora.qasm, list)
    assert len(qudora.qasm) == 2

    aqt = AqtJobInput.model_validate(examples["aqt"]["input"])
    assert aqt.payload.circuits[0].quantum_circuit[-1] == {"operation": "MEASURE"}


def test_ibm_input_accepts_real_qiskit_runtime_payloads() -> None:
    examples = _load("job_inputs.json")
    sampler = IbmJobInput.model_validate(examples["ibm_sampler"]["input"])
    # Qiskit PUBs are arrays and version an integer, unlike the generated schema.
    assert sampler.pubs == [[{"__type__": "QuantumCircuit", "__value__": "UUlTS0lU"}, None, 100]]
    assert sampler.version == 2
    assert isinstance(sampler.options, IbmJobInputOptions)
    assert sampler.options.twirling is not None
    assert sampler.options.twirling.num_randomizations == "auto"
    assert sampler.options.twirling.strategy is IbmTwirlingStrategy.ACTIVE_ACCUM
    assert sampler.options.execution is not None
    assert sampler.options.execution.meas_type == "classified"

    estimator = IbmJobInput.model_validate(examples["ibm_estimator"]["input"])
    assert isinstance(estimator.options, IbmJobInputOptions)
    assert estimator.options.resilience is not None
    zne = estimator.options.resilience.zne
    assert zne is not None
    assert zne.extrapolator == [IbmZneExtrapolator.EXPONENTIAL, IbmZneExtrapolator.LINEAR]
    assert zne.noise_factors == [1, 3, 5]

    params = IbmJobInputParams.model_validate(examples["ibm_sampler"]["input_params"])
    assert params.program_id == "sampler"
    assert (params.model_extra or {})["backend_name"] == "ibm_fez"
    with pytest.raises(ValidationError):
        IbmJobInputParams.model_validate({"log_level": "info"})


def test_ibm_options_that_do_not_fit_the_schema_are_kept_as_a_plain_dict() -> None:
    odd = {"default_shots": "many", "resilience": {"zne_mitigation": True}}
    job_input = IbmJobInput.model_validate({"options": odd})
    assert job_input.options == odd
    assert job_input.to_wire() == {"options": odd}


def test_observed_ahs_input_round_trips_with_camel_case_keys() -> None:
    wire = _text("ahs_input_observed.json")
    job_input = AwsAhsJobInput.model_validate_json(wire)
    assert job_input.ahs_program.hamiltonian.driving_fields == []
    assert _compact(job_input.to_wire()) == wire


def test_full_ahs_program_parses_into_typed_waveforms() -> None:
    wire = _load("ahs_input_full.json")
    job_input = AwsAhsJobInput.model_validate(wire)
    assert job_input.backend_id == "aws.quera.aquila"
    program = job_input.ahs_program
    assert program.setup.ahs_register.filling == [1, 1, 0]
    driving = program.hamiltonian.driving_fields[0]
    assert driving.amplitude.pattern == "uniform"
    assert driving.amplitude.time_series.times[-1] == pytest.approx(4e-6)
    local = program.hamiltonian.local_detuning
    assert local is not None
    assert local[0].magnitude.pattern == [0.5, 1.0, 0.0]
    assert job_input.to_wire() == wire


def test_ahs_hamiltonian_built_by_python_names_dumps_wire_aliases() -> None:
    hamiltonian = AhsHamiltonian(driving_fields=[])
    assert hamiltonian.to_wire() == {"drivingFields": []}
    with pytest.raises(ValidationError):
        AhsHamiltonian.model_validate({"localDetuning": []})


def test_quandela_input_is_a_free_form_dict_sent_flattened() -> None:
    payload = _load("job_inputs.json")["quandela"]["input"]
    request = CreateJobRequest(
        backend_id="quandela.sim.belenos", shots=10, input=payload, input_format="PERCEVAL"
    )
    assert request.to_wire()["input"] == payload
    assert request.input_format is JobInputFormat.PERCEVAL


# --- responses ----------------------------------------------------------------------------------------------


def test_job_parses_enums_timestamps_and_keeps_unknown_fields() -> None:
    job = Job.model_validate(_load("job.json"))
    assert job.status is JobStatus.COMPLETED
    assert job.provider is Provider.AWS
    assert job.input_format is JobInputFormat.BRAKET_OPEN_QASM_V3
    assert job.sdk_provider is SdkProvider.BRAKET
    assert job.usage_time_state is UsageTimeState.MEASURED
    assert job.input_params == {"disable_qubit_rewiring": False, "qubit_count": 2}
    assert job.created_at == datetime(2025, 3, 4, 10, 15, 30, 123456, tzinfo=UTC)
    assert job.started_at == datetime(2025, 3, 4, 10, 15, 31, tzinfo=UTC)
    # 12:15:35+02:00 is the same instant as 10:15:35Z.
    assert job.ended_at == datetime(2025, 3, 4, 10, 15, 35, tzinfo=UTC)
    assert job.model_extra == {"queue_position": 3}


def test_job_status_accepts_unknown_strings_and_known_ones_as_members() -> None:
    assert Job.model_validate({"status": "NEWSTATE"}).status == "NEWSTATE"
    assert Job.model_validate({"status": "COMPLETED"}).status is JobStatus.COMPLETED
    assert JobStatusResponse.model_validate({"status": "DETACHED"}).status is JobStatus.DETACHED
    assert JobStatusResponse.model_validate({"status": "PAUSED_BY_HUB"}).status == "PAUSED_BY_HUB"
    assert Job.model_validate({"provider": "NEWPROV"}).provider == "NEWPROV"


def test_empty_and_null_responses_parse() -> None:
    job = Job.model_validate({"id": "j", "status": None, "tags": None})
    assert job.status is None
    assert Job.model_validate({}).id is None
    assert JobStatusResponse.model_validate({}).status is None


def test_session_parses_with_metadata_timestamps_and_legacy_fields() -> None:
    session = Session.model_validate(_load("session.json"))
    assert session.status is SessionStatus.ACTIVE
    assert session.mode is SessionMode.DEDICATED
    assert session.closed_at is None
    assert session.expires_at == datetime(2025, 3, 4, 18, 0, tzinfo=UTC)
    assert session.metadata is not None
    assert session.metadata["max_ttl"] == 28800
    assert session.final is False
    # The seed document's field, gone in 3.3.0, still survives as an extra.
    assert session.model_extra == {"final_not_aborted": False}
    assert SessionStatusResponse.model_validate({"status": "DRAINING"}).status is SessionStatus.DRAINING


def test_backend_parses_configuration_documentation_and_availability() -> None:
    backend = Backend.model_validate(_load("backend.json"))
    assert backend.hardware_provider is HardwareProvider.IONQ
    assert backend.updated_at == datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    config = backend.configuration
    assert config is not None
    assert config.shots_range is not None
    assert (config.shots_range.min, config.shots_range.max) == (1, 5000)
    assert config.connectivity is not None
    assert config.connectivity.graph == {"0": ["1"], "1": ["0", "2"], "2": ["1"]}
    assert config.supported_input_formats == [JobInputFormat.BRAKET_OPEN_QASM_V3, "SOME_FUTURE_FORMAT"]
    assert config.supported_input_formats[0] is JobInputFormat.BRAKET_OPEN_QASM_V3
    assert config.gates is not None
    assert [gate.name for gate in config.gates if gate.native_gate] == ["ms"]
    assert config.qubits is not None
    assert [qubit.id for qubit in config.qubits] == ["0", "1", "2"]
    assert config.max_pubs_per_job == 10
    documentation = backend.documentation
    assert documentation is not None
    assert documentation.sdks == [
        BackendSdk(type=BackendSdkType.QISKIT, url="https://docs.example/qiskit"),
        BackendSdk(type=BackendSdkType.QHUB, url="https://docs.example/qhub"),
    ]
    assert backend.availability is not None
    assert backend.availability[0].start == "13:00:00"


def test_documentation_tolerates_legacy_sdk_names_as_plain_strings() -> None:
    documentation = Documentation.model_validate({"sdks": ["QISKIT", {"type": "PERCEVAL", "url": None}]})
    assert documentation.sdks is not None
    assert documentation.sdks[0] == "QISKIT"
    assert isinstance(documentation.sdks[1], BackendSdk)
    assert documentation.sdks[1].type is BackendSdkType.PERCEVAL


def test_backend_state_info() -> None:
    state = BackendStateInfo.model_validate(_load("backend_state.json"))
    assert state.status is BackendStatus.ONLINE
    assert (state.queue_avg_time, state.queue_size) == (42, 7)


def test_gate_based_calibration_is_chosen_by_its_tag() -> None:
    response = CalibrationResponse.model_validate(_load("calibration_gate_based.json"))
    assert response.calibrated_at == datetime(2025, 3, 4, 6, 0, tzinfo=UTC)
    calibration = response.calibration
    assert isinstance(calibration, GateBasedCalibration)
    assert calibration.medians.gates["prx"].error == pytest.approx(0.001)
    assert [qubit.operational for qubit in calibration.qubits] == [True, False]
    assert calibration.qubit_pairs[0].gates["cz"].length_ns == 40
    assert response.to_wire() == _load("calibration_gate_based.json")


def test_quera_aquila_calibration_is_chosen_by_its_tag() -> None:
    response = CalibrationResponse.model_validate(_load("calibration_quera_aquila.json"))
    assert isinstance(response.calibration, QueraAquilaCalibration)
    assert response.calibration.rydberg == {"c6_coefficient": 5.42e-24}
    assert response.calibrated_at == datetime(2025, 3, 4, 5, 0, 0, 500000, tzinfo=UTC)


def test_unknown_calibration_kind_parses_into_the_fallback_keeping_its_fields() -> None:
    raw = {"type": "photonic_v1", "loss_db": 3.2}
    response = CalibrationResponse.model_validate(
        {"backend_id": "quandela.qpu.belenos", "calibrated_at": "2025-01-01T00:00:00Z", "calibration": raw}
    )
    assert isinstance(response.calibration, UnknownCalibration)
    assert response.calibration.type == "photonic_v1"
    assert response.calibration.model_extra == {"loss_db": 3.2}
    assert response.to_wire()["calibration"] == raw


def test_calibration_fields_the_reference_client_requires_are_required() -> None:
    payload = _load("calibration_gate_based.json")
    del payload["calibration"]["qubits"][0]["operational"]
    with pytest.raises(ValidationError):
        CalibrationResponse.model_validate(payload)
    with pytest.raises(ValidationError):
        CalibrationResponse.model_validate({"backend_id": "b", "calibration": {"type": "quera_aquila"}})


def test_calibration_history_page() -> None:
    page = PageResponseCalibrationResponse.model_validate(
        {"content": [_load("calibration_gate_based.json")], "page": 0, "size": 100, "total_elements": 1}
    )
    assert page.content is not None
    assert isinstance(page.content[0], CalibrationResponse)
    assert isinstance(page.content[0].calibration, GateBasedCalibration)


def test_every_normalized_pub_type_is_chosen_by_its_tag_and_round_trips() -> None:
    wire = _load("normalized_result.json")
    result = NormalizedJobResult.model_validate(wire)
    assert [type(pub) for pub in result.pubs] == [
        NormalizedCountsResult,
        NormalizedProbabilitiesResult,
        NormalizedExpectationValuesResult,
        NormalizedUnmappedResult,
        NormalizedErrorResult,
    ]
    counts, probabilities, expectation, unmapped, error = result.pubs
    assert isinstance(counts, NormalizedCountsResult)
    assert counts.counts == {"00": 512, "11": 488}
    assert isinstance(probabilities, NormalizedProbabilitiesResult)
    assert probabilities.probabilities == {"0": 0.25, "1": 0.75}
    assert isinstance(expectation, NormalizedExpectationValuesResult)
    assert expectation.observables is not None
    assert expectation.observables[1].terms is not None
    assert expectation.observables[1].terms[0].coefficient == 0.5
    assert expectation.run_context is not None
    assert expectation.run_context.num_randomizations == 32
    assert isinstance(unmapped, NormalizedUnmappedResult)
    assert unmapped.reason is not None
    assert isinstance(error, NormalizedErrorResult)
    assert error.error == {
        "message": "Backend rejected the circuit",
        "code": "INVALID_INPUT",
        "details": {"gate": "foo"},
    }
    assert result.to_wire() == wire


def test_unknown_normalized_pub_type_parses_into_the_fallback() -> None:
    result = NormalizedJobResult.model_validate(
        {"pubs": [{"type": "statevector", "index": 0, "amplitudes": [[1, 0]]}, {"index": 1}]}
    )
    first, second = result.pubs
    assert isinstance(first, NormalizedUnknownResult)
    assert first.type == "statevector"
    assert first.index == 0
    assert first.model_extra == {"amplitudes": [[1, 0]]}
    assert isinstance(second, NormalizedUnknownResult)
    assert second.type is None


def test_normalized_views_require_what_the_reference_client_requires() -> None:
    with pytest.raises(ValidationError):
        NormalizedJobResult.model_validate({})
    with pytest.raises(ValidationError):
        NormalizedJobResult.model_validate({"pubs": [{"type": "counts", "counts": {"0": 1}}]})
    with pytest.raises(ValidationError):
        NormalizedJobResult.model_validate(
            {"pubs": [{"type": "expectation_values", "index": 0, "values": [1.0]}]}
        )
    with pytest.raises(ValidationError):
        NormalizedJobInput.model_validate({"format": "openqasm.v3", "pubs": [{"name": "no qasm"}]})


def test_normalized_memory_and_input() -> None:
    memory = NormalizedMemoryResult.model_validate(_load("normalized_memory.json"))
    assert memory.memory == ["0x0", "0x3", "0x3", "0x0"]
    normalized_input = NormalizedJobInput.model_validate(_load("normalized_input.json"))
    assert normalized_input.format is QasmFormat.OPENQASM_V3
    assert normalized_input.pubs[0].shots == 1000
    assert normalized_input.pubs[1].parameter_values == [[0.0], [1.5707963267948966]]
    assert NormalizedJobInput.model_validate({"format": "openqasm.v4", "pubs": []}).format == "openqasm.v4"


def test_workload_page_holds_jobs_and_sessions() -> None:
    page = PageResponseWorkloadResponse.model_validate(_load("workloads_page.json"))
    assert (page.page, page.size, page.total_elements, page.total_pages) == (0, 20, 2, 1)
    assert page.model_extra == {"last": True}
    assert page.content is not None
    job, session = page.content
    assert isinstance(job, WorkloadResponse)
    assert job.type is WorkloadType.JOB
    assert job.status == "COMPLETED"
    assert job.service_execution_id is None
    assert session.type is WorkloadType.SESSION
    assert session.mode is SessionMode.BATCH
    assert session.job_count == 3
    assert session.created_at == datetime(2025, 3, 4, 10, 0, tzinfo=UTC)


def test_job_page_items_are_jobs() -> None:
    page = PageResponseJob.model_validate({"content": [_load("job.json")], "page": 2, "size": 1})
    assert page.content is not None
    assert isinstance(page.content[0], Job)
    assert page.content[0].status is JobStatus.COMPLETED


def test_runtime_minutes() -> None:
    response = RuntimeMinutesResponse.model_validate(_load("runtime_minutes.json"))
    assert response.allowances is not None
    allowance = response.allowances[0]
    assert allowance.provider is Provider.IBM
    assert allowance.backend_ids == ["ibm.qpu.fez", "ibm.qpu.marrakesh"]
    assert allowance.remaining_seconds == 3000
    assert allowance.limit_reached is False


# --- cross-cutting conventions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("2025-03-04T10:15:30", datetime(2025, 3, 4, 10, 15, 30, tzinfo=UTC)),
        ("2025-03-04T10:15:30Z", datetime(2025, 3, 4, 10, 15, 30, tzinfo=UTC)),
        ("2025-03-04T10:15:30.250z", datetime(2025, 3, 4, 10, 15, 30, 250000, tzinfo=UTC)),
        ("2025-03-04T12:15:30+02:00", datetime(2025, 3, 4, 10, 15, 30, tzinfo=UTC)),
        ("2025-03-04T05:15:30-05:00", datetime(2025, 3, 4, 10, 15, 30, tzinfo=UTC)),
    ],
)
def test_timestamps_are_timezone_aware_with_naive_values_taken_as_utc(wire: str, expected: datetime) -> None:
    parsed = [
        Job.model_validate({"created_at": wire}).created_at,
        Session.model_validate({"expires_at": wire}).expires_at,
        WorkloadResponse.model_validate({"ended_at": wire}).ended_at,
        Backend.model_validate({"updated_at": wire}).updated_at,
        CalibrationResponse.model_validate(
            {"backend_id": "b", "calibrated_at": wire, "calibration": {"type": "quera_aquila"}}
        ).calibrated_at,
    ]
    for value in parsed:
        assert value is not None
        assert value.tzinfo is not None
        assert value == expected


def test_offsets_are_kept_as_instants_and_dumped_in_utc() -> None:
    job = Job.model_validate({"started_at": "2025-03-04T12:15:30+02:00"})
    assert job.started_at is not None
    assert job.started_at.utcoffset() == timedelta(hours=2)
    assert job.to_wire() == {"started_at": "2025-03-04T10:15:30Z"}
    aware = Job(created_at=datetime(2025, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=1))))
    assert aware.to_wire() == {"created_at": "2025-01-01T00:00:00Z"}


def test_unknown_fields_are_kept_on_nested_models_too() -> None:
    payload = _load("backend.json")
    payload["configuration"]["shots_range"]["step"] = 10
    payload["brand_new"] = {"x": 1}
    backend = Backend.model_validate(payload)
    assert backend.model_extra == {"brand_new": {"x": 1}}
    assert backend.configuration is not None
    assert backend.configuration.shots_range is not None
    assert backend.configuration.shots_range.model_extra == {"step": 10}
    assert backend.to_wire()["configuration"]["shots_range"] == {"min": 1, "max": 5000, "step": 10}


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        (Job.model_validate({"status": "RUNNING"}), "status", "COMPLETED"),
        (Session.model_validate({"id": "s"}), "id", "t"),
        (CreateJobRequest(backend_id="b", shots=1, input="q"), "shots", 2),
        (Backend.model_validate(_load("backend.json")).configuration, "qubit_count", 99),
        (NormalizedJobResult.model_validate(_load("normalized_result.json")).pubs[0], "index", 7),
    ],
)
def test_models_are_frozen(model: BaseModel | None, field: str, value: Any) -> None:
    assert model is not None
    with pytest.raises(ValidationError):
        setattr(model, field, value)


# Every public class the models package promises (the task's list of names).
_PUBLIC_MODEL_NAMES = """
    Job JobStatusResponse CreateJobRequest QasmCircuit QasmProgram Session SessionStatusResponse
    CreateSessionRequest SessionStateUpdateRequest Backend Documentation BackendSdk Configuration
    Gate Connectivity ShotsRange PhotonicProperties Qubit AvailabilityTimes BackendStateInfo
    CalibrationResponse GateBasedCalibration QueraAquilaCalibration UnknownCalibration
    CalibrationMedians QubitCalibration QubitPairCalibration GateCalibration Page PageResponseJob
    PageResponseWorkloadResponse PageResponseCalibrationResponse WorkloadResponse
    RuntimeMinutesResponse RuntimeMinutesAllowance NormalizedJobResult NormalizedCountsResult
    NormalizedProbabilitiesResult NormalizedExpectationValuesResult NormalizedErrorResult
    NormalizedUnmappedResult NormalizedUnknownResult EstimatorRunContext NormalizedObservable
    ObservableTerm NormalizedMemoryResult NormalizedJobInput NormalizedPub AzureIonqJobInput
    AzureIonqJobInputCircuitItem AzureIonqJobInputParams AwsQasm3JobInput AwsQasm3JobInputParams
    AwsAhsJobInput AhsProgram AhsSetup AhsRegister AhsHamiltonian AhsDrivingField AhsLocalDetuning
    AhsTimeSeriesField AhsTimeSeries AwsAhsJobInputParams IqmJobInput IqmCircuit IqmInstruction
    IqmInstructionArgs IqmQubitMapping IqmDdStrategy IqmJobInputParams KipuJobInput
    KipuJobInputParams QudoraJobInput QudoraJobInputParams QuandelaJobInputParams AqtJobInput
    AqtJobInputPayload AqtCircuit AqtJobInputParams IbmJobInputParams IbmJobInput IbmJobInputOptions
    IbmDynamicalDecouplingOptions IbmExecutionOptions IbmTwirlingOptions IbmSimulatorOptions
    IbmResilienceOptions IbmMeasureNoiseLearningOptions IbmZneOptions IbmPecOptions
    IbmLayerNoiseLearningOptions
"""


def test_package_exports_every_public_model_and_enum() -> None:
    from qhub_providers.api.models import enums

    exported = set(models.__all__)
    for name, value in vars(enums).items():
        # Not an identifier: what pytest's assertion rewriting adds to modules of a plugin's distribution
        # (the test kit's pytest11 entry point makes this package one).
        own = getattr(value, "__module__", enums.__name__) == enums.__name__
        if name.isidentifier() and not name.startswith("_") and own:
            assert name in exported, name
    for name in models.__all__:
        assert getattr(models, name) is not None
    expected = set(_PUBLIC_MODEL_NAMES.split())
    assert expected <= exported
