"""The AQT runner (``AQT_JOB_INPUT_V1``, e.g. ``aqt.sim.ideal``, ``aqt.qpu.ibex``).

The input is AQT's job document ``{"job_type": "quantum_circuit", "label"?, "payload": {"circuits":
[{"repetitions", "number_of_qubits", "quantum_circuit": [...]}]}}``. Operations, angles in units of pi:

* ``{"operation": "RZ", "qubit", "phi"}``: ``exp(-i (phi pi / 2) Z)``, Qiskit's ``rz(phi pi)``;
* ``{"operation": "R", "qubit", "theta", "phi"}`` with ``0 <= theta <= 1`` and ``0 <= phi <= 2``:
  ``exp(-i (theta pi / 2) (cos(phi pi) X + sin(phi pi) Y))``, Qiskit's ``r(theta pi, phi pi)``;
* ``{"operation": "RXX", "qubits": [a, b], "theta"}`` with ``0 <= theta <= 0.5``:
  ``exp(-i (theta pi / 2) XX)``, Qiskit's ``rxx(theta pi)``;
* ``{"operation": "MEASURE"}``: measures every qubit; it must close the circuit (AQT has no
  mid-circuit measurement), and exactly once.

Each circuit runs ``repetitions`` shots, each within the backend's shot range. The job's ``shots``
must agree: either every circuit repeats ``shots`` times (what qhub-quantum sends), or the
repetitions add up to ``shots`` (a job total, which may then exceed the per-circuit maximum).

The result is generic ``{"counts", "memory"}`` per circuit in Qiskit order over all qubits (clbit
``i`` is qubit ``i``; bitstring keys with clbit 0 rightmost, memory as Qiskit hex words): one object
for a single circuit, a list otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qiskit import QuantumCircuit

from qhub_providers.emulator.runners.base import Execution, InvalidJobInput
from qhub_providers.emulator.runners.circuits import (
    check_pub_count,
    check_qubit_count,
    check_shots,
    check_simulable,
    normalized_qasm_input,
    require_int,
    require_list,
    require_mapping,
    require_number,
    require_str,
    sample_bits,
)
from qhub_providers.emulator.runners.noise import noise_model
from qhub_providers.emulator.runners.samples import counts_bitstrings, counts_pub, memory_hex, memory_view

if TYPE_CHECKING:
    from qhub_providers.emulator.catalog.spec import BackendSpec

__all__ = ["AqtJob", "AqtRunner"]

# Rounding in a client's angle wrapping may overshoot a documented bound by a few ulps.
_SLACK = 1e-9


@dataclass(frozen=True)
class AqtJob:
    """A validated AQT job: one measured circuit and its repetitions per payload circuit."""

    spec: BackendSpec
    circuits: tuple[QuantumCircuit, ...]
    repetitions: tuple[int, ...]


class AqtRunner:
    """Simulates AQT circuits with Aer and answers with generic counts and memory per circuit."""

    def prepare(self, spec: BackendSpec, job_input: Any, input_params: dict[str, Any], shots: int) -> AqtJob:
        """Decode and validate the AQT job document; raise :class:`InvalidJobInput` if it cannot run."""
        total = require_int(shots, "shots")
        body = require_mapping(job_input, "input")
        job_type = body.get("job_type")
        if job_type is not None and job_type != "quantum_circuit":
            raise InvalidJobInput(f'input.job_type must be "quantum_circuit", got {job_type!r}', status=400)
        if body.get("label") is not None:
            require_str(body["label"], "input.label")
        payload = require_mapping(body.get("payload"), "input.payload")
        items = require_list(payload.get("circuits"), "input.payload.circuits")
        check_pub_count(spec, len(items), "input.payload.circuits")

        circuits: list[QuantumCircuit] = []
        repetitions: list[int] = []
        for index, item in enumerate(items):
            where = f"input.payload.circuits[{index}]"
            entry = require_mapping(item, where)
            repetitions.append(check_shots(spec, entry.get("repetitions"), f"{where}.repetitions"))
            circuits.append(_decode_circuit(spec, entry, where))
        if all(n == total for n in repetitions):
            check_shots(spec, total)  # shots per circuit
        elif sum(repetitions) != total:  # else shots is the job's total; each circuit was checked
            raise InvalidJobInput(
                f"shots={total} disagrees with the circuits' repetitions {repetitions}: give every circuit "
                "shots repetitions, or let the repetitions add up to shots"
            )
        return AqtJob(spec=spec, circuits=tuple(circuits), repetitions=tuple(repetitions))

    def execute(self, prepared: AqtJob, *, seed: int, noise: dict[str, Any] | None) -> Execution:
        """Sample every circuit for its repetitions, with the calibration's noise on a QPU."""
        model = noise_model(prepared.spec, noise)
        bits = sample_bits(list(prepared.circuits), list(prepared.repetitions), seed=seed, noise_model=model)
        results: list[dict[str, Any]] = []
        pubs: list[dict[str, Any]] = []
        for index, (circuit, shot_bits) in enumerate(zip(prepared.circuits, bits, strict=True)):
            counts = counts_bitstrings(shot_bits)
            results.append({"counts": counts, "memory": memory_hex(shot_bits)})
            pubs.append(
                counts_pub(index, counts, shots=prepared.repetitions[index], qubits=circuit.num_qubits)
            )
        single = len(results) == 1
        memory = memory_view(results[0]["memory"], qubits=prepared.circuits[0].num_qubits) if single else None
        return Execution(
            native_result=results[0] if single else results,
            normalized={"pubs": pubs},
            memory=memory,
        )

    def normalized_input(self, prepared: AqtJob) -> dict[str, Any]:
        """Every circuit as OpenQASM 2 with its repetitions as shots."""
        return normalized_qasm_input(list(prepared.circuits), list(prepared.repetitions))


