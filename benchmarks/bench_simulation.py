"""Simulation speed of the local Hub's noisy QPUs and analog programs, end to end over REST.

The Hub runs in a process of its own (:class:`~benchmarks.common.HubProcess`) with its two simulation
workers. Each figure is the time from submitting a job to seeing it COMPLETED, the median of a few runs
after two untimed warm-up runs (which also load the simulators into the workers):

- a 16-qubit GHZ state on ``iqm.qpu.emerald`` (IQM's native input, 1,000 shots, calibration noise);
- ``EstimatorV2`` of the Qiskit face on a 20-qubit GHZ state on ``iqm.qpu.emerald`` (three observables);
- a 4-qubit entangling circuit with non-Clifford angles on ``aqt.qpu.ibex`` (2,000 shots, noise);
- a 16-qubit GHZ state in OpenQASM 3 on ``aws.ionq.forte`` (1,000 shots, noise);
- a 16- and a 20-qubit non-Clifford program in OpenQASM 3 on ``aws.rigetti.cepheus`` (a layer of ``h``,
  a ``cnot`` chain and ``rz`` at angles that are not multiples of pi/2; 1,000 shots, noise), which take
  the noisy state-vector trajectories;
- a 9-atom analog (AHS) program on ``aws.quera.aquila`` (100 shots), atoms in a Rydberg blockade chain.

The baseline is the same Hub's round trip for a Bell pair on ``kipu.sim.qsim`` (100 shots), so the ratios
say how many "trivial jobs" each simulation costs.

Run alone: ``.venv/bin/python -m benchmarks.bench_simulation [--quick]``.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from benchmarks.common import (
    BELL_QASM2,
    KIPU_BACKEND,
    SHOTS,
    TERMINAL,
    BenchResult,
    HubProcess,
    parse_quick,
    ratio,
    report,
    times,
)
from qhub_providers.api import HubQuantumClient

JOB_TIMEOUT = 900.0
EMERALD = "iqm.qpu.emerald"


def _client(hub: HubProcess) -> HubQuantumClient:
    return HubQuantumClient(api_key=hub.token, base_url=hub.base_url, timeout=60)


def _wait(client: HubQuantumClient, job_id: str) -> None:
    deadline = time.monotonic() + JOB_TIMEOUT
    while time.monotonic() < deadline:
        status = client.jobs.get_job_status(job_id).status
        if status in TERMINAL:
            if status != "COMPLETED":
                raise RuntimeError(f"job {job_id} ended {status}: {client.jobs.get_job_result(job_id)}")
            return
        time.sleep(0.02)
    raise RuntimeError(f"job {job_id} did not finish within {JOB_TIMEOUT} s")


def _job(client: HubQuantumClient, backend_id: str, shots: int, job_input: Any) -> Callable[[], None]:
    def run() -> None:
        job = client.jobs.create_job(backend_id=backend_id, shots=shots, input=job_input)
        assert job.id is not None
        _wait(client, job.id)

    return run


def _chain(coupling: Sequence[Sequence[int]], size: int) -> tuple[list[int], list[tuple[int, int]]]:
    """``size`` coupled qubits grown breadth-first from the best connected one, and the tree's edges."""
    neighbours: dict[int, set[int]] = {}
    for a, b in coupling:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    start = max(neighbours, key=lambda q: (len(neighbours[q]), -q))
    order, edges, seen = [start], [], {start}
    for qubit in order:
        for other in sorted(neighbours[qubit]):
            if other not in seen and len(order) < size:
                seen.add(other)
                order.append(other)
                edges.append((qubit, other))
    return order, edges


def iqm_ghz(coupling: Sequence[Sequence[int]], size: int) -> dict[str, Any]:
    """A GHZ state in IQM's native input: H is ``prx(pi/2, pi/2)`` then ``prx(pi, 0)``, CX is H CZ H."""
    order, edges = _chain(coupling, size)

    def hadamard(qubit: int) -> list[dict[str, Any]]:
        locus = [f"QB{qubit + 1}"]
        return [
            {"name": "prx", "locus": locus, "args": {"angle_t": 0.25, "phase_t": 0.25}},
            {"name": "prx", "locus": locus, "args": {"angle_t": 0.5, "phase_t": 0.0}},
        ]

    instructions = hadamard(order[0])
    for control, target in edges:
        instructions += hadamard(target)
        instructions.append({"name": "cz", "locus": [f"QB{control + 1}", f"QB{target + 1}"], "args": {}})
        instructions += hadamard(target)
    instructions.append({"name": "measure", "locus": [f"QB{q + 1}" for q in order], "args": {"key": "m"}})
    return {"circuits": [{"name": f"ghz{size}", "instructions": instructions}]}


