"""The AQT job format (``AQT_JOB_INPUT_V1``), for ``aqt.sim.ideal`` and ``aqt.qpu.ibex``.

The job input is AQT's ``{"job_type": "quantum_circuit", "label", "payload": {"circuits": [...]}}``
with one entry per circuit: ``repetitions`` (the shots), ``number_of_qubits`` and the operations, angles
in units of pi:

* ``r(theta, phi)`` -> ``{"operation": "R", "qubit", "theta", "phi"}`` within AQT's domains
  ``0 <= theta <= 1`` and ``0 <= phi < 2``: a negative ``theta`` turns the axis round (``phi + 1``);
* ``rz(phi)`` -> ``{"operation": "RZ", "qubit", "phi"}`` with ``phi`` wrapped into ``[-1, 1)``;
* ``rxx(theta)`` -> ``{"operation": "RXX", "qubits", "theta"}`` with ``0 <= theta <= 0.5``. Other angles
  are rewritten exactly (up to global phase): ``RXX(theta) ~ (X (x) X) RXX(theta - pi)``, and a negative
  angle conjugates with ``Z`` on the first qubit, ``RXX(-a) ~ Z RXX(a) Z``;
* ``{"operation": "MEASURE"}`` closes every circuit: AQT measures all qubits once, at the end.

AQT has nowhere to put Qiskit's classical layout but the job's ``label``, so the label is compact JSON
with each circuit's name, registers and measurements; :func:`layouts` reads it back. The result is
``{"counts", "memory"}`` per circuit (a list for several) over **all** qubits, qubit ``i`` being bit
``i`` (bitstring keys with qubit 0 rightmost, memory as hex words); :func:`decode` moves each measured
qubit's bit onto its clbit.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from qhub_providers.formats import gates as gate_tables
from qhub_providers.formats._bits import clbit_sources, marginal, remap
from qhub_providers.formats.base import (
    BackendFacts,
    ClassicalLayout,
    EncodedJob,
    ExperimentSamples,
    FormatError,
    check_fits,
    check_unitary_step,
    checked_layout,
    finite_angle,
    layout_of,
    layout_pairs,
    registers_from_record,
)

if TYPE_CHECKING:
    from qiskit import QuantumCircuit

__all__ = ["INPUT_FORMAT", "LABEL_LIMIT", "decode", "encode", "layouts"]

INPUT_FORMAT = "AQT_JOB_INPUT_V1"

LABEL_LIMIT = 32_768
"""Most characters the job label (the circuits' classical layouts as JSON) may take."""

_LABEL_VERSION = 1
_NO_OPS = frozenset({"barrier", "id", "global_phase"})


def encode(
    circuits: Sequence[QuantumCircuit], backend: BackendFacts, *, shots: int = 1024, **options: Any
) -> EncodedJob:
    """Write Qiskit circuits (already in ``r``, ``rz``, ``rxx``, final ``measure``) as one AQT job.

    Every circuit repeats ``shots`` times, and the job's ``shots`` says that per-circuit count, as
    the official SDK sends it. AQT takes no other options: any given is refused.
    """
    if options:
        raise FormatError(f"{INPUT_FORMAT} does not know the options {sorted(options)}; it takes shots")
    if not circuits:
        raise FormatError(f"{INPUT_FORMAT} needs at least one circuit")
    limit = max(backend.max_circuits, 1)
    if len(circuits) > limit:
        raise FormatError(
            f"{backend.backend_id} takes at most {limit} circuits per job, got {len(circuits)}: "
            "split them over several jobs"
        )
    if isinstance(shots, bool) or not isinstance(shots, int) or shots < 1:
        raise FormatError(f"shots must be a positive integer, got {shots!r}")
    entries = [_circuit_entry(circuit, backend, shots) for circuit in circuits]
    found = [layout_of(circuit) for circuit in circuits]
    job_input = {
        "job_type": "quantum_circuit",
        "label": _label(found),
        "payload": {"circuits": entries},
    }
    return EncodedJob(input=job_input, input_format=INPUT_FORMAT, input_params={}, shots=shots, layouts=found)


def layouts(job_input: Any, input_params: Mapping[str, Any] | None) -> list[ClassicalLayout]:
    """Each circuit's classical layout, from the job's label.

    A job without such a label (sent by other tools) reads as AQT defines it: every qubit measured
    into the clbit of the same index, in one register ``c``.
    """
    if not isinstance(job_input, Mapping):
        raise FormatError(f"{INPUT_FORMAT} input must be a JSON object")
    payload = job_input.get("payload")
    circuits = payload.get("circuits") if isinstance(payload, Mapping) else None
    if not isinstance(circuits, list):
        raise FormatError(f"{INPUT_FORMAT} input must hold payload.circuits (a list)")
    label = job_input.get("label")
    stored = _read_label(label) if isinstance(label, str) else None
    if stored is not None:
        if len(stored) != len(circuits):
            raise FormatError(
                f"{INPUT_FORMAT} label describes {len(stored)} circuit(s) but the payload holds "
                f"{len(circuits)}"
            )
        return stored
    found: list[ClassicalLayout] = []
    for k, entry in enumerate(circuits):
        width = entry.get("number_of_qubits") if isinstance(entry, Mapping) else None
        if isinstance(width, bool) or not isinstance(width, int) or width < 0:
            raise FormatError(f"{INPUT_FORMAT} payload.circuits[{k}].number_of_qubits must be an integer")
        found.append(
            ClassicalLayout(
                name=f"circuit-{k}", creg_sizes=(("c", width),), measured=tuple((q, q) for q in range(width))
            )
        )
    return found


def decode(
    result: Any, layouts: list[ClassicalLayout], shots: int, *, seed: int | None = None
) -> list[ExperimentSamples]:
    """Per-shot values over each circuit's clbits from AQT's memory (counts when memory is absent).

    ``seed`` is unused: AQT returns shots, nothing is sampled here.
    """
    entries = result if isinstance(result, list) else [result]
    if len(entries) != len(layouts):
        raise FormatError(
            f"{INPUT_FORMAT} result holds {len(entries)} circuit(s) but the job ran {len(layouts)}"
        )
    samples: list[ExperimentSamples] = []
    for index, (entry, layout) in enumerate(zip(entries, layouts, strict=True)):
        where = f"{INPUT_FORMAT} result[{index}]" if isinstance(result, list) else f"{INPUT_FORMAT} result"
        if not isinstance(entry, Mapping):
            raise FormatError(f"{where} must be an object with counts and memory")
        samples.append(_decode_entry(entry, clbit_sources(layout), layout, where))
    return samples


# -- encoding ---------------------------------------------------------------------------------------


def _circuit_entry(circuit: QuantumCircuit, backend: BackendFacts, shots: int) -> dict[str, Any]:
    check_fits(circuit, backend)
    qubit_index = {bit: index for index, bit in enumerate(circuit.qubits)}
    operations: list[dict[str, Any]] = []
    measured: set[int] = set()
    for position, instruction in enumerate(circuit.data):
        operation = instruction.operation
        name = operation.name
        qubits = [qubit_index[q] for q in instruction.qubits]
        where = f"circuit '{circuit.name}', instruction {position} ({name})"
        if name == "measure":
            measured.update(qubits)
            continue
        if name in _NO_OPS:
            continue
        check_unitary_step(operation, qubits, measured, where, "AQT")
        operations.extend(_operations(name, operation.params, qubits, where))
    operations.append({"operation": "MEASURE"})
    return {"repetitions": shots, "number_of_qubits": circuit.num_qubits, "quantum_circuit": operations}


def _operations(name: str, params: Sequence[Any], qubits: list[int], where: str) -> list[dict[str, Any]]:
    # The gates of gate_tables.AQT, each written within AQT's angle domains.
    if name == "r":
        return [_r(qubits[0], _units(params[0], where), _units(params[1], where))]
    if name == "rz":
        return [{"operation": "RZ", "qubit": qubits[0], "phi": _wrap(_units(params[0], where), 2.0, -1.0)}]
    if name == "rxx":
        return _rxx(qubits[0], qubits[1], _units(params[0], where))
    raise FormatError(
        f"{where}: gate '{name}' is not in AQT's gate set ({', '.join(gate_tables.AQT)}, measure at the "
        "end); transpile(circuit, backend) first"
    )


def _r(qubit: int, theta: float, phi: float) -> dict[str, Any]:
    """AQT's R within its domains: ``R(-t, p) = R(t, p + 1)`` (units of pi), and R repeats every 2 in theta
    up to a global phase."""
    theta = _wrap(theta, 2.0, -1.0)
    if theta < 0:
        theta, phi = -theta, phi + 1.0
    return {"operation": "R", "qubit": qubit, "theta": theta, "phi": _wrap(phi, 2.0, 0.0)}


def _rxx(first: int, second: int, theta: float) -> list[dict[str, Any]]:
    """AQT's RXX with ``0 <= theta <= 0.5`` (units of pi), rewriting other angles up to global phase."""
    theta = _wrap(theta, 2.0, -1.0)
    operations: list[dict[str, Any]] = []
    if abs(theta) > 0.5:
        # RXX(pi) is X (x) X up to phase: do that part with two R(pi, 0) and keep the rest.
        operations += [_r(first, 1.0, 0.0), _r(second, 1.0, 0.0)]
        theta -= math.copysign(1.0, theta)
    if theta < 0:
        # Z on one qubit anticommutes with X (x) X, so Z RXX(a) Z = RXX(-a).
        flip = {"operation": "RZ", "qubit": first, "phi": 1.0}
        return [*operations, flip, {"operation": "RXX", "qubits": [first, second], "theta": -theta}, flip]
    return [*operations, {"operation": "RXX", "qubits": [first, second], "theta": theta}]


def _units(value: Any, where: str) -> float:
    """An angle in radians as units of pi."""
    return finite_angle(value, where) / math.pi


def _wrap(value: float, period: float, low: float) -> float:
    """``value`` moved by whole periods into ``[low, low + period)``."""
    wrapped = (value - low) % period + low
    # Float rounding can land exactly on the excluded upper end.
    return low if wrapped >= low + period else wrapped


def _label(found: list[ClassicalLayout]) -> str:
    record = {
        "qiskit_layouts": _LABEL_VERSION,
        "circuits": [
            {
                "name": layout.name,
                **layout.register_record(),
                "measured": [[qubit, clbit] for qubit, clbit in layout.measured],
            }
            for layout in found
        ],
    }
    label = json.dumps(record, separators=(",", ":"))
    if len(label) > LABEL_LIMIT:
        raise FormatError(
            f"the circuits' classical layouts take {len(label)} characters, more than the {LABEL_LIMIT} "
            "an AQT job label is given: submit fewer circuits per job or use shorter names"
        )
    return label


# -- reading back -----------------------------------------------------------------------------------


def _read_label(label: str) -> list[ClassicalLayout] | None:
    """The layouts in a label :func:`encode` wrote; ``None`` for any other label."""
    try:
        record = json.loads(label)
    except json.JSONDecodeError:
        return None
    if not isinstance(record, Mapping) or record.get("qiskit_layouts") != _LABEL_VERSION:
        return None
    circuits = record.get("circuits")
    if not isinstance(circuits, list):
        raise FormatError(f"{INPUT_FORMAT} label: 'circuits' must be a list")
    return [_layout_record(item, f"{INPUT_FORMAT} label.circuits[{k}]") for k, item in enumerate(circuits)]


def _layout_record(item: Any, where: str) -> ClassicalLayout:
    if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
        raise FormatError(f"{where} must be an object with a string 'name'")
    return checked_layout(
        where,
        name=item["name"],
        measured=tuple(layout_pairs(item.get("measured"), int, f"{where}.measured")),
        **registers_from_record(item, where),
    )


# -- decoding ---------------------------------------------------------------------------------------


def _decode_entry(
    entry: Mapping[str, Any], sources: list[tuple[int, int]], layout: ClassicalLayout, where: str
) -> ExperimentSamples:
    memory = entry.get("memory")
    counts = entry.get("counts")
    if counts is not None and not isinstance(counts, Mapping):
        raise FormatError(f"{where}.counts must be an object")
    if memory is not None:
        if not isinstance(memory, list):
            raise FormatError(f"{where}.memory must be a list of hex strings")
        if counts is not None:
            total = _total(counts, where)
            if total != len(memory):
                raise FormatError(f"{where}: memory holds {len(memory)} shots but counts add up to {total}")
        values = _memory_values(memory, sources, where)
        return ExperimentSamples(shots=len(values), values=values)
    if counts is None:
        raise FormatError(f"{where} has neither memory nor counts")
    tally = _counts_values(counts, sources, layout, where)
    return ExperimentSamples(shots=sum(tally.values()), counts=tally)


def _total(counts: Mapping[str, Any], where: str) -> int:
    tallies = list(counts.values())
    if any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in tallies):
        raise FormatError(f"{where}.counts values must be non-negative integers")
    return sum(tallies)


