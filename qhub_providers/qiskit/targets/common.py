"""What every target builder shares: the result type, Qiskit's gate library, units, and a target draft.

A :class:`TargetDraft` collects instructions by name with their qubit tuples before anything reaches
Qiskit, so each builder can check what it found (no gates at all, self-loops, qubits out of range) and
say so in a :class:`ValueError` instead of letting ``Target.add_instruction`` fail somewhere inside Qiskit.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import permutations
from typing import Any, Protocol

from qiskit.circuit import Barrier, Instruction
from qiskit.circuit.controlflow import ForLoopOp, IfElseOp, SwitchCaseOp, WhileLoopOp
from qiskit.circuit.library import get_standard_gate_name_mapping
from qiskit.providers import QubitProperties
from qiskit.transpiler import CouplingMap, InstructionProperties, Target

log = logging.getLogger("qhub_providers.qiskit.target")

Qargs = tuple[int, ...]
"""Qiskit qubit indices an instruction acts on."""

InstructionMap = dict[Qargs, InstructionProperties | None] | None
"""Per-qubits properties of one instruction; ``None`` makes it global (any qubits, as on a simulator)."""

CONTROL_FLOW: Mapping[str, type[Instruction]] = {
    "if_else": IfElseOp,
    "for_loop": ForLoopOp,
    "while_loop": WhileLoopOp,
    "switch_case": SwitchCaseOp,
}
"""Control-flow operations by their Qiskit name; a target gets only those the backend lists."""

NON_GATE_INSTRUCTIONS = frozenset({"measure", "reset", "delay", "barrier"})
"""Instructions that are not unitary gates but that a backend may accept."""


@dataclass(frozen=True)
class HubTargetInfo:
    """A Qiskit ``Target`` for one Hub backend, with what the Qiskit face needs next to it.

    Attributes:
        target: The transpiler target.
        qubit_names: The Hub's qubit name for each Qiskit qubit index (IQM ``QB1`` …); empty for backends
            whose qubits are plain indices.
        native_gates: Qiskit names of the gates the hardware runs without further compilation.
        simulator: True when the backend is a simulator.
        kind: Which description the target was built from: ``"braket"``, ``"ibm"``, ``"iqm"`` or
            ``"generic"``.
        physical_qubits: The device's own qubit number for each Qiskit index when the device does not
            number its qubits ``0 … n-1`` (for instance a Braket QPU with gaps in its numbering); empty
            when Qiskit indices are the device's numbers.
    """

    target: Target
    qubit_names: tuple[str, ...]
    native_gates: tuple[str, ...]
    simulator: bool
    kind: str
    physical_qubits: tuple[int, ...] = field(default=())

    @property
    def coupling_map(self) -> CouplingMap | None:
        """The directed qubit pairs two-qubit gates may act on; ``None`` when any pair will do."""
        coupling: CouplingMap | None = self.target.build_coupling_map()
        return coupling

    @property
    def num_qubits(self) -> int:
        """Qubits of the target."""
        return int(self.target.num_qubits or 0)


def standard_gates() -> dict[str, Instruction]:
    """Qiskit's standard gates (and measure, reset, delay) by name, as fresh objects."""
    mapping: dict[str, Instruction] = get_standard_gate_name_mapping()
    return mapping


_UNITS_PER_SECOND = {
    "s": 1.0,
    "ms": 1e3,
    "us": 1e6,
    "µs": 1e6,
    "μs": 1e6,
    "ns": 1e9,
    "ps": 1e12,
}
_HERTZ_PER_UNIT = {"hz": 1.0, "khz": 1e3, "mhz": 1e6, "ghz": 1e9, "thz": 1e12}


def to_seconds(value: Any, unit: str | None, *, default_unit: str = "s") -> float | None:
    """A duration in seconds from a number and its unit (``s``, ``ms``, ``us``, ``ns`` …)."""
    number = as_float(value)
    if number is None:
        return None
    key = (unit or default_unit).strip()
    per_second = _UNITS_PER_SECOND.get(key, _UNITS_PER_SECOND.get(key.lower()))
    if per_second is None:
        raise ValueError(f"unknown time unit {unit!r}")
    # Dividing keeps round figures round (100 us is exactly 1e-4 s, not 9.999999999999999e-05).
    return number / per_second


def to_hertz(value: Any, unit: str | None, *, default_unit: str = "Hz") -> float | None:
    """A frequency in hertz from a number and its unit (``Hz``, ``MHz``, ``GHz`` …)."""
    number = as_float(value)
    if number is None:
        return None
    factor = _HERTZ_PER_UNIT.get((unit or default_unit).strip().lower())
    if factor is None:
        raise ValueError(f"unknown frequency unit {unit!r}")
    return number * factor


