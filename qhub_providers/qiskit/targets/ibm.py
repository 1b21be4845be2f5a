"""Targets from IBM's configuration and properties documents (``GET backends/{id}/config`` of IBM backends).

The Hub serves ``{"config": <backend configuration>, "properties": <backend properties>}`` in IBM's own
JSON shapes. Gates come from ``basis_gates`` on the qubits each gate's configuration lists (two-qubit
gates on the ``coupling_map``); errors and durations per qubit and per pair from the properties; T1, T2
and frequency into ``QubitProperties``; readout into ``measure``. Faulty qubits and gates (an
``operational`` figure of 0) are left out, as IBM's own conversion does.

Fractional gates (``rx``, ``rzz`` with arbitrary angles) are left out unless asked for, as in IBM
Runtime; with them, control flow is left out, because IBM cannot run both in one job, and ``rzz`` is
bounded to ``[0, π/2]`` with a rule that folds other angles into that range.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from qiskit.circuit import Instruction, QuantumCircuit
from qiskit.converters import circuit_to_dag
from qiskit.dagcircuit import DAGCircuit
from qiskit.providers import QubitProperties
from qiskit.transpiler import InstructionProperties

from qhub_providers.api.models import Backend
from qhub_providers.qiskit.targets.common import (
    CONTROL_FLOW,
    HubTargetInfo,
    Qargs,
    TargetDraft,
    as_float,
    log,
    standard_gates,
    to_hertz,
    to_seconds,
)

_VIRTUAL = frozenset({"rz", "p", "u1", "delay"})
"""Parameterised operations IBM runs in software (frame changes) or as waits: never "fractional"."""

_TIMING_KEYS = ("granularity", "min_length", "pulse_alignment", "acquire_alignment")

RZZ_BOUNDS = (0.0, math.pi / 2)
"""The angles IBM's fractional ``rzz`` accepts."""


