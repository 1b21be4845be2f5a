"""Amazon Braket backends: the SV1 and DM1 simulators, IonQ Forte, Rigetti Cepheus and QuEra Aquila.

``backends/{id}/config`` serves a Braket device-capabilities document, so that the Braket face (and
qiskit-braket-provider style target building) can parse it with ``braket.device_schema``. The QPUs'
``standardized`` properties are rendered from the calibration snapshot that is current when the
catalog is built, so they agree with ``backends/{id}/calibration`` on that day.
"""

from __future__ import annotations

import copy
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from qhub_providers.emulator.catalog.calibration import (
    SUPERCONDUCTING,
    TRAPPED_ION,
    AnalogCalibration,
    GateBasedCalibration,
    Snapshot,
    iso_z,
)
from qhub_providers.emulator.catalog.records import (
    QHUB_SDK,
    QISKIT_SDK,
    BackendFacts,
    Documentation,
    Window,
    build_spec,
)
from qhub_providers.emulator.catalog.spec import BackendSpec
from qhub_providers.emulator.catalog.topology import Edge, adjacency, grid

BRAKET_TO_QISKIT: dict[str, str] = {
    "ccnot": "ccx",
    "cnot": "cx",
    "cphaseshift": "cp",
    "cswap": "cswap",
    "cy": "cy",
    "cz": "cz",
    "ecr": "ecr",
    "h": "h",
    "i": "id",
    "iswap": "iswap",
    "phaseshift": "p",
    "prx": "r",
    "rx": "rx",
    "ry": "ry",
    "rz": "rz",
    "s": "s",
    "si": "sdg",
    "swap": "swap",
    "t": "t",
    "ti": "tdg",
    "U": "u",
    "v": "sx",
    "vi": "sxdg",
    "x": "x",
    "xx": "rxx",
    "y": "y",
    "yy": "ryy",
    "z": "z",
    "zz": "rzz",
}
"""Braket OpenQASM gate names with an exact Qiskit standard-gate counterpart."""

_SV1_OPERATIONS = (
    "ccnot", "cnot", "cphaseshift", "cphaseshift00", "cphaseshift01", "cphaseshift10", "cswap", "cy",
    "cz", "ecr", "h", "i", "iswap", "pswap", "phaseshift", "rx", "ry", "rz", "s", "si", "swap", "t",
    "ti", "unitary", "v", "vi", "x", "xx", "xy", "y", "yy", "z", "zz", "gpi", "gpi2", "ms", "prx", "U",
    "GPhase",
)  # fmt: skip
_DM1_NOISE_OPERATIONS = (
    "amplitude_damping", "bit_flip", "depolarizing", "generalized_amplitude_damping", "kraus",
    "pauli_channel", "phase_damping", "phase_flip", "two_qubit_dephasing", "two_qubit_depolarizing",
)  # fmt: skip
_IONQ_OPERATIONS = (
    "x", "y", "z", "rx", "ry", "rz", "h", "cnot", "s", "si", "t", "ti", "v", "vi", "xx", "yy", "zz", "swap",
)  # fmt: skip
_RIGETTI_OPERATIONS = (
    "cz", "xy", "ccnot", "cnot", "cphaseshift", "cphaseshift00", "cphaseshift01", "cphaseshift10",
    "cswap", "h", "i", "iswap", "phaseshift", "pswap", "rx", "ry", "rz", "s", "si", "swap", "t", "ti",
    "x", "y", "z",
)  # fmt: skip

_OBSERVABLES = ["x", "y", "z", "h", "i", "hermitian"]
_QPU_OBSERVABLES = ["x", "y", "z", "h", "i"]
_SIMULATOR_PRAGMAS = [
    "braket_unitary_matrix",
    "braket_result_type_sample",
    "braket_result_type_expectation",
    "braket_result_type_variance",
    "braket_result_type_probability",
]
_NOISE_PRAGMAS = [f"braket_noise_{op}" for op in _DM1_NOISE_OPERATIONS]
_ALL_MODIFIERS: list[dict[str, Any]] = [
    {"name": "ctrl", "max_qubits": None},
    {"name": "negctrl", "max_qubits": None},
    {"name": "pow", "exponent_types": ["int", "float"]},
    {"name": "inv"},
]
_BRAKET_DEVICES_DOC = "https://docs.aws.amazon.com/braket/latest/developerguide/braket-devices.html"
_AWS_STATUS = "https://health.aws.amazon.com/health/status"
_AWS_SDKS = (QHUB_SDK, QISKIT_SDK)