def as_float(value: Any) -> float | None:
    """``value`` as a finite float, or ``None`` when it is missing or not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def error_from_fidelity(fidelity: Any) -> float | None:
    """``1 - fidelity`` clipped to ``[0, 1]``, or ``None`` when the fidelity is not a number."""
    value = as_float(fidelity)
    if value is None:
        return None
    return min(max(1.0 - value, 0.0), 1.0)


def all_pairs(qubits: Iterable[int]) -> list[tuple[int, int]]:
    """Every ordered pair of distinct qubits (an all-to-all device, both directions)."""
    return list(permutations(sorted(set(qubits)), 2))


def both_directions(edges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Each edge in both directions, without self-loops or repeats, in a stable order."""
    directed = {pair for a, b in edges if a != b for pair in ((a, b), (b, a))}
    return sorted(directed)


class TargetDraft:
    """Instructions gathered for a target before it is built, checked as they come in."""

    def __init__(self, num_qubits: int, *, description: str) -> None:
        if num_qubits < 1:
            raise ValueError(f"the backend has {num_qubits} qubits")
        self.num_qubits = num_qubits
        self.description = description
        self._instructions: dict[str, tuple[Instruction | type[Instruction], InstructionMap]] = {}
        self._angle_bounds: dict[str, list[tuple[float, float]]] = {}

    def __contains__(self, name: str) -> bool:
        return name in self._instructions

    @property
    def names(self) -> list[str]:
        """Names of the instructions gathered so far."""
        return list(self._instructions)

    def add_global(self, name: str, operation: Instruction) -> None:
        """``operation`` on any qubits, without error figures (as on a simulator)."""
        self._instructions[name] = (operation, None)

    def add(
        self,
        name: str,
        operation: Instruction,
        qargs: Mapping[Qargs, InstructionProperties | None],
        *,
        angle_bounds: list[tuple[float, float]] | None = None,
    ) -> None:
        """``operation`` on exactly the qubit tuples of ``qargs`` (with their properties, if known).

        ``angle_bounds`` limits each angle parameter to a range the hardware accepts.
        """
        arity = operation.num_qubits
        checked: dict[Qargs, InstructionProperties | None] = {}
        for qubits, properties in qargs.items():
            if len(qubits) != arity:
                raise ValueError(f"'{name}' acts on {arity} qubit(s) but is listed on {list(qubits)}")
            if len(set(qubits)) != len(qubits):
                raise ValueError(f"'{name}' is listed on a repeated qubit {list(qubits)}")
            if any(not 0 <= q < self.num_qubits for q in qubits):
                raise ValueError(f"'{name}' is listed on {list(qubits)}, outside 0..{self.num_qubits - 1}")
            checked[tuple(qubits)] = properties
        if not checked:
            log.debug("%s: '%s' has no qubits it may act on; left out", self.description, name)
            return
        self._instructions[name] = (operation, checked)
        if angle_bounds is not None:
            self._angle_bounds[name] = angle_bounds

    def add_variadic(self, name: str, operation: type[Instruction]) -> None:
        """A class-level instruction such as ``barrier`` or a control-flow operation."""
        self._instructions[name] = (operation, None)

    def add_barrier(self) -> None:
        """Barriers, which every backend accepts (they only bound the transpiler's optimisations)."""
        self.add_variadic("barrier", Barrier)

    def add_control_flow(self, names: Iterable[str]) -> None:
        """The control-flow operations among ``names``."""
        for name in names:
            if name in CONTROL_FLOW:
                self.add_variadic(name, CONTROL_FLOW[name])

    def build(
        self,
        *,
        qubit_properties: list[QubitProperties] | None = None,
        dt: float | None = None,
        timing: Mapping[str, int] | None = None,
    ) -> Target:
        """The Qiskit target; raises ``ValueError`` when no gate made it in."""
        gates = [
            name
            for name, (op, _) in self._instructions.items()
            if name not in NON_GATE_INSTRUCTIONS and isinstance(op, Instruction)
        ]
        if not gates:
            raise ValueError("none of its gates has a Qiskit counterpart")
        if qubit_properties is not None and len(qubit_properties) != self.num_qubits:
            raise ValueError(f"{len(qubit_properties)} qubit properties for {self.num_qubits} qubits")
        target = Target(
            description=self.description,
            num_qubits=self.num_qubits,
            dt=dt,
            qubit_properties=qubit_properties,
            **dict(timing or {}),
        )
        for name, (operation, properties) in self._instructions.items():
            if isinstance(operation, type):
                target.add_instruction(operation, name=name)
            elif name in self._angle_bounds:
                target.add_instruction(
                    operation, properties, name=name, angle_bounds=self._angle_bounds[name]
                )
            else:
                target.add_instruction(operation, properties, name=name)
        return target


class ErrorSource(Protocol):
    """Where a builder finds the error figures of its gates (a calibration, Braket's standardized data)."""

    def operational(self, name: str, qargs: Qargs) -> bool:
        """False when gate ``name`` on ``qargs`` is known to be broken."""
        ...

    def gate(self, name: str, qargs: Qargs) -> InstructionProperties | None:
        """Error and duration of gate ``name`` on ``qargs``, if known."""
        ...


class NoErrors:
    """An :class:`ErrorSource` that knows nothing: every gate works, no figures."""

    def operational(self, name: str, qargs: Qargs) -> bool:
        """Always true."""
        return True

    def gate(self, name: str, qargs: Qargs) -> InstructionProperties | None:
        """Always ``None``."""
        return None


