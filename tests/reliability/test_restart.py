"""The local Hub stopped and started again (same database file, same port) while clients wait on it and a
Braket batch is half submitted: every job and result survives, and the waiting clients (a Qiskit job's
``result()``, a Braket batch's ``results()``, an asyncio wait) carry on by themselves and finish.

The clients need nothing special but a retry policy that keeps trying for longer than the restart takes:
a refused connection provably never reached the Hub, so even a submission is simply sent again.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from braket.circuits import Circuit
from qiskit import QuantumCircuit, transpile

from qhub_providers._polling import Backoff, async_wait_for_final_status
from qhub_providers.api import HubQuantumClient, RetryPolicy
from qhub_providers.braket import HubBraketProvider
from qhub_providers.emulator import LocalHub
from qhub_providers.qiskit import HubQiskitProvider
from tests.waiting import wait_until

from .support import BELL_QASM2, FAST_BACKEND, token_tag

TOKEN = "local-restart-test-token"
QUEUE_DELAY = 1.0
"""Seconds each job waits before it runs: long enough that jobs are still queued when the Hub stops."""
SHOTS = 40
BRAKET_TASKS = 6
RESTART_RETRIES = 80
"""With waits of 0.05 s doubling up to 0.25 s (jitter halves them at worst), ten seconds of trying."""
WAIT_SECONDS = 90.0


def patient_client(base_url: str) -> HubQuantumClient:
    policy = RetryPolicy(base_delay=0.05, max_delay=0.25)
    return HubQuantumClient(
        api_key=TOKEN, base_url=base_url, timeout=10, max_retries=RESTART_RETRIES, retry_policy=policy
    )


def bell_circuit() -> QuantumCircuit:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    return circuit


def assert_bell(counts: dict[str, int]) -> None:
    assert sum(counts.values()) == SHOTS
    assert set(counts) <= {"00", "11"}


class Waiter(threading.Thread):
    """Runs one client's wait in a thread and keeps its outcome (value or exception)."""

    def __init__(self, name: str, work: Callable[[], Any]) -> None:
        super().__init__(name=name, daemon=True)
        self.work = work
        self.outcome: Any = None

    def run(self) -> None:
        try:
            self.outcome = self.work()
        except BaseException as exc:  # kept for the assertion in the test's thread
            self.outcome = exc


def test_waiting_clients_recover_when_the_hub_restarts_mid_batch(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="qhub_providers.api")
    db = tmp_path / "hub.sqlite3"
    first = LocalHub(db=db, admin=True, token=TOKEN).start()
    second: LocalHub | None = None
    port = first.port
    assert port is not None
    client = patient_client(first.base_url)
    try:
        # A job finished before the restart, whose result must read the same afterwards.
        done = client.jobs.create_job(backend_id=FAST_BACKEND, shots=SHOTS, input=BELL_QASM2)
        assert done.id is not None
        wait_until(lambda: client.jobs.get_job_status(str(done.id)).status == "COMPLETED")
        done_result = client.jobs.get_job_result(done.id)

        for backend_id in (FAST_BACKEND, "aws.sim.sv1"):
            first.admin.set_backend(backend_id, queue_delay=QUEUE_DELAY)
        backend = HubQiskitProvider(client=client).get_backend(FAST_BACKEND)
        fitted = transpile(bell_circuit(), backend, seed_transpiler=3)
        qiskit_jobs = [backend.run(fitted, shots=SHOTS, seed_simulator=k) for k in range(3)]
        device = HubBraketProvider(client=client).get_device("aws.sim.sv1")
        batches: list[Any] = []

        def braket_batch() -> list[Any]:
            # Two tasks at a time, each queued for a second: the batch is still submitting when the Hub stops.
            batch = device.run_batch([Circuit().h(0).cnot(0, 1)] * BRAKET_TASKS, shots=SHOTS, max_parallel=2)
            batches.append(batch)
            return list(batch.results(max_retries=0))

        async def async_jobs() -> list[tuple[str, Any]]:
            policy = RetryPolicy(base_delay=0.05, max_delay=0.25)
            async with first_hub_async(policy) as aclient:
                created = [
                    await aclient.jobs.create_job(backend_id=FAST_BACKEND, shots=SHOTS, input=BELL_QASM2)
                    for _ in range(2)
                ]
                finished = []
                for job in created:
                    job_id = str(job.id)

                    async def status(job_id: str = job_id) -> str:
                        return str((await aclient.jobs.get_job_status(job_id)).status)

                    final = await async_wait_for_final_status(
                        job_id, status, timeout=WAIT_SECONDS, backoff=Backoff(initial=0.05, cap=0.25)
                    )
                    assert final == "COMPLETED"
                    finished.append((job_id, await aclient.jobs.get_normalized_job_result(job_id)))
                return finished

        def first_hub_async(policy: RetryPolicy) -> Any:
            return first.async_client(timeout=10, max_retries=RESTART_RETRIES, retry_policy=policy)

        waiters = [
            Waiter("qiskit", lambda: [job.result(timeout=WAIT_SECONDS).get_counts() for job in qiskit_jobs]),
            Waiter("braket", braket_batch),
            Waiter("async", lambda: asyncio.run(async_jobs())),
        ]
        for waiter in waiters:
            waiter.start()
        # Stop once the first two Braket tasks and both async jobs exist: the rest of the batch comes later.
        wait_until(lambda: first.admin.stats()["jobs"] >= 1 + 3 + 2 + 2)
        first.stop()
        restarted = datetime.now(UTC)
        time.sleep(0.3)  # the Hub is away for a moment: the clients meet refused connections
        second = LocalHub(db=db, port=port, admin=True, token=TOKEN).start()
        assert second.base_url == client.base_url

        for waiter in waiters:
            waiter.join(timeout=WAIT_SECONDS)
            assert not waiter.is_alive(), f"the {waiter.name} client is still waiting"
        outcomes = {waiter.name: waiter.outcome for waiter in waiters}
        assert not [o for o in outcomes.values() if isinstance(o, BaseException)], outcomes
        assert "ConnectError" in caplog.text  # the clients did meet the Hub away, and retried

        for counts in outcomes["qiskit"]:
            assert_bell(counts)
        assert len(outcomes["braket"]) == BRAKET_TASKS
        for result in outcomes["braket"]:
            assert result is not None
            assert_bell(dict(result.measurement_counts))
        for _, normalized in outcomes["async"]:
            assert_bell(dict(normalized.pubs[0].counts))

        # Every job is there once, with its result; the one finished before the restart is unchanged.
        braket_ids = [task.id for task in batches[0].tasks]
        expected = [str(done.id), *(job.job_id() for job in qiskit_jobs), *braket_ids]
        expected += [job_id for job_id, _ in outcomes["async"]]
        stored = list(client.jobs.iter_jobs(size=100))
        assert sorted(str(job.id) for job in stored) == sorted(expected)
        assert max(Counter(token_tag(job) for job in stored).values()) == 1
        assert all(job.status == "COMPLETED" for job in stored)
        assert client.jobs.get_job_result(done.id) == done_result
        # The batch really was cut in two by the restart.
        created = {str(job.id): job.created_at for job in stored if job.created_at is not None}
        braket_created = [created[task_id] for task_id in braket_ids]
        assert min(braket_created) < restarted < max(braket_created)
    finally:
        client.close()
        first.stop()
        if second is not None:
            second.stop()
