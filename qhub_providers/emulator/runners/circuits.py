"""The one simulation path of the Aer-based runners, and the input checks they share.

Every Aer-based runner decodes its provider's input into ``qiskit.QuantumCircuit`` objects and hands
them here: :func:`sample_bits` returns per-shot classical bits, :func:`probabilities`,
:func:`statevector` and :func:`amplitudes` return exact quantities. Circuits are transpiled only when
they hold an instruction Aer cannot run itself, and only the qubits a circuit touches are simulated,
so a two-qubit circuit on a 54-qubit device costs what a two-qubit circuit costs.

The ``check_*`` and ``require_*`` helpers raise :class:`InvalidJobInput` with messages that name the
offending field, so every runner words its errors the same way.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from qiskit import QuantumCircuit, QuantumRegister, qasm2, transpile
from qiskit.circuit import CONTROL_FLOW_OP_NAMES, ControlFlowOp, Qubit
from qiskit.circuit.library import get_standard_gate_name_mapping
from qiskit_aer import AerSimulator

from qhub_providers.emulator.runners.base import InvalidJobInput

if TYPE_CHECKING:
    from qiskit_aer.noise import NoiseModel

    from qhub_providers.emulator.catalog.spec import BackendSpec

__all__ = [
    "MAX_EXACT_QUBITS",
    "active_qubits",
    "amplitudes",
    "check_pub_count",
    "check_qubit_count",
    "check_shots",
    "check_simulable",
    "for_aer",
    "normalized_qasm_input",
    "probabilities",
    "require_int",
    "require_list",
    "require_mapping",
    "require_number",
    "require_str",
    "sample_bits",
    "statevector",
]

MAX_EXACT_QUBITS = 26
"""Most entangled (active) qubits the local Hub simulates with a dense state (about 1 GiB)."""

# Not gates in Aer's list, but instructions it runs natively.
_AER_DIRECTIVES = frozenset({"measure", "barrier", "reset", "delay"})
# Gates whose circuits Aer simulates with the stabilizer method, whatever their width.
_CLIFFORD = frozenset(
    {"id", "x", "y", "z", "h", "s", "sdg", "sx", "sxdg", "cx", "cy", "cz", "swap", "ecr"} | _AER_DIRECTIVES
)
# Drop amplitudes and probabilities this small: they are rounding noise of exact zeros.
_ZERO = 1e-12


# --- simulation -------------------------------------------------------------------------------------


@cache
def _aer_instructions() -> frozenset[str]:
    return frozenset(AerSimulator().configuration().basis_gates) | _AER_DIRECTIVES


@cache
def _transpile_basis() -> list[str]:
    # The transpiler takes only standard gate names (plus control flow) as a basis; Aer's own
    # multi-controlled names (mcx, mcry, ...) are reached through their standard equivalents.
    standard = set(get_standard_gate_name_mapping()) | set(CONTROL_FLOW_OP_NAMES)
    return sorted(_aer_instructions() & standard)


def _instruction_names(circuit: QuantumCircuit) -> Iterator[str]:
    for instruction in circuit.data:
        operation = instruction.operation
        yield operation.name
        if isinstance(operation, ControlFlowOp):
            for block in operation.blocks:
                yield from _instruction_names(block)


def for_aer(circuit: QuantumCircuit) -> QuantumCircuit:
    """``circuit`` itself when Aer runs every instruction natively, else a copy unrolled to Aer's set.

    No layout or routing happens: the qubits stay where they are.
    """
    if all(name in _aer_instructions() for name in _instruction_names(circuit)):
        return circuit
    return transpile(circuit, basis_gates=_transpile_basis(), optimization_level=0)


def active_qubits(circuit: QuantumCircuit) -> list[int]:
    """Indices of the qubits some instruction other than a barrier acts on, ascending."""
    touched: set[Qubit] = set()
    for instruction in circuit.data:
        if instruction.operation.name != "barrier":
            touched.update(instruction.qubits)
    return sorted(circuit.find_bit(qubit).index for qubit in touched)


def check_simulable(circuit: QuantumCircuit, what: str) -> None:
    """Refuse (422) a circuit whose dense simulation would not fit in memory.

    Clifford-only circuits pass at any width: Aer picks the stabilizer method for them.
    """
    width = len(active_qubits(circuit))
    if width <= MAX_EXACT_QUBITS or all(name in _CLIFFORD for name in _instruction_names(circuit)):
        return
    raise InvalidJobInput(
        f"{what} entangles {width} qubits; the local Hub simulates at most {MAX_EXACT_QUBITS} "
        "qubits with non-Clifford gates"
    )


def sample_bits(
    circuits: Sequence[QuantumCircuit],
    shots: int | Sequence[int],
    *,
    seed: int,
    noise_model: NoiseModel | None = None,
) -> list[npt.NDArray[np.uint8]]:
    """Run ``circuits`` on Aer and return one ``(shots, num_clbits)`` bit array per circuit.

    Column ``i`` is clbit ``i``. ``shots`` is one count for all circuits or one per circuit. The same
    ``seed`` gives the same bits.
    """
    per_circuit = [shots] * len(circuits) if isinstance(shots, int) else list(shots)
    if len(per_circuit) != len(circuits):
        raise ValueError("one shot count per circuit is needed")
    simulator = AerSimulator(noise_model=noise_model) if noise_model is not None else AerSimulator()
    out: list[npt.NDArray[np.uint8] | None] = [None] * len(circuits)
    # One Aer run per distinct shot count keeps the common case (equal shots) to a single run.
    for count in sorted(set(per_circuit)):
        indices = [i for i, n in enumerate(per_circuit) if n == count]
        batch = [for_aer(circuits[i]) for i in indices]
        result = simulator.run(batch, shots=count, seed_simulator=seed, memory=True).result()
        for position, index in enumerate(indices):
            width = circuits[index].num_clbits
            memory = result.data(position).get("memory", []) if width else []
            out[index] = _bits_from_hex(memory, width, count)
    return [bits for bits in out if bits is not None]


def _bits_from_hex(memory: Sequence[str], width: int, shots: int) -> npt.NDArray[np.uint8]:
    """Aer's hex memory (clbit 0 = least significant bit) as a ``(shots, width)`` bit array."""
    if width == 0 or not memory:  # no clbits, or clbits that nothing measures
        return np.zeros((shots, width), dtype=np.uint8)
    if width <= 63:
        values = np.array([int(word, 16) for word in memory], dtype=np.uint64)
        shifts = np.arange(width, dtype=np.uint64)
        return ((values[:, None] >> shifts[None, :]) & np.uint64(1)).astype(np.uint8)
    rows = [[(int(word, 16) >> bit) & 1 for bit in range(width)] for word in memory]
    return np.array(rows, dtype=np.uint8).reshape(len(memory), width)


