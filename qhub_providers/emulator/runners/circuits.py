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

import hashlib
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from qiskit import QuantumCircuit, QuantumRegister, qasm2, transpile
from qiskit.circuit import CONTROL_FLOW_OP_NAMES, CircuitInstruction, ControlFlowOp, Gate, Instruction, Qubit
from qiskit.circuit.library import get_standard_gate_name_mapping
from qiskit.quantum_info import Clifford
from qiskit_aer import AerSimulator

from qhub_providers.emulator.runners.base import InvalidJobInput
from qhub_providers.emulator.runners.pauli_frames import FRAME_GATES, FrameProgram
from qhub_providers.emulator.runners.samples import shuffled_shots

if TYPE_CHECKING:
    from qiskit_aer.noise import NoiseModel, QuantumError

    from qhub_providers.emulator.catalog.spec import BackendSpec
    from qhub_providers.emulator.runners.noise import DeviceNoise

__all__ = [
    "MAX_DENSITY_MATRIX_QUBITS",
    "MAX_EXACT_QUBITS",
    "MIN_TRAJECTORIES",
    "TRAJECTORIES",
    "TRAJECTORY_QUBITS",
    "active_qubits",
    "amplitudes",
    "check_pub_count",
    "check_qubit_count",
    "check_shots",
    "aer_noise_model",
    "check_simulable",
    "clifford_form",
    "for_aer",
    "is_clifford",
    "normalized_qasm_input",
    "probabilities",
    "require_int",
    "require_list",
    "require_mapping",
    "require_number",
    "require_str",
    "sample_bits",
    "statevector",
    "trajectory_count",
]

MAX_EXACT_QUBITS = 28
"""Most active qubits the local Hub simulates with a dense state vector: 4 GiB of amplitudes, so that
both worker processes fit the machine the Hub is sized for (2 cores, 24 GiB) at once."""
MAX_DENSITY_MATRIX_QUBITS = 9
"""Most active qubits of a noisy non-Clifford circuit simulated as one density matrix; wider ones take
noise trajectories on state vectors (see :func:`sample_bits`)."""
TRAJECTORIES = 200
"""Most noise trajectories drawn for one noisy non-Clifford circuit of up to :data:`TRAJECTORY_QUBITS`
active qubits (and more than :data:`MAX_DENSITY_MATRIX_QUBITS`); the shots are shared out evenly among
them (see :func:`sample_bits`). Each active qubit beyond halves the number, down to
:data:`MIN_TRAJECTORIES`, since each trajectory costs twice as much."""
TRAJECTORY_QUBITS = 20
MIN_TRAJECTORIES = 32
_BRANCH_MEMORY_MB = 2048

# Not gates in Aer's list, but instructions it runs natively.
_AER_DIRECTIVES = frozenset({"measure", "barrier", "reset", "delay"})
# Instructions that are not gates: they never make a circuit non-Clifford.
_NOT_GATES = frozenset({"measure", "barrier", "reset", "delay"})
# Drop amplitudes and probabilities this small: they are rounding noise of exact zeros.
_ZERO = 1e-12
_SECONDS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9, "ps": 1e-12}

Form = tuple[tuple[Instruction, tuple[int, ...]], ...]
"""A gate as a sequence of instructions, each with the positions (within the gate) of its qubits."""


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
    """Indices of the qubits some instruction other than a barrier or a delay acts on, ascending.

    A qubit that only idles (delays of a scheduled or dynamically decoupled circuit) stays in |0>.
    """
    touched: set[Qubit] = set()
    for instruction in circuit.data:
        if instruction.operation.name not in ("barrier", "delay"):
            touched.update(instruction.qubits)
    return sorted(circuit.find_bit(qubit).index for qubit in touched)


