"""Targets from the Hub's own ``configuration`` (Azure IonQ, QUDORA, Kipu, AQT and any new family).

The configuration names gates in Qiskit's vocabulary (those the backend's input format cannot write,
by its gate table in :mod:`qhub_providers.formats.gates`, are left out), lists the non-gate
instructions, and states the coupling as ``fully_connected`` or an adjacency ``graph`` keyed by qubit
id. Unlike the official SDK, the graph is honoured, a pair never couples a qubit with itself, and
``null`` lists are tolerated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from qiskit.circuit import Instruction

from qhub_providers.api.models import Backend, CalibrationResponse, Configuration
from qhub_providers.formats import format_for
from qhub_providers.formats.gates import qiskit_gates
from qhub_providers.qiskit.targets.calibration import CalibrationFigures, gate_based
from qhub_providers.qiskit.targets.common import (
    CONTROL_FLOW,
    CompleteFigures,
    HubTargetInfo,
    TargetDraft,
    add_instructions,
    all_pairs,
    log,
    place_gates,
    standard_gates,
)

DEFAULT_INSTRUCTIONS = ("measure", "barrier")
"""What a gate-based backend is assumed to accept when its configuration lists no instructions at all."""


def _writable_gates(configuration: Configuration) -> frozenset[str] | None:
    """The Qiskit gates the backend's input format can write (``None``: any), from the format's one gate
    table: a target never offers a gate the encoder would refuse."""
    input_format = format_for(configuration.supported_input_formats or [])
    return None if input_format is None else qiskit_gates(input_format)


def qubit_ids(configuration: Configuration, num_qubits: int) -> list[str]:
    """The Hub's qubit ids in Qiskit index order (``"0"`` … when the configuration lists none)."""
    listed = [q.id for q in configuration.qubits or []]
    if len(listed) == num_qubits and all(isinstance(q, str) and q for q in listed):
        ids = [str(q) for q in listed]
        if len(set(ids)) == len(ids):
            return ids
        raise ValueError(f"configuration.qubits repeats qubit ids: {ids}")
    if listed:
        log.debug("%d qubit ids listed for %d qubits; using 0..n-1", len(listed), num_qubits)
    return [str(q) for q in range(num_qubits)]


def physical_numbers(ids: Sequence[str]) -> tuple[int, ...]:
    """The device's qubit numbers when they are integers other than ``0 … n-1``; else empty."""
    try:
        numbers = tuple(int(q) for q in ids)
    except ValueError:
        return ()
    return () if numbers == tuple(range(len(ids))) else numbers


def graph_edges(graph: Mapping[str, Sequence[str]], index_of: Mapping[str, int]) -> list[tuple[int, int]]:
    """Edges of an adjacency list keyed by qubit id, as Qiskit index pairs (self-loops dropped)."""
    edges: list[tuple[int, int]] = []
    for source, neighbours in graph.items():
        for target in neighbours or []:
            unknown = [q for q in (str(source), str(target)) if q not in index_of]
            if unknown:
                raise ValueError(f"connectivity graph names unknown qubit(s) {unknown}")
            a, b = index_of[str(source)], index_of[str(target)]
            if a != b:
                edges.append((a, b))
    return edges


def _coupling(
    configuration: Configuration, index_of: Mapping[str, int], *, simulator: bool
) -> list[tuple[int, int]] | None:
    """Directed pairs for two-qubit gates; ``None`` when anything goes (a simulator without a graph)."""
    connectivity = configuration.connectivity
    graph = connectivity.graph if connectivity is not None else None
    fully = connectivity.fully_connected if connectivity is not None else None
    if fully or graph is None:
        if fully is False and not simulator:
            raise ValueError("connectivity is not fully connected but has no graph")
        return None if simulator else all_pairs(index_of.values())
    return graph_edges(graph, index_of)


def build_generic(
    backend: Backend, configuration: Configuration, calibration: CalibrationResponse | None
) -> HubTargetInfo:
    """A target from the Hub's generic ``configuration`` block."""
    description = backend.id or backend.name or "backend"
    simulator = str(backend.type) == "SIMULATOR"
    num_qubits = configuration.qubit_count
    if num_qubits is None:
        num_qubits = len(configuration.qubits or [])
    if num_qubits < 1:
        raise ValueError("configuration has no qubit_count and lists no qubits")
    ids = qubit_ids(configuration, num_qubits)
    index_of = {q: i for i, q in enumerate(ids)}
    pairs = _coupling(configuration, index_of, simulator=simulator)

    library = standard_gates()
    writable = _writable_gates(configuration)
    gates: dict[str, Instruction] = {}
    native: list[str] = []
    instruction_names: list[str] = []
    unknown: list[str] = []
    unwritable: list[str] = []
    for entry in configuration.gates or []:
        if not entry.name:
            continue
        name = entry.name.strip().lower()
        if name in ("measure", "reset", "delay", "barrier") or name in CONTROL_FLOW:
            instruction_names.append(name)
        elif name in library and isinstance(library[name], Instruction):
            if writable is not None and name not in writable:
                unwritable.append(name)
                continue
            gates[name] = library[name]
            if entry.native_gate:
                native.append(name)
        else:
            unknown.append(entry.name)
    if unknown:
        log.debug("%s: gates without a Qiskit standard counterpart left out: %s", description, unknown)
    if unwritable:
        log.debug("%s: gates its input format cannot write left out: %s", description, unwritable)

    listed = configuration.instructions
    if listed is None:
        listed = configuration.operations
    if listed is None:
        listed = list(DEFAULT_INSTRUCTIONS)
    instruction_names += [str(name).strip().lower() for name in listed if name]

    figures = CalibrationFigures(gate_based(calibration), lambda q: index_of.get(str(q)))
    # Gates the calibration has no figure for take those of the gates they are run as.
    stand_in_names = [*native, *sorted(figures.gate_names())]
    stand_ins = {
        arity: [n for n in stand_in_names if n in library and library[n].num_qubits == arity]
        for arity in (1, 2)
    }
    draft = TargetDraft(num_qubits, description=description)
    place_gates(
        draft, gates, qubits=range(num_qubits), pairs=pairs, errors=CompleteFigures([figures], stand_ins)
    )
    add_instructions(
        draft,
        instruction_names,
        global_=pairs is None,
        readout=figures.readout,
        reset=figures.reset,
        dead=figures.dead_qubits(),
    )
    target = draft.build(qubit_properties=figures.qubit_properties(num_qubits))
    return HubTargetInfo(
        target=target,
        qubit_names=(),
        native_gates=tuple(sorted(set(native) or set(gates))),
        simulator=simulator,
        kind="generic",
        physical_qubits=physical_numbers(ids),
    )
