"""Parts of provider-native configurations that restate the current calibration.

IBM's ``properties``, Braket's ``standardized`` and IonQ ``provider`` properties and Aquila's
``performance`` carry the same figures as ``backends/{id}/calibration``. A catalog file names these
parts under ``emulation.config_views``; they are rendered here from the synthetic calibration that is
current when the catalog is loaded, so both views of a backend agree on that day. A catalog recorded
from a real account keeps its configurations as recorded and names no views.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from qhub_providers.emulator.catalog.calibration import (
    AnalogCalibration,
    GateBasedCalibration,
    Snapshot,
    iso_z,
    stable_rng,
)

__all__ = ["VIEWS", "render_views"]


def _current(calibration: GateBasedCalibration) -> Snapshot:
    return calibration.latest(datetime.now(UTC)) or calibration.snapshot(0)


def _gate_based(calibration: object, view: str) -> GateBasedCalibration:
    if not isinstance(calibration, GateBasedCalibration):
        raise ValueError(f"config view {view} needs a synthetic gate-based calibration")
    return calibration


# --- IBM ------------------------------------------------------------------------------------------


def ibm_properties(config: dict[str, Any], calibration: object) -> None:
    """Add ``properties`` (IBM's backend properties document) next to ``config``."""
    cal = _gate_based(calibration, "ibm_properties")
    snap = _current(cal)
    ibm_config = config["config"]
    date = snap.calibrated_at.isoformat()
    p = cal.profile

    def nduv(name: str, unit: str, value: float) -> dict[str, Any]:
        return {"date": date, "name": name, "unit": unit, "value": value}

    # Qubit frequencies are not part of the Hub's calibration; they are a fixed trait of each qubit.
    frequency_rng = stable_rng(cal.backend_id, "frequency")
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
        for name in cal.one_qubit_gates:
            entry = cal.one_qubit_gate(name, state.one_qubit_error)
            gates.append(gate(name, [q], entry["error"], entry["length_ns"]))
    for a, b in ibm_config["coupling_map"]:
        error = snap.pair_errors[(min(a, b), max(a, b))]
        for name in cal.two_qubit_gates:
            gates.append(gate(name, [a, b], error, p.two_qubit_length_ns))
    config["properties"] = {
        "backend_name": ibm_config["backend_name"],
        "backend_version": ibm_config["backend_version"],
        "last_update_date": date,
        "qubits": qubits,
        "gates": gates,
        "general": [],
        "general_qlists": [],
    }


# --- Amazon Braket --------------------------------------------------------------------------------


def _header(name: str, version: str = "1") -> dict[str, str]:
    return {"name": f"braket.device_schema.{name}", "version": version}


def _rb(description: str) -> dict[str, str]:
    return {"name": "RANDOMIZED_BENCHMARKING", "description": description}


def _fidelity(errors: Iterable[float], description: str | None = None) -> dict[str, Any]:
    data = list(errors)
    entry: dict[str, Any] = {
        "fidelity": 1 - statistics.fmean(data),
        "standardError": statistics.pstdev(data),
        "median": 1 - statistics.median(data),
        "unit": "fraction",
    }
    if description is not None:
        entry["fidelityType"] = _rb(description)
    return entry


def braket_standardized_v1(config: dict[str, Any], calibration: object) -> None:
    """Per-qubit and per-coupler fidelities in the layout Braket serves for Rigetti devices."""
    snap = _current(_gate_based(calibration, "braket_standardized_v1"))

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
    config["standardized"] = {
        "braketSchemaHeader": _header("standardized_gate_model_qpu_device_properties", "1"),
        "oneQubitProperties": one_qubit,
        "twoQubitProperties": two_qubit,
    }
    config["service"]["updatedAt"] = iso_z(snap.calibrated_at)


def braket_standardized_v3(config: dict[str, Any], calibration: object) -> None:
    """Per-qubit one-qubit fidelities and device averages, as Braket serves them for IonQ devices."""
    cal = _gate_based(calibration, "braket_standardized_v3")
    snap, p = _current(cal), cal.profile

    def duration(ns: float) -> dict[str, Any]:
        return {"value": ns / 1000, "standardError": None, "unit": "us"}

    config["standardized"] = {
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
    config["service"]["updatedAt"] = iso_z(snap.calibrated_at)


def ionq_provider_properties(config: dict[str, Any], calibration: object) -> None:
    """IonQ's own fidelity and timing summary."""
    cal = _gate_based(calibration, "ionq_provider_properties")
    snap, p = _current(cal), cal.profile
    config["provider"] = {
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


def quera_performance(config: dict[str, Any], calibration: object) -> None:
    """Aquila's ``paradigm.performance``: today's drifted figures."""
    if not isinstance(calibration, AnalogCalibration):
        raise ValueError("config view quera_performance needs a synthetic analog calibration")
    now = datetime.now(UTC)
    current = calibration.at(now)
    performance = current["calibration"]["performance"] if current else dict(calibration.performance)
    config["paradigm"]["performance"] = performance
    config["service"]["updatedAt"] = iso_z(now.replace(hour=0, minute=0, second=0, microsecond=0))


VIEWS: dict[str, Callable[[dict[str, Any], object], None]] = {
    "ibm_properties": ibm_properties,
    "braket_standardized_v1": braket_standardized_v1,
    "braket_standardized_v3": braket_standardized_v3,
    "ionq_provider_properties": ionq_provider_properties,
    "quera_performance": quera_performance,
}
"""Every view a catalog file may name, by name."""


def render_views(config: dict[str, Any], names: Iterable[str], calibration: object) -> None:
    """Add the named views to ``config`` in place; an unknown name is a ``ValueError``."""
    for name in names:
        view = VIEWS.get(name)
        if view is None:
            raise ValueError(f"unknown config view {name!r}; known: {', '.join(sorted(VIEWS))}")
        view(config, calibration)
