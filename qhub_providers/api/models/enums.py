"""The Hub's enumerations with their exact wire strings.

Every enum is a :class:`~enum.StrEnum`, so members compare equal to their wire strings. Model fields are
typed ``Enum | str``: a value the Hub adds later parses as a plain string instead of failing.
"""

from __future__ import annotations

from enum import StrEnum


class Provider(StrEnum):
    """Cloud provider that exposes a backend."""

    AZURE = "AZURE"
    AWS = "AWS"
    IBM = "IBM"
    QRYD = "QRYD"
    QUDORA = "QUDORA"
    QUANDELA = "QUANDELA"
    IQM = "IQM"
    KIPU = "KIPU"
    AQT = "AQT"


class HardwareProvider(StrEnum):
    """Vendor of the hardware behind a backend."""

    IONQ = "IONQ"
    RIGETTI = "RIGETTI"
    OQC = "OQC"
    AWS = "AWS"
    AZURE = "AZURE"
    IBM = "IBM"
    QUERA = "QUERA"
    IQM = "IQM"
    QUDORA = "QUDORA"
    QUANTINUUM = "QUANTINUUM"
    QUANDELA = "QUANDELA"
    KIPU = "KIPU"
    AQT = "AQT"


class BackendType(StrEnum):
    QPU = "QPU"
    SIMULATOR = "SIMULATOR"
    ANNEALER = "ANNEALER"
    UNKNOWN = "UNKNOWN"


class BackendTechnology(StrEnum):
    SUPERCONDUCTING = "SUPERCONDUCTING"
    TRAPPED_ION = "TRAPPED_ION"
    PHOTONIC = "PHOTONIC"
    NEUTRAL_ATOMS = "NEUTRAL_ATOMS"
    UNKNOWN = "UNKNOWN"


class BackendAccessType(StrEnum):
    PAY_PER_USE = "PAY_PER_USE"
    TOKEN_BASED = "TOKEN_BASED"
    PREPAID = "PREPAID"
    FREE = "FREE"


class BackendStatus(StrEnum):
    """Operational state from ``GET backends/{id}/status`` (``BackendStateInfoStatus``)."""

    UNKNOWN = "UNKNOWN"
    ONLINE = "ONLINE"
    PAUSED = "PAUSED"
    OFFLINE = "OFFLINE"
    RETIRED = "RETIRED"


class BackendSdkType(StrEnum):
    QHUB = "QHUB"
    PENNYLANE = "PENNYLANE"
    QISKIT = "QISKIT"
    QISKIT_RUNTIME = "QISKIT_RUNTIME"
    QOQO = "QOQO"
    PERCEVAL = "PERCEVAL"


class OutputFormat(StrEnum):
    """``Configuration.output_format``."""

    MICROSOFT_QUANTUM_RESULTS_V2 = "MICROSOFT_QUANTUM_RESULTS_V2"
    IONQ_RESULT_V1 = "IONQ_RESULT_V1"


class JobInputFormat(StrEnum):
    OPEN_QASM_V1 = "OPEN_QASM_V1"
    OPEN_QASM_V2 = "OPEN_QASM_V2"
    OPEN_QASM_V3 = "OPEN_QASM_V3"
    QIR_V1 = "QIR_V1"
    BRAKET_OPEN_QASM_V3 = "BRAKET_OPEN_QASM_V3"
    BRAKET_AHS_PROGRAM = "BRAKET_AHS_PROGRAM"
    IONQ_CIRCUIT_V1 = "IONQ_CIRCUIT_V1"
    QISKIT_QPY = "QISKIT_QPY"
    QOQO = "QOQO"
    PERCEVAL = "PERCEVAL"
    IQM_JOB_INPUT_V1 = "IQM_JOB_INPUT_V1"
    AQT_JOB_INPUT_V1 = "AQT_JOB_INPUT_V1"


class JobStatus(StrEnum):
    """Job lifecycle; see :data:`TERMINAL_JOB_STATUSES`."""

    UNKNOWN = "UNKNOWN"
    PENDING = "PENDING"
    ABORTED = "ABORTED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLING = "CANCELLING"
    CANCELLED = "CANCELLED"
    DETACHED = "DETACHED"


TERMINAL_JOB_STATUSES: frozenset[str] = frozenset(
    {JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.ABORTED, JobStatus.DETACHED}
)
"""Job statuses after which nothing changes any more (DETACHED included: it never gets a result)."""


class SessionStatus(StrEnum):
    """Session lifecycle; see :data:`FINAL_SESSION_STATUSES`."""

    UNKNOWN = "UNKNOWN"
    ABORTED = "ABORTED"
    OPEN = "OPEN"
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    DRAINING = "DRAINING"
    CLOSED = "CLOSED"
    DETACHED = "DETACHED"


FINAL_SESSION_STATUSES: frozenset[str] = frozenset(
    {SessionStatus.CLOSED, SessionStatus.ABORTED, SessionStatus.DETACHED}
)