def _operation_key(operation: Instruction) -> tuple[Any, ...] | None:
    """A hashable key of what an operation does, or ``None`` when it has no simple one."""
    params: list[Any] = []
    for value in operation.params:
        if isinstance(value, np.ndarray) and value.size <= 64:
            # A matrix (a unitary gate from another dialect): what it does is its rounded entries.
            rounded = np.round(np.asarray(value, dtype=complex), 10) + 0.0
            params.append((value.shape, rounded.tobytes()))
            continue
        if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
            return None
        params.append(round(float(value), 12))
    return (operation.name, operation.num_qubits, operation.num_clbits, tuple(params))


_form_cache: dict[tuple[Any, ...], Form | None] = {}


def clifford_form(operation: Instruction) -> Form | None:
    """``operation`` as stabilizer-method gates when what it does is Clifford (``rz(pi/2)`` is), else None.

    Judged by the operation's action, not its name: rotations at multiples of pi/2, ``r``, ``rxx`` and
    friends at Clifford angles all qualify.
    """
    if operation.name in FRAME_GATES:
        # Gates the stabilizer method (and a Pauli frame) runs by name; others are rewritten into these.
        return ((operation, tuple(range(operation.num_qubits))),)
    if operation.name in _NOT_GATES or isinstance(operation, ControlFlowOp) or operation.num_clbits:
        return None
    if not isinstance(operation, Gate) or operation.num_qubits > 3:
        return None
    key = _operation_key(operation)
    if key is None:
        return None
    cache_key = ("clifford", *key)
    if cache_key in _form_cache:
        return _form_cache[cache_key]
    try:
        decomposed = Clifford(operation).to_circuit()
    except Exception:  # Qiskit raises QiskitError (and others) for gates that are not Clifford
        form = None
    else:
        form = tuple(
            (inner.operation, tuple(decomposed.find_bit(q).index for q in inner.qubits))
            for inner in decomposed.data
        )
    _form_cache[cache_key] = form
    return form


def _aer_form(operation: Instruction) -> Form:
    """``operation`` as instructions Aer runs natively (itself when it is one)."""
    if operation.name in _aer_instructions() or isinstance(operation, ControlFlowOp):
        return ((operation, tuple(range(operation.num_qubits))),)
    key = _operation_key(operation)
    cache_key = ("aer", *key) if key is not None else None
    if cache_key is not None and cache_key in _form_cache:
        form = _form_cache[cache_key]
        assert form is not None
        return form
    single = QuantumCircuit(operation.num_qubits, operation.num_clbits)
    single.append(operation, single.qubits, single.clbits)
    unrolled = for_aer(single)
    form = tuple(
        (inner.operation, tuple(unrolled.find_bit(q).index for q in inner.qubits)) for inner in unrolled.data
    )
    if cache_key is not None:
        _form_cache[cache_key] = form
    return form


def is_clifford(circuit: QuantumCircuit) -> bool:
    """Whether every gate of ``circuit`` does something Clifford (so the stabilizer method runs it)."""
    return all(
        instruction.operation.name in _NOT_GATES or clifford_form(instruction.operation) is not None
        for instruction in circuit.data
    )


def check_simulable(circuit: QuantumCircuit, what: str) -> None:
    """Refuse (422) a circuit whose dense simulation would not fit in memory.

    Clifford circuits pass at any width (the stabilizer method runs them); qubits that only idle or
    carry delays do not count.
    """
    width = len(active_qubits(circuit))
    if width <= MAX_EXACT_QUBITS or is_clifford(circuit):
        return
    raise InvalidJobInput(
        f"{what} entangles {width} qubits with non-Clifford gates; the local Hub simulates such circuits "
        f"with a dense state of at most {MAX_EXACT_QUBITS} qubits (4 GiB; 2**qubits amplitudes must fit "
        "its memory). Clifford circuits, which a stabilizer simulation runs, have no such cap"
    )