def qiskit_gate_names(braket_operations: Iterable[str]) -> tuple[str, ...]:
    """The Qiskit names of the Braket operations that have one, sorted."""
    return tuple(sorted({BRAKET_TO_QISKIT[op] for op in braket_operations if op in BRAKET_TO_QISKIT}))


# --- capability document parts --------------------------------------------------------------------


def _header(name: str, version: str = "1") -> dict[str, str]:
    return {"name": f"braket.device_schema.{name}", "version": version}


_EXECUTION_DAYS = {"DAILY": "Everyday", "WEEKLY": "Monday"}


def _service(
    facts: BackendFacts,
    *,
    shots_range: tuple[int, int],
    price: float,
    unit: str,
    summary: str,
    location: str,
    updated_at: datetime,
) -> dict[str, Any]:
    return {
        "braketSchemaHeader": _header("device_service_properties"),
        "executionWindows": [
            {
                "executionDay": _EXECUTION_DAYS.get(w.granularity, "Everyday"),
                "windowStartHour": w.start,
                "windowEndHour": w.end,
            }
            for w in facts.availability
        ],
        "shotsRange": list(shots_range),
        "deviceCost": {"price": price, "unit": unit},
        "deviceDocumentation": {
            "summary": summary,
            "externalDocumentationUrl": facts.documentation.url,
        },
        "deviceLocation": location,
        "updatedAt": iso_z(updated_at),
    }


def _result_types(
    max_shots: int, *, min_sample_shots: int, observables: list[str], exact: Sequence[str] = ()
) -> list[dict[str, Any]]:
    sampled_min = 1 if exact else min_sample_shots
    # Simulators compute expectations exactly with shots=0; QPUs always sample.
    expectation_min = 0 if exact else min_sample_shots
    types: list[dict[str, Any]] = [
        {"name": "Sample", "observables": observables, "minShots": sampled_min, "maxShots": max_shots},
        {
            "name": "Expectation",
            "observables": observables,
            "minShots": expectation_min,
            "maxShots": max_shots,
        },
        {"name": "Variance", "observables": observables, "minShots": expectation_min, "maxShots": max_shots},
        {"name": "Probability", "observables": None, "minShots": expectation_min, "maxShots": max_shots},
    ]
    types.extend({"name": name, "observables": None, "minShots": 0, "maxShots": 0} for name in exact)
    return types


def _openqasm_action(
    operations: Sequence[str],
    result_types: list[dict[str, Any]],
    *,
    modifiers: list[dict[str, Any]] | None = None,
    pragmas: list[str] | None = None,
    forbidden_pragmas: list[str] | None = None,
    physical_qubits: bool = False,
    rewiring_can_be_disabled: bool = False,
) -> dict[str, Any]:
    return {
        "actionType": "braket.ir.openqasm.program",
        "version": ["1"],
        "supportedOperations": list(operations),
        "supportedModifiers": modifiers or [],
        "supportedPragmas": pragmas or [],
        "forbiddenPragmas": forbidden_pragmas or [],
        "requiresAllQubitsMeasurement": False,
        "supportPhysicalQubits": physical_qubits,
        "requiresContiguousQubitIndices": False,
        "supportsPartialVerbatimBox": False,
        "supportsUnassignedMeasurements": True,
        "disabledQubitRewiringSupported": rewiring_can_be_disabled,
        "supportedResultTypes": result_types,
    }


def _program_set_action(facts: BackendFacts) -> dict[str, Any]:
    return {
        "actionType": "braket.ir.openqasm.program_set",
        "version": ["1"],
        "maximumExecutables": facts.max_pubs_per_job,
        "maximumTotalShots": facts.total_shots_max or facts.shots[1],
    }


def _qpu_paradigm(num_qubits: int, native_gates: list[str], edges: Sequence[Edge] | None) -> dict[str, Any]:
    connectivity = (
        {"fullyConnected": True, "connectivityGraph": {}}
        if edges is None
        else {"fullyConnected": False, "connectivityGraph": adjacency(num_qubits, edges)}
    )
    return {
        "braketSchemaHeader": _header("gate_model_qpu_paradigm_properties"),
        "connectivity": connectivity,
        "qubitCount": num_qubits,
        "nativeGateSet": native_gates,
    }