def aqt_entangler(num_qubits: int, shots: int) -> dict[str, Any]:
    """A chain of RXX entanglers and rotations at angles that are not multiples of pi/2."""
    operations: list[dict[str, Any]] = [{"operation": "R", "qubit": 0, "theta": 0.5, "phi": 0.0}]
    for qubit in range(num_qubits - 1):
        operations.append({"operation": "RXX", "qubits": [qubit, qubit + 1], "theta": 0.5})
        operations.append({"operation": "RZ", "qubit": qubit + 1, "phi": 0.3})
        operations.append({"operation": "R", "qubit": qubit, "theta": 0.3, "phi": 0.25})
    operations.append({"operation": "MEASURE"})
    circuit = {"repetitions": shots, "number_of_qubits": num_qubits, "quantum_circuit": operations}
    return {"job_type": "quantum_circuit", "payload": {"circuits": [circuit]}}


def braket_ghz(size: int) -> str:
    """A GHZ state as a Braket OpenQASM 3 program."""
    lines = ["OPENQASM 3.0;", f"qubit[{size}] q;", f"bit[{size}] b;", "h q[0];"]
    lines += [f"cnot q[{k}], q[{k + 1}];" for k in range(size - 1)]
    return "\n".join([*lines, "b = measure q;"]) + "\n"


def braket_layer(size: int) -> str:
    """``h`` on every qubit, a ``cnot`` chain, then ``rz`` at non-Clifford angles: a noisy run of it takes
    state-vector trajectories (the stabilizer method cannot)."""
    lines = ["OPENQASM 3.0;", f"qubit[{size}] q;", f"bit[{size}] b;"]
    lines += [f"h q[{k}];" for k in range(size)]
    lines += [f"cnot q[{k}], q[{k + 1}];" for k in range(size - 1)]
    lines += [f"rz({0.3 + 0.01 * k:.2f}) q[{k}];" for k in range(size)]
    return "\n".join([*lines, "b = measure q;"]) + "\n"


def ahs_chain(atoms: int, spacing_m: float = 6.1e-6) -> dict[str, Any]:
    """``atoms`` in a row driven by a resonant pulse with a detuning sweep (a blockaded chain)."""
    duration = 4e-6
    amplitude = {
        "time_series": {"values": [0.0, 1.5e7, 1.5e7, 0.0], "times": [0.0, 5e-7, 3.5e-6, duration]},
        "pattern": "uniform",
    }
    detuning = {
        "time_series": {"values": [-2e7, -2e7, 2e7, 2e7], "times": [0.0, 5e-7, 3.5e-6, duration]},
        "pattern": "uniform",
    }
    phase = {"time_series": {"values": [0.0, 0.0], "times": [0.0, duration]}, "pattern": "uniform"}
    sites = [[round(k * spacing_m, 9), 0.0] for k in range(atoms)]
    return {
        "ahs_program": {
            "setup": {"ahs_register": {"sites": sites, "filling": [1] * atoms}},
            "hamiltonian": {
                "drivingFields": [{"amplitude": amplitude, "phase": phase, "detuning": detuning}],
                "localDetuning": [],
            },
        }
    }


def _estimator_run(hub: HubProcess, size: int) -> Callable[[], None]:
    from qiskit import QuantumCircuit, transpile
    from qiskit.quantum_info import SparsePauliOp

    from qhub_providers.qiskit import EstimatorV2, HubQiskitProvider

    backend = HubQiskitProvider(client=_client(hub)).get_backend(EMERALD)
    circuit = QuantumCircuit(size)
    circuit.h(0)
    for qubit in range(size - 1):
        circuit.cx(qubit, qubit + 1)
    isa = transpile(circuit, backend, optimization_level=1, seed_transpiler=7)
    observables = [
        SparsePauliOp("Z" * size),
        SparsePauliOp("X" * size),
        SparsePauliOp("ZZ" + "I" * (size - 2)),
    ]
    laid_out = [observable.apply_layout(isa.layout) for observable in observables]
    estimator = EstimatorV2(mode=backend)

    def run() -> None:
        result = estimator.run([(isa, laid_out)]).result()
        evs = result[0].data.evs
        if not 0.2 < float(evs[2]) <= 1.0:  # the ZZ correlation of a GHZ state, a little noisy
            raise RuntimeError(f"the estimator's <ZZ> is {evs[2]}, not a noisy GHZ value")

    return run


