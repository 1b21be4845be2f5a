"""IBM Quantum backends: four 156-qubit Heron r2 processors.

``backends/{id}/config`` serves ``{"config": …, "properties": …}`` in the shapes IBM publishes for a
backend's configuration and properties, which qiskit-ibm-runtime turns into a Qiskit ``Target``. The
properties are rendered from the calibration snapshot that is current when the catalog is built, so
they agree with ``backends/{id}/calibration`` on that day.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from qhub_providers.emulator.catalog.calibration import (
    SUPERCONDUCTING,
    GateBasedCalibration,
    Snapshot,
    stable_rng,
)
from qhub_providers.emulator.catalog.records import (
    QHUB_SDK,
    QISKIT_RUNTIME_SDK,
    QISKIT_SDK,
    BackendFacts,
    Documentation,
    build_spec,
)
from qhub_providers.emulator.catalog.spec import BackendSpec
from qhub_providers.emulator.catalog.topology import Edge, directed, heavy_hex_rows

HERON_BASIS = ("cz", "id", "rz", "sx", "x")
_HERON_PROFILE = replace(
    SUPERCONDUCTING, one_qubit_length_ns=32.0, two_qubit_length_ns=68.0, readout_length_ns=1560.0
)
_CONTROL_FLOW = ("if_else", "for_loop", "switch_case")
_DOCS_URL = "https://quantum.cloud.ibm.com/docs/en/guides/processor-types"
_STATUS_URL = "https://quantum.cloud.ibm.com/computers"


@dataclass(frozen=True)
class _Heron:
    """What distinguishes one Heron r2 system from its siblings."""

    name: str
    location: str
    backend_version: str
    online_date: str
    queue_size: int


_SYSTEMS = (
    _Heron("fez", "US", "1.3.14", "2024-05-14T04:00:00+00:00", queue_size=9),
    _Heron("marrakesh", "US", "1.2.9", "2024-11-20T05:00:00+00:00", queue_size=3),
    _Heron("kingston", "US", "1.1.6", "2025-01-29T05:00:00+00:00", queue_size=14),
    _Heron("aachen", "DE", "1.0.12", "2025-03-05T05:00:00+00:00", queue_size=6),
)


def _gate_config(
    name: str, parameters: list[str], qasm_def: str, coupling: list[list[int]]
) -> dict[str, Any]:
    return {"name": name, "parameters": parameters, "qasm_def": qasm_def, "coupling_map": coupling}


def _ibm_configuration(system: _Heron, num_qubits: int, edges: tuple[Edge, ...]) -> dict[str, Any]:
    """An IBM backend configuration document (``QasmBackendConfiguration`` JSON)."""
    singles = [[q] for q in range(num_qubits)]
    couplers = [list(pair) for pair in directed(edges)]
    gates = [
        _gate_config("id", [], "gate id q { U(0, 0, 0) q; }", singles),
        _gate_config("rz", ["theta"], "gate rz(theta) q { U(0, 0, theta) q; }", singles),
        _gate_config("sx", [], "gate sx q { U(pi/2, 3*pi/2, pi/2) q; }", singles),
        _gate_config("x", [], "gate x q { U(pi, 0, pi) q; }", singles),
        _gate_config("cz", [], "gate cz q0, q1 { h q1; cx q0, q1; h q1; }", couplers),
        {"name": "reset", "parameters": None, "qasm_def": None},
    ]
    return {
        "backend_name": f"ibm_{system.name}",
        "backend_version": system.backend_version,
        "n_qubits": num_qubits,
        "basis_gates": list(HERON_BASIS),
        "gates": gates,
        "local": False,
        "simulator": False,
        "conditional": False,
        "open_pulse": False,
        "memory": True,
        "max_shots": 100_000,
        "coupling_map": couplers,
        "dynamic_reprate_enabled": True,
        "supported_instructions": sorted([*HERON_BASIS, "delay", "measure", "reset", *_CONTROL_FLOW]),
        "rep_delay_range": [0.0, 500.0],
        "default_rep_delay": 250.0,
        "max_experiments": 300,
        "sample_name": "family: Heron, revision: 2",
        "n_registers": 1,
        "credits_required": True,
        "online_date": system.online_date,
        "description": f"{num_qubits} qubit device",
        "dt": 4.0,
        "dtm": 4.0,
        "processor_type": {"family": "Heron", "revision": "2"},
        "meas_levels": [1, 2],
        "meas_map": [list(range(num_qubits))],
        "timing_constraints": {
            "acquire_alignment": 1,
            "granularity": 1,
            "min_length": 2,
            "pulse_alignment": 1,
        },
        "supported_features": ["qasm3"],
        "multi_meas_enabled": True,
        "conditional_latency": [],
        "acquisition_latency": [],
        "rep_times": [0.001],
        "url": "None",
    }


def _ibm_properties(
    system: _Heron, snap: Snapshot, calibration: GateBasedCalibration, edges: tuple[Edge, ...]
) -> dict[str, Any]:
    """An IBM backend properties document, carrying the figures of ``snap``."""
    date = snap.calibrated_at.isoformat()
    p = calibration.profile

    def nduv(name: str, unit: str, value: float) -> dict[str, Any]:
        return {"date": date, "name": name, "unit": unit, "value": value}

    # Qubit frequencies are not part of the Hub's calibration; they are a fixed trait of each qubit.
    frequency_rng = stable_rng(calibration.backend_id, "frequency")
    qubits = [
        [
            nduv("T1", "us", state.t1_us),
            nduv("T2", "us", state.t2_us),
            nduv("frequency", "GHz", round(frequency_rng.uniform(4.4, 5.3), 6)),
            nduv("readout_error", "", state.readout_error),
            nduv("prob_meas0_prep1", "", state.prob_meas0_prep1),
            nduv("prob_meas1_prep0", "", state.prob_meas1_prep0),
            nduv("readout_length", "ns", p.readout_length_ns),
        ]
        for state in snap.qubits
    ]

    def gate(name: str, qubits: list[int], error: float, length_ns: float) -> dict[str, Any]:
        return {
            "qubits": qubits,
            "gate": name,
            "parameters": [nduv("gate_error", "", error), nduv("gate_length", "ns", length_ns)],
            "name": f"{name}{'_'.join(map(str, qubits))}",
        }

    gates = []
    for q, state in enumerate(snap.qubits):
        for name in ("id", "rz", "sx", "x"):
            entry = calibration.one_qubit_gate(name, state.one_qubit_error)
            gates.append(gate(name, [q], entry["error"], entry["length_ns"]))
    for a, b in directed(edges):
        error = snap.pair_errors[(min(a, b), max(a, b))]
        gates.append(gate("cz", [a, b], error, p.two_qubit_length_ns))
    return {
        "backend_name": f"ibm_{system.name}",
        "backend_version": system.backend_version,
        "last_update_date": date,
        "qubits": qubits,
        "gates": gates,
        "general": [],
        "general_qlists": [],
    }


def _heron(system: _Heron) -> BackendSpec:
    backend_id = f"ibm.qpu.{system.name}"
    num_qubits, edges = heavy_hex_rows()
    facts = BackendFacts(
        id=backend_id,
        internal_id=f"ibm_{system.name}",
        provider="IBM",
        hardware_provider="IBM",
        name=f"ibm_{system.name}",
        display_name=f"IBM {system.name.capitalize()}",
        technology="SUPERCONDUCTING",
        is_simulator=False,
        num_qubits=num_qubits,
        input_format="QISKIT_QPY",
        runner="qiskit_qpy",
        shots=(1, 100_000),
        documentation=Documentation(
            f"IBM Heron r2 processor ibm_{system.name}: {num_qubits} fixed-frequency transmons with tunable "
            "couplers on a heavy-hex lattice.",
            _DOCS_URL,
            _STATUS_URL,
            system.location,
            (QHUB_SDK, QISKIT_SDK, QISKIT_RUNTIME_SDK),
        ),
        basis_gates=HERON_BASIS,
        instructions=("measure", "barrier", "reset", "delay"),
        edges=edges,
        max_pubs_per_job=300,
        total_shots_max=10_000_000,
        memory_result_supported=True,
        supports_sessions=True,
        access_type="PREPAID",
        queue_size=system.queue_size,
        queue_avg_time=system.queue_size * 45,
    )
    calibration = GateBasedCalibration(
        backend_id,
        num_qubits,
        profile=_HERON_PROFILE,
        one_qubit_gates=("id", "rz", "sx", "x"),
        two_qubit_gates=("cz",),
        edges=edges,
    )
    snap = calibration.latest(datetime.now(UTC)) or calibration.snapshot(0)
    native = {
        "config": _ibm_configuration(system, num_qubits, edges),
        "properties": _ibm_properties(system, snap, calibration, edges),
    }
    return build_spec(facts, native_config=native, calibration=calibration)


def ibm_backends() -> list[BackendSpec]:
    """Every IBM backend of the catalog (each with a different queue, so "least busy" is defined)."""
    return [_heron(system) for system in _SYSTEMS]