def probabilities(circuit: QuantumCircuit) -> dict[int, float]:
    """Exact outcome probabilities over all qubits of a measurement-free circuit (qubit 0 = LSB).

    Only non-zero outcomes appear. Aer picks the method: Clifford circuits of any width take the
    stabilizer method, others a statevector over the active qubits.
    """
    active = active_qubits(circuit)
    if not active:
        return {0: 1.0}
    prepared = for_aer(circuit).copy()
    prepared.save_probabilities_dict(active, label="probabilities")
    result = AerSimulator().run(prepared, shots=1).result()
    compact = result.data(0)["probabilities"]
    out: dict[int, float] = {}
    for index, probability in sorted(compact.items()):
        if probability > _ZERO:
            out[_spread(int(index), active)] = float(probability)
    return out


def statevector(circuit: QuantumCircuit) -> npt.NDArray[np.complex128]:
    """The final state of a measurement-free circuit over all its qubits, Qiskit order (qubit 0 = LSB)."""
    active = active_qubits(circuit)
    compact = _compact_statevector(circuit, active)
    full = np.zeros(1 << circuit.num_qubits, dtype=np.complex128)
    compact_indices = np.arange(len(compact), dtype=np.int64)
    positions = np.zeros(len(compact), dtype=np.int64)
    for k, qubit in enumerate(active):
        positions |= ((compact_indices >> k) & 1) << qubit
    full[positions] = compact
    return full


def amplitudes(circuit: QuantumCircuit, indices: Sequence[int]) -> list[complex]:
    """Amplitudes of basis states (Qiskit order, qubit 0 = LSB) after a measurement-free circuit."""
    active = active_qubits(circuit)
    compact = _compact_statevector(circuit, active)
    idle_mask = ((1 << circuit.num_qubits) - 1) & ~sum(1 << q for q in active)
    out: list[complex] = []
    for index in indices:
        if index & idle_mask:
            out.append(0j)  # an idle qubit never leaves |0>
        else:
            compact_index = sum(((index >> q) & 1) << k for k, q in enumerate(active))
            out.append(complex(compact[compact_index]))
    return out