def _rb(description: str) -> dict[str, str]:
    return {"name": "RANDOMIZED_BENCHMARKING", "description": description}


def _mean_and_median(values: Iterable[float]) -> tuple[float, float, float]:
    data = list(values)
    return statistics.fmean(data), statistics.median(data), statistics.pstdev(data)


def _current_snapshot(calibration: GateBasedCalibration) -> Snapshot:
    return calibration.latest(datetime.now(UTC)) or calibration.snapshot(0)


# --- simulators -----------------------------------------------------------------------------------


def _simulator(
    backend_id: str,
    arn: str,
    name: str,
    display_name: str,
    num_qubits: int,
    operations: Sequence[str],
    *,
    noise: bool,
    description: str,
) -> BackendSpec:
    gates = qiskit_gate_names(operations)
    facts = BackendFacts(
        id=backend_id,
        internal_id=arn,
        provider="AWS",
        hardware_provider="AWS",
        name=name,
        display_name=display_name,
        technology="UNKNOWN",
        is_simulator=True,
        num_qubits=num_qubits,
        input_format="BRAKET_OPEN_QASM_V3",
        runner="braket_qasm3",
        shots=(1, 100_000),
        documentation=Documentation(description, _BRAKET_DEVICES_DOC, _AWS_STATUS, "us-east-1", _AWS_SDKS),
        basis_gates=gates,
        instructions=("measure", "barrier"),
        max_pubs_per_job=100,
        total_shots_max=200_000,
        memory_result_supported=True,
        supports_sessions=True,
    )
    exact = ("DensityMatrix",) if noise else ("Amplitude", "AdjointGradient")
    pragmas = _SIMULATOR_PRAGMAS + (["braket_result_type_density_matrix", *_NOISE_PRAGMAS] if noise else [])
    if not noise:
        pragmas += ["braket_result_type_amplitude", "braket_result_type_adjoint_gradient"]
    capabilities = {
        "braketSchemaHeader": _header("simulators.gate_model_simulator_device_capabilities"),
        "service": _service(
            facts,
            shots_range=(0, 100_000),
            price=0.075,
            unit="minute",
            summary=description,
            location="us-east-1",
            updated_at=datetime(2025, 1, 1, tzinfo=UTC),
        ),
        "action": {
            "braket.ir.openqasm.program": _openqasm_action(
                list(operations) + (list(_DM1_NOISE_OPERATIONS) if noise else []),
                _result_types(100_000, min_sample_shots=1, observables=_OBSERVABLES, exact=exact),
                modifiers=_ALL_MODIFIERS,
                pragmas=pragmas,
                forbidden_pragmas=[] if noise else _NOISE_PRAGMAS,
            ),
            "braket.ir.openqasm.program_set": _program_set_action(facts),
        },
        "paradigm": {
            "braketSchemaHeader": _header("simulators.gate_model_simulator_paradigm_properties"),
            "qubitCount": num_qubits,
        },
        "deviceParameters": {},
    }
    return build_spec(facts, native_config=capabilities)


def sv1() -> BackendSpec:
    """Amazon's on-demand state-vector simulator."""
    return _simulator(
        "aws.sim.sv1",
        "arn:aws:braket:::device/quantum-simulator/amazon/sv1",
        "SV1",
        "Amazon SV1",
        34,
        _SV1_OPERATIONS,
        noise=False,
        description="State-vector simulator for universal circuits of up to 34 qubits.",
    )


def dm1() -> BackendSpec:
    """Amazon's on-demand density-matrix simulator, which accepts noise channels."""
    return _simulator(
        "aws.sim.dm1",
        "arn:aws:braket:::device/quantum-simulator/amazon/dm1",
        "DM1",
        "Amazon DM1",
        17,
        tuple(op for op in _SV1_OPERATIONS if op not in ("U", "GPhase")),
        noise=True,
        description="Density-matrix simulator for noisy circuits of up to 17 qubits.",
    )


# --- IonQ -----------------------------------------------------------------------------------------

_IONQ_BASIS = ("r", "rz", "rzz")
"""Qiskit counterparts of Forte's GPi/GPi2 (rotations about an axis in the XY plane), the virtual Z
and the ZZ interaction."""