def place_gates(
    draft: TargetDraft,
    gates: Mapping[str, Instruction],
    *,
    qubits: Iterable[int],
    pairs: Iterable[tuple[int, int]] | None,
    errors: ErrorSource,
) -> None:
    """Add ``gates`` to ``draft``: one-qubit gates on ``qubits``, two-qubit gates on ``pairs``.

    ``pairs=None`` means there is no coupling constraint (a simulator): every gate is then global. On a
    coupled device, gates on three or more qubits are left out, because a coupling graph says nothing
    about which triples may interact; the transpiler decomposes them into the gates that remain.
    """
    qubit_list = sorted(set(qubits))
    pair_list = None if pairs is None else both_directions(pairs)
    for name, gate in gates.items():
        arity = gate.num_qubits
        if pair_list is None:
            if arity == 0:
                log.debug("%s: zero-qubit gate '%s' left out", draft.description, name)
                continue
            draft.add_global(name, gate)
            continue
        candidates: list[Qargs]
        if arity == 1:
            candidates = [(q,) for q in qubit_list]
        elif arity == 2:
            candidates = list(pair_list)
        else:
            log.debug("%s: %d-qubit gate '%s' left out of a coupled device", draft.description, arity, name)
            continue
        draft.add(
            name,
            gate,
            {qargs: errors.gate(name, qargs) for qargs in candidates if errors.operational(name, qargs)},
        )


def add_instructions(
    draft: TargetDraft,
    names: Sequence[str],
    *,
    global_: bool,
    readout: Callable[[int], InstructionProperties | None] = lambda q: None,
    reset: Callable[[int], InstructionProperties | None] = lambda q: None,
    dead: Collection[int] = (),
    measurable: Collection[int] | None = None,
) -> None:
    """Measure, reset, delay, barrier and control flow, as far as ``names`` lists them.

    ``global_`` adds measure, reset and delay for any qubit (a simulator); otherwise they go on every
    qubit not in ``dead`` (measure only on ``measurable`` when given), with figures from ``readout`` and
    ``reset``. Other names are left out with a debug message.
    """
    library = standard_gates()
    live = [q for q in range(draft.num_qubits) if q not in dead]
    measured = live if measurable is None else [q for q in live if q in measurable]
    per_qubit: dict[str, dict[Qargs, InstructionProperties | None]] = {
        "measure": {(q,): readout(q) for q in measured},
        "reset": {(q,): reset(q) for q in live},
        "delay": {(q,): None for q in live},
    }
    skipped = []
    for name in dict.fromkeys(names):
        if name == "barrier":
            draft.add_barrier()
        elif name in CONTROL_FLOW:
            draft.add_control_flow([name])
        elif name in per_qubit:
            if global_:
                draft.add_global(name, library[name])
            else:
                draft.add(name, library[name], per_qubit[name])
        else:
            skipped.append(name)
    if skipped:
        log.debug("%s: instructions without a Qiskit counterpart left out: %s", draft.description, skipped)


def merged_properties(*found: InstructionProperties | None) -> InstructionProperties | None:
    """One instruction's properties from several sources: each figure from the first that has it."""
    error = next((p.error for p in found if p is not None and p.error is not None), None)
    duration = next((p.duration for p in found if p is not None and p.duration is not None), None)
    if error is None and duration is None:
        return None
    return InstructionProperties(duration=duration, error=error)


class CompleteFigures:
    """An :class:`ErrorSource` that gives every gate an error and a duration where the device has any.

    Each figure comes from the first of ``sources`` that has it (a Braket ``standardized`` document,
    then the Hub's calibration). A gate the device has no figure for (one it compiles into its native
    gates, such as ``cx`` on IonQ) takes the worst figures of the ``stand_ins`` of the same arity on the
    same qubits: the gates it is run as. Without that, noise-aware layout and routing would take such
    a gate for a perfect one, and scheduling would find it without a duration.
    """

    def __init__(self, sources: Sequence[ErrorSource], stand_ins: Mapping[int, Sequence[str]]) -> None:
        self._sources = list(sources)
        self._stand_ins = {arity: list(dict.fromkeys(names)) for arity, names in stand_ins.items()}

    def operational(self, name: str, qargs: Qargs) -> bool:
        """False when any source marks the gate on these qubits as broken."""
        return all(source.operational(name, qargs) for source in self._sources)

    def _own(self, name: str, qargs: Qargs) -> InstructionProperties | None:
        return merged_properties(*(source.gate(name, qargs) for source in self._sources))

    def gate(self, name: str, qargs: Qargs) -> InstructionProperties | None:
        """Error and duration of gate ``name`` on ``qargs``, completed from its stand-ins."""
        own = self._own(name, qargs)
        if own is not None and own.error is not None and own.duration is not None:
            return own
        others = [self._own(other, qargs) for other in self._stand_ins.get(len(qargs), []) if other != name]
        errors = [p.error for p in others if p is not None and p.error is not None]
        durations = [p.duration for p in others if p is not None and p.duration is not None]
        stand_in = InstructionProperties(
            error=max(errors) if errors else None, duration=max(durations) if durations else None
        )
        return merged_properties(own, stand_in)