def _median_seconds(run: Callable[[], None], repeats: int) -> float:
    for _ in range(2):  # warm-up: every worker has loaded its simulators (and cached the noise model)
        run()
    samples = []
    for _ in range(repeats):
        began = time.perf_counter()
        run()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def run(quick: bool = False) -> list[BenchResult]:
    """Time each simulation against the Bell round trip and check the targets."""
    repeats = 1 if quick else 3
    result = BenchResult(
        name="simulation",
        title="Noisy QPU and analog simulations, submit to COMPLETED (baseline: Bell pair on kipu.sim.qsim)",
        columns=["job", "median", "x baseline"],
        chart_label="x the Bell round trip",
    )
    with HubProcess() as hub, _client(hub) as client:
        # The IQM architecture lists the loci of its cz gate: the coupled qubit pairs.
        architecture = client.backends.get_backend_config(EMERALD)
        loci = architecture["gates"]["cz"]["implementations"]
        pairs = [
            [int(a[2:]) - 1, int(b[2:]) - 1]
            for implementation in loci.values()
            for a, b in implementation["loci"]
        ]
        cases: list[tuple[str, str, Callable[[], None], float | None]] = [
            (
                "Bell pair, kipu.sim.qsim, 100 shots",
                "bell",
                _job(client, KIPU_BACKEND, SHOTS, BELL_QASM2),
                None,
            ),
            (
                "GHZ-16, iqm.qpu.emerald, 1,000 shots",
                "ghz16_emerald",
                _job(client, EMERALD, 1000, iqm_ghz(pairs, 16)),
                5.0,
            ),
            ("EstimatorV2 GHZ-20, iqm.qpu.emerald", "estimator_ghz20", _estimator_run(hub, 20), 30.0),
            (
                "4 qubits (non-Clifford), aqt.qpu.ibex, 2,000 shots",
                "aqt4",
                _job(client, "aqt.qpu.ibex", 2000, aqt_entangler(4, 2000)),
                None,
            ),
            (
                "GHZ-16, aws.ionq.forte, 1,000 shots",
                "ghz16_forte",
                _job(client, "aws.ionq.forte", 1000, braket_ghz(16)),
                None,
            ),
            (
                "16 qubits (non-Clifford), aws.rigetti.cepheus, 1,000 shots",
                "layer16_cepheus",
                _job(client, "aws.rigetti.cepheus", 1000, braket_layer(16)),
                5.0,
            ),
            (
                "20 qubits (non-Clifford), aws.rigetti.cepheus, 1,000 shots",
                "layer20_cepheus",
                _job(client, "aws.rigetti.cepheus", 1000, braket_layer(20)),
                30.0,
            ),
            (
                "AHS 9 atoms, aws.quera.aquila, 100 shots",
                "ahs9",
                _job(client, "aws.quera.aquila", 100, ahs_chain(9)),
                30.0,
            ),
        ]
        seconds: dict[str, float] = {}
        for label, key, job, _ in cases:
            seconds[key] = _median_seconds(job, repeats)
            print(f"{label}: {seconds[key]:.2f} s", flush=True)
    baseline = seconds["bell"]
    for label, key, _, target in cases:
        factor = ratio(seconds[key], baseline)
        result.rows.append(
            [label, f"{seconds[key]:.2f} s", "1.00x (baseline)" if key == "bell" else times(factor)]
        )
        if key != "bell":
            result.chart[label] = factor
        if target is not None:
            result.check(f"{label} within {target:.0f} s", f"{seconds[key]:.2f} s", seconds[key] <= target)
    result.figures = {"seconds": seconds, "repeats": repeats}
    result.notes.append(
        "Each figure is the median of the timed runs after two warm-up runs, on a Hub in its own process "
        "with two simulation worker processes."
    )
    return [result]


def main(argv: Sequence[str] | None = None) -> int:
    """Run this benchmark alone and print its table."""
    quick = parse_quick(argv, "Simulation speed of the local Hub's noisy QPUs and analog programs.")
    report(run(quick), quick=quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