def _ionq_forte(backend_id: str, device: str, display_name: str, queue_size: int) -> BackendSpec:
    description = (
        "IonQ Forte: 36 ytterbium-ion qubits with all-to-all connectivity, steered by acousto-optic "
        "deflectors."
    )
    facts = BackendFacts(
        id=backend_id,
        internal_id=f"arn:aws:braket:us-east-1::device/qpu/ionq/{device}",
        provider="AWS",
        hardware_provider="IONQ",
        name=device,
        display_name=display_name,
        technology="TRAPPED_ION",
        is_simulator=False,
        num_qubits=36,
        input_format="BRAKET_OPEN_QASM_V3",
        runner="braket_qasm3",
        shots=(1, 5000),
        documentation=Documentation(
            description,
            "https://ionq.com/quantum-systems/forte",
            "https://status.ionq.co/",
            "us-east-1",
            _AWS_SDKS,
        ),
        basis_gates=_IONQ_BASIS,
        other_gates=qiskit_gate_names(_IONQ_OPERATIONS),
        instructions=("measure", "barrier"),
        max_pubs_per_job=20,
        total_shots_max=100_000,
        memory_result_supported=True,
        supports_sessions=True,
        queue_size=queue_size,
        queue_avg_time=queue_size * 240,
    )
    calibration = GateBasedCalibration(
        backend_id,
        36,
        profile=TRAPPED_ION,
        one_qubit_gates=("r", "rz"),
        two_qubit_gates=("rzz",),
        edges=None,
    )
    snap = _current_snapshot(calibration)
    capabilities = {
        "braketSchemaHeader": _header("ionq.ionq_device_capabilities"),
        "service": _service(
            facts,
            shots_range=facts.shots,
            price=0.08,
            unit="shot",
            summary=description,
            location="us-east-1",
            updated_at=snap.calibrated_at,
        ),
        "action": {
            "braket.ir.openqasm.program": _openqasm_action(
                _IONQ_OPERATIONS,
                _result_types(facts.shots[1], min_sample_shots=1, observables=_QPU_OBSERVABLES),
                pragmas=["braket_verbatim"],
            ),
            "braket.ir.openqasm.program_set": _program_set_action(facts),
        },
        "paradigm": _qpu_paradigm(36, ["gpi", "gpi2", "zz"], None),
        "provider": _ionq_provider_properties(snap),
        "standardized": _standardized_v3(snap),
        "deviceParameters": {},
    }
    return build_spec(facts, native_config=capabilities, calibration=calibration)


def _ionq_provider_properties(snap: Snapshot) -> dict[str, Any]:
    p = TRAPPED_ION
    return {
        "braketSchemaHeader": _header("ionq.ionq_provider_properties"),
        "fidelity": {
            "1Q": {"mean": 1 - statistics.fmean(q.one_qubit_error for q in snap.qubits)},
            "2Q": {"mean": 1 - statistics.fmean(snap.pair_errors.values())},
            "spam": {"mean": 1 - statistics.fmean(q.readout_error for q in snap.qubits)},
        },
        "timing": {
            "T1": statistics.median(q.t1_us for q in snap.qubits) * 1e-6,
            "T2": statistics.median(q.t2_us for q in snap.qubits) * 1e-6,
            "1Q": p.one_qubit_length_ns * 1e-9,
            "2Q": p.two_qubit_length_ns * 1e-9,
            "readout": p.readout_length_ns * 1e-9,
            "reset": p.reset_length_ns * 1e-9,
        },
    }


def _fidelity(errors: Iterable[float], description: str | None = None) -> dict[str, Any]:
    mean, median, spread = _mean_and_median(errors)
    entry: dict[str, Any] = {
        "fidelity": 1 - mean,
        "standardError": spread,
        "median": 1 - median,
        "unit": "fraction",
    }
    if description is not None:
        entry["fidelityType"] = _rb(description)
    return entry