@dataclass(frozen=True)
class _Plan:
    """One circuit ready for Aer: the circuit to run, the method, its readout flips, and for a noisy
    Clifford circuit the Pauli-frame program that adds its noise to ideal shots."""

    circuit: QuantumCircuit
    method: str
    readout: tuple[tuple[float, float], ...]
    frames: FrameProgram | None = None
    channels: tuple[tuple[int, QuantumError], ...] = ()
    """Position in ``circuit.data`` and error of every noise channel inserted (read by the
    ``trajectories`` method, which draws them itself)."""


def _plan(
    circuit: QuantumCircuit,
    noise: DeviceNoise | None,
    max_density_matrix_qubits: int = MAX_DENSITY_MATRIX_QUBITS,
) -> _Plan:
    """The compact circuit (active qubits only) with its noise inserted, and the Aer method to run it."""
    active = (active_qubits(circuit) or [0]) if circuit.num_qubits else []
    clifford = is_clifford(circuit)
    if clifford:
        method = "stabilizer"
    elif noise is None:
        method = "automatic"
    elif len(active) <= max_density_matrix_qubits:
        method = "density_matrix"
    elif any(isinstance(instruction.operation, ControlFlowOp) for instruction in circuit.data):
        # Conditions read measured bits during the run, so readout flips must happen inside Aer.
        method = "statevector"
    else:
        method = "trajectories"
    channels: list[tuple[int, QuantumError]] = []
    position = {qubit: slot for slot, qubit in enumerate(active)}
    compact = QuantumCircuit(QuantumRegister(len(active), "q"))
    # The same classical bits in the same order: clbit indices (and memory) mean the same thing.
    compact.add_bits(circuit.clbits)
    for register in circuit.cregs:
        compact.add_register(register)
    qubits = compact.qubits
    twirl = method == "stabilizer"
    frames = FrameProgram(len(active)) if twirl and noise is not None else None
    for instruction in circuit.data:
        operation = instruction.operation
        indices = [circuit.find_bit(q).index for q in instruction.qubits]
        name = operation.name
        if name in ("barrier", "delay"):
            kept = [i for i in indices if i in position]
            if name == "delay" and noise is not None and kept:
                _add_idle_noise(
                    compact, frames, channels, noise, kept[0], position[kept[0]], _delay_seconds(operation)
                )
            continue
        targets = [qubits[position[i]] for i in indices]
        slots = [position[i] for i in indices]
        if isinstance(operation, ControlFlowOp):
            compact.append(operation, targets, instruction.clbits, copy=False)
            continue
        form = clifford_form(operation) if clifford and name not in _NOT_GATES else None
        if form is None:
            form = (
                _aer_form(operation) if name not in _NOT_GATES else ((operation, tuple(range(len(indices)))),)
            )
        for inner, places in form:
            clbits = instruction.clbits if inner.num_clbits else []
            compact.append(inner, [targets[k] for k in places], clbits, copy=False)
            if frames is not None and inner.name not in _NOT_GATES:
                frames.gate(inner.name, [slots[k] for k in places])
        if frames is not None and noise is not None:
            if name == "measure":
                for slot, index, clbit in zip(slots, indices, instruction.clbits, strict=True):
                    frames.measure(slot, circuit.find_bit(clbit).index, noise.readout_flips(index))
            elif name == "reset":
                frames.reset(slots[0])
            else:
                probabilities = noise.gate_pauli(name, tuple(indices))
                if probabilities is not None:
                    frames.noise(probabilities, slots)
        elif noise is not None and name not in _NOT_GATES:
            channel = noise.gate_error(name, tuple(indices), pauli=twirl)
            if channel is not None:
                channels.append((len(compact.data), channel))
                compact.append(channel, targets)
    if frames is not None:
        # Readout flips are applied with the frames; Aer samples the ideal circuit.
        return _Plan(compact, method, (), frames)
    readout = tuple(noise.readout_flips(q) for q in active) if noise is not None else ()
    return _Plan(compact, method, readout, channels=tuple(channels))


