"""The AQT runner (``AQT_JOB_INPUT_V1``, e.g. ``aqt.sim.ideal``, ``aqt.qpu.ibex``).

The input is AQT's job document ``{"job_type": "quantum_circuit", "label"?, "payload": {"circuits":
[{"repetitions", "number_of_qubits", "quantum_circuit": [...]}]}}``, read with AQT's own API model
(``SubmitJobRequest`` of ``aqt-connector``), so what AQT's API refuses is refused here with its words.
Operations, angles in units of pi:

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
    require_mapping,
    sample_bits,
)
from qhub_providers.emulator.runners.noise import noise_model
from qhub_providers.emulator.runners.samples import counts_bitstrings, counts_pub, memory_hex, memory_view

if TYPE_CHECKING:
    from qhub_providers.emulator.catalog.spec import BackendSpec

__all__ = ["AqtJob", "AqtRunner"]


@dataclass(frozen=True)
class AqtJob:
    """A validated AQT job: one measured circuit and its repetitions per payload circuit."""

    spec: BackendSpec
    circuits: tuple[QuantumCircuit, ...]
    repetitions: tuple[int, ...]


class AqtRunner:
    """Simulates AQT circuits with Aer and answers with generic counts and memory per circuit."""

    def prepare(self, spec: BackendSpec, job_input: Any, input_params: dict[str, Any], shots: int) -> AqtJob:
        """Validate the AQT job document with AQT's own API model, then against the backend."""
        total = require_int(shots, "shots")
        body = require_mapping(job_input, "input")
        _check_repetitions(spec, body)
        request = _submit_job_request(body)
        items = request.payload.circuits
        check_pub_count(spec, len(items), "input.payload.circuits")

        circuits: list[QuantumCircuit] = []
        repetitions: list[int] = []
        for index, item in enumerate(items):
            where = f"input.payload.circuits[{index}]"
            repetitions.append(check_shots(spec, item.repetitions, f"{where}.repetitions"))
            circuits.append(_circuit(spec, item, where))
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


def _check_repetitions(spec: BackendSpec, body: Mapping[str, Any]) -> None:
    """Repetitions outside the backend's shots range are a 422, like every runner's shot counts, before
    AQT's model (whose own bound is a schema error) sees them."""
    payload = body.get("payload")
    circuits = payload.get("circuits") if isinstance(payload, Mapping) else None
    for index, item in enumerate(circuits if isinstance(circuits, list) else []):
        repetitions = item.get("repetitions") if isinstance(item, Mapping) else None
        if isinstance(repetitions, int) and not isinstance(repetitions, bool):
            check_shots(spec, repetitions, f"input.payload.circuits[{index}].repetitions")


def _submit_job_request(body: Mapping[str, Any]) -> Any:
    """The job document as AQT's API model reads it (``aqt-connector``); its complaints are a 400."""
    from aqt_connector.models.arnica.request_bodies.jobs import SubmitJobRequest
    from pydantic import ValidationError

    try:
        return SubmitJobRequest.model_validate(dict(body))
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}" for item in error.errors()[:3]
        )
        raise InvalidJobInput(f"input is not an AQT job AQT's API accepts: {problems}", status=400) from None


def _circuit(spec: BackendSpec, item: Any, where: str) -> QuantumCircuit:
    """A Qiskit circuit of one validated AQT circuit (angles in units of pi, one final MEASURE)."""
    num_qubits = int(item.number_of_qubits)
    check_qubit_count(spec, num_qubits, f"{where}.number_of_qubits")
    circuit = QuantumCircuit(num_qubits, num_qubits)
    for wrapped in item.quantum_circuit.root:
        operation = wrapped.root
        if operation.operation == "MEASURE":
            circuit.measure(range(num_qubits), range(num_qubits))
        elif operation.operation == "RZ":
            circuit.rz(math.pi * operation.phi, operation.qubit)
        elif operation.operation == "R":
            circuit.r(math.pi * operation.theta, math.pi * operation.phi, operation.qubit)
        else:  # RXX; the model allows no other operation
            first, second = operation.qubits
            circuit.rxx(math.pi * operation.theta, first, second)
    check_simulable(circuit, where)
    return circuit