def _standardized_v3(snap: Snapshot) -> dict[str, Any]:
    p = TRAPPED_ION

    def duration(ns: float) -> dict[str, Any]:
        return {"value": ns / 1000, "standardError": None, "unit": "us"}

    return {
        "braketSchemaHeader": _header("standardized_gate_model_qpu_device_properties", "3"),
        "oneQubitProperties": {
            str(q): {
                "oneQubitFidelity": [
                    {
                        "fidelityType": _rb("Single-qubit randomized benchmarking"),
                        "fidelity": 1 - state.one_qubit_error,
                        "standardError": state.one_qubit_error * 0.1,
                        "unit": "fraction",
                    }
                ]
            }
            for q, state in enumerate(snap.qubits)
        },
        "readoutFidelity": [_fidelity(q.readout_error for q in snap.qubits)],
        "readoutDuration": duration(p.readout_length_ns),
        "singleQubitGateDuration": duration(p.one_qubit_length_ns),
        "singleQubitFidelity": [
            _fidelity((q.one_qubit_error for q in snap.qubits), "Single-qubit randomized benchmarking")
        ],
        "twoQubitGateFidelity": [_fidelity(snap.pair_errors.values(), "Two-qubit randomized benchmarking")],
        "twoQubitGateDuration": duration(p.two_qubit_length_ns),
        "activeResetDuration": duration(p.reset_length_ns),
        "updatedAt": iso_z(snap.calibrated_at),
    }


def ionq_forte() -> BackendSpec:
    """IonQ Forte-1 on Braket."""
    return _ionq_forte("aws.ionq.forte", "Forte-1", "IonQ Forte", queue_size=6)


def ionq_forte_enterprise() -> BackendSpec:
    """IonQ Forte Enterprise-1 on Braket."""
    return _ionq_forte(
        "aws.ionq.forte.enterprise", "Forte-Enterprise-1", "IonQ Forte Enterprise", queue_size=2
    )


# --- Rigetti --------------------------------------------------------------------------------------

_RIGETTI_BASIS = ("cz", "rx", "rz")
_RIGETTI_PROFILE = replace(
    SUPERCONDUCTING, one_qubit_length_ns=40.0, two_qubit_length_ns=60.0, readout_length_ns=1000.0
)


def rigetti_cepheus() -> BackendSpec:
    """Rigetti Cepheus-1-36Q: four 9-qubit chiplets tiled into a 6 x 6 square lattice."""
    backend_id = "aws.rigetti.cepheus"
    num_qubits, edges = grid(6, 6)
    description = (
        "Rigetti Cepheus-1-36Q: a 36-qubit superconducting processor built from four 9-qubit chiplets, "
        "with tunable couplers on a square lattice."
    )
    facts = BackendFacts(
        id=backend_id,
        internal_id="arn:aws:braket:us-west-1::device/qpu/rigetti/Cepheus-1-36Q",
        provider="AWS",
        hardware_provider="RIGETTI",
        name="Cepheus-1-36Q",
        display_name="Rigetti Cepheus-1-36Q",
        technology="SUPERCONDUCTING",
        is_simulator=False,
        num_qubits=num_qubits,
        input_format="BRAKET_OPEN_QASM_V3",
        runner="braket_qasm3",
        shots=(10, 100_000),
        documentation=Documentation(
            description,
            "https://www.rigetti.com/what-we-build",
            "https://qcs.rigetti.com/qpus",
            "us-west-1",
            _AWS_SDKS,
        ),
        basis_gates=_RIGETTI_BASIS,
        other_gates=qiskit_gate_names(_RIGETTI_OPERATIONS),
        edges=edges,
        max_pubs_per_job=100,
        total_shots_max=200_000,
        memory_result_supported=True,
        supports_sessions=True,
        availability=(Window("DAILY", "15:00", "23:59"), Window("DAILY", "00:00", "03:00")),
        queue_size=3,
        queue_avg_time=180,
    )
    calibration = GateBasedCalibration(
        backend_id,
        num_qubits,
        profile=_RIGETTI_PROFILE,
        one_qubit_gates=("rx", "rz"),
        two_qubit_gates=("cz",),
        edges=edges,
    )
    snap = _current_snapshot(calibration)
    capabilities = {
        "braketSchemaHeader": _header("rigetti.rigetti_device_capabilities", "2"),
        "service": _service(
            facts,
            shots_range=facts.shots,
            price=0.000425,
            unit="shot",
            summary=description,
            location="us-west-1",
            updated_at=snap.calibrated_at,
        ),
        "action": {
            "braket.ir.openqasm.program": _openqasm_action(
                _RIGETTI_OPERATIONS,
                _result_types(facts.shots[1], min_sample_shots=10, observables=_QPU_OBSERVABLES),
                pragmas=["braket_verbatim"],
                physical_qubits=True,
                rewiring_can_be_disabled=True,
            ),
            "braket.ir.openqasm.program_set": _program_set_action(facts),
        },
        "paradigm": _qpu_paradigm(num_qubits, ["rx", "rz", "cz"], edges),
        "standardized": _standardized_v1(snap),
        "deviceParameters": {},
    }
    return build_spec(facts, native_config=capabilities, calibration=calibration)


