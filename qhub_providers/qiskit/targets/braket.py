"""Targets from Amazon Braket device capabilities (``GET backends/{id}/config`` of AWS backends).

The gates are the OpenQASM action's ``supportedOperations`` that the Braket gate table
(:mod:`qhub_providers.formats.gates`) can write, under their Qiskit names. Simulators take
them on any qubits. QPUs take them on the coupling of ``paradigm.connectivity`` (every pair, both ways,
when fully connected), with the device's qubit numbers renumbered to ``0 … n-1`` and error figures from
the ``standardized`` properties (``error = 1 - fidelity``), or from the Hub's calibration when the
document carries none. The document is read as plain JSON: the Qiskit face never imports Braket.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from qiskit.circuit import Instruction
from qiskit.providers import QubitProperties
from qiskit.transpiler import InstructionProperties

from qhub_providers.api.models import Backend, CalibrationResponse
from qhub_providers.formats import gates as gate_tables
from qhub_providers.qiskit.targets.calibration import CalibrationFigures, gate_based
from qhub_providers.qiskit.targets.common import (
    CompleteFigures,
    ErrorSource,
    HubTargetInfo,
    NoErrors,
    Qargs,
    TargetDraft,
    add_instructions,
    all_pairs,
    as_float,
    error_from_fidelity,
    log,
    merged_properties,
    place_gates,
    standard_gates,
    to_seconds,
)

OPENQASM_ACTION = "braket.ir.openqasm.program"
AHS_ACTION = "braket.ir.ahs.program"

_READOUT_KINDS = frozenset({"READOUT", "READOUT_ERROR"})


def qiskit_name(braket_name: str) -> str | None:
    """The Qiskit name of a Braket gate, or ``None`` when Qiskit has no exact twin.

    The names come from the Braket format's one gate table (:data:`qhub_providers.formats.gates.BRAKET`),
    the one the encoder writes from, so the target offers exactly what the encoder can write.
    """
    return gate_tables.braket_to_qiskit(braket_name)


def looks_like_braket(config: Mapping[str, Any]) -> bool:
    """True for a Braket device-capabilities document."""
    return isinstance(config.get("braketSchemaHeader"), dict)


def _fidelity_kind(entry: Mapping[str, Any]) -> str:
    kind = entry.get("fidelityType")
    name = kind.get("name") if isinstance(kind, Mapping) else kind
    return str(name or "").upper()


def _worst_error(entries: Any, *, readout: bool | None = None) -> float | None:
    """The largest ``1 - fidelity`` among fidelity entries (``readout`` picks readout or gate entries)."""
    errors = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, Mapping):
            continue
        if readout is not None and (_fidelity_kind(entry) in _READOUT_KINDS) != readout:
            continue
        error = error_from_fidelity(entry.get("fidelity"))
        if error is not None:
            errors.append(error)
    return max(errors) if errors else None


def _duration(entry: Any) -> float | None:
    if not isinstance(entry, Mapping):
        return None
    return to_seconds(entry.get("value"), entry.get("unit"), default_unit="s")


def _properties(error: float | None, duration: float | None) -> InstructionProperties | None:
    if error is None and duration is None:
        return None
    return InstructionProperties(duration=duration, error=error)


class StandardizedFigures:
    """Error figures from a Braket ``standardized`` properties document (v1, v2 or v3).

    Per-qubit entries (``oneQubitProperties``) and per-coupler entries (``twoQubitProperties``, keyed
    ``"a-b"``) come first; the device-wide figures of v3 (``singleQubitFidelity``,
    ``twoQubitGateFidelity``, ``readoutFidelity``, gate durations) fill in the rest. A two-qubit figure
    that names its gate applies to that gate; one that does not applies to the native two-qubit gates.
    """

    def __init__(
        self,
        standardized: Mapping[str, Any],
        index_of: Mapping[str, int],
        native_two_qubit: Iterable[str],
    ) -> None:
        self._native_two_qubit = frozenset(native_two_qubit)
        self._one_qubit: dict[int, float] = {}
        self._readout: dict[int, float] = {}
        self._t1: dict[int, float] = {}
        self._t2: dict[int, float] = {}
        self._pairs: dict[frozenset[int], dict[str | None, float]] = {}
        self._one_qubit_default = _worst_error(standardized.get("singleQubitFidelity"))
        self._readout_default = _worst_error(standardized.get("readoutFidelity"))
        self._two_qubit_default = _worst_error(standardized.get("twoQubitGateFidelity"))
        self._one_qubit_duration = _duration(standardized.get("singleQubitGateDuration"))
        self._two_qubit_duration = _duration(standardized.get("twoQubitGateDuration"))
        self._readout_duration = _duration(standardized.get("readoutDuration"))
        self._reset_duration = _duration(standardized.get("activeResetDuration"))
        one_qubit = standardized.get("oneQubitProperties")
        for key, entry in (one_qubit if isinstance(one_qubit, Mapping) else {}).items():
            q = index_of.get(str(key))
            if q is None or not isinstance(entry, Mapping):
                continue
            fidelities = entry.get("oneQubitFidelity")
            for store, value in (
                (self._one_qubit, _worst_error(fidelities, readout=False)),
                (self._readout, _worst_error(fidelities, readout=True)),
                (self._t1, _duration(entry.get("T1"))),
                (self._t2, _duration(entry.get("T2"))),
            ):
                if value is not None:
                    store[q] = value
        two_qubit = standardized.get("twoQubitProperties")
        for key, entry in (two_qubit if isinstance(two_qubit, Mapping) else {}).items():
            ends = [index_of.get(end) for end in str(key).split("-")]
            indices = {q for q in ends if q is not None}
            if len(ends) != 2 or len(indices) != 2 or not isinstance(entry, Mapping):
                continue
            by_gate = self._pairs.setdefault(frozenset(indices), {})
            fidelities = entry.get("twoQubitGateFidelity")
            for item in fidelities if isinstance(fidelities, list) else []:
                if not isinstance(item, Mapping):
                    continue
                error = error_from_fidelity(item.get("fidelity"))
                gate_name = item.get("gateName")
                name = qiskit_name(str(gate_name)) if gate_name else None
                if error is not None and (gate_name is None or name is not None):
                    by_gate[name] = max(error, by_gate.get(name, 0.0))

    @property
    def present(self) -> bool:
        """True when the document carries any figure at all."""
        defaults = (self._one_qubit_default, self._two_qubit_default, self._readout_default)
        return bool(self._one_qubit or self._readout or self._pairs or self._t1 or self._t2) or any(
            value is not None for value in defaults
        )

    def operational(self, name: str, qargs: Qargs) -> bool:
        """Braket lists only working qubits and couplers."""
        return True

    def gate(self, name: str, qargs: Qargs) -> InstructionProperties | None:
        """Error and duration of gate ``name`` (Qiskit name) on ``qargs``."""
        if len(qargs) == 1:
            return _properties(
                self._one_qubit.get(qargs[0], self._one_qubit_default), self._one_qubit_duration
            )
        if len(qargs) == 2:
            by_gate = self._pairs.get(frozenset(qargs), {})
            error = by_gate.get(name)
            if error is None and (name in self._native_two_qubit or not self._native_two_qubit):
                error = by_gate.get(None, self._two_qubit_default)
            return _properties(error, self._two_qubit_duration)
        return None

    def readout(self, qubit: int) -> InstructionProperties | None:
        """Readout error and duration of ``qubit``."""
        return _properties(self._readout.get(qubit, self._readout_default), self._readout_duration)

    def reset(self, qubit: int) -> InstructionProperties | None:
        """Duration of an active reset."""
        return _properties(None, self._reset_duration)

    def t1_t2(self, qubit: int) -> tuple[float | None, float | None]:
        """T1 and T2 of ``qubit`` in seconds, where the document has them."""
        return self._t1.get(qubit), self._t2.get(qubit)


def _gate_set(operations: Iterable[Any], description: str) -> dict[str, Instruction]:
    library = standard_gates()
    gates: dict[str, Instruction] = {}
    skipped: list[str] = []
    for operation in operations:
        name = qiskit_name(str(operation))
        if name is None:
            skipped.append(str(operation))
        else:
            gates[name] = library[name]
    if skipped:
        log.debug("%s: Braket operations without an exact Qiskit twin left out: %s", description, skipped)
    return gates


def _sorted_ids(ids: Iterable[str]) -> list[str]:
    # Braket numbers qubits with integers written as strings; order them numerically.
    def key(q: str) -> tuple[int, int | str]:
        return (0, int(q)) if q.lstrip("-").isdigit() else (1, q)

    return sorted(set(ids), key=key)


def _topology(
    paradigm: Mapping[str, Any], qubit_count: int
) -> tuple[list[str], list[tuple[str, str]] | None]:
    """Qubit ids in Qiskit order and the coupled id pairs (``None``: fully connected)."""
    connectivity = paradigm.get("connectivity")
    if not isinstance(connectivity, Mapping):
        raise ValueError("a QPU's paradigm has no connectivity")
    graph = connectivity.get("connectivityGraph") or {}
    if not isinstance(graph, Mapping):
        raise ValueError("paradigm.connectivity.connectivityGraph is not an object")
    if connectivity.get("fullyConnected") or not graph:
        if not connectivity.get("fullyConnected"):
            log.debug("empty connectivity graph: qubits without couplers")
            return [str(q) for q in range(qubit_count)], []
        return [str(q) for q in range(qubit_count)], None
    edges: list[tuple[str, str]] = []
    nodes: set[str] = set()
    for source, neighbours in graph.items():
        nodes.add(str(source))
        if not isinstance(neighbours, list):
            raise ValueError(f"connectivity graph entry {source!r} is not a list")
        for neighbour in neighbours:
            nodes.add(str(neighbour))
            edges.append((str(source), str(neighbour)))
    return _sorted_ids(nodes), edges


def build_braket(
    backend: Backend, capabilities: Mapping[str, Any], calibration: CalibrationResponse | None
) -> HubTargetInfo:
    """A target from a Braket device-capabilities document."""
    description = backend.id or backend.name or "backend"
    action = capabilities.get("action")
    if not isinstance(action, Mapping):
        raise ValueError("the device capabilities have no 'action'")
    program = action.get(OPENQASM_ACTION)
    if not isinstance(program, Mapping):
        if AHS_ACTION in action:
            raise ValueError("it is an analog (AHS) device, which has no gate-based target")
        raise ValueError(f"the device capabilities have no '{OPENQASM_ACTION}' action")
    operations = program.get("supportedOperations")
    if not isinstance(operations, list):
        raise ValueError(f"'{OPENQASM_ACTION}' has no list of supportedOperations")
    paradigm = capabilities.get("paradigm")
    if not isinstance(paradigm, Mapping):
        raise ValueError("the device capabilities have no 'paradigm'")
    qubit_count = as_float(paradigm.get("qubitCount"))
    if qubit_count is None or qubit_count < 1 or qubit_count != int(qubit_count):
        raise ValueError(f"paradigm.qubitCount is {paradigm.get('qubitCount')!r}")
    gates = _gate_set(operations, description)
    schema = str(capabilities["braketSchemaHeader"].get("name", ""))
    simulator = str(backend.type) == "SIMULATOR" or ".simulators." in schema or "connectivity" not in paradigm
    if simulator:
        draft = TargetDraft(int(qubit_count), description=description)
        place_gates(draft, gates, qubits=range(int(qubit_count)), pairs=None, errors=NoErrors())
        add_instructions(draft, ["measure", "barrier"], global_=True)
        return HubTargetInfo(
            target=draft.build(),
            qubit_names=(),
            native_gates=tuple(sorted(gates)),
            simulator=True,
            kind="braket",
        )

    ids, coupled = _topology(paradigm, int(qubit_count))
    index_of = {q: i for i, q in enumerate(ids)}
    if coupled is None:
        pairs = all_pairs(range(len(ids)))
    else:
        pairs = [(index_of[a], index_of[b]) for a, b in coupled]
    native = [
        name
        for name in (qiskit_name(str(g)) for g in paradigm.get("nativeGateSet") or [])
        if name is not None and name in gates
    ]
    native_two_qubit = [name for name in native if gates[name].num_qubits == 2]
    standardized = capabilities.get("standardized")
    figures = StandardizedFigures(
        standardized if isinstance(standardized, Mapping) else {}, index_of, native_two_qubit
    )
    # The Hub's own calibration (keyed by the device's qubit numbers) fills what the standardized
    # figures leave out (durations, T1 and T2, figures of whole gate families).
    hub = CalibrationFigures(gate_based(calibration), lambda q: index_of.get(str(q)))
    calibrated = sorted(hub.gate_names())
    library = standard_gates()
    stand_ins = {
        arity: [
            name for name in [*native, *calibrated] if name in library and library[name].num_qubits == arity
        ]
        for arity in (1, 2)
    }
    sources: list[ErrorSource] = [figures, hub] if figures.present else [hub]
    complete = CompleteFigures(sources, stand_ins)
    draft = TargetDraft(len(ids), description=description)
    place_gates(draft, gates, qubits=range(len(ids)), pairs=pairs, errors=complete)
    add_instructions(
        draft,
        ["measure", "barrier"],
        global_=False,
        readout=lambda q: merged_properties(figures.readout(q), hub.readout(q)),
        reset=lambda q: merged_properties(figures.reset(q), hub.reset(q)),
        dead=() if figures.present else hub.dead_qubits(),
    )
    calibrated_times = hub.qubit_properties(len(ids)) or []
    times = []
    for q in range(len(ids)):
        t1, t2 = figures.t1_t2(q)
        fallback = calibrated_times[q] if q < len(calibrated_times) else None
        times.append(
            (
                t1 if t1 is not None else getattr(fallback, "t1", None),
                t2 if t2 is not None else getattr(fallback, "t2", None),
            )
        )
    qubit_properties = None
    if any(t1 is not None or t2 is not None for t1, t2 in times):
        qubit_properties = [QubitProperties(t1=t1, t2=t2) for t1, t2 in times]
    numbers = tuple(int(q) for q in ids) if all(q.lstrip("-").isdigit() for q in ids) else ()
    return HubTargetInfo(
        target=draft.build(qubit_properties=qubit_properties),
        qubit_names=(),
        native_gates=tuple(native),
        simulator=False,
        kind="braket",
        physical_qubits=() if numbers == tuple(range(len(ids))) else numbers,
    )
