"""The IQM circuit batch format (``IQM_JOB_INPUT_V1``), for ``iqm.qpu.garnet`` and ``iqm.qpu.emerald``.

The job input is the circuit part of an IQM run request, ``{"circuits": [{"name", "instructions",
"metadata"}]}``; the other run-request fields (``calibration_set_id``, ``qubit_mapping``,
``heralding_mode`` ...) go into ``input_params``, as the official SDK sends them, and only when given.

Instructions act on a ``locus`` of qubit names (``QB1`` ... by index, from ``BackendFacts``):

* Qiskit's ``r(theta, phi)`` is IQM's ``prx`` with ``args {"angle": theta, "phase": phi}`` in radians:
  the form IQM's current client (``iqm-client``'s Qiskit conversion) and the official Hub SDK send.
  The Hub's published schema still names IQM's older ``angle_t`` / ``phase_t`` in turns; see
  ``docs/guides/qiskit.md`` (IQM) for the evidence behind the choice;
* ``cz`` acts on a coupled pair, ``barrier`` / ``delay`` / ``reset`` on their qubits;
* every Qiskit ``measure`` becomes one IQM ``measure`` of one qubit whose key names the classical
  bit it writes: ``<register>_<register size>_<register index>_<bit index>`` (IQM's own convention, so
  other IQM tooling reads it too), with ``#<n>`` appended for the n-th rewrite of the same bit.

A circuit with nothing to do is written as a one-qubit ``barrier`` (IQM refuses a circuit without
instructions). ``tests/referee`` holds this encoder to IQM's own client (iqm-client 36, run in a venv of
its own): same instructions as its Qiskit converter, and every job input passes its validation.

The keys and the circuit's ``metadata.creg_sizes`` (which also lists registers nothing measures) are
what :func:`layouts` reads back. IQM answers ``{"measurement_counts": [{"counts": {"<bits>": n},
"measurement_keys": [...]}]}`` per circuit, one character per key in key order; :func:`decode` places
each key's bit on its clbit, the last write of a clbit winning.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from qiskit.circuit import ControlFlowOp

from qhub_providers.formats import gates as gate_tables
from qhub_providers.formats.base import (
    BackendFacts,
    ClassicalLayout,
    EncodedJob,
    ExperimentSamples,
    FormatError,
    check_fits,
    checked_layout,
    finite_angle,
    layout_of,
    registers_from_record,
)

if TYPE_CHECKING:
    from qiskit import QuantumCircuit
    from qiskit.circuit import CircuitInstruction

__all__ = ["INPUT_FORMAT", "RUN_OPTIONS", "decode", "encode", "layouts"]

INPUT_FORMAT = "IQM_JOB_INPUT_V1"

RUN_OPTIONS: dict[str, frozenset[str] | None] = {
    "calibration_set_id": None,
    "qubit_mapping": None,
    "custom_settings": None,
    "max_circuit_duration_over_t2": None,
    "heralding_mode": frozenset({"none", "zeros"}),
    "move_validation_mode": frozenset({"strict", "allow_prx", "none"}),
    "move_gate_frame_tracking_mode": frozenset({"full", "no_detuning_correction", "none"}),
    "active_reset_cycles": None,
    "dd_mode": frozenset({"disabled", "enabled"}),
    "dd_strategy": None,
}
"""The IQM run-request options :func:`encode` accepts, with the values IQM allows (``None``: any)."""

_KEY = re.compile(r"(?P<register>.*)_(?P<size>\d+)_(?P<index>\d+)_(?P<bit>\d+)(?:#(?P<rewrite>\d+))?", re.S)
_QB = re.compile(r"QB([1-9][0-9]*)")
_SECONDS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9, "ps": 1e-12}
_SUPPORTED = ", ".join([*gate_tables.IQM, "measure", "barrier", "delay", "reset"])


def encode(
    circuits: Sequence[QuantumCircuit],
    backend: BackendFacts,
    *,
    shots: int = 1024,
    calibration_set_id: str | None = None,
    qubit_mapping: Mapping[str, str] | Sequence[Mapping[str, str]] | None = None,
    custom_settings: Mapping[str, Any] | None = None,
    max_circuit_duration_over_t2: float | None = None,
    heralding_mode: str | None = None,
    move_validation_mode: str | None = None,
    move_gate_frame_tracking_mode: str | None = None,
    active_reset_cycles: int | None = None,
    dd_mode: str | None = None,
    dd_strategy: Mapping[str, Any] | None = None,
    **options: Any,
) -> EncodedJob:
    """Write Qiskit circuits (already in ``r``, ``cz``, ``measure``) as one IQM circuit batch.

    ``shots`` is per circuit, as IQM counts them. The IQM run options (see :data:`RUN_OPTIONS`) go into
    ``input_params`` when given (not ``None``). ``qubit_mapping`` maps logical names to physical ones
    (``{"alice": "QB1"}`` or IQM's ``[{"logical_name", "physical_name"}]``); the loci then use the logical
    names. Other options are refused.
    """
    if options:
        raise FormatError(f"{INPUT_FORMAT} does not know the options {sorted(options)}")
    given = {
        "calibration_set_id": calibration_set_id,
        "qubit_mapping": qubit_mapping,
        "custom_settings": custom_settings,
        "max_circuit_duration_over_t2": max_circuit_duration_over_t2,
        "heralding_mode": heralding_mode,
        "move_validation_mode": move_validation_mode,
        "move_gate_frame_tracking_mode": move_gate_frame_tracking_mode,
        "active_reset_cycles": active_reset_cycles,
        "dd_mode": dd_mode,
        "dd_strategy": dd_strategy,
    }
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
    params = _run_options(given)
    names = _locus_names(backend, params.get("qubit_mapping"))
    couplers = _couplers(backend)
    items = [_circuit_item(circuit, backend, names, couplers) for circuit in circuits]
    return EncodedJob(
        input={"circuits": items},
        input_format=INPUT_FORMAT,
        input_params=params,
        shots=shots,
        layouts=[layout_of(circuit) for circuit in circuits],
    )


def layouts(job_input: Any, input_params: Mapping[str, Any] | None) -> list[ClassicalLayout]:
    """Each circuit's classical layout, from its measurement keys and ``metadata.creg_sizes``."""
    if not isinstance(job_input, Mapping) or not isinstance(job_input.get("circuits"), list):
        raise FormatError(f"{INPUT_FORMAT} input must be an object with a 'circuits' list")
    params = input_params or {}
    # The official SDK sends null options in input_params; the schema's place is the input.
    mapping_value = params.get("qubit_mapping") or job_input.get("qubit_mapping")
    mapping = _mapping_dict(mapping_value) if mapping_value is not None else None
    return [
        _layout_of_item(item, mapping, f"input.circuits[{k}]") for k, item in enumerate(job_input["circuits"])
    ]


def decode(
    result: Any, layouts: list[ClassicalLayout], shots: int, *, seed: int | None = None
) -> list[ExperimentSamples]:
    """IQM's per-circuit counts as counts over each circuit's classical bits (clbit ``i`` = bit ``i``).

    ``shots`` is only a fallback: each circuit's shots are what its counts add up to (heralding may
    discard some). ``seed`` is unused.
    """
    if not isinstance(result, Mapping) or not isinstance(result.get("measurement_counts"), list):
        raise FormatError(f"{INPUT_FORMAT} result must be an object with a 'measurement_counts' list")
    entries = result["measurement_counts"]
    if len(entries) != len(layouts):
        raise FormatError(
            f"{INPUT_FORMAT} result holds {len(entries)} circuit(s) but the job ran {len(layouts)}"
        )
    samples: list[ExperimentSamples] = []
    for index, (entry, layout) in enumerate(zip(entries, layouts, strict=True)):
        where = f"{INPUT_FORMAT} result.measurement_counts[{index}]"
        if not isinstance(entry, Mapping):
            raise FormatError(f"{where} must be an object")
        columns = _columns(entry.get("measurement_keys"), layout, where)
        counts = _counts(entry.get("counts"), columns, layout, where)
        samples.append(ExperimentSamples(shots=sum(counts.values()) if counts else shots, counts=counts))
    return samples


# -- encoding ---------------------------------------------------------------------------------------


def _run_options(options: Mapping[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for name, allowed in RUN_OPTIONS.items():
        value = options.get(name)
        if value is None:
            continue
        if allowed is not None and value not in allowed:
            raise FormatError(f"{name} must be one of {', '.join(sorted(allowed))}, got {value!r}")
        params[name] = value
    if "qubit_mapping" in params:
        mapping = _mapping_dict(params["qubit_mapping"])
        params["qubit_mapping"] = [
            {"logical_name": logical, "physical_name": physical} for logical, physical in mapping.items()
        ]
    return params


def _locus_names(backend: BackendFacts, qubit_mapping: Any) -> list[str]:
    """The name each qubit index has in a locus: its physical name, or its logical one under a mapping."""
    physical = list(backend.qubit_names) or [f"QB{q + 1}" for q in range(backend.num_qubits)]
    if qubit_mapping is None:
        return physical
    logical_of = {p: logical for logical, p in _mapping_dict(qubit_mapping).items()}
    # Qubits the mapping leaves out get no name; using one is refused where it happens.
    return [logical_of.get(name, "") for name in physical]


def _couplers(backend: BackendFacts) -> set[frozenset[str]] | None:
    """The coupled pairs the architecture lists for ``cz``; ``None`` when it lists none."""
    gates = backend.native_config.get("gates")
    cz = gates.get("cz") if isinstance(gates, Mapping) else None
    implementations = cz.get("implementations") if isinstance(cz, Mapping) else None
    if not isinstance(implementations, Mapping):
        return None
    pairs: set[frozenset[str]] = set()
    for implementation in implementations.values():
        loci = implementation.get("loci") if isinstance(implementation, Mapping) else None
        for locus in loci if isinstance(loci, list) else []:
            if isinstance(locus, list) and len(locus) == 2:
                pairs.add(frozenset(str(name) for name in locus))
    return pairs


def _circuit_item(
    circuit: QuantumCircuit,
    backend: BackendFacts,
    names: list[str],
    couplers: set[frozenset[str]] | None,
) -> dict[str, Any]:
    check_fits(circuit, backend, width=len(names))
    layout = layout_of(circuit)
    writer = _InstructionWriter(circuit, names, couplers, backend)
    instructions = [writer.write(position, instruction) for position, instruction in enumerate(circuit.data)]
    registers = layout.register_record()
    metadata: dict[str, Any] = {"creg_sizes": registers.pop("cregs")}
    # Aliased registers and clbits outside every register: where each register's bits are.
    metadata.update({f"creg_{key}": value for key, value in registers.items()})
    used = names[: circuit.num_qubits]
    if any(name != f"QB{q + 1}" for q, name in enumerate(used)):
        # Names outside IQM's QB<n> scheme do not say their index; keep it for layouts().
        metadata["qubits"] = used
    written = [item for item in instructions if item is not None]
    if not written:
        # IQM refuses a circuit without instructions; a one-qubit barrier is allowed and does nothing.
        written = [{"name": "barrier", "locus": [next(name for name in names if name)], "args": {}}]
    return {"name": str(circuit.name), "instructions": written, "metadata": metadata}


class _InstructionWriter:
    """Turns one circuit's instructions into IQM instructions, naming the culprit in every error."""

    def __init__(
        self,
        circuit: QuantumCircuit,
        names: list[str],
        couplers: set[frozenset[str]] | None,
        backend: BackendFacts,
    ) -> None:
        self.circuit = circuit
        self.names = names
        # The architecture's couplers name physical qubits; under a qubit_mapping the loci are logical.
        self.physical = _locus_names(backend, None)
        self.couplers = couplers
        self.backend_id = backend.backend_id
        self.qubit_index = {bit: index for index, bit in enumerate(circuit.qubits)}
        self.clbit_key = _clbit_keys(circuit)
        self.writes: dict[int, int] = {}

    def write(self, position: int, instruction: CircuitInstruction) -> dict[str, Any] | None:
        operation = instruction.operation
        name = operation.name
        where = f"circuit '{self.circuit.name}', instruction {position} ({name})"
        qubits = [self.qubit_index[q] for q in instruction.qubits]
        if isinstance(operation, ControlFlowOp):
            raise FormatError(f"{where}: classical control flow cannot be written as IQM instructions")
        if name in ("id", "global_phase"):
            return None
        locus = [self._name(q, where) for q in qubits]
        if name == "r":
            theta, phi = (finite_angle(value, where) for value in operation.params)
            return {
                "name": gate_tables.IQM["r"],
                "locus": locus,
                "args": {"angle": theta, "phase": phi},
            }
        if name == "cz":
            first, second = (self.physical[q] for q in qubits)
            if self.couplers is not None and frozenset((first, second)) not in self.couplers:
                raise FormatError(
                    f"{where}: {first} and {second} are not coupled on {self.backend_id}; "
                    "transpile(circuit, backend) first"
                )
            return {"name": gate_tables.IQM["cz"], "locus": locus, "args": {}}
        if name == "measure":
            clbit = self.circuit.find_bit(instruction.clbits[0]).index
            rewrite = self.writes.get(clbit, -1) + 1
            self.writes[clbit] = rewrite
            key = self.clbit_key[clbit] + (f"#{rewrite}" if rewrite else "")
            return {"name": "measure", "locus": locus, "args": {"key": key}}
        if name == "barrier":
            return {"name": "barrier", "locus": locus, "args": {}}
        if name == "reset":
            return {"name": "reset", "locus": locus, "args": {}}
        if name == "delay":
            return {"name": "delay", "locus": locus, "args": {"duration": _seconds(operation, where)}}
        raise FormatError(
            f"{where}: '{name}' is not an IQM instruction ({_SUPPORTED}); transpile(circuit, backend) first"
        )

    def _name(self, qubit: int, where: str) -> str:
        name = self.names[qubit]
        if not name:
            raise FormatError(f"{where}: qubit {qubit} has no logical name in the given qubit_mapping")
        return name


def _clbit_keys(circuit: QuantumCircuit) -> list[str]:
    """Every clbit's measurement key stem: register name, register size, register index, bit index.

    A clbit in several registers (aliasing) is keyed by the first that holds it; clbits outside every
    register by a last register named ``qhub_loose_clbits`` (see ``ClassicalLayout.home_registers``).
    """
    layout = layout_of(circuit)
    keys: dict[int, str] = {}
    for register_index, (register, clbits) in enumerate(layout.home_registers()):
        for bit, clbit in enumerate(clbits):
            keys.setdefault(clbit, f"{register}_{len(clbits)}_{register_index}_{bit}")
    return [keys[clbit] for clbit in range(circuit.num_clbits)]


def _seconds(operation: Any, where: str) -> float:
    unit = getattr(operation, "unit", "dt")
    if unit not in _SECONDS:
        raise FormatError(f"{where}: IQM delays are given in seconds; write the delay in s, ms, us or ns")
    return finite_angle(operation.duration, where) * _SECONDS[unit]


def _mapping_dict(value: Any) -> dict[str, str]:
    """IQM's qubit mapping (``[{logical_name, physical_name}]`` or an object) as logical -> physical."""
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif isinstance(value, list) and all(isinstance(item, Mapping) for item in value):
        pairs = [(item.get("logical_name"), item.get("physical_name")) for item in value]
    else:
        raise FormatError(f"qubit_mapping must be a list of {{logical_name, physical_name}}, got {value!r}")
    if not all(isinstance(a, str) and isinstance(b, str) for a, b in pairs):
        raise FormatError(f"qubit_mapping names must be strings, got {value!r}")
    return dict(pairs)


# -- reading back -----------------------------------------------------------------------------------


def _layout_of_item(item: Any, mapping: Mapping[str, str] | None, where: str) -> ClassicalLayout:
    if not isinstance(item, Mapping) or not isinstance(item.get("instructions"), list):
        raise FormatError(f"{INPUT_FORMAT} {where} must be an object with an 'instructions' list")
    name = item.get("name")
    stored = item.get("metadata")
    metadata: Mapping[str, Any] = stored if isinstance(stored, Mapping) else {}
    measures: list[tuple[str, str]] = []
    for k, instruction in enumerate(item["instructions"]):
        if not isinstance(instruction, Mapping) or instruction.get("name") not in ("measure", "measurement"):
            continue
        locus = instruction.get("locus", instruction.get("qubits"))
        args = instruction.get("args")
        key = args.get("key") if isinstance(args, Mapping) else None
        if not isinstance(locus, list) or not isinstance(key, str):
            raise FormatError(f"{INPUT_FORMAT} {where}.instructions[{k}]: a measure needs a locus and a key")
        if len(locus) != 1:
            # One key for several qubits cannot name each qubit's clbit; encode() never writes that.
            raise FormatError(f"{INPUT_FORMAT} {where}.instructions[{k}]: expected one qubit per measure")
        measures.append((str(locus[0]), key))
    parsed = [_parse_key(key, where) for _, key in measures]
    layout = _declared_layout(str(name) if name is not None else "circuit", metadata, parsed, where)
    homes = layout.home_registers()
    qubit_of = _qubit_resolver(metadata.get("qubits"), mapping, where)
    measured = tuple(
        (qubit_of(locus), _clbit_of(key, homes, where))
        for (locus, _), key in zip(measures, parsed, strict=True)
    )
    return ClassicalLayout(
        name=layout.name,
        creg_sizes=layout.creg_sizes,
        measured=measured,
        creg_bits=layout.creg_bits,
        num_clbits=layout.num_clbits,
    )


def _declared_layout(
    name: str, metadata: Mapping[str, Any], parsed: list[tuple[str, int, int, int]], where: str
) -> ClassicalLayout:
    """The circuit's registers: as its metadata declares them, else as the measurement keys name them."""
    declared = metadata.get("creg_sizes")
    if declared is None:
        return ClassicalLayout(name=name, creg_sizes=_registers(parsed, where))
    record = {"cregs": declared, "bits": metadata.get("creg_bits"), "clbits": metadata.get("creg_clbits")}
    try:
        fields = registers_from_record(record, f"{where}.metadata")
    except FormatError:
        raise FormatError(f"{INPUT_FORMAT} {where}.metadata.creg_sizes must be [[name, size], ...]") from None
    return checked_layout(f"{INPUT_FORMAT} {where}.metadata", name=name, **fields)


def _clbit_of(key: tuple[str, int, int, int], homes: list[tuple[str, tuple[int, ...]]], where: str) -> int:
    """The clbit a parsed measurement key writes, given each register's clbits."""
    register, size, index, bit = key
    if index >= len(homes) or homes[index][0] != register or len(homes[index][1]) != size:
        raise FormatError(
            f"{INPUT_FORMAT} {where}: measurement key {register}_{size}_{index}_{bit} does not match the "
            "circuit's registers"
        )
    return homes[index][1][bit]


def _parse_key(key: str, where: str) -> tuple[str, int, int, int]:
    """``(register, size, register index, bit)`` of a measurement key."""
    match = _KEY.fullmatch(key)
    if match is None:
        raise FormatError(
            f"{INPUT_FORMAT} {where}: measurement key {key!r} is not <register>_<size>_<index>_<bit>"
        )
    register, size, index, bit = match.group("register", "size", "index", "bit")
    if int(bit) >= int(size):
        raise FormatError(f"{INPUT_FORMAT} {where}: measurement key {key!r} names bit {bit} of {size}")
    return register, int(size), int(index), int(bit)


def _registers(parsed: list[tuple[str, int, int, int]], where: str) -> tuple[tuple[str, int], ...]:
    """The circuit's registers in order, as the measurement keys name them (for IQM jobs written by other
    tools, which declare no registers in the circuit's metadata)."""
    by_index: dict[int, tuple[str, int]] = {}
    for register, size, index, _ in parsed:
        known = by_index.setdefault(index, (register, size))
        if known != (register, size):
            raise FormatError(
                f"{INPUT_FORMAT} {where}: key names register {index} as {register}[{size}], "
                f"but it is {known[0]}[{known[1]}]"
            )
    if sorted(by_index) != list(range(len(by_index))):
        raise FormatError(f"{INPUT_FORMAT} {where}: the measurement keys skip a classical register")
    return tuple(by_index[k] for k in range(len(by_index)))


def _qubit_resolver(names: Any, mapping: Mapping[str, str] | None, where: str) -> Callable[[str], int]:
    """A function from a locus name to the qubit index the encoder used."""
    explicit = {name: k for k, name in enumerate(names)} if isinstance(names, list) else {}

    def resolve(locus: str) -> int:
        if locus in explicit:
            return explicit[locus]
        physical = mapping.get(locus, locus) if mapping is not None else locus
        if physical in explicit:
            return explicit[physical]
        match = _QB.fullmatch(physical)
        if match is None:
            raise FormatError(f"{INPUT_FORMAT} {where}: cannot tell the index of qubit {locus!r}")
        return int(match.group(1)) - 1

    return resolve


# -- decoding ---------------------------------------------------------------------------------------


def _columns(keys: Any, layout: ClassicalLayout, where: str) -> list[int]:
    """The clbit each character of a counts key writes, in key order."""
    if keys is None:
        # Without keys, IQM's order is the circuit's: one key per measure, in program order.
        return [clbit for _, clbit in layout.measured]
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise FormatError(f"{where}.measurement_keys must be a list of strings")
    homes = layout.home_registers()
    return [_clbit_of(_parse_key(key, where), homes, where) for key in keys]


def _counts(value: Any, columns: list[int], layout: ClassicalLayout, where: str) -> dict[int, int]:
    if not isinstance(value, Mapping):
        raise FormatError(f"{where}.counts must be an object")
    if not value:
        return {}
    keys = list(value)
    try:
        weights = np.asarray(list(value.values()))
    except (TypeError, ValueError) as error:  # a list or an object among the values
        raise FormatError(f"{where}.counts values must be non-negative integers") from error
    if weights.ndim != 1 or weights.dtype.kind not in "iu" or weights.min() < 0:
        raise FormatError(f"{where}.counts values must be non-negative integers")
    weights = weights.astype(np.int64)
    width = len(columns)
    try:
        lengths = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))
        raw = "".join(keys).encode("ascii")
    except (TypeError, UnicodeEncodeError) as error:
        raise FormatError(f"{where}.counts keys must be bitstrings of 0 and 1") from error
    if np.any(lengths != width):
        raise FormatError(f"{where}.counts keys must have one bit per measurement key ({width})")
    if width == 0:
        return {0: int(weights.sum())}
    bits = np.frombuffer(raw, dtype=np.uint8).reshape(len(keys), width) - np.uint8(ord("0"))
    if bits.max() > 1:
        raise FormatError(f"{where}.counts keys must be bitstrings of 0 and 1")
    # The last write of a clbit is the one that stays.
    source = {clbit: column for column, clbit in enumerate(columns)}
    if layout.memory_slots > 64:
        tally: dict[int, int] = {}
        for row, count in zip(bits.tolist(), weights.tolist(), strict=True):
            outcome = sum(row[column] << clbit for clbit, column in source.items())
            tally[outcome] = tally.get(outcome, 0) + count
        return {v: n for v, n in tally.items() if n}
    values = np.zeros(len(keys), dtype=np.uint64)
    for clbit, column in source.items():
        values |= bits[:, column].astype(np.uint64) << np.uint64(clbit)
    if len(source) == width:
        # Every character lands on its own clbit: distinct keys are distinct outcomes.
        kept = weights > 0
        return dict(zip(values[kept].tolist(), weights[kept].tolist(), strict=True))
    return _tally(values, weights)


def _tally(values: npt.NDArray[np.uint64], weights: npt.NDArray[np.int64]) -> dict[int, int]:
    """Sum the weights of equal values (integers stay exact)."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    sums = np.add.reduceat(weights[order], starts)
    kept = sums > 0
    return dict(zip(ordered[starts][kept].tolist(), sums[kept].tolist(), strict=True))