def _standardized_v1(snap: Snapshot) -> dict[str, Any]:
    """Per-qubit and per-coupler fidelities in the layout Braket serves for Rigetti devices."""

    def seconds(us: float) -> dict[str, Any]:
        return {"value": us * 1e-6, "standardError": us * 5e-8, "unit": "S"}

    one_qubit = {
        str(q): {
            "T1": seconds(state.t1_us),
            "T2": seconds(state.t2_us),
            "oneQubitFidelity": [
                {
                    "fidelityType": {"name": "RANDOMIZED_BENCHMARKING"},
                    "fidelity": 1 - state.one_qubit_error,
                    "standardError": state.one_qubit_error * 0.1,
                },
                {"fidelityType": {"name": "READOUT"}, "fidelity": 1 - state.readout_error},
            ],
        }
        for q, state in enumerate(snap.qubits)
    }
    two_qubit = {
        f"{a}-{b}": {
            "twoQubitGateFidelity": [
                {
                    "direction": None,
                    "gateName": "CZ",
                    "fidelity": 1 - error,
                    "standardError": error * 0.1,
                    "fidelityType": {"name": "INTERLEAVED_RANDOMIZED_BENCHMARKING"},
                }
            ]
        }
        for (a, b), error in snap.pair_errors.items()
    }
    return {
        "braketSchemaHeader": _header("standardized_gate_model_qpu_device_properties", "1"),
        "oneQubitProperties": one_qubit,
        "twoQubitProperties": two_qubit,
    }


# --- QuEra ----------------------------------------------------------------------------------------

_AQUILA_LATTICE: dict[str, Any] = {
    "area": {"width": 7.5e-5, "height": 7.6e-5},
    "geometry": {
        "spacingRadialMin": 4e-6,
        "spacingVerticalMin": 4e-6,
        "positionResolution": 1e-7,
        "numberSitesMax": 256,
    },
}
_AQUILA_RYDBERG: dict[str, Any] = {
    "c6Coefficient": 5.42e-24,
    "rydbergGlobal": {
        "rabiFrequencyRange": [0.0, 1.58e7],
        "rabiFrequencyResolution": 400.0,
        "rabiFrequencySlewRateMax": 2.5e14,
        "detuningRange": [-1.25e8, 1.25e8],
        "detuningResolution": 0.2,
        "detuningSlewRateMax": 2.5e15,
        "phaseRange": [-99.0, 99.0],
        "phaseResolution": 5e-7,
        "timeResolution": 1e-9,
        "timeDeltaMin": 5e-8,
        "timeMin": 0.0,
        "timeMax": 4e-6,
    },
    "rydbergLocal": {
        "detuningRange": [0.0, 1.25e8],
        "detuningSlewRateMax": 1.256e15,
        "siteCoefficientRange": [0.0, 1.0],
        "numberLocalDetuningSitesMax": 200,
        "spacingRadialMin": 5e-6,
        "timeResolution": 1e-9,
        "timeDeltaMin": 5e-8,
    },
}
_AQUILA_PERFORMANCE: dict[str, Any] = {
    "lattice": {
        "positionErrorAbs": 2.5e-8,
        "sitePositionError": 2.5e-8,
        "atomPositionError": 2.5e-8,
        "fillingErrorTypical": 0.008,
        "fillingErrorWorst": 0.05,
        "vacancyErrorTypical": 0.001,
        "vacancyErrorWorst": 0.005,
        "atomLossProbabilityTypical": 0.005,
        "atomLossProbabilityWorst": 0.01,
        "atomCaptureProbabilityTypical": 0.0001,
        "atomCaptureProbabilityWorst": 0.001,
        "atomDetectionErrorFalsePositiveTypical": 0.001,
        "atomDetectionErrorFalsePositiveWorst": 0.005,
        "atomDetectionErrorFalseNegativeTypical": 0.008,
        "atomDetectionErrorFalseNegativeWorst": 0.03,
    },
    "rydberg": {
        "rydbergGlobal": {
            "rabiFrequencyErrorRel": 0.03,
            "rabiFrequencyGlobalErrorRel": 0.02,
            "rabiFrequencyInhomogeneityRel": 0.02,
            "groundDetectionError": 0.008,
            "rydbergDetectionError": 0.1,
            "groundPrepError": 0.01,
            "rydbergPrepErrorBest": 0.05,
            "rydbergPrepErrorWorst": 0.07,
            "T1Single": 7.5e-5,
            "T1Ensemble": 7.5e-5,
            "T2StarSingle": 5e-6,
            "T2StarEnsemble": 4.5e-6,
            "T2EchoSingle": 8e-6,
            "T2EchoEnsemble": 6e-6,
            "T2RabiSingle": 5e-6,
            "T2RabiEnsemble": 4e-6,
            "T2BlockadedRabiSingle": 2.5e-6,
            "T2BlockadedRabiEnsemble": 2e-6,
            "detuningError": 1e6,
            "detuningInhomogeneity": 6.3e5,
            "rabiAmplitudeRampCorrection": [
                {"rampTime": 5e-8, "rabiCorrection": 0.92},
                {"rampTime": 7.5e-8, "rabiCorrection": 0.97},
                {"rampTime": 1e-7, "rabiCorrection": 1.0},
            ],
        },
        "rydbergLocal": {
            "detuningErrorRms": 0.013,
            "siteCoefficientErrorRms": 0.01,
            "errorRateIncoherentBright": 0.01,
            "errorRateIncoherentDark": 0.001,
            "crosstalk": 0.0025,
        },
    },
}