def _memory_values(memory: list[Any], sources: list[tuple[int, int]], where: str) -> list[int]:
    # A shot list is long but has few distinct words (at most 2^qubits): convert each word once.
    try:
        distinct = set(memory)
    except TypeError as error:
        raise FormatError(f"{where}.memory entries must be hex strings like '0x5'") from error
    table: dict[Any, int] = {}
    for word in distinct:
        if not isinstance(word, str) or not word.startswith("0x"):
            raise FormatError(f"{where}.memory entries must be hex strings like '0x5', got {word!r}")
        try:
            table[word] = remap(int(word, 16), sources)
        except ValueError as error:
            raise FormatError(f"{where}.memory entry {word!r} is not a hex number") from error
    return [table[word] for word in memory]


def _counts_values(
    counts: Mapping[str, Any], sources: list[tuple[int, int]], layout: ClassicalLayout, where: str
) -> dict[int, int]:
    total = _total(counts, where)
    keys = list(counts.keys())
    if not keys or total == 0:
        return {}
    if not all(isinstance(k, str) and k and set(k) <= {"0", "1"} for k in keys):
        raise FormatError(f"{where}.counts keys must be bitstrings of 0 and 1")
    width = len(keys[0])
    if any(len(k) != width for k in keys):
        raise FormatError(f"{where}.counts keys must all be {width} bits wide (one per qubit)")
    if layout.memory_slots <= 64 and width <= 64:
        raw = np.frombuffer("".join(keys).encode("ascii"), dtype=np.uint8).reshape(len(keys), width)
        bits = (raw - np.uint8(ord("0"))).astype(np.uint64)
        states = np.zeros(len(keys), dtype=np.uint64)
        for qubit in range(width):  # qubit 0 is the rightmost character
            states |= bits[:, width - 1 - qubit] << np.uint64(qubit)
        weights = np.asarray(list(counts.values()), dtype=np.float64)
        return {v: round(n) for v, n in marginal(states, weights, sources).items() if n}
    tally: dict[int, int] = {}
    for key, count in counts.items():
        outcome = remap(int(key, 2), sources)
        tally[outcome] = tally.get(outcome, 0) + count
    return {v: n for v, n in tally.items() if n}
