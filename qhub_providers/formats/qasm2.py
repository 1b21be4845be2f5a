"""The ``OPEN_QASM_V2`` format: Qiskit circuits as OpenQASM 2 for Kipu's qsim and QUDORA's simulator.

Programs are written by ``qiskit.qasm2.dumps``. That exporter renames registers that are not valid OpenQASM 2
identifiers and forgets the circuit's name, so one comment line after the header keeps both::

    OPENQASM 2.0;
    include "qelib1.inc";
    // qhub-layout {"name": "bell", "cregs": [["c", 2]]}
    qreg q[2];
    ...

One circuit is sent as the bare program string; several (QUDORA only) as ``{"qasm": [program, ...]}``, each
run with the job's ``shots``.

The two providers answer differently, and :func:`decode` tells them apart by shape:

* Kipu (``mode`` ``sample``): ``{"counts": {bitstring: n}}`` keyed **big-endian**, clbit 0 leftmost (the
  reverse of Qiskit); ``statevector``: ``{"statevector": [[re, im], ...]}`` and ``amplitudes``:
  ``{"amplitudes": {bitstring: [re, im]}}``, both with qubit 0 as the leftmost / most significant bit.
* QUDORA: ``{"counts", "memory"}`` in Qiskit order (memory: one hex word per shot), or a list of those.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from qiskit import ClassicalRegister, QuantumCircuit, qasm2

from qhub_providers.formats import gates as gate_tables
from qhub_providers.formats.base import (
    BackendFacts,
    ClassicalLayout,
    EncodedJob,
    ExperimentSamples,
    FormatError,
    check_fits,
    checked_layout,
    layout_of,
    programs_of,
    registers_from_record,
    without_metadata,
)

__all__ = ["INPUT_FORMAT", "KIPU_MODES", "QASM2_GATES", "decode", "encode", "layouts"]

INPUT_FORMAT = "OPEN_QASM_V2"

KIPU_MODES = ("sample", "statevector", "amplitudes")
"""What Kipu's qsim returns: sampled counts, the full statevector, or chosen amplitudes."""

QASM2_GATES = frozenset(gate_tables.QASM2)
"""Gates of ``qelib1.inc`` (as Qiskit names them) that the simulators know without a definition."""

_OTHER_INSTRUCTIONS = frozenset({"measure", "barrier", "reset"})
_NON_UNITARY = frozenset({"measure", "reset", "if_else", "while_loop", "for_loop", "switch_case"})
_LAYOUT_TAG = "// qhub-layout "
_KIPU_PREFIX = "kipu."
# Probabilities below this are rounding noise of a simulated state, not outcomes.
_NEGLIGIBLE = 1e-14
# Up to this many possible clbit values, probabilities are summed in a dense array rather than by sorting.
_DENSE_OUTCOMES = 1 << 22


# --- encoding ---------------------------------------------------------------------------------------------


