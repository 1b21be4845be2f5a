"""Session and Batch from the Braket face: tasks and task batches carry the session id."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from braket.circuits import Circuit

from qhub_providers.braket import HubBraketDevice, HubBraketProvider
from qhub_providers.emulator import LocalHub
from qhub_providers.sessions import Batch, Session, SessionError


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    with LocalHub() as local_hub:
        yield local_hub


@pytest.fixture(scope="module")
def sv1(hub: LocalHub) -> HubBraketDevice:
    return HubBraketProvider(client=hub.client()).get_device("aws.sim.sv1")


def test_tasks_and_batches_carry_the_session_id(hub: LocalHub, sv1: HubBraketDevice) -> None:
    bell = Circuit().h(0).cnot(0, 1)
    with Batch(sv1) as batch:
        task = sv1.run(bell, shots=10)
        tasks = sv1.run_batch([bell, bell, bell], shots=10, max_parallel=2)
    outside = sv1.run(bell, shots=10)
    client = hub.client()
    assert client.jobs.get_job(task.id).session_id == batch.session_id
    assert {client.jobs.get_job(t.id).session_id for t in tasks.tasks} == {batch.session_id}
    assert client.jobs.get_job(outside.id).session_id is None
    assert client.jobs.get_job(task.id).sdk_provider == "BRAKET"
    assert batch.details().sdk_provider == "BRAKET"


def test_device_of_another_backend_cannot_join(hub: LocalHub, sv1: HubBraketDevice) -> None:
    dm1 = HubBraketProvider(client=hub.client()).get_device("aws.sim.dm1")
    with Session(sv1), pytest.raises(SessionError, match=r"runs on aws\.sim\.sv1"):
        dm1.run(Circuit().h(0), shots=10)
