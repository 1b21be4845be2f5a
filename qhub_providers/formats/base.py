"""The common shapes every format shares, and the contract each format module fulfils.

A *format module* (``formats/braket_qasm3.py``, ``ionq.py`` ...) knows one Hub input format. It offers
three pure functions, no HTTP:

* ``encode(circuits, spec) -> EncodedJob`` turns Qiskit circuits (already fitted to the backend's target)
  into the job's ``input`` and ``input_params``.
* ``layouts(job_input, input_params) -> list[ClassicalLayout]`` reads back, **from the input alone**,
  how each circuit's classical bits are laid out. The job uses it both right after submitting and when a
  job is retrieved in a fresh process, so there is one decoding path.
* ``decode(result, layouts, shots, *, seed=None, backend_id=None) -> list[ExperimentSamples]`` turns the
  provider-native result JSON into samples in the common shape (``backend_id`` for formats whose result
  shape differs between backends).

The common shape: per circuit, the outcome of every shot as an integer over the circuit's classical bits,
clbit ``i`` being bit ``i`` (Qiskit's little-endian order). One converter
(:func:`qhub_providers.qiskit.result.to_qiskit_result`) turns samples into a Qiskit ``Result``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class FormatError(ValueError):
    """A circuit cannot be written in this format, or a result cannot be read; the message says why."""


LOOSE_CLBITS = "qhub_loose_clbits"
"""The name under which formats that can only carry registers carry the clbits outside every register (a
register of that name in a stored circuit is read back as loose clbits, not as a register)."""


@dataclass(frozen=True)
class ClassicalLayout:
    """How one circuit's classical bits look to Qiskit: what a ``Result`` header needs.

    Registers may be laid out any way Qiskit allows: end to end in clbit order (the usual case), aliased
    (one clbit in several registers, as ``compose`` makes them), reordered, or with clbits outside every
    register. ``creg_bits`` and ``num_clbits`` say so when the layout is not the usual one; they are
    ``None`` otherwise, so plain layouts compare equal however they were made.
    """

    name: str
    creg_sizes: tuple[tuple[str, int], ...]
    """Classical registers in circuit order, e.g. ``(("c", 2), ("d", 1))``."""
    metadata: dict[str, Any] = field(default_factory=dict)
    measured: tuple[tuple[int, int], ...] = ()
    """``(qubit, clbit)`` pairs of the circuit's final measurements, in program order."""
    creg_bits: tuple[tuple[int, ...], ...] | None = None
    """The clbit of each bit of each register, when the registers are not laid end to end in clbit order;
    ``None`` means register ``k``'s bit ``i`` is clbit ``offset_k + i``."""
    num_clbits: int | None = None
    """The circuit's clbits, when that is not the sum of the register sizes (aliased registers, clbits
    outside every register); ``None`` means the sum."""
    header_extras: dict[str, Any] = field(default_factory=dict, compare=False)
    """Further header fields Qiskit's simulators report (``n_qubits``, ``qreg_sizes``, ``global_phase``);
    kept by the Qiskit face, not by the formats."""

    def __post_init__(self) -> None:
        sizes = [size for _, size in self.creg_sizes]
        if self.creg_bits is not None:
            bits = tuple(tuple(int(c) for c in register) for register in self.creg_bits)
            if [len(register) for register in bits] != sizes:
                raise ValueError(f"layout of '{self.name}': creg_bits do not match the register sizes")
            object.__setattr__(self, "creg_bits", bits)
            if bits == _consecutive(sizes):
                object.__setattr__(self, "creg_bits", None)
        width = self.num_clbits
        if width is not None:
            highest = max((c for register in self.register_bits() for c in register), default=-1)
            if width <= highest or width < 0:
                raise ValueError(f"layout of '{self.name}': {width} clbits cannot hold its registers")
            if self.creg_bits is None and width == sum(sizes):
                object.__setattr__(self, "num_clbits", None)

    @property
    def memory_slots(self) -> int:
        """Number of classical bits."""
        if self.num_clbits is not None:
            return self.num_clbits
        return sum(size for _, size in self.creg_sizes)

    @property
    def plain(self) -> bool:
        """True when the registers lie end to end in clbit order and hold every clbit."""
        return self.creg_bits is None and self.num_clbits is None

    def register_bits(self) -> tuple[tuple[int, ...], ...]:
        """The clbit of each bit of each register, in register order."""
        if self.creg_bits is not None:
            return self.creg_bits
        return _consecutive([size for _, size in self.creg_sizes])

    def home_registers(self) -> list[tuple[str, tuple[int, ...]]]:
        """Registers with their clbits, plus a last one named :data:`LOOSE_CLBITS` holding the clbits
        outside every register (in clbit order), when there are any: what formats that carry data per
        register send, so that every clbit has a register and an index in it."""
        homes = [(name, bits) for (name, _), bits in zip(self.creg_sizes, self.register_bits(), strict=True)]
        held = {c for _, bits in homes for c in bits}
        loose = tuple(c for c in range(self.memory_slots) if c not in held)
        if loose:
            homes.append((LOOSE_CLBITS, loose))
        return homes

    def header(self) -> dict[str, Any]:
        """The experiment header Qiskit's ``Counts``, ``marginal_counts`` and the primitives read."""
        return {
            "name": self.name,
            "creg_sizes": [[name, size] for name, size in self.creg_sizes],
            "memory_slots": self.memory_slots,
            "metadata": dict(self.metadata),
            **self.header_extras,
        }

    def register_record(self) -> dict[str, Any]:
        """The registers as JSON for a format to store: ``cregs``, and ``bits`` / ``clbits`` when the
        layout is not plain (read back with :func:`registers_from_record`)."""
        record: dict[str, Any] = {"cregs": [[name, size] for name, size in self.creg_sizes]}
        if self.creg_bits is not None:
            record["bits"] = [list(bits) for bits in self.creg_bits]
        if self.num_clbits is not None:
            record["clbits"] = self.num_clbits
        return record