def encode(
    circuits: list[QuantumCircuit],
    backend: BackendFacts,
    *,
    shots: int = 1024,
    mode: str | None = None,
    bitstrings: Sequence[str] | None = None,
    max_fused_gate_size: int | None = None,
    cpu_threads: int | None = None,
    backend_settings: Mapping[str, Any] | None = None,
    **options: Any,
) -> EncodedJob:
    """Write circuits (fitted to ``backend``) as OpenQASM 2 programs.

    Kipu options: ``mode`` (``sample`` by default, ``statevector``, ``amplitudes`` with ``bitstrings``, each
    a string of ``0``/``1`` with qubit 0 leftmost), ``max_fused_gate_size`` and ``cpu_threads``. QUDORA
    option: ``backend_settings`` (passed through). ``shots`` apply to every circuit.
    """
    if options:
        raise FormatError(f"{INPUT_FORMAT} does not know the options {sorted(options)}")
    if not circuits:
        raise FormatError(f"{INPUT_FORMAT}: no circuits to encode")
    if isinstance(shots, bool) or not isinstance(shots, int) or shots < 1:
        raise FormatError(f"shots must be a positive integer, not {shots!r}")
    limit = max(1, backend.max_circuits)
    if len(circuits) > limit:
        raise FormatError(
            f"{backend.backend_id} runs at most {limit} circuit(s) per job, got {len(circuits)}; "
            "submit them in several jobs"
        )
    is_kipu = backend.backend_id.startswith(_KIPU_PREFIX)
    if is_kipu:
        if len(circuits) != 1:
            raise FormatError(f"{backend.backend_id} runs one circuit per job, got {len(circuits)}")
        if backend_settings is not None:
            raise FormatError(f"backend_settings is a QUDORA option; {backend.backend_id} does not take it")
        params = _kipu_params(circuits[0], mode, bitstrings, max_fused_gate_size, cpu_threads)
    else:
        kipu_only = {
            "mode": mode,
            "bitstrings": bitstrings,
            "max_fused_gate_size": max_fused_gate_size,
            "cpu_threads": cpu_threads,
        }
        given = sorted(name for name, value in kipu_only.items() if value is not None)
        if given:
            raise FormatError(
                f"{', '.join(given)} are Kipu qsim options; {backend.backend_id} does not take them"
            )
        params = {}
        if backend_settings is not None:
            if not isinstance(backend_settings, Mapping):
                raise FormatError("backend_settings must be a mapping")
            params["backend_settings"] = dict(backend_settings)

    programs: list[str] = []
    encoded_layouts: list[ClassicalLayout] = []
    for index, circuit in enumerate(circuits):
        label = f"circuit {index} ('{circuit.name}')"
        _check_circuit(circuit, backend, label)
        layout = layout_of(circuit)
        program = _write_program(circuit, layout, label)
        if without_metadata(_read_layout(program, index)) != without_metadata(layout):
            raise FormatError(f"{label}: its classical bits cannot be written faithfully in OpenQASM 2")
        programs.append(program)
        encoded_layouts.append(layout)

    job_input: Any = programs[0] if len(programs) == 1 else {"qasm": programs}
    return EncodedJob(
        input=job_input,
        input_format=INPUT_FORMAT,
        input_params=params,
        shots=shots,
        layouts=encoded_layouts,
    )


