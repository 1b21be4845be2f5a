"""Job ``input`` and ``input_params`` schemas, one pair per backend family.

Every model carries an optional ``backend_id`` written as ``backendId`` on the wire: the reference client
puts that tag inside ``input`` / ``input_params``, but it is redundant with the top-level ``backend_id`` of
``POST jobs`` and clients may leave it out. A Quandela (Perceval) input is a free-form object: no model.

Where the generated schema disagrees with what real Qiskit Runtime sends (IBM PUBs are arrays, ``version`` is
an integer, several option values may be ``"auto"`` or arrays), the types here follow the real payloads.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ._base import OpenEnum, WireModel
from .enums import (
    AqtJobType,
    IbmDdSequenceType,
    IbmExtraSlackDistribution,
    IbmLogLevel,
    IbmSchedulingMethod,
    IbmTwirlingStrategy,
    IbmZneAmplifier,
    IbmZneExtrapolator,
    IonqGateset,
    IonqGateType,
    IqmDdMode,
    IqmHeraldingMode,
    IqmMoveGateFrameTrackingMode,
    IqmMoveValidationMode,
    KipuSimulationMode,
    QudoraLanguage,
)


class _JobInputPart(WireModel):
    """Base of every input and input-params model: the optional ``backendId`` tag, written first."""

    backend_id: str | None = Field(default=None, alias="backendId")


# --- Azure IonQ (IONQ_CIRCUIT_V1) ---------------------------------------------------------------------------


class AzureIonqJobInputCircuitItem(WireModel):
    """One IonQ QIS gate. ``gate`` and ``rotation`` are the spelling of IonQ's own JSON API."""

    type: OpenEnum[IonqGateType] | None = None
    targets: list[int]
    controls: list[int] | None = None
    gate: str | None = None
    rotation: float | None = None


class AzureIonqJobInput(_JobInputPart):
    """An IonQ circuit in the QIS gate set."""

    circuit: list[AzureIonqJobInputCircuitItem]
    gateset: OpenEnum[IonqGateset]
    # Total qubit count.
    qubits: int
    # Register name → qubit indices.
    registers: dict[str, list[int]] | None = None


class AzureIonqJobInputParams(_JobInputPart):
    """No declared parameters; the SDKs send ``meas_map`` (a JSON-encoded string) and ``memory`` as extras."""


# --- AWS Braket OpenQASM 3 (BRAKET_OPEN_QASM_V3) ----------------------------------------------------------


class AwsQasm3JobInput(_JobInputPart):
    """Braket OpenQASM 3: one program, or a list of programs (a program set, one per PUB)."""

    qasm: str | list[str]


class AwsQasm3JobInputParams(_JobInputPart):
    """Braket run parameters."""

    disable_qubit_rewiring: bool | None = None
    qubit_count: float | None = None


# --- AWS QuEra Aquila (BRAKET_AHS_PROGRAM) ----------------------------------------------------------------


class AhsTimeSeries(WireModel):
    """A piecewise-linear waveform: ``values`` at ``times`` (seconds)."""

    values: list[float]
    times: list[float]


class AhsTimeSeriesField(WireModel):
    """A waveform with its spatial pattern: ``"uniform"`` or one factor per site."""

    time_series: AhsTimeSeries
    pattern: str | list[float]


class AhsDrivingField(WireModel):
    """A global driving field: Rabi amplitude, laser phase and detuning."""

    amplitude: AhsTimeSeriesField
    phase: AhsTimeSeriesField
    detuning: AhsTimeSeriesField


class AhsLocalDetuning(WireModel):
    """A site-dependent detuning."""

    magnitude: AhsTimeSeriesField


class AhsHamiltonian(WireModel):
    """The time-dependent Hamiltonian; the two keys are camelCase on the wire, as in Braket's AHS IR."""

    driving_fields: list[AhsDrivingField] = Field(alias="drivingFields")
    local_detuning: list[AhsLocalDetuning] | None = Field(default=None, alias="localDetuning")


class AhsRegister(WireModel):
    """Atom positions (``[x, y]`` in metres) and which of them are filled (1) or empty (0)."""

    sites: list[list[float]]
    filling: list[int]


class AhsSetup(WireModel):
    """The atom arrangement."""

    ahs_register: AhsRegister


class AhsProgram(WireModel):
    """A Braket analog Hamiltonian simulation program (AHS IR without ``braketSchemaHeader``)."""

    setup: AhsSetup
    hamiltonian: AhsHamiltonian


class AwsAhsJobInput(_JobInputPart):
    """Input of an AHS job."""

    ahs_program: AhsProgram


class AwsAhsJobInputParams(_JobInputPart):
    """No declared parameters."""


# --- IQM (IQM_JOB_INPUT_V1) -------------------------------------------------------------------------------


class IqmInstructionArgs(WireModel):
    """Arguments of an IQM instruction or circuit; angles in turns (0.5 = π), ``key`` names a measurement."""

    angle_t: float | None = None
    phase_t: float | None = None
    key: str | None = None