def _consecutive(sizes: list[int]) -> tuple[tuple[int, ...], ...]:
    registers = []
    offset = 0
    for size in sizes:
        registers.append(tuple(range(offset, offset + size)))
        offset += size
    return tuple(registers)


def registers_from_record(record: Mapping[str, Any], where: str) -> dict[str, Any]:
    """``creg_sizes``, ``creg_bits`` and ``num_clbits`` (keywords of :class:`ClassicalLayout`) from what
    :meth:`ClassicalLayout.register_record` wrote; a :class:`FormatError` naming ``where`` if malformed."""
    fields: dict[str, Any] = {"creg_sizes": tuple(layout_pairs(record.get("cregs"), str, f"{where}.cregs"))}
    bits = record.get("bits")
    if bits is not None:
        if not isinstance(bits, list) or not all(
            isinstance(register, list)
            and all(isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in register)
            for register in bits
        ):
            raise FormatError(f"{where}.bits must be a list of lists of clbit indices")
        fields["creg_bits"] = tuple(tuple(register) for register in bits)
    width = record.get("clbits")
    if width is not None:
        if isinstance(width, bool) or not isinstance(width, int) or width < 0:
            raise FormatError(f"{where}.clbits must be a non-negative integer")
        fields["num_clbits"] = width
    return fields


def checked_layout(where: str, **fields: Any) -> ClassicalLayout:
    """A :class:`ClassicalLayout` from stored fields, its inconsistencies as a :class:`FormatError`."""
    try:
        return ClassicalLayout(**fields)
    except ValueError as error:
        raise FormatError(f"{where}: {error}") from None


@dataclass
class ExperimentSamples:
    """One circuit's outcome in the common shape.

    ``values`` holds one integer per shot (clbit ``i`` = bit ``i``), in shot order, when the provider
    returns per-shot data. Otherwise ``counts`` maps integer outcomes to their frequency. Providers that
    return exact probabilities (IonQ's simulator) fill ``probabilities``; the converter samples from them.
    """

    shots: int
    values: list[int] | None = None
    counts: dict[int, int] | None = None
    probabilities: dict[int, float] | None = None
    success: bool = True
    message: str | None = None

    def outcome_counts(self) -> dict[int, int]:
        """Counts by integer outcome, from per-shot values when present."""
        if self.counts is not None:
            return dict(self.counts)
        if self.values is not None:
            return dict(Counter(self.values))
        return {}


@dataclass(frozen=True)
class BackendFacts:
    """What an encoder may need to know about the target backend."""

    backend_id: str
    num_qubits: int
    max_circuits: int = 1
    is_simulator: bool = False
    qubit_names: tuple[str, ...] = ()
    """Hub names of the qubits by index (IQM: ``QB1`` ...); empty when qubits are plain indices."""
    native_config: dict[str, Any] = field(default_factory=dict)


@dataclass
class EncodedJob:
    """A job ready for ``jobs.create_job``: everything but the backend id and session."""

    input: Any
    input_format: str
    input_params: dict[str, Any]
    shots: int
    """The job's ``shots`` as the Hub counts them (for program sets: per circuit times number of circuits)."""
    layouts: list[ClassicalLayout]


def value_of_bits(bits: list[int] | tuple[int, ...]) -> int:
    """The integer of a little-endian bit list (``bits[i]`` is clbit ``i``)."""
    value = 0
    for index, bit in enumerate(bits):
        if bit:
            value |= 1 << index
    return value