def quera_aquila() -> BackendSpec:
    """QuEra Aquila: 256 rubidium atoms for analog Hamiltonian simulation."""
    backend_id = "aws.quera.aquila"
    description = (
        "QuEra Aquila: a field-programmable array of up to 256 neutral rubidium atoms driven globally "
        "into Rydberg states, for analog Hamiltonian simulation."
    )
    facts = BackendFacts(
        id=backend_id,
        internal_id="arn:aws:braket:us-east-1::device/qpu/quera/Aquila",
        provider="AWS",
        hardware_provider="QUERA",
        name="Aquila",
        display_name="QuEra Aquila",
        technology="NEUTRAL_ATOMS",
        is_simulator=False,
        num_qubits=256,
        input_format="BRAKET_AHS_PROGRAM",
        runner="braket_ahs",
        shots=(1, 1000),
        documentation=Documentation(
            description,
            "https://docs.aws.amazon.com/braket/latest/developerguide/braket-quera-submitting-analog-program-aquila.html",
            _AWS_STATUS,
            "us-east-1",
            (QHUB_SDK,),
        ),
        instructions=(),
        gate_based=False,
        memory_result_supported=True,
        supports_sessions=True,
        availability=(Window("DAILY", "01:00", "23:00"),),
        queue_size=4,
        queue_avg_time=900,
    )
    calibration = AnalogCalibration(
        backend_id, lattice=_AQUILA_LATTICE, rydberg=_AQUILA_RYDBERG, performance=_AQUILA_PERFORMANCE
    )
    now = datetime.now(UTC)
    current = calibration.at(now)
    performance = current["calibration"]["performance"] if current else _AQUILA_PERFORMANCE
    capabilities = {
        "braketSchemaHeader": _header("quera.quera_device_capabilities"),
        "service": _service(
            facts,
            shots_range=facts.shots,
            price=0.01,
            unit="shot",
            summary=description,
            location="us-east-1",
            updated_at=now.replace(hour=0, minute=0, second=0, microsecond=0),
        ),
        "action": {"braket.ir.ahs.program": {"actionType": "braket.ir.ahs.program", "version": ["1"]}},
        "paradigm": {
            "braketSchemaHeader": _header("quera.quera_ahs_paradigm_properties"),
            "qubitCount": 256,
            "lattice": copy.deepcopy(_AQUILA_LATTICE),
            "rydberg": copy.deepcopy(_AQUILA_RYDBERG),
            "performance": performance,
        },
        "deviceParameters": {},
    }
    return build_spec(facts, native_config=capabilities, calibration=calibration)


def aws_backends() -> list[BackendSpec]:
    """Every Amazon Braket backend of the catalog."""
    return [sv1(), dm1(), ionq_forte(), ionq_forte_enterprise(), rigetti_cepheus(), quera_aquila()]