def _add_idle_noise(
    compact: QuantumCircuit,
    frames: FrameProgram | None,
    channels: list[tuple[int, QuantumError]],
    noise: DeviceNoise,
    qubit: int,
    slot: int,
    seconds: float,
) -> None:
    """Relaxation of a delay (a duration in device cycles has no calibrated length: no noise)."""
    if seconds <= 0:
        return
    if frames is not None:
        probabilities = noise.idle_pauli(qubit, seconds)
        if probabilities is not None:
            frames.noise(probabilities, [slot])
        return
    channel = noise.idle_error(qubit, seconds, pauli=False)
    if channel is not None:
        channels.append((len(compact.data), channel))
        compact.append(channel, [compact.qubits[slot]])


def _delay_seconds(operation: Instruction) -> float:
    unit = getattr(operation, "unit", "dt")
    duration = operation.params[0] if operation.params else 0
    if unit not in _SECONDS or isinstance(duration, bool) or not isinstance(duration, int | float):
        return 0.0  # durations in device cycles (dt) have no calibrated length here
    return float(duration) * _SECONDS[unit]


def aer_noise_model(
    circuit: QuantumCircuit, noise: DeviceNoise | None, basis_gates: Sequence[str]
) -> NoiseModel | None:
    """``noise`` as an Aer ``NoiseModel`` for running ``circuit`` through Aer's own primitives.

    The channels of a Clifford circuit are Pauli-twirled, so that Aer keeps it on the stabilizer method
    at any width (as :func:`sample_bits` does).
    """
    if noise is None:
        return None
    return noise.aer_noise_model(basis_gates, pauli=is_clifford(circuit))


def _readout_model(readout: tuple[tuple[float, float], ...]) -> NoiseModel | None:
    from qiskit_aer.noise import NoiseModel as AerNoiseModel
    from qiskit_aer.noise import ReadoutError

    model = AerNoiseModel()
    added = False
    for slot, (up, down) in enumerate(readout):
        if up or down:
            model.add_readout_error(ReadoutError([[1 - up, up], [down, 1 - down]]), [slot])
            added = True
    return model if added else None


def sample_bits(
    circuits: Sequence[QuantumCircuit],
    shots: int | Sequence[int],
    *,
    seed: int,
    noise_model: DeviceNoise | None = None,
    trajectories: int | None = None,
    max_density_matrix_qubits: int = MAX_DENSITY_MATRIX_QUBITS,
) -> list[npt.NDArray[np.uint8]]:
    """Run ``circuits`` on Aer and return one ``(shots, num_clbits)`` bit array per circuit.

    Column ``i`` is clbit ``i``. ``shots`` is one count for all circuits or one per circuit. The same
    ``seed`` gives the same bits. ``noise_model`` (from :func:`.noise.noise_model`, indexed by the
    circuits' qubits) adds the calibration's noise. Each circuit runs on its active qubits only, with
    the stabilizer method when it is Clifford (at any width, noisy or not), else a density matrix (up
    to ``max_density_matrix_qubits`` active qubits) or state-vector trajectories.

    Trajectories: ``min(shots, trajectories)`` of them (by default :func:`trajectory_count` of the
    active qubits) are drawn, each a choice of one term of every inserted noise channel (a mixture of
    Paulis, resets and Kraus maps), and the shots are shared out evenly among them (the remainder at
    random). Identical trajectories run once with their shots together, on Aer's shot branching, which
    also draws the Kraus maps, resets and measurements shot by shot and samples final measurements
    from the state. Readout flips are applied to the bits afterwards. Each shot is thus distributed
    exactly as under the noise model; with fewer trajectories than shots, the shots of a trajectory
    share its gate errors (the histogram stays an unbiased estimate of the noisy distribution, with
    more spread than independent shots would have). A circuit with control flow runs one trajectory
    per shot inside Aer instead, its readout flips included.
    """
    per_circuit = [shots] * len(circuits) if isinstance(shots, int) else list(shots)
    if len(per_circuit) != len(circuits):
        raise ValueError("one shot count per circuit is needed")
    if trajectories is not None and trajectories < 1:
        raise ValueError("at least one trajectory is needed")
    plans = [_plan(circuit, noise_model, max_density_matrix_qubits) for circuit in circuits]
    out: list[npt.NDArray[np.uint8] | None] = [None] * len(circuits)
    # One Aer run per method, shot count and readout model keeps the common case to a single run.
    groups: dict[tuple[str, int, tuple[tuple[float, float], ...]], list[int]] = {}
    for index, (plan, count) in enumerate(zip(plans, per_circuit, strict=True)):
        groups.setdefault((plan.method, count, plan.readout), []).append(index)
    # Noisy Clifford circuits sample their ideal shots here; the frames add the noise afterwards.
    for (method, count, readout), indices in groups.items():
        if method == "trajectories":
            for index in indices:
                rng = np.random.default_rng([seed % 2**63, index, 1])
                width = circuits[index].num_clbits
                out[index] = _trajectory_bits(plans[index], width, count, trajectories, rng)
            continue
        options: dict[str, Any] = {"method": method}
        if method == "statevector":
            # Noisy trajectories: shots share their state until a noise draw tells them apart.
            options["shot_branching_enable"] = True
        model = _readout_model(readout)
        if model is not None:
            options["noise_model"] = model
        simulator = AerSimulator(**options)
        batch = [plans[i].circuit for i in indices]
        result = simulator.run(batch, shots=count, seed_simulator=_aer_seed(seed), memory=True).result()
        for position, index in enumerate(indices):
            width = circuits[index].num_clbits
            memory = result.data(position).get("memory", []) if width else []
            bits = _bits_from_hex(memory, width, count)
            frames = plans[index].frames
            if frames is not None:
                bits = frames.apply(bits, np.random.default_rng([seed % 2**63, index]))
            # Aer's shot branching returns the shots grouped per trajectory, not in a device's random
            # order; the third seed word keeps this generator apart from the frames' one.
            out[index] = shuffled_shots(bits, np.random.default_rng([seed % 2**63, index, 1]))
    return [bits for bits in out if bits is not None]