class IqmInstruction(WireModel):
    """One native IQM operation (``prx``, ``cz``, ``measure``, ``move``, ``barrier`` …) on named qubits."""

    name: str
    args: IqmInstructionArgs | None = None
    implementation: str | None = None
    qubits: list[str] | None = None
    metadata: dict[str, Any] | None = None


class IqmCircuit(WireModel):
    """A named IQM circuit."""

    name: str
    instructions: list[IqmInstruction]
    args: IqmInstructionArgs | None = None
    implementation: str | None = None
    qubits: list[str] | None = None
    metadata: dict[str, Any] | None = None


class IqmQubitMapping(WireModel):
    """Maps a logical qubit name of the circuits onto a physical qubit."""

    logical_name: str
    physical_name: str


class IqmDdStrategy(WireModel):
    """Dynamical decoupling strategy."""

    gate_sequences: list[list[str]] | None = None
    merge_contiguous_waits: bool | None = None
    skip_leading_wait: bool | None = None
    skip_trailing_wait: bool | None = None
    target_qubits: list[str] | None = None


class IqmJobInput(_JobInputPart):
    """Input of an IQM job.

    The schema puts the run options here; the reference SDK sends only ``circuits`` in ``input`` and the
    options in ``input_params``, so readers should look in both places.
    """

    circuits: list[IqmCircuit]
    calibration_set_id: str | None = None
    qubit_mapping: list[IqmQubitMapping] | None = None
    custom_settings: dict[str, Any] | None = None
    dd_mode: OpenEnum[IqmDdMode] | None = None
    dd_strategy: IqmDdStrategy | None = None
    heralding_mode: OpenEnum[IqmHeraldingMode] | None = None
    move_gate_frame_tracking_mode: OpenEnum[IqmMoveGateFrameTrackingMode] | None = None
    move_validation_mode: OpenEnum[IqmMoveValidationMode] | None = None
    max_circuit_duration_over_t2: float | None = None
    active_reset_cycles: int | None = None


class IqmJobInputParams(_JobInputPart):
    """No declared parameters (IQM run options sent here by the SDK arrive as extras)."""


# --- Kipu qsim (OPEN_QASM_V2) -----------------------------------------------------------------------------


class KipuJobInput(_JobInputPart):
    """Input of a Kipu qsim job: one OpenQASM 2 program."""

    qasm: str


class KipuJobInputParams(_JobInputPart):
    """qsim options; ``bitstrings`` is needed for mode ``amplitudes``, ``cpu_threads=0`` means automatic."""

    mode: OpenEnum[KipuSimulationMode] | None = None
    max_fused_gate_size: int | None = None
    cpu_threads: int | None = None
    bitstrings: list[str] | None = None


# --- Qudora (OPEN_QASM_V2) --------------------------------------------------------------------------------


class QudoraJobInput(_JobInputPart):
    """OpenQASM 2 or 3: one program, or a list (one per PUB)."""

    qasm: str | list[str]


class QudoraJobInputParams(_JobInputPart):
    """Qudora options; ``backend_settings`` is passed through to Qudora untouched."""

    backend_settings: dict[str, Any] | None = None
    language: OpenEnum[QudoraLanguage] | None = None


# --- Quandela (PERCEVAL) ----------------------------------------------------------------------------------


class QuandelaJobInputParams(_JobInputPart):
    """Perceval run parameters; ``max_duration`` in seconds, ``platform_name`` e.g. ``sim:belenos``."""

    pcvl_version: str | None = None
    platform_name: str | None = None
    process_id: str | None = None
    job_group_name: str | None = None
    max_duration: int | None = None


# --- AQT (AQT_JOB_INPUT_V1) -------------------------------------------------------------------------------


class AqtCircuit(WireModel):
    """One AQT circuit with its own shot count; ops like ``{"operation": "RZ", "qubit": 0, "phi": 0.5}``."""

    repetitions: int
    number_of_qubits: int
    quantum_circuit: list[dict[str, Any]]


class AqtJobInputPayload(WireModel):
    """The circuits of an AQT job."""

    circuits: list[AqtCircuit]


class AqtJobInput(_JobInputPart):
    """Input of an AQT job."""

    job_type: OpenEnum[AqtJobType] | None = None
    label: str | None = None
    payload: AqtJobInputPayload


class AqtJobInputParams(_JobInputPart):
    """No declared parameters."""


# --- IBM Qiskit Runtime (QISKIT_QPY) ----------------------------------------------------------------------


class IbmJobInputParams(_JobInputPart):
    """Runtime job parameters; the SDKs also send ``backend_name``, ``job_tags``, ``version`` … as extras."""

    # "sampler" or "estimator".
    program_id: str
    max_execution_time: int | None = None
    log_level: OpenEnum[IbmLogLevel] | None = None


