"""Submissions whose outcome the client could not settle, seen through the faces: ``backend.run`` and
``device.run`` hand back a job whose id is found by its client token when first needed. A job that lands
late behaves like any other; one that never landed raises the original ``UncertainSubmissionError``, with
its token, from the first call that needs its id (see ``docs/guarantees.md``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from braket.circuits import Circuit
from qiskit import QuantumCircuit, transpile
from qiskit.providers import JobStatus

from qhub_providers.api import HubQuantumClient, UncertainSubmissionError
from qhub_providers.api.resources.jobs import CLIENT_TOKEN_PREFIX
from qhub_providers.braket import HubBraketDevice, HubBraketProvider
from qhub_providers.emulator import LocalHub
from qhub_providers.qiskit import HubQiskitProvider

from .support import FAST_BACKEND, MAX_RETRIES, fast_retries, fault_stats, token_tag

READ_TIMEOUT = 0.5
SETTLE_WINDOW = 0.5
STORE_DELAY = 3 * SETTLE_WINDOW
"""Past the read timeout plus the settle window, so ``create_job`` gives up on it; well within the faces'
patience (three more settle windows from the hand-back)."""
SHOTS = 64


@pytest.fixture
def impatient(hub: LocalHub, org: str) -> Iterator[HubQuantumClient]:
    """A client with a short read timeout and a short settle window, so that uncertainty comes quickly."""
    with hub.client(
        organization_id=org,
        timeout=READ_TIMEOUT,
        max_retries=MAX_RETRIES,
        retry_policy=fast_retries(settle_window=SETTLE_WINDOW),
    ) as client:
        yield client


def bell() -> QuantumCircuit:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    return circuit


def stored_ids(observer: HubQuantumClient) -> list[str]:
    return [str(job.id) for job in observer.jobs.iter_jobs(size=100)]


def sv1(client: HubQuantumClient) -> HubBraketDevice:
    """SV1 with its properties read already, so that the next requests are the submissions."""
    device = HubBraketProvider(client=client).get_device("aws.sim.sv1")
    device.properties  # noqa: B018 - read for its side effect: one request, now rather than later
    return device


def drop_the_next_request(hub: LocalHub) -> None:
    """The next request is cut before the Hub sees it; nothing after it is touched."""
    hub.set_faults(rate=0.9, kinds=["drop_before"], max_faults=1, seed=0)


# -- Qiskit ------------------------------------------------------------------------------------------------


def test_qiskit_job_stored_after_the_settle_window_resolves_to_the_one_stored_job(
    hub: LocalHub, impatient: HubQuantumClient, observer: HubQuantumClient
) -> None:
    backend = HubQiskitProvider(client=impatient).get_backend(FAST_BACKEND)
    fitted = transpile(bell(), backend, seed_transpiler=3)
    hub.set_faults(rate=0, store_delay=STORE_DELAY)

    job = backend.run(fitted, shots=SHOTS, seed_simulator=7)

    assert hub.faults is not None
    assert hub.faults.stats()["stores_delayed"] == 1
    counts = job.result(timeout=30).get_counts()
    assert sum(counts.values()) == SHOTS
    assert set(counts) <= {"00", "11"}
    # Exactly one job, carrying one client token, and it is the one the face resolved.
    (stored,) = list(observer.jobs.iter_jobs(size=100))
    assert job.job_id() == stored.id
    assert token_tag(stored)
    assert job.status() == JobStatus.DONE


def test_qiskit_job_that_never_landed_raises_the_uncertain_error_with_its_token(
    hub: LocalHub, impatient: HubQuantumClient, observer: HubQuantumClient
) -> None:
    backend = HubQiskitProvider(client=impatient).get_backend(FAST_BACKEND)
    fitted = transpile(bell(), backend, seed_transpiler=3)
    drop_the_next_request(hub)

    job = backend.run(fitted, shots=SHOTS)

    assert fault_stats(hub)[1]["drop_before"] == 1
    # While the job may still land, its status is the initial one rather than an error.
    assert job.status() == JobStatus.INITIALIZING
    key = hash(job)  # no wait for the id
    with pytest.raises(UncertainSubmissionError) as info:
        job.job_id()
    # Hashing and equality never need the id (a HubJob is equal to itself alone, as any Qiskit job).
    assert hash(job) == key
    assert job == job
    assert len({job, job}) == 1
    token = info.value.client_token
    assert token is not None
    assert token.startswith(CLIENT_TOKEN_PREFIX)
    # Once the patience is over, every call that needs the id says the same.
    with pytest.raises(UncertainSubmissionError):
        job.result(timeout=5)
    with pytest.raises(UncertainSubmissionError):
        job.status()
    assert stored_ids(observer) == []
    assert token in repr(job)


# -- Braket ------------------------------------------------------------------------------------------------


def test_braket_task_stored_after_the_settle_window_resolves_to_the_one_stored_job(
    hub: LocalHub, impatient: HubQuantumClient, observer: HubQuantumClient
) -> None:
    device = sv1(impatient)
    hub.set_faults(rate=0, store_delay=STORE_DELAY)

    task = device.run(Circuit().h(0).cnot(0, 1), shots=SHOTS)
    requests = fault_stats(hub)[0]
    tasks = {task}
    assert fault_stats(hub)[0] == requests  # hashing it sent no lookup and did not wait for the id

    assert hub.faults is not None
    assert hub.faults.stats()["stores_delayed"] == 1
    result = task.result()
    assert result is not None
    assert sum(result.measurement_counts.values()) == SHOTS
    assert set(result.measurement_counts) <= {"00", "11"}
    (stored,) = list(observer.jobs.iter_jobs(size=100))
    assert task.id == stored.id
    assert token_tag(stored)
    assert task.state() == "COMPLETED"
    assert task.metadata()["quantumTaskArn"] == stored.id
    # Its hash stayed what it was before the id was found: the set still finds it.
    assert task in tasks


def test_braket_task_that_never_landed_raises_the_uncertain_error_with_its_token(
    hub: LocalHub, impatient: HubQuantumClient, observer: HubQuantumClient
) -> None:
    device = sv1(impatient)
    drop_the_next_request(hub)

    task = device.run(Circuit().h(0).cnot(0, 1), shots=SHOTS)

    assert fault_stats(hub)[1]["drop_before"] == 1
    assert task.state() == "CREATED"
    with pytest.raises(UncertainSubmissionError) as info:
        _ = task.id
    token = info.value.client_token
    assert token is not None
    assert token.startswith(CLIENT_TOKEN_PREFIX)
    with pytest.raises(UncertainSubmissionError):
        task.result()
    with pytest.raises(UncertainSubmissionError):
        task.state()
    waiting = task.async_result()
    with pytest.raises(UncertainSubmissionError):
        waiting.get_loop().run_until_complete(waiting)
    assert stored_ids(observer) == []
    assert token in repr(task)


def test_braket_batch_whose_submissions_are_stored_late_gets_the_stored_jobs(
    hub: LocalHub, impatient: HubQuantumClient, observer: HubQuantumClient
) -> None:
    device = sv1(impatient)
    hub.set_faults(rate=0, store_delay=STORE_DELAY)

    batch = device.run_batch([Circuit().h(0).cnot(0, 1)] * 2, shots=SHOTS, max_parallel=2)

    assert hub.faults is not None
    assert hub.faults.stats()["stores_delayed"] == 2
    results = batch.results()
    for result in results:
        assert result is not None
        assert sum(result.measurement_counts.values()) == SHOTS
    stored = list(observer.jobs.iter_jobs(size=100))
    assert sorted(task.id for task in batch.tasks) == sorted(str(job.id) for job in stored)
    assert len({token_tag(job) for job in stored}) == 2


def test_native_sampler_job_stored_after_the_settle_window_gives_its_result(
    hub: LocalHub, impatient: HubQuantumClient, observer: HubQuantumClient
) -> None:
    """The IBM primitives submit their own Hub job (Qiskit Runtime's input), through the same hand-back."""
    from qhub_providers.qiskit import SamplerV2

    backend = HubQiskitProvider(client=impatient).get_backend("ibm.qpu.fez")
    fitted = transpile(bell(), backend, seed_transpiler=3)
    hub.set_faults(rate=0, store_delay=STORE_DELAY)

    job = SamplerV2(mode=backend).run([fitted], shots=SHOTS)

    counts = job.result()[0].data.meas.get_counts()
    assert sum(counts.values()) == SHOTS
    (stored,) = list(observer.jobs.iter_jobs(size=100))
    assert job.job_id() == stored.id


# -- hashing and equality of a job whose id is not known ---------------------------------------------------


def test_braket_task_that_never_landed_hashes_and_compares_without_raising(
    hub: LocalHub, impatient: HubQuantumClient, observer: HubQuantumClient
) -> None:
    device = sv1(impatient)
    stored = device.run(Circuit().h(0), shots=SHOTS)
    drop_the_next_request(hub)

    task = device.run(Circuit().h(0).cnot(0, 1), shots=SHOTS)

    assert fault_stats(hub)[1]["drop_before"] == 1
    key = hash(task)  # while the patience lasts: no wait for the id
    with pytest.raises(UncertainSubmissionError):
        _ = task.id
    # Once the patience is over, the task is still usable as a set member and a dict key.
    assert hash(task) == key
    assert task == task
    assert task != stored
    assert stored != task
    assert {task: "unsure"}[task] == "unsure"
    assert len({task, stored, task}) == 2
    assert stored_ids(observer) == [stored.id]