class _Nduv(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str
    value: Any = None
    unit: str | None = None


class _GateProperties(BaseModel):
    model_config = ConfigDict(extra="allow")
    gate: str
    qubits: list[int]
    parameters: list[_Nduv] = Field(default_factory=list)


class _Properties(BaseModel):
    model_config = ConfigDict(extra="allow")
    qubits: list[list[_Nduv]] = Field(default_factory=list)
    gates: list[_GateProperties] = Field(default_factory=list)


class _GateConfig(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str
    coupling_map: list[list[int]] | None = None


class _Configuration(BaseModel):
    model_config = ConfigDict(extra="allow")
    n_qubits: int
    basis_gates: list[str] = Field(default_factory=list)
    gates: list[_GateConfig] = Field(default_factory=list)
    coupling_map: list[list[int]] | None = None
    supported_instructions: list[str] | None = None
    dt: float | None = None
    timing_constraints: dict[str, Any] | None = None
    simulator: bool = False


def looks_like_ibm(config: Mapping[str, Any]) -> bool:
    """True for ``{"config": …, "properties": …}`` (properties may be ``null``)."""
    return isinstance(config.get("config"), dict) and "properties" in config


def is_fractional(name: str, gate: Instruction) -> bool:
    """True for a gate IBM treats as fractional: a rotation by a free angle that is not a frame change."""
    return bool(gate.params) and name not in _VIRTUAL


def _figure(nduvs: Sequence[_Nduv], name: str) -> _Nduv | None:
    return next((n for n in nduvs if n.name == name), None)


def _seconds(nduv: _Nduv | None, default_unit: str) -> float | None:
    return None if nduv is None else to_seconds(nduv.value, nduv.unit, default_unit=default_unit)


def _broken(nduv: _Nduv | None) -> bool:
    return nduv is not None and as_float(nduv.value) == 0.0


class _GateFigures:
    """Per-qubits figures of the properties' gates: ``{name: {qargs: properties}}`` and broken ones."""

    def __init__(self, properties: _Properties | None, faulty_qubits: frozenset[int]) -> None:
        self.by_gate: dict[str, dict[Qargs, InstructionProperties]] = {}
        self.broken: set[tuple[str, Qargs]] = set()
        for entry in properties.gates if properties is not None else []:
            qargs = tuple(entry.qubits)
            if _broken(_figure(entry.parameters, "operational")) or faulty_qubits.intersection(qargs):
                self.broken.add((entry.gate, qargs))
                continue
            error = _figure(entry.parameters, "gate_error")
            self.by_gate.setdefault(entry.gate, {})[qargs] = InstructionProperties(
                duration=_seconds(_figure(entry.parameters, "gate_length"), "ns"),
                error=as_float(error.value) if error is not None else None,
            )


def _qubit_properties(properties: _Properties, num_qubits: int) -> list[QubitProperties]:
    result = []
    for q in range(num_qubits):
        nduvs = properties.qubits[q] if q < len(properties.qubits) else []
        frequency = _figure(nduvs, "frequency")
        result.append(
            QubitProperties(
                t1=_seconds(_figure(nduvs, "T1"), "us"),
                t2=_seconds(_figure(nduvs, "T2"), "us"),
                frequency=to_hertz(frequency.value, frequency.unit, default_unit="GHz")
                if frequency is not None
                else None,
            )
        )
    return result


def _faulty_qubits(properties: _Properties | None) -> frozenset[int]:
    if properties is None:
        return frozenset()
    return frozenset(q for q, nduvs in enumerate(properties.qubits) if _broken(_figure(nduvs, "operational")))


def _readout(properties: _Properties | None, qubit: int) -> InstructionProperties | None:
    if properties is None or qubit >= len(properties.qubits):
        return None
    nduvs = properties.qubits[qubit]
    error = _figure(nduvs, "readout_error")
    duration = _seconds(_figure(nduvs, "readout_length"), "ns")
    if error is None and duration is None:
        return None
    return InstructionProperties(duration=duration, error=as_float(error.value) if error else None)


def build_ibm(
    backend: Backend, documents: Mapping[str, Any], *, include_fractional_gates: bool = False
) -> HubTargetInfo:
    """A target from IBM's configuration and properties JSON."""
    description = backend.id or backend.name or "backend"
    config = _Configuration.model_validate(documents["config"])
    raw_properties = documents.get("properties")
    properties = _Properties.model_validate(raw_properties) if raw_properties is not None else None
    n = config.n_qubits
    faulty = _faulty_qubits(properties)
    figures = _GateFigures(properties, faulty)
    gate_configs = {g.name: g for g in config.gates}
    coupling = [tuple(pair) for pair in config.coupling_map or [] if len(pair) == 2 and pair[0] != pair[1]]
    supported = (
        set(config.supported_instructions)
        if config.supported_instructions is not None
        else {"measure", "reset", "delay"}
    )

    library = standard_gates()
    draft = TargetDraft(n, description=description)
    native: list[str] = []
    left_out: list[str] = []
    fractional_added = False
    for name in dict.fromkeys(config.basis_gates):
        gate = library.get(name)
        if gate is None or name in ("measure", "reset", "delay"):
            if gate is None:
                left_out.append(name)
            continue
        if is_fractional(name, gate) and not include_fractional_gates:
            left_out.append(name)
            continue
        fractional_added = fractional_added or is_fractional(name, gate)
        listed = gate_configs.get(name)
        measured = figures.by_gate.get(name, {})
        if listed is not None and listed.coupling_map:
            candidates: list[Qargs] = [tuple(q) for q in listed.coupling_map]
        elif measured:
            candidates = list(measured)
        elif gate.num_qubits == 1:
            candidates = [(q,) for q in range(n)]
        elif gate.num_qubits == 2 and config.coupling_map is not None:
            candidates = list(coupling)
        else:
            # Neither the configuration nor the properties place it: usable on any qubits (a simulator).
            draft.add_global(name, gate)
            native.append(name)
            continue
        qargs: dict[Qargs, InstructionProperties | None] = {}
        for q in [*candidates, *measured]:
            if faulty.intersection(q) or (name, q) in figures.broken:
                continue
            qargs[q] = measured.get(q)
        bounds = [RZZ_BOUNDS] if name == "rzz" else None
        draft.add(name, gate, qargs, angle_bounds=bounds)
        native.append(name)
    if left_out:
        log.debug("%s: basis gates left out of the target: %s", description, left_out)
    if "rzz" in draft:
        register_rzz_folding()

    live = [q for q in range(n) if q not in faulty]
    reset_figures = figures.by_gate.get("reset", {})
    if "measure" in supported:
        draft.add("measure", library["measure"], {(q,): _readout(properties, q) for q in live})
    if "reset" in supported:
        draft.add("reset", library["reset"], {(q,): reset_figures.get((q,)) for q in live})
    if "delay" in supported:
        draft.add("delay", library["delay"], {(q,): None for q in live})
    draft.add_barrier()
    if not fractional_added:
        draft.add_control_flow(sorted(supported & set(CONTROL_FLOW)))

    timing = {
        key: int(value)
        for key, value in (config.timing_constraints or {}).items()
        if key in _TIMING_KEYS and as_float(value) is not None
    }
    target = draft.build(
        qubit_properties=_qubit_properties(properties, n) if properties is not None else None,
        dt=config.dt * 1e-9 if config.dt else None,
        timing=timing,
    )
    return HubTargetInfo(
        target=target,
        qubit_names=(),
        native_gates=tuple(native),
        simulator=config.simulator or str(backend.type) == "SIMULATOR",
        kind="ibm",
    )


def _fold_rzz(angles: Sequence[float], qubits: Sequence[Any]) -> DAGCircuit:
    """``rzz(θ)`` for any θ, written with ``rzz`` angles in ``[0, π/2]`` plus ``x`` and ``z`` gates.

    Uses ``rzz(θ + 2π) = -rzz(θ)``, ``X₀ rzz(θ) X₀ = rzz(-θ)`` and ``rzz(±π) = ∓i Z₀Z₁``.
    """
    theta = float(angles[0])
    wrapped = math.remainder(theta, 2 * math.pi)  # in [-π, π]
    circuit = QuantumCircuit(2)
    # Each full turn removed contributes a factor -1.
    circuit.global_phase = math.pi * (round((theta - wrapped) / (2 * math.pi)) % 2)
    if wrapped > math.pi / 2:
        # rzz(θ) = rzz(π) rzz(θ - π) = -i Z₀Z₁ · X₀ rzz(π - θ) X₀
        circuit.z(0)
        circuit.z(1)
        circuit.global_phase -= math.pi / 2
        wrapped -= math.pi
    elif wrapped < -math.pi / 2:
        # rzz(θ) = rzz(-π) rzz(θ + π) = i Z₀Z₁ · rzz(θ + π)
        circuit.z(0)
        circuit.z(1)
        circuit.global_phase += math.pi / 2
        wrapped += math.pi
    if wrapped < 0:
        circuit.x(0)
        circuit.rzz(-wrapped, 0, 1)
        circuit.x(0)
    else:
        circuit.rzz(wrapped, 0, 1)
    return circuit_to_dag(circuit)


def register_rzz_folding() -> None:
    """Teach the transpiler to fold ``rzz`` angles into IBM's ``[0, π/2]`` (IBM Runtime does the same)."""
    from qiskit.transpiler.passes import WrapAngles

    WrapAngles.DEFAULT_REGISTRY.add_wrapper("rzz", _fold_rzz)
