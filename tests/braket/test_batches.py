"""Task batches: concurrent submission bounded by max_parallel, results in order, retries of failed tasks."""

from __future__ import annotations

import math

import pytest
from braket.circuits import Circuit, FreeParameter

from qhub_providers.api import HubQuantumClient
from qhub_providers.braket import HubBraketDevice, HubBraketProvider, HubQuantumTaskBatch
from qhub_providers.emulator import LocalHub

from .support import eventually


def test_a_batch_of_fifty_keeps_each_result_with_its_task(sv1: HubBraketDevice) -> None:
    theta = FreeParameter("theta")
    circuit = Circuit().rx(0, theta).cnot(0, 1)
    angles = [math.pi * (index % 2) for index in range(50)]
    batch = sv1.run_batch(circuit, shots=20, inputs=[{"theta": angle} for angle in angles])
    assert isinstance(batch, HubQuantumTaskBatch)
    assert batch.size == 50
    results = batch.results()
    assert [dict(result.measurement_counts) for result in results] == [
        {"11": 20} if angle else {"00": 20} for angle in angles
    ]
    assert batch.unfinished == set()
    assert batch.unsuccessful == set()
    assert len({task.id for task in batch.tasks}) == 50


def test_shots_and_inputs_may_be_given_per_task(sv1: HubBraketDevice, bell: Circuit, ghz: Circuit) -> None:
    batch = sv1.run_batch([bell, ghz], shots=[10, 30], max_parallel=2)
    assert [sum(r.measurement_counts.values()) for r in batch.results()] == [10, 30]
    with pytest.raises(ValueError, match="inputs has 3 entries"):
        sv1.run_batch([bell, ghz], shots=10, inputs=[{}, {}, {}])
    with pytest.raises(ValueError, match="theta"):
        sv1.run_batch([bell, Circuit().rx(0, FreeParameter("theta"))], shots=10)
    # max_connections is part of AwsDevice.run_batch's signature: accepted, the Hub client pools its own.
    assert sv1.run_batch([bell], shots=10, max_connections=4).size == 1
    with pytest.raises(TypeError, match="max_conections"):
        sv1.run_batch([bell], shots=10, max_conections=4)


def test_no_more_than_max_parallel_tasks_are_in_flight(
    admin_hub: LocalHub, admin_provider: HubBraketProvider, bell: Circuit
) -> None:
    device = admin_provider.get_device("aws.sim.sv1")
    admin_hub.admin.set_backend("aws.sim.sv1", queue_delay=0.15)  # every job lingers a while
    try:
        batch = device.run_batch([bell] * 6, shots=10, max_parallel=2)
        assert all(result is not None for result in batch.results())
    finally:
        admin_hub.admin.set_backend("aws.sim.sv1", queue_delay=0)
    client: HubQuantumClient = admin_provider.client
    spans = [(job.created_at, job.ended_at) for job in (client.jobs.get_job(t.id) for t in batch.tasks)]
    for created, _ in spans:
        in_flight = sum(1 for start, end in spans if start <= created < end)
        assert in_flight <= 2


def test_a_failed_task_is_retried(admin_hub: LocalHub, paused_sv1: HubBraketDevice, bell: Circuit) -> None:
    batch = paused_sv1.run_batch([bell] * 3, shots=10, max_parallel=3)
    doomed = batch.tasks[1]
    admin_hub.admin.force_job_status(doomed.id, "FAILED", message="a cosmic ray")
    assert eventually(lambda: doomed.state() == "FAILED")
    admin_hub.admin.set_backend("aws.sim.sv1", status="ONLINE")
    results = batch.results(max_retries=1)
    assert all(result is not None for result in results)
    assert batch.tasks[1].id != doomed.id
    assert batch.tasks[1].state() == "COMPLETED"
    assert batch.unsuccessful == set()


def test_without_retries_failures_stay_visible(
    admin_hub: LocalHub, paused_sv1: HubBraketDevice, bell: Circuit
) -> None:
    batch = paused_sv1.run_batch([bell] * 3, shots=10, max_parallel=3)
    with pytest.raises(RuntimeError, match="call results"):
        batch.retry_unsuccessful_tasks()
    doomed = batch.tasks[2]
    assert batch.unfinished == {task.id for task in batch.tasks}
    admin_hub.admin.force_job_status(doomed.id, "ABORTED")
    assert eventually(lambda: doomed.id not in batch.unfinished)
    assert batch.unsuccessful == {doomed.id}
    admin_hub.admin.set_backend("aws.sim.sv1", status="ONLINE")
    results = batch.results(max_retries=0)
    assert results[2] is None
    assert results[0] is not None
    with pytest.raises(RuntimeError, match=doomed.id):
        batch.results(fail_unsuccessful=True, max_retries=0)
    assert batch.retry_unsuccessful_tasks() is True
    assert all(result is not None for result in batch.results())
