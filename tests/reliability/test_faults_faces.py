"""The Qiskit and Braket faces under the same 20 % mix of faults as the REST clients: ``backend.run(...)
.result()`` and a Braket batch's ``results()`` give the right counts, each run makes exactly one job, and
nothing but ``HubError`` subclasses is raised."""

from __future__ import annotations

from collections import Counter
from typing import Any

from braket.circuits import Circuit
from qiskit import QuantumCircuit, transpile

from qhub_providers.api import HubError, HubQuantumClient, UncertainSubmissionError
from qhub_providers.api.resources.jobs import CLIENT_TOKEN_PREFIX
from qhub_providers.braket import HubBraketProvider
from qhub_providers.emulator import LocalHub
from qhub_providers.qiskit import HubQiskitProvider

from .support import FAST_BACKEND, fault_stats, inject_mixed_faults, token_tag

QISKIT_RUNS = 24
BRAKET_TASKS = 6
SHOTS = 64
FACES_MIN_REQUESTS = 4 * QISKIT_RUNS + 3 * BRAKET_TASKS
"""At least: per Qiskit run a POST, a status poll, the result and the record; per Braket task a POST, a
poll and the result (none may be lost). With the REST tests' floors, 2,014 requests in all."""


def bell() -> QuantumCircuit:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    return circuit


def test_qiskit_and_braket_faces_ride_out_mixed_faults(
    hub: LocalHub, retrying: HubQuantumClient, observer: HubQuantumClient
) -> None:
    inject_mixed_faults(hub, seed=37)
    raised: list[BaseException] = []
    made: list[str] = []

    backend = HubQiskitProvider(client=retrying).get_backend(FAST_BACKEND)
    fitted = transpile(bell(), backend, seed_transpiler=3)
    jobs: list[Any] = []
    for run in range(QISKIT_RUNS):
        try:
            jobs.append(backend.run(fitted, shots=SHOTS, seed_simulator=run))
        except Exception as exc:
            raised.append(exc)
    qiskit_counts = []
    for job in jobs:
        try:
            # A run whose submission was uncertain hands back a job whose id is found by its token; one
            # that never landed raises the uncertain error from here.
            made.append(job.job_id())
            qiskit_counts.append(job.result(timeout=90).get_counts())
        except Exception as exc:
            raised.append(exc)

    device = HubBraketProvider(client=retrying).get_device("aws.sim.sv1")
    tasks: list[Any] = []
    for _ in range(BRAKET_TASKS):
        try:
            tasks.append(device.run(Circuit().h(0).cnot(0, 1), shots=SHOTS))
        except Exception as exc:
            raised.append(exc)
    braket_results = []
    for task in tasks:
        try:
            made.append(task.id)
            braket_results.append(task.result())
        except Exception as exc:
            raised.append(exc)
    requests, _ = fault_stats(hub)
    hub.set_faults(rate=0)

    assert all(isinstance(exc, HubError) for exc in raised), raised
    # An uncertain submission no longer fails the run: the faces hand back every job.
    assert (len(jobs), len(tasks)) == (QISKIT_RUNS, BRAKET_TASKS), raised[:5]
    # Only a run whose submission was cut or answered 5xx before the Hub took it may fail (from the
    # first call that needs its id), and then with the token, which finds no job: nothing was stored,
    # nothing was sent twice.
    unsent = [exc for exc in raised if isinstance(exc, UncertainSubmissionError)]
    assert len(unsent) == len(raised), raised[:5]
    stored = list(observer.jobs.iter_jobs(size=100))
    stored_tokens = {CLIENT_TOKEN_PREFIX + token_tag(job) for job in stored}
    assert not [exc.client_token for exc in unsent if exc.client_token in stored_tokens]
    assert len(qiskit_counts) + len(braket_results) + len(unsent) == len(jobs) + len(tasks)
    for counts in qiskit_counts:
        assert sum(counts.values()) == SHOTS
        assert set(counts) <= {"00", "11"}
    for result in braket_results:
        assert result is not None
        assert sum(result.measurement_counts.values()) == SHOTS
        assert set(result.measurement_counts) <= {"00", "11"}

    # One job per run and per task, no more: the Hub holds exactly the jobs the faces handed out.
    assert sorted(str(job.id) for job in stored) == sorted(made)
    assert max(Counter(token_tag(job) for job in stored).values()) == 1
    assert requests >= FACES_MIN_REQUESTS