def layout_of(circuit: Any) -> ClassicalLayout:
    """The classical layout of a Qiskit circuit, with its final measurements in program order.

    Registers keep whatever layout the circuit gives them (aliased, reordered, clbits outside every
    register); a register named :data:`LOOSE_CLBITS` is read as clbits outside every register.
    """
    registers = [reg for reg in circuit.cregs if reg.name != LOOSE_CLBITS]
    measured = []
    for instruction in circuit.data:
        if instruction.operation.name == "measure":
            qubit = circuit.find_bit(instruction.qubits[0]).index
            clbit = circuit.find_bit(instruction.clbits[0]).index
            measured.append((qubit, clbit))
    return ClassicalLayout(
        name=str(circuit.name),
        creg_sizes=tuple((reg.name, reg.size) for reg in registers),
        metadata=dict(circuit.metadata or {}),
        measured=tuple(measured),
        creg_bits=tuple(tuple(circuit.find_bit(bit).index for bit in reg) for reg in registers),
        num_clbits=circuit.num_clbits,
        header_extras={
            "n_qubits": circuit.num_qubits,
            "qreg_sizes": [[reg.name, reg.size] for reg in circuit.qregs],
            "global_phase": _global_phase(circuit),
        },
    )


def _global_phase(circuit: Any) -> float:
    try:
        return float(circuit.global_phase)
    except (TypeError, ValueError):  # an unbound parameter: not a number yet
        return 0.0


def without_metadata(layout: ClassicalLayout) -> ClassicalLayout:
    """``layout`` without its circuit metadata and header extras (what formats that cannot store them
    read back)."""
    return ClassicalLayout(
        name=layout.name,
        creg_sizes=layout.creg_sizes,
        measured=layout.measured,
        creg_bits=layout.creg_bits,
        num_clbits=layout.num_clbits,
    )


def finite_angle(value: Any, where: str) -> float:
    """A gate parameter as a finite float; unbound parameters and NaN or infinite angles are refused."""
    try:
        angle = float(value)
    except (TypeError, ValueError) as error:
        raise FormatError(f"{where}: the angle {value!r} is not a number; bind all parameters") from error
    if not math.isfinite(angle):
        raise FormatError(f"{where}: the angle {angle!r} is not finite")
    return angle


def layout_pairs(value: Any, first: type, where: str) -> list[tuple[Any, int]]:
    """A stored ``[[a, n], ...]`` (registers, measurements) with ``a`` of type ``first`` and ``n`` an
    integer, as tuples; anything else is a :class:`FormatError` naming ``where``."""
    if not isinstance(value, list):
        raise FormatError(f"{where} must be a list of pairs")
    pairs: list[tuple[Any, int]] = []
    for pair in value:
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not isinstance(pair[0], first)
            or isinstance(pair[0], bool)
            or not isinstance(pair[1], int)
            or isinstance(pair[1], bool)
        ):
            raise FormatError(f"{where} holds a malformed pair: {pair!r}")
        pairs.append((pair[0], pair[1]))
    return pairs


def programs_of(job_input: Any, input_format: str) -> list[str]:
    """The program texts of a stored OpenQASM input: a bare string, ``{"qasm": "<program>"}`` or
    ``{"qasm": [...]}`` (and the ``{"value": "<program>"}`` wrapper older generated clients sent)."""
    value = job_input
    if isinstance(value, Mapping) and "qasm" not in value and isinstance(value.get("value"), str):
        value = value["value"]
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        qasm = value.get("qasm")
        if isinstance(qasm, str):
            return [qasm]
        if isinstance(qasm, list) and qasm and all(isinstance(p, str) for p in qasm):
            return list(qasm)
    raise FormatError(
        f'{input_format} input must be a program string, {{"qasm": "<program>"}} or {{"qasm": [...]}}, '
        f"not {type(job_input).__name__}"
    )


def check_fits(
    circuit: Any, backend: BackendFacts, label: str | None = None, *, width: int | None = None
) -> None:
    """Refuse a circuit that has unbound parameters or more qubits than the backend (``width`` when the
    format counts usable qubits differently); ``label`` names the circuit in the message."""
    label = label or f"circuit '{circuit.name}'"
    if circuit.parameters:
        names = ", ".join(sorted(p.name for p in circuit.parameters))
        raise FormatError(
            f"{label} has unbound parameters ({names}); bind them with circuit.assign_parameters(...) "
            "before running"
        )
    available = backend.num_qubits if width is None else width
    if circuit.num_qubits > available and (available > 0 or width is not None):
        raise FormatError(
            f"{label} uses {circuit.num_qubits} qubits but {backend.backend_id} has {available}; "
            "transpile(circuit, backend) first"
        )


def check_unitary_step(
    operation: Any, qubits: list[int], measured: set[int], where: str, provider: str
) -> None:
    """Refuse what providers that measure every qubit once, at the end (IonQ, AQT), cannot run: classical
    control flow, or a gate on a qubit after its measurement."""
    from qiskit.circuit import ControlFlowOp

    if isinstance(operation, ControlFlowOp):
        raise FormatError(f"{where}: {provider} circuits have no classical control flow")
    touched = measured.intersection(qubits)
    if touched:
        raise FormatError(
            f"{where} acts on qubit {min(touched)} after it was measured: {provider} measures every qubit "
            "once, at the end, so mid-circuit measurement is not possible; move the measurements to the end"
        )