def _compact_statevector(circuit: QuantumCircuit, active: list[int]) -> npt.NDArray[np.complex128]:
    """The state of the ``active`` qubits only (the others stay |0>), Qiskit order over ``active``."""
    compact = QuantumCircuit(QuantumRegister(len(active), "q"), *circuit.cregs, global_phase=0.0)
    loose = [bit for bit in circuit.clbits if not circuit.find_bit(bit).registers]
    if loose:
        compact.add_bits(loose)
    mapping = {circuit.qubits[q]: compact.qubits[k] for k, q in enumerate(active)}
    for instruction in circuit.data:
        qubits = [mapping[q] for q in instruction.qubits if q in mapping]
        if len(qubits) != len(instruction.qubits):
            continue  # a barrier over idle qubits
        compact.append(instruction.operation, qubits, instruction.clbits, copy=False)
    compact.global_phase = circuit.global_phase
    compact = for_aer(compact).copy()
    compact.save_statevector(label="state")
    result = AerSimulator(method="statevector").run(compact, shots=1).result()
    return np.asarray(result.data(0)["state"], dtype=np.complex128)


def _spread(compact_index: int, active: Sequence[int]) -> int:
    """Move bit ``k`` of ``compact_index`` to bit ``active[k]``."""
    return sum(((compact_index >> k) & 1) << qubit for k, qubit in enumerate(active))


# --- shared input checks ----------------------------------------------------------------------------


def check_shots(spec: BackendSpec, shots: Any, field: str = "shots") -> int:
    """The shot count, refused with 400 when it is not an integer and 422 outside the backend's range."""
    count = require_int(shots, field)
    if not spec.shots_min <= count <= spec.shots_max:
        raise InvalidJobInput(
            f"{field} must be between {spec.shots_min} and {spec.shots_max} on {spec.id}, got {count}"
        )
    return count


def check_qubit_count(spec: BackendSpec, count: int, what: str) -> None:
    """Refuse (422) a program that needs more qubits than the backend has."""
    if count > spec.num_qubits:
        raise InvalidJobInput(f"{what} needs {count} qubits but {spec.id} has {spec.num_qubits}")


def check_pub_count(spec: BackendSpec, count: int, what: str) -> None:
    """Refuse an empty program list (400) and more programs than the backend takes per job (422)."""
    if count == 0:
        raise InvalidJobInput(f"{what} must not be empty", status=400)
    if count > spec.max_pubs_per_job:
        raise InvalidJobInput(
            f"{what} holds {count} programs but {spec.id} takes at most {spec.max_pubs_per_job} per job"
        )


def require_mapping(value: Any, field: str) -> Mapping[str, Any]:
    """``value`` as a JSON object, else 400 naming ``field``."""
    if not isinstance(value, Mapping):
        raise InvalidJobInput(f"{field} must be an object, got {_json_type(value)}", status=400)
    return value


def require_list(value: Any, field: str) -> list[Any]:
    """``value`` as a JSON array, else 400 naming ``field``."""
    if not isinstance(value, list):
        raise InvalidJobInput(f"{field} must be an array, got {_json_type(value)}", status=400)
    return value


def require_int(value: Any, field: str, *, minimum: int | None = None) -> int:
    """``value`` as an integer (``2.0`` counts), else 400 naming ``field``."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidJobInput(f"{field} must be an integer, got {_json_type(value)}", status=400)
    if minimum is not None and value < minimum:
        raise InvalidJobInput(f"{field} must be at least {minimum}, got {value}", status=400)
    return value


def require_number(value: Any, field: str) -> float:
    """``value`` as a finite number, else 400 naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidJobInput(f"{field} must be a finite number, got {_json_type(value)}", status=400)
    return float(value)


def require_str(value: Any, field: str) -> str:
    """``value`` as a string, else 400 naming ``field``."""
    if not isinstance(value, str):
        raise InvalidJobInput(f"{field} must be a string, got {_json_type(value)}", status=400)
    return value


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


# --- normalized input -------------------------------------------------------------------------------


def normalized_qasm_input(
    circuits: Sequence[QuantumCircuit], shots: Sequence[int], names: Sequence[str | None] | None = None
) -> dict[str, Any]:
    """The ``NormalizedJobInput`` JSON: one OpenQASM 2 rendering per circuit.

    Raises :class:`InvalidJobInput` (422) for a circuit OpenQASM 2 cannot express, e.g. a condition
    on a single bit of a wider register.
    """
    pubs: list[dict[str, Any]] = []
    for index, (circuit, count) in enumerate(zip(circuits, shots, strict=True)):
        try:
            source = qasm2.dumps(circuit)
        except qasm2.QASM2ExportError as error:
            raise InvalidJobInput(f"program {index} has no OpenQASM 2 rendering: {error}") from error
        pub: dict[str, Any] = {"qasm": source, "shots": count}
        name = names[index] if names is not None else None
        if name is not None:
            pub["name"] = name
        pubs.append(pub)
    return {"format": "openqasm.v2", "pubs": pubs}
