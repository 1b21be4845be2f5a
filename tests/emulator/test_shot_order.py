"""Per-shot results come in a random order, as a device records them, not sorted or grouped by outcome.

Simulators may hand shots back ordered: Aer's noisy state-vector trajectories (shot branching, past the
density matrix's width) grouped per trajectory and sorted within, the analog simulator's counts expanded
by repetition grouped by configuration. The local Hub puts every runner's shots in a random order drawn
from the job's seed. Checked over HTTP: an AQT job over a whole 12-qubit device and a wide Braket program
on an AWS QPU (both noisy trajectories), an analog program on Aquila (counts expanded), and, as a guard,
a one-qubit noisy circuit (density matrix).
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from braket.task_result import AnalogHamiltonianSimulationTaskResult
from braket.tasks import AnalogHamiltonianSimulationQuantumTaskResult

from qhub_providers.api import HubQuantumClient
from qhub_providers.api.models import NormalizedCountsResult

from .hub_support import ahs_pair_program, wait_for_status

SHOTS = 200
SEED = 11


def runs(shots: Sequence[object]) -> int:
    """How many blocks of equal outcomes follow each other (1 for a single outcome)."""
    return 1 + sum(a != b for a, b in itertools.pairwise(shots))


def random_order_runs(shots: Sequence[object]) -> float:
    """The number of :func:`runs` expected when the same shots come in a random order."""
    n = len(shots)
    same = sum(c * (c - 1) for c in Counter(shots).values()) / (n * (n - 1))
    return 1 + (n - 1) * (1 - same)


def assert_random_order(shots: Sequence[object]) -> None:
    """Neither sorted nor grouped: about as many runs as a shuffle has (about 100 for 200 shots at 50/50;
    sorted or grouped shots have one per outcome or trajectory)."""
    assert len(set(shots)) >= 2, "a 50/50 circuit must give both outcomes"
    assert list(shots) != sorted(shots)  # type: ignore[type-var]
    assert runs(shots) >= random_order_runs(shots) / 2, (runs(shots), random_order_runs(shots))


def run(
    client: HubQuantumClient, backend_id: str, job_input: Any, input_format: str, seed: int = SEED
) -> str:
    job = client.jobs.create_job(
        backend_id=backend_id,
        shots=SHOTS,
        input=job_input,
        input_format=input_format,
        input_params={"seed_simulator": seed},
    )
    assert job.id is not None
    assert wait_for_status(client, job.id) == "COMPLETED"
    return job.id


def memory_and_counts(client: HubQuantumClient, job_id: str) -> tuple[list[str], dict[str, int]]:
    """The Hub's per-shot memory (bitstrings) and its normalized counts."""
    memory = client.jobs.get_normalized_job_memory(job_id)
    normalized = client.jobs.get_normalized_job_result(job_id)
    assert memory is not None
    assert normalized is not None
    (pub,) = normalized.pubs
    assert isinstance(pub, NormalizedCountsResult)
    width = int(memory.qubits or 0)
    shots = [format(int(word, 16), f"0{width}b") for word in memory.memory or []]
    return shots, dict(pub.counts or {})


def aqt_half_and_half(number_of_qubits: int = 1) -> dict[str, Any]:
    """Qubit 0 turned by pi/2 about an axis at 45 degrees in the XY plane: 50/50, and not Clifford, so a
    noisy device runs it on a density matrix (one qubit) or on state-vector trajectories (the whole
    device, as the Qiskit face sends AQT jobs: AQT's MEASURE reads every qubit)."""
    operations = [{"operation": "R", "qubit": 0, "theta": 0.5, "phi": 0.25}, {"operation": "MEASURE"}]
    circuit = {"repetitions": SHOTS, "number_of_qubits": number_of_qubits, "quantum_circuit": operations}
    return {"job_type": "quantum_circuit", "label": "half", "payload": {"circuits": [circuit]}}


IBEX_QUBITS = 12


def qubit_zero(shots: list[str]) -> list[str]:
    return [shot[-1] for shot in shots]


def test_shots_of_a_whole_device_aqt_job_are_not_grouped_and_match_the_counts(
    org_client: HubQuantumClient,
) -> None:
    job_id = run(org_client, "aqt.qpu.ibex", aqt_half_and_half(IBEX_QUBITS), "AQT_JOB_INPUT_V1")

    shots, counts = memory_and_counts(org_client, job_id)

    assert len(shots) == SHOTS
    assert_random_order(qubit_zero(shots))
    assert dict(Counter(shots)) == counts
    # The native result carries the same shots in the same order.
    native = org_client.jobs.get_job_result(job_id)
    assert [format(int(word, 16), f"0{IBEX_QUBITS}b") for word in native["memory"]] == shots


def test_density_matrix_shots_are_not_sorted_and_match_the_counts(org_client: HubQuantumClient) -> None:
    job_id = run(org_client, "aqt.qpu.ibex", aqt_half_and_half(), "AQT_JOB_INPUT_V1")

    shots, counts = memory_and_counts(org_client, job_id)

    assert len(shots) == SHOTS
    assert_random_order(shots)
    assert dict(Counter(shots)) == counts


def test_the_order_follows_the_jobs_seed(org_client: HubQuantumClient) -> None:
    def shots_of(seed: int) -> tuple[list[str], dict[str, int]]:
        job_input = aqt_half_and_half(IBEX_QUBITS)
        return memory_and_counts(
            org_client, run(org_client, "aqt.qpu.ibex", job_input, "AQT_JOB_INPUT_V1", seed)
        )

    first = shots_of(SEED)

    assert shots_of(SEED) == first
    assert shots_of(SEED + 1)[0] != first[0]


def test_noisy_trajectory_shots_are_not_grouped_and_match_the_counts(org_client: HubQuantumClient) -> None:
    # Eleven active qubits: past the density matrix's width, so Aer runs noisy state-vector trajectories.
    lines = ["OPENQASM 3.0;", "qubit[11] q;", "bit[1] b;", "h q[0];", "t q[0];"]
    lines += [f"rx(0.01) q[{k}];" for k in range(1, 11)]
    lines.append("b[0] = measure q[0];")
    job_id = run(org_client, "aws.rigetti.cepheus", "\n".join(lines), "BRAKET_OPEN_QASM_V3")

    shots, counts = memory_and_counts(org_client, job_id)

    assert len(shots) == SHOTS
    assert_random_order(shots)
    assert dict(Counter(shots)) == counts
    native = org_client.jobs.get_job_result(job_id)
    assert ["".join(map(str, row)) for row in native["measurements"]] == shots


def test_analog_shots_are_not_grouped_by_configuration(org_client: HubQuantumClient) -> None:
    job_id = run(org_client, "aws.quera.aquila", ahs_pair_program(), "BRAKET_AHS_PROGRAM")

    native = org_client.jobs.get_job_result(job_id)
    result = AnalogHamiltonianSimulationQuantumTaskResult.from_object(
        AnalogHamiltonianSimulationTaskResult.parse_raw(json.dumps(native))
    )
    shots = ["".join(map(str, m.post_sequence)) for m in result.measurements]

    assert len(shots) == SHOTS
    assert_random_order(shots)
    assert sum(result.get_counts().values()) == SHOTS