Term = tuple[tuple[Instruction, tuple[int, ...]], ...]
"""One term of a noise channel: instructions with the positions (within the channel) of their qubits."""


def _channel_terms(error: QuantumError) -> tuple[list[Term], npt.NDArray[np.float64]]:
    """The terms of a channel without identities (an empty term does nothing) and their probabilities."""
    terms: list[Term] = []
    for term in error.circuits:
        kept = []
        for inner in term.data:
            operation = inner.operation
            if operation.name == "id" or (
                operation.name == "pauli" and set(str(operation.params[0])) <= {"I"}
            ):
                continue
            kept.append((operation, tuple(term.find_bit(q).index for q in inner.qubits)))
        terms.append(tuple(kept))
    probabilities = np.clip(np.asarray(error.probabilities, dtype=float), 0.0, None)
    return terms, probabilities / probabilities.sum()


def trajectory_count(active: int) -> int:
    """How many noise trajectories a noisy circuit of ``active`` qubits runs at most (see
    :data:`TRAJECTORIES`)."""
    return max(MIN_TRAJECTORIES, TRAJECTORIES >> max(0, active - TRAJECTORY_QUBITS))


def _trajectory_bits(
    plan: _Plan, width: int, shots: int, trajectories: int | None, rng: np.random.Generator
) -> npt.NDArray[np.uint8]:
    """Shots of a ``trajectories`` plan (see :func:`sample_bits`), readout flips included."""
    if shots == 0:
        return np.zeros((0, width), dtype=np.uint8)
    if trajectories is None:
        trajectories = trajectory_count(plan.circuit.num_qubits)
    count = min(shots, trajectories)
    data = plan.circuit.data
    # choices[j, t]: the term of channel j in trajectory t, -1 when it does nothing.
    choices = np.full((len(plan.channels), count), -1, dtype=np.int64)
    terms_of: dict[int, tuple[list[Term], npt.NDArray[np.float64]]] = {}
    for row, (_, error) in enumerate(plan.channels):
        if id(error) not in terms_of:
            terms_of[id(error)] = _channel_terms(error)
        terms, probabilities = terms_of[id(error)]
        drawn = rng.choice(len(terms), size=count, p=probabilities)
        empty = np.array([not term for term in terms])
        choices[row] = np.where(empty[drawn], -1, drawn)
    # Even shares of the shots; the remainder goes to trajectories drawn at random.
    share = np.full(count, shots // count, dtype=np.int64)
    share[rng.choice(count, size=shots % count, replace=False)] += 1
    kinds, which = np.unique(choices.T, axis=0, return_inverse=True)
    shots_of = np.bincount(which.reshape(-1), weights=share, minlength=len(kinds)).astype(np.int64)

    by_shots: dict[int, list[QuantumCircuit]] = {}
    positions = {position: row for row, (position, _) in enumerate(plan.channels)}
    # The instructions of each term drawn, on the channel's qubits, made once per call.
    placed: dict[tuple[int, int], list[CircuitInstruction]] = {}
    for kind, kind_shots in zip(kinds, shots_of, strict=True):
        if kind_shots == 0:
            continue
        circuit = plan.circuit.copy_empty_like()
        for position, instruction in enumerate(data):
            at = positions.get(position)
            if at is None:
                # The fast path of append: the instruction comes from a valid circuit with the same bits.
                circuit._append(instruction)
                continue
            choice = int(kind[at])
            if choice < 0:
                continue
            if (at, choice) not in placed:
                terms, _ = terms_of[id(plan.channels[at][1])]
                placed[at, choice] = [
                    CircuitInstruction(operation, tuple(instruction.qubits[k] for k in places))
                    for operation, places in terms[choice]
                ]
            for inner in placed[at, choice]:
                circuit._append(inner)
        by_shots.setdefault(int(kind_shots), []).append(circuit)

    # Shot branching shares a state among shots until a reset, Kraus map or measurement tells them
    # apart; sampling draws final measurements of a branch from its state instead of splitting it.
    # Branches are whole states; Aer keeps as many at once as its memory limit allows (half the
    # machine by default), which two workers could not both take.
    state_mb = (16 << plan.circuit.num_qubits) >> 20
    simulator = AerSimulator(
        method="statevector",
        shot_branching_enable=True,
        shot_branching_sampling_enable=True,
        max_memory_mb=max(_BRANCH_MEMORY_MB, 2 * state_mb),
    )
    parts: list[npt.NDArray[np.uint8]] = []
    for kind_shots, batch in by_shots.items():
        aer_seed = int(rng.integers(2**31))
        result = simulator.run(batch, shots=kind_shots, seed_simulator=aer_seed, memory=True).result()
        for position in range(len(batch)):
            memory = result.data(position).get("memory", []) if width else []
            parts.append(_bits_from_hex(memory, width, kind_shots))
    bits = np.concatenate(parts)[rng.permutation(shots)]
    # Each clbit holds its last measurement, which flips with the readout error of its qubit.
    last: dict[int, int] = {}
    for instruction in data:
        if instruction.operation.name == "measure":
            last[plan.circuit.find_bit(instruction.clbits[0]).index] = plan.circuit.find_bit(
                instruction.qubits[0]
            ).index
    draws = rng.random((shots, width))
    for clbit, slot in last.items():
        up, down = plan.readout[slot] if plan.readout else (0.0, 0.0)
        value = bits[:, clbit]
        flipped = np.where(value == 1, draws[:, clbit] < down, draws[:, clbit] < up)
        bits[:, clbit] = value ^ flipped
    return bits


def _aer_seed(seed: int) -> int:
    """A seed for Aer far from that of ``seed + 1``: Aer seeds shot ``i`` with ``seed + i``, so the seeds
    42 and 43 would share all but one shot's randomness."""
    return int.from_bytes(hashlib.blake2b(str(seed).encode(), digest_size=4).digest(), "big") >> 1


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
