"""``HubJob``: all nine Hub statuses map onto Qiskit's, ``status()`` never raises, ``result()`` raises a
typed error with the Hub's reason for every outcome but COMPLETED, waiting honours timeouts and reports
progress, and results are fetched and converted once.

Statuses are forced with the local Hub's admin controls on a backend whose queue holds jobs back
(``aqt.qpu.ibex``, used by no other test); CANCELLING is observed on a real simulation that is still running.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from qiskit import QuantumCircuit
from qiskit.providers import JobError, JobStatus, JobTimeoutError

from qhub_providers.api import HubQuantumClient
from qhub_providers.emulator import LocalHub
from qhub_providers.qiskit import (
    HubBackend,
    HubJob,
    HubJobError,
    HubJobTimeoutError,
    HubQiskitProvider,
    JobAbortedError,
    JobCancelledError,
    JobDetachedError,
    JobFailedError,
)
from tests.waiting import wait_until as eventually

from .support import SEED, RequestLog, fit

HELD = "aqt.qpu.ibex"
FINAL = {"COMPLETED", "FAILED", "CANCELLED", "ABORTED", "DETACHED"}


def bell() -> QuantumCircuit:
    circuit = QuantumCircuit(2, 2, name="bell")
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure([0, 1], [0, 1])
    return circuit


@dataclass
class Queue:
    """Submits Bell jobs to one backend and cancels whatever is left of them afterwards."""

    backend: HubBackend
    client: HubQuantumClient
    jobs: list[HubJob] = field(default_factory=list)

    def submit(self, **options: object) -> HubJob:
        job = self.backend.run(fit(bell(), self.backend), shots=50, seed_simulator=SEED, **options)
        self.jobs.append(job)
        return job

    def clean_up(self) -> None:
        for job in self.jobs:
            if str(self.client.jobs.get_job_status(job.job_id()).status) not in FINAL:
                self.client.jobs.cancel_job(job.job_id())


def queue_with_delay(
    hub: LocalHub, provider: HubQiskitProvider, client: HubQuantumClient, delay: float
) -> Iterator[Queue]:
    hub.admin.set_backend(HELD, queue_delay=delay)
    queue = Queue(provider.get_backend(HELD), client)
    try:
        yield queue
    finally:
        hub.admin.set_backend(HELD, queue_delay=0)
        queue.clean_up()


@pytest.fixture
def held(hub: LocalHub, provider: HubQiskitProvider, client: HubQuantumClient) -> Iterator[Queue]:
    """Jobs wait ten minutes in the queue: they stay PENDING until a test forces a status or cancels."""
    yield from queue_with_delay(hub, provider, client, 600)


@pytest.fixture
def slow_queue(hub: LocalHub, provider: HubQiskitProvider, client: HubQuantumClient) -> Iterator[Queue]:
    """Jobs wait a second in the queue, then run."""
    yield from queue_with_delay(hub, provider, client, 1.0)


def reaches(job: HubJob, hub_status: str) -> Callable[[], bool]:
    return lambda: job.hub_status() == hub_status


# -- every status maps ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("forced", "expected"),
    [
        ("UNKNOWN", JobStatus.INITIALIZING),
        ("RUNNING", JobStatus.RUNNING),
        ("FAILED", JobStatus.ERROR),
        ("ABORTED", JobStatus.ERROR),
        ("DETACHED", JobStatus.ERROR),
        ("CANCELLED", JobStatus.CANCELLED),
    ],
)
def test_forced_statuses_map_onto_qiskit(
    held: Queue, hub: LocalHub, forced: str, expected: JobStatus
) -> None:
    job = held.submit()
    hub.admin.force_job_status(job.job_id(), forced, hold=600)
    eventually(reaches(job, forced), what=f"job to become {forced}")
    assert job.status() == expected
    final = forced in FINAL
    assert job.in_final_state() is final
    assert job.done() is False
    assert job.cancelled() is (forced == "CANCELLED")
    assert job.running() is (forced == "RUNNING")


def test_a_queued_job_is_queued(held: Queue) -> None:
    waiting_before = held.backend.status().pending_jobs
    job = held.submit()
    held.submit()
    assert job.hub_status() == "PENDING"
    assert job.status() == JobStatus.QUEUED
    assert not job.in_final_state()
    assert job.queue_position() is None
    assert held.backend.status().pending_jobs == waiting_before + 2  # the backend's queue shows them


def test_a_completed_job_is_done(provider: HubQiskitProvider) -> None:
    backend = provider.get_backend("kipu.sim.qsim")
    job = backend.run(fit(bell(), backend), shots=20)
    job.wait_for_final_state(timeout=60)
    assert job.hub_status() == "COMPLETED"
    assert job.status() == JobStatus.DONE
    assert job.done()
    assert job.in_final_state()


def slow_circuit(width: int = 20, layers: int = 200) -> QuantumCircuit:
    """Keeps the state-vector simulator busy for about a second."""
    circuit = QuantumCircuit(width, width, name="slow")
    for k in range(layers):
        circuit.h(k % width)
        circuit.cx(k % width, (k + 1) % width)
    circuit.measure(range(width), range(width))
    return circuit


def test_cancelling_a_running_job_reads_running_then_cancelled(provider: HubQiskitProvider) -> None:
    backend = provider.get_backend("aws.sim.sv1")
    job = backend.run(slow_circuit(), shots=10)
    eventually(reaches(job, "RUNNING"), what="the simulation to start")
    assert job.cancel() is True
    # The simulator cannot be interrupted: the Hub says CANCELLING until it stops.
    assert job.hub_status() == "CANCELLING"
    assert job.status() == JobStatus.RUNNING  # Qiskit has no "cancelling"; the job may still be at work
    assert not job.in_final_state()
    job.wait_for_final_state(timeout=60)
    assert job.hub_status() == "CANCELLED"
    assert job.status() == JobStatus.CANCELLED
    with pytest.raises(JobCancelledError):
        job.result()


# -- result() on jobs that did not complete ---------------------------------------------------------


def test_failed_job_raises_with_the_hubs_message(held: Queue, hub: LocalHub) -> None:
    job = held.submit()
    hub.admin.force_job_status(job.job_id(), "FAILED", message="qubit 3 lost its calibration")
    with pytest.raises(JobFailedError, match="qubit 3 lost its calibration") as caught:
        job.result(timeout=30)
    error = caught.value
    assert isinstance(error, JobError)  # code written for any Qiskit provider catches it
    assert (error.job_id, error.status, error.reason) == (
        job.job_id(),
        "FAILED",
        "qubit 3 lost its calibration",
    )
    assert job.job_id() in str(error)
    assert job.status() == JobStatus.ERROR


@pytest.mark.parametrize(
    ("forced", "error_type", "words"),
    [
        ("ABORTED", JobAbortedError, "aborted"),
        ("DETACHED", JobDetachedError, "detached"),
        ("CANCELLED", JobCancelledError, "cancelled"),
    ],
)
def test_other_outcomes_raise_their_own_errors(
    held: Queue, hub: LocalHub, forced: str, error_type: type[HubJobError], words: str
) -> None:
    job = held.submit()
    hub.admin.force_job_status(job.job_id(), forced)
    started = time.monotonic()
    with pytest.raises(error_type, match=words) as caught:
        job.result(timeout=30)
    assert time.monotonic() - started < 10  # a final status ends the wait (DETACHED included)
    assert caught.value.status == forced
    assert isinstance(caught.value, JobError)
    with pytest.raises(error_type):  # asking again gives the same answer
        job.result()


def test_cancel_a_queued_job(held: Queue) -> None:
    job = held.submit()
    assert job.cancel() is True
    job.wait_for_final_state(timeout=30)
    assert job.status() == JobStatus.CANCELLED
    assert job.cancelled()
    assert job.cancel() is False  # already over: nothing to cancel
    with pytest.raises(JobCancelledError, match="cancelled"):
        job.result()


# -- waiting ----------------------------------------------------------------------------------------


def test_result_timeout_then_result_later(slow_queue: Queue) -> None:
    job = slow_queue.submit()
    started = time.monotonic()
    with pytest.raises(HubJobTimeoutError, match="PENDING") as caught:
        job.result(timeout=0.2)
    assert time.monotonic() - started < 1.5  # the timeout is honoured, not rounded up to a poll interval
    assert isinstance(caught.value, JobTimeoutError)
    assert caught.value.job_id == job.job_id()
    counts = job.result(timeout=60).get_counts()  # the job went on; waiting again gives the result
    assert sum(counts.values()) == 50


def test_wait_for_final_state_reports_progress(slow_queue: Queue) -> None:
    job = slow_queue.submit()
    seen: list[tuple[str, JobStatus]] = []

    def progress(job_id: str, status: JobStatus, reported: HubJob) -> None:
        assert reported is job
        seen.append((job_id, status))

    job.wait_for_final_state(timeout=60, callback=progress)
    assert len(seen) >= 2
    assert {job_id for job_id, _ in seen} == {job.job_id()}
    assert seen[0][1] == JobStatus.QUEUED
    assert seen[-1][1] == JobStatus.DONE


def test_wait_for_final_state_times_out(held: Queue) -> None:
    job = held.submit()
    with pytest.raises(HubJobTimeoutError):
        job.wait_for_final_state(timeout=0.1)
    assert job.status() == JobStatus.QUEUED  # waiting changed nothing about the job


def test_a_fast_job_is_not_kept_waiting(provider: HubQiskitProvider) -> None:
    backend = provider.get_backend("qudora.sim.xg1")
    isa = fit(bell(), backend)
    started = time.monotonic()
    backend.run(isa, shots=20).result(timeout=30)
    # Polling starts at 50 ms and backs off: no fixed multi-second sleep before the first look.
    assert time.monotonic() - started < 2.0


# -- caching ----------------------------------------------------------------------------------------


def test_results_are_fetched_and_converted_once(observed: tuple[HubQiskitProvider, RequestLog]) -> None:
    provider, log = observed
    backend = provider.get_backend("kipu.sim.qsim")
    job = backend.run(fit(bell(), backend), shots=30, memory=True)
    first = job.result(timeout=60)
    assert log.count("GET", f"/jobs/{job.job_id()}/result") == 1
    log.clear()
    second = job.result()
    assert second is first
    assert job.status() == JobStatus.DONE
    assert log.requests == []  # a final status and its result are never asked for again