def _decode_circuit(spec: BackendSpec, entry: Mapping[str, Any], where: str) -> QuantumCircuit:
    num_qubits = require_int(entry.get("number_of_qubits"), f"{where}.number_of_qubits", minimum=1)
    check_qubit_count(spec, num_qubits, f"{where}.number_of_qubits")
    operations = require_list(entry.get("quantum_circuit"), f"{where}.quantum_circuit")
    circuit = QuantumCircuit(num_qubits, num_qubits)
    measured = False
    for k, item in enumerate(operations):
        op_where = f"{where}.quantum_circuit[{k}]"
        operation = require_mapping(item, op_where)
        name = require_str(operation.get("operation"), f"{op_where}.operation")
        if measured:
            raise InvalidJobInput(
                f"{op_where}: {name} follows MEASURE; AQT measures once, at the end of the circuit"
            )
        if name == "MEASURE":
            circuit.measure(range(num_qubits), range(num_qubits))
            measured = True
        elif name == "RZ":
            qubit = _qubit(operation.get("qubit"), num_qubits, f"{op_where}.qubit")
            circuit.rz(math.pi * require_number(operation.get("phi"), f"{op_where}.phi"), qubit)
        elif name == "R":
            qubit = _qubit(operation.get("qubit"), num_qubits, f"{op_where}.qubit")
            theta = _bounded(operation.get("theta"), 1.0, f"{op_where}.theta")
            phi = _bounded(operation.get("phi"), 2.0, f"{op_where}.phi")
            circuit.r(math.pi * theta, math.pi * phi, qubit)
        elif name == "RXX":
            pair = require_list(operation.get("qubits"), f"{op_where}.qubits")
            if len(pair) != 2:
                raise InvalidJobInput(f"{op_where}.qubits must name two qubits", status=400)
            first = _qubit(pair[0], num_qubits, f"{op_where}.qubits[0]")
            second = _qubit(pair[1], num_qubits, f"{op_where}.qubits[1]")
            if first == second:
                raise InvalidJobInput(f"{op_where}.qubits must name two different qubits", status=400)
            theta = _bounded(operation.get("theta"), 0.5, f"{op_where}.theta")
            circuit.rxx(math.pi * theta, first, second)
        else:
            raise InvalidJobInput(f"{op_where}: unknown AQT operation {name!r}", status=400)
    if not measured:
        raise InvalidJobInput(f"{where}.quantum_circuit must end with a MEASURE operation")
    check_simulable(circuit, where)
    return circuit


def _qubit(value: Any, num_qubits: int, field: str) -> int:
    index = require_int(value, field)
    if not 0 <= index < num_qubits:
        raise InvalidJobInput(
            f"{field}: qubit {index} is outside 0..{num_qubits - 1} (number_of_qubits = {num_qubits})",
            status=400,
        )
    return index


def _bounded(value: Any, upper: float, field: str) -> float:
    """An angle in units of pi within AQT's documented ``[0, upper]``."""
    angle = require_number(value, field)
    if not -_SLACK <= angle <= upper + _SLACK:
        raise InvalidJobInput(f"{field} must be between 0 and {upper:g} (units of pi), got {angle!r}", 400)
    return min(max(angle, 0.0), upper)