class SessionMode(StrEnum):
    BATCH = "batch"
    DEDICATED = "dedicated"


class SdkProvider(StrEnum):
    QISKIT = "QISKIT"
    BRAKET = "BRAKET"
    PERCEVAL = "PERCEVAL"
    CLIENT = "CLIENT"


class UsageTimeState(StrEnum):
    MEASURED = "MEASURED"
    PENDING = "PENDING"
    NOT_MEASURABLE = "NOT_MEASURABLE"


class WorkloadType(StrEnum):
    JOB = "JOB"
    SESSION = "SESSION"


class WorkloadOrigin(StrEnum):
    """Value of the ``origin`` filter of ``GET workloads``."""

    STANDALONE = "STANDALONE"
    SERVICE_EXECUTION = "SERVICE_EXECUTION"


class QasmFormat(StrEnum):
    OPENQASM_V2 = "openqasm.v2"
    OPENQASM_V3 = "openqasm.v3"


class CalibrationType(StrEnum):
    """``type`` tag of ``CalibrationResponse.calibration``."""

    GATE_BASED = "gate_based"
    QUERA_AQUILA = "quera_aquila"


class NormalizedPubResultType(StrEnum):
    """``type`` tag of the entries of ``NormalizedJobResult.pubs``."""

    COUNTS = "counts"
    PROBABILITIES = "probabilities"
    EXPECTATION_VALUES = "expectation_values"
    ERROR = "error"
    UNMAPPED = "unmapped"


# Enumerations of the job input schemas (the models in qhub_providers/api/models/inputs.py).


class IonqGateset(StrEnum):
    """``AzureIonqJobInput.gateset``."""

    QIS = "qis"


class IonqGateType(StrEnum):
    """``AzureIonqJobInputCircuitItem.type``."""

    X = "x"
    Y = "y"
    Z = "z"
    RX = "rx"
    RY = "ry"
    RZ = "rz"
    H = "h"
    S = "s"
    SI = "si"
    V = "v"
    VI = "vi"
    T = "t"
    TI = "ti"
    NOT = "not"
    CNOT = "cnot"
    SWAP = "swap"
    XX = "xx"
    YY = "yy"
    ZZ = "zz"
    PAULI_EXP = "pauliExp"


class AqtJobType(StrEnum):
    QUANTUM_CIRCUIT = "quantum_circuit"


class IqmDdMode(StrEnum):
    DISABLED = "disabled"
    ENABLED = "enabled"


class IqmHeraldingMode(StrEnum):
    NONE = "none"
    ZEROS = "zeros"


class IqmMoveGateFrameTrackingMode(StrEnum):
    FULL = "full"
    NO_DETUNING_CORRECTION = "no_detuning_correction"
    NONE = "none"


class IqmMoveValidationMode(StrEnum):
    STRICT = "strict"
    ALLOW_PRX = "allow_prx"
    NONE = "none"


class KipuSimulationMode(StrEnum):
    """``KipuJobInputParams.mode``: counts, the full state vector, or selected amplitudes."""

    SAMPLE = "sample"
    STATEVECTOR = "statevector"
    AMPLITUDES = "amplitudes"


class QudoraLanguage(StrEnum):
    OPENQASM2 = "OpenQASM2"
    OPENQASM3 = "OpenQASM3"


class IbmLogLevel(StrEnum):
    CRITICAL = "critical"
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    DEBUG = "debug"


class IbmDdSequenceType(StrEnum):
    XX = "XX"
    XPXM = "XpXm"
    XY4 = "XY4"


class IbmExtraSlackDistribution(StrEnum):
    MIDDLE = "middle"
    EDGES = "edges"


class IbmSchedulingMethod(StrEnum):
    ALAP = "alap"
    ASAP = "asap"


class IbmTwirlingStrategy(StrEnum):
    ACTIVE = "active"
    ACTIVE_CIRCUIT = "active-circuit"
    ACTIVE_ACCUM = "active-accum"
    ALL = "all"


class IbmZneAmplifier(StrEnum):
    GATE_FOLDING = "gate_folding"
    GATE_FOLDING_FRONT = "gate_folding_front"
    GATE_FOLDING_BACK = "gate_folding_back"
    PEA = "pea"


class IbmZneExtrapolator(StrEnum):
    LINEAR = "linear"
    EXPONENTIAL = "exponential"
    DOUBLE_EXPONENTIAL = "double_exponential"
    POLYNOMIAL_DEGREE_1 = "polynomial_degree_1"
    POLYNOMIAL_DEGREE_2 = "polynomial_degree_2"
    POLYNOMIAL_DEGREE_3 = "polynomial_degree_3"
    POLYNOMIAL_DEGREE_4 = "polynomial_degree_4"
    POLYNOMIAL_DEGREE_5 = "polynomial_degree_5"
    POLYNOMIAL_DEGREE_6 = "polynomial_degree_6"
    POLYNOMIAL_DEGREE_7 = "polynomial_degree_7"
    FALLBACK = "fallback"