def _kipu_params(
    circuit: QuantumCircuit,
    mode: str | None,
    bitstrings: Sequence[str] | None,
    max_fused_gate_size: int | None,
    cpu_threads: int | None,
) -> dict[str, Any]:
    chosen = mode or "sample"
    if chosen not in KIPU_MODES:
        raise FormatError(f"mode must be one of {', '.join(KIPU_MODES)}, not {mode!r}")
    params: dict[str, Any] = {"mode": chosen}
    if chosen == "amplitudes":
        if not bitstrings:
            raise FormatError("mode 'amplitudes' needs bitstrings: the basis states to evaluate")
        params["bitstrings"] = _checked_bitstrings(bitstrings, circuit.num_qubits)
    elif bitstrings is not None:
        raise FormatError("bitstrings are only used with mode='amplitudes'")
    if chosen != "sample":
        _check_exact(circuit, chosen)
    for name, value in (("max_fused_gate_size", max_fused_gate_size), ("cpu_threads", cpu_threads)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise FormatError(f"{name} must be a non-negative integer, not {value!r}")
        params[name] = value
    return params


def _checked_bitstrings(bitstrings: Sequence[str], num_qubits: int) -> list[str]:
    if isinstance(bitstrings, str):
        raise FormatError("bitstrings must be a list of strings, not one string")
    checked = []
    for text in bitstrings:
        if not isinstance(text, str) or len(text) != num_qubits or set(text) - {"0", "1"}:
            raise FormatError(
                f"each bitstring must be {num_qubits} characters of 0 and 1 (qubit 0 leftmost), not {text!r}"
            )
        checked.append(text)
    return checked


def _check_exact(circuit: QuantumCircuit, mode: str) -> None:
    """The exact modes evaluate the final state: no mid-circuit measurement, reset or classical control."""
    unitary = circuit.remove_final_measurements(inplace=False)
    for instruction in unitary.data:
        if instruction.operation.name in _NON_UNITARY:
            raise FormatError(
                f"mode '{mode}' computes the final state, so the circuit may not contain "
                f"'{instruction.operation.name}' before its final measurements; use mode='sample'"
            )


def _check_circuit(circuit: QuantumCircuit, backend: BackendFacts, label: str) -> None:
    check_fits(circuit, backend, label)
    for instruction in circuit.data:
        name = instruction.operation.name
        if name not in QASM2_GATES and name not in _OTHER_INSTRUCTIONS and name != "if_else":
            raise FormatError(
                f"{label}: '{name}' is not an OpenQASM 2 (qelib1.inc) instruction; "
                "transpile(circuit, backend) first"
            )


def _write_program(circuit: QuantumCircuit, layout: ClassicalLayout, label: str) -> str:
    try:
        text = qasm2.dumps(circuit if layout.plain else _one_register(circuit, label))
    except qasm2.QASM2ExportError as error:
        raise FormatError(f"{label} cannot be written in OpenQASM 2: {error}") from None
    comment = _LAYOUT_TAG + json.dumps(
        {"name": layout.name, **layout.register_record()},
        ensure_ascii=True,  # one line, whatever the names hold
    )
    header, _, body = text.partition('include "qelib1.inc";\n')
    if not body:
        raise FormatError(f"{label}: unexpected OpenQASM 2 text from Qiskit's exporter")
    return f'{header}include "qelib1.inc";\n{comment}\n{body}'


def _one_register(circuit: QuantumCircuit, label: str) -> QuantumCircuit:
    """``circuit`` with all its clbits, in order, in one register ``c``: OpenQASM 2 registers cannot
    alias one another or leave clbits out, so a circuit whose registers do is sent this way (its own
    registers travel in the layout comment)."""
    register = ClassicalRegister(name="c", bits=circuit.clbits)
    flat = QuantumCircuit(*circuit.qregs, register, name=circuit.name, global_phase=circuit.global_phase)
    loose_qubits = [bit for bit in circuit.qubits if not circuit.find_bit(bit).registers]
    if loose_qubits:
        flat.add_bits(loose_qubits)
    if list(flat.qubits) != list(circuit.qubits):
        raise FormatError(f"{label}: its qubit registers cannot be written in OpenQASM 2")
    for instruction in circuit.data:
        if instruction.operation.name == "if_else":
            raise FormatError(
                f"{label}: a condition on a register that aliases others (or on clbits outside every "
                "register) cannot be written in OpenQASM 2; condition on a register that holds its own "
                "clbits"
            )
        flat.append(instruction)
    return flat


# --- reading programs back --------------------------------------------------------------------------------


def layouts(job_input: Any, input_params: Mapping[str, Any] | None = None) -> list[ClassicalLayout]:
    """The classical layout of every program of a stored ``OPEN_QASM_V2`` input (metadata empty)."""
    programs = programs_of(job_input, INPUT_FORMAT)
    return [_read_layout(program, index) for index, program in enumerate(programs)]


def _read_layout(program: str, index: int) -> ClassicalLayout:
    label = f"program {index}"
    try:
        circuit = qasm2.loads(
            program,
            include_path=(),  # a stored program must never make us read a file
            custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS,
        )
    except qasm2.QASM2ParseError as error:
        raise FormatError(f"{INPUT_FORMAT} {label} is not valid OpenQASM 2: {error}") from None
    parsed = layout_of(circuit)
    header = _read_header(program, label)
    if header is None:
        return ClassicalLayout(
            name=f"circuit-{index}", creg_sizes=parsed.creg_sizes, measured=parsed.measured
        )
    layout = checked_layout(f"{INPUT_FORMAT} {label}", measured=parsed.measured, **header)
    if layout.memory_slots != parsed.memory_slots or (
        layout.plain and [size for _, size in layout.creg_sizes] != [s for _, s in parsed.creg_sizes]
    ):
        raise FormatError(
            f"{INPUT_FORMAT} {label}: the layout comment's registers {list(layout.creg_sizes)} do not match "
            f"the program's {list(parsed.creg_sizes)}"
        )
    return layout


def _read_header(program: str, label: str) -> dict[str, Any] | None:
    """The name and registers in a program's layout comment (keywords of ``ClassicalLayout``)."""
    where = f"{INPUT_FORMAT} {label} layout comment"
    for line in program.splitlines():
        line = line.strip()
        if not line.startswith(_LAYOUT_TAG):
            continue
        try:
            header = json.loads(line[len(_LAYOUT_TAG) :])
        except ValueError as error:
            raise FormatError(f"unreadable {where} ({error})") from None
        if not isinstance(header, dict) or not isinstance(header.get("name"), str):
            raise FormatError(f"malformed {where}")
        return {"name": header["name"], **registers_from_record(header, where)}
    return None


# --- decoding results -------------------------------------------------------------------------------------


def decode(
    result: Any,
    layouts: list[ClassicalLayout],
    shots: int,
    *,
    seed: int | None = None,
    backend_id: str | None = None,
) -> list[ExperimentSamples]:
    """Samples for each circuit from a Kipu or QUDORA result (see the module docstring for the shapes).

    ``shots`` is the job's shot count (every circuit's); it is what exact Kipu results are sampled with.
    """
    if not layouts:
        raise FormatError(f"{INPUT_FORMAT}: no circuit layouts to decode the result with")
    entries: list[Any] = result if isinstance(result, list) else [result]
    if len(entries) != len(layouts):
        raise FormatError(f"{INPUT_FORMAT} result has {len(entries)} entries for {len(layouts)} circuits")
    return [
        _decode_entry(
            entry, layout, shots, f"circuit {index}", big_endian=_big_endian_counts(backend_id, entry)
        )
        for index, (entry, layout) in enumerate(zip(entries, layouts, strict=True))
    ]


def _big_endian_counts(backend_id: str | None, entry: Any) -> bool:
    """Kipu's counts put clbit 0 leftmost, QUDORA's rightmost (Qiskit order). The backend says which;
    without it, bare counts are taken as Kipu's, the only service that answers with counts alone."""
    if backend_id is not None:
        return backend_id.startswith("kipu.")
    return True


def _decode_entry(
    entry: Any, layout: ClassicalLayout, shots: int, label: str, *, big_endian: bool = True
) -> ExperimentSamples:
    if not isinstance(entry, Mapping):
        raise FormatError(
            f"{INPUT_FORMAT} result for {label} must be a JSON object, not {type(entry).__name__}"
        )
    if "statevector" in entry:
        return ExperimentSamples(shots=shots, probabilities=_statevector(entry["statevector"], layout, label))
    if "amplitudes" in entry:
        return ExperimentSamples(shots=shots, probabilities=_amplitudes(entry["amplitudes"], layout, label))
    if entry.get("memory") is not None:
        values = _memory(entry["memory"], layout, label)
        return ExperimentSamples(shots=len(values), values=values)
    counts = entry.get("counts")
    if not isinstance(counts, Mapping):
        raise FormatError(
            f"{INPUT_FORMAT} result for {label} has none of 'counts', 'memory', 'statevector', 'amplitudes'"
        )
    tally = _counts(counts, layout, label, big_endian=big_endian)
    return ExperimentSamples(shots=sum(tally.values()), counts=tally)


def _memory(memory: Any, layout: ClassicalLayout, label: str) -> list[int]:
    if not isinstance(memory, list):
        raise FormatError(f"{INPUT_FORMAT} result for {label}: 'memory' must be a list of hex strings")
    try:
        values = [int(word, 16) for word in memory]
    except (TypeError, ValueError):
        raise FormatError(
            f"{INPUT_FORMAT} result for {label}: 'memory' must hold hex strings like '0x5'"
        ) from None
    limit = 1 << layout.memory_slots
    if values and (min(values) < 0 or max(values) >= limit):
        raise FormatError(
            f"{INPUT_FORMAT} result for {label}: a memory value does not fit the circuit's "
            f"{layout.memory_slots} clbits"
        )
    return values


def _counts(
    counts: Mapping[Any, Any], layout: ClassicalLayout, label: str, *, big_endian: bool = True
) -> dict[int, int]:
    width = layout.memory_slots
    tally: dict[int, int] = {}
    for key, count in counts.items():
        bits = key.replace(" ", "") if isinstance(key, str) else None
        if bits is None or len(bits) != width or set(bits) - {"0", "1"}:
            raise FormatError(
                f"{INPUT_FORMAT} result for {label}: count key {key!r} is not {width} bits of 0 and 1"
            )
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise FormatError(f"{INPUT_FORMAT} result for {label}: the count of {key!r} is not a count")
        value = int(bits[::-1] if big_endian else bits, 2) if bits else 0
        tally[value] = tally.get(value, 0) + count
    return tally


def _amplitude_array(values: Any, label: str, what: str) -> npt.NDArray[np.float64]:
    """``[[re, im], ...]`` as an ``(n, 2)`` array; ``fromiter`` over the flattened pairs is the fast path."""
    if not isinstance(values, list) or set(map(type, values)) != {list} or set(map(len, values)) != {2}:
        raise FormatError(f"{INPUT_FORMAT} result for {label}: {what} must be [re, im] pairs")
    try:
        flat = np.fromiter(itertools.chain.from_iterable(values), dtype=np.float64, count=2 * len(values))
    except (TypeError, ValueError):
        raise FormatError(
            f"{INPUT_FORMAT} result for {label}: {what} must be [re, im] pairs of numbers"
        ) from None
    return flat.reshape(len(values), 2)


def _statevector(state: Any, layout: ClassicalLayout, label: str) -> dict[int, float]:
    if not isinstance(state, list) or not state:
        raise FormatError(f"{INPUT_FORMAT} result for {label}: 'statevector' must be a non-empty list")
    amplitudes = _amplitude_array(state, label, "'statevector' entries")
    width = int(math.log2(len(amplitudes)))
    if 1 << width != len(amplitudes):
        raise FormatError(f"{INPUT_FORMAT} result for {label}: a statevector's length must be a power of two")
    probabilities = (amplitudes**2).sum(axis=1)
    indices = np.arange(len(amplitudes), dtype=np.int64)
    values = _clbit_values(indices, width, layout, label)
    return _aggregate(values, probabilities)


def _amplitudes(amplitudes: Any, layout: ClassicalLayout, label: str) -> dict[int, float]:
    if not isinstance(amplitudes, Mapping) or not amplitudes:
        raise FormatError(f"{INPUT_FORMAT} result for {label}: 'amplitudes' must be a non-empty object")
    keys = list(amplitudes)
    widths = {len(key) if isinstance(key, str) else -1 for key in keys}
    if len(widths) != 1 or any(not isinstance(k, str) or set(k) - {"0", "1"} for k in keys):
        raise FormatError(
            f"{INPUT_FORMAT} result for {label}: amplitude keys must be equal-length bitstrings"
        )
    width = widths.pop()
    pairs = _amplitude_array([amplitudes[key] for key in keys], label, "amplitudes")
    indices = np.array([int(key, 2) if key else 0 for key in keys], dtype=np.int64)
    return _aggregate(_clbit_values(indices, width, layout, label), (pairs**2).sum(axis=1))


def _clbit_values(
    indices: npt.NDArray[np.int64], width: int, layout: ClassicalLayout, label: str
) -> npt.NDArray[np.int64] | list[int]:
    """Clbit values of big-endian basis-state indices (qubit 0 the most significant bit)."""
    if any(qubit >= width for qubit, _ in layout.measured):
        raise FormatError(
            f"{INPUT_FORMAT} result for {label}: the state has fewer qubits than the circuit measures"
        )
    if layout.memory_slots <= 62:
        values = np.zeros(len(indices), dtype=np.int64)
        for qubit, clbit in layout.measured:
            values &= ~np.int64(1 << clbit)  # a later measurement into the same clbit wins
            values |= ((indices >> (width - 1 - qubit)) & 1) << clbit
        return values
    wide = [0] * len(indices)
    for position, index in enumerate(indices.tolist()):
        value = 0
        for qubit, clbit in layout.measured:
            value = (value & ~(1 << clbit)) | (((index >> (width - 1 - qubit)) & 1) << clbit)
        wide[position] = value
    return wide


def _aggregate(
    values: npt.NDArray[np.int64] | list[int], probabilities: npt.NDArray[np.float64]
) -> dict[int, float]:
    """Sum the probabilities of basis states that give the same clbit value."""
    kept = probabilities > _NEGLIGIBLE
    if isinstance(values, list):
        out: dict[int, float] = {}
        for value, probability, keep in zip(values, probabilities.tolist(), kept.tolist(), strict=True):
            if keep:
                out[value] = out.get(value, 0.0) + probability
        return out
    if len(values) and int(values.max()) < _DENSE_OUTCOMES:
        sums = np.bincount(values[kept], weights=probabilities[kept], minlength=1)
        outcomes = np.flatnonzero(sums)
        return dict(zip(outcomes.tolist(), sums[outcomes].tolist(), strict=True))
    outcomes, inverse = np.unique(values[kept], return_inverse=True)
    sums = np.bincount(inverse, weights=probabilities[kept], minlength=len(outcomes))
    return dict(zip(outcomes.tolist(), sums.tolist(), strict=True))