class IbmDynamicalDecouplingOptions(WireModel):
    """Dynamical decoupling options of the primitives."""

    enable: bool | None = None
    sequence_type: OpenEnum[IbmDdSequenceType] | None = None
    extra_slack_distribution: OpenEnum[IbmExtraSlackDistribution] | None = None
    scheduling_method: OpenEnum[IbmSchedulingMethod] | None = None
    skip_reset_qubits: bool | None = None


class IbmExecutionOptions(WireModel):
    """Execution options; ``meas_type`` is a string in Qiskit Runtime (``"classified"`` …)."""

    init_qubits: bool | None = None
    rep_delay: float | None = None
    meas_type: str | dict[str, Any] | None = None


class IbmTwirlingOptions(WireModel):
    """Pauli twirling options; the counts may be ``"auto"``."""

    enable_gates: bool | None = None
    enable_measure: bool | None = None
    num_randomizations: int | str | dict[str, Any] | None = None
    shots_per_randomization: int | str | dict[str, Any] | None = None
    strategy: OpenEnum[IbmTwirlingStrategy] | None = None


class IbmSimulatorOptions(WireModel):
    """Options for IBM's simulators; ``coupling_map`` is a list of ``[control, target]`` pairs in Qiskit."""

    noise_model: dict[str, Any] | None = None
    seed_simulator: int | None = None
    coupling_map: list[Any] | None = None
    basis_gates: list[str] | None = None


class IbmMeasureNoiseLearningOptions(WireModel):
    """Learning of readout noise for measurement mitigation."""

    num_randomizations: int | None = None
    shots_per_randomization: int | str | dict[str, Any] | None = None


class IbmZneOptions(WireModel):
    """Zero-noise extrapolation; the noise factors are lists of numbers in Qiskit Runtime."""

    noise_factors: list[float] | dict[str, Any] | None = None
    extrapolator: OpenEnum[IbmZneExtrapolator] | list[OpenEnum[IbmZneExtrapolator]] | None = None
    amplifier: OpenEnum[IbmZneAmplifier] | None = None
    extrapolated_noise_factors: list[float] | dict[str, Any] | None = None


class IbmPecOptions(WireModel):
    """Probabilistic error cancellation; ``noise_gain`` may be ``"auto"``."""

    max_overhead: float | None = None
    noise_gain: float | str | dict[str, Any] | None = None


class IbmLayerNoiseLearningOptions(WireModel):
    """Learning of layer noise for PEC / PEA; ``layer_pair_depths`` is a list of depths in Qiskit Runtime."""

    max_layers_to_learn: int | None = None
    shots_per_randomization: int | None = None
    num_randomizations: int | None = None
    layer_pair_depths: list[int] | dict[str, Any] | None = None


class IbmResilienceOptions(WireModel):
    """Error mitigation options of the estimator."""

    measure_mitigation: bool | None = None
    measure_noise_learning: IbmMeasureNoiseLearningOptions | None = None
    zne_mitigation: bool | None = None
    zne: IbmZneOptions | None = None
    pec_mitigation: bool | None = None
    pec: IbmPecOptions | None = None
    layer_noise_learning: IbmLayerNoiseLearningOptions | None = None
    layer_noise_model: dict[str, Any] | list[Any] | None = None


class IbmJobInputOptions(WireModel):
    """Primitive options: the sampler, estimator and circuits shapes merged, every field optional."""

    default_shots: int | None = None
    seed_estimator: int | None = None
    default_precision: float | None = None
    dynamical_decoupling: IbmDynamicalDecouplingOptions | None = None
    resilience: IbmResilienceOptions | None = None
    execution: IbmExecutionOptions | None = None
    twirling: IbmTwirlingOptions | None = None
    simulator: IbmSimulatorOptions | None = None
    experimental: dict[str, Any] | None = None
    # Fields of the "circuits" shape.
    max_layers_to_learn: int | None = None
    shots_per_randomization: int | None = None
    num_randomizations: int | None = None
    layer_pair_depths: list[int] | None = None
    twirling_strategy: OpenEnum[IbmTwirlingStrategy] | None = None
    support_qiskit: bool | None = None


class IbmJobInput(_JobInputPart):
    """Qiskit Runtime primitive input (sampler, estimator or circuits shape, merged; every field optional).

    ``pubs`` holds Qiskit-Runtime-encoded PUBs, e.g. ``[[{"__type__": "QuantumCircuit", ...}, null, 100]]``.
    ``options`` that do not fit :class:`IbmJobInputOptions` are kept as a plain dict rather than rejected.
    """

    pubs: list[Any] | None = None
    options: IbmJobInputOptions | dict[str, Any] | None = Field(default=None, union_mode="left_to_right")
    shots: int | None = None
    support_qiskit: bool | None = None
    # Qiskit Runtime sends an integer (2); the generated schema declares an object.
    version: int | dict[str, Any] | None = None
    resilience_level: int | None = None
    precision: float | None = None
    circuits: list[dict[str, Any]] | None = None
