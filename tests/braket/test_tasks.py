"""Quantum tasks: Braket's seven states for every Hub status, failure reasons, cancel, reconnecting, async."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from braket.circuits import Circuit

from qhub_providers.api.credentials import CONFIG_PATH_VARIABLES, ORGANIZATION_VARIABLES, TOKEN_VARIABLES
from qhub_providers.api.models import JobStatus
from qhub_providers.braket import HubBraketDevice, HubBraketProvider, HubQuantumTask
from qhub_providers.braket.states import BRAKET_TASK_STATES, braket_state
from qhub_providers.emulator import LocalHub

from .support import eventually

EXPECTED_STATES = {
    "UNKNOWN": "CREATED",
    "PENDING": "QUEUED",
    "RUNNING": "RUNNING",
    "CANCELLING": "CANCELLING",
    "COMPLETED": "COMPLETED",
    "FAILED": "FAILED",
    "CANCELLED": "CANCELLED",
    "ABORTED": "FAILED",
    "DETACHED": "FAILED",
}


def test_every_hub_status_has_a_braket_state() -> None:
    assert {status.value for status in JobStatus} == set(EXPECTED_STATES)
    for status, state in EXPECTED_STATES.items():
        assert braket_state(status) == state
        assert state in BRAKET_TASK_STATES
    assert braket_state("SOMETHING_NEW") == "CREATED"  # a newer Hub must not crash older clients


@pytest.mark.parametrize(
    ("forced", "state", "reason"),
    [
        ("ABORTED", "FAILED", "aborted the job"),
        ("DETACHED", "FAILED", "outlived the credential"),
        ("FAILED", "FAILED", "the calibration drifted"),
        ("CANCELLED", "CANCELLED", None),
    ],
)
def test_forced_final_statuses_read_as_braket_states(
    admin_hub: LocalHub,
    paused_sv1: HubBraketDevice,
    bell: Circuit,
    caplog: pytest.LogCaptureFixture,
    forced: str,
    state: str,
    reason: str | None,
) -> None:
    task = paused_sv1.run(bell, shots=10)
    assert task.state() == "QUEUED"
    admin_hub.admin.force_job_status(task.id, forced, message="the calibration drifted")
    assert eventually(lambda: task.state() == state)
    metadata = task.metadata()
    assert metadata["status"] == state
    assert metadata["hubStatus"] == forced
    with caplog.at_level(logging.WARNING, logger="qhub_providers.braket"):
        assert task.result() is None  # like AwsQuantumTask: no result, no exception
    assert f"terminal state {state}" in caplog.text
    if reason is None:
        assert "failureReason" not in metadata
    else:
        assert reason in metadata["failureReason"]
        assert reason in caplog.text


@pytest.mark.parametrize(("forced", "state"), [("UNKNOWN", "CREATED"), ("RUNNING", "RUNNING")])
def test_held_statuses_read_as_braket_states(
    admin_hub: LocalHub, paused_sv1: HubBraketDevice, bell: Circuit, forced: str, state: str
) -> None:
    task = paused_sv1.run(bell, shots=10)
    admin_hub.admin.force_job_status(task.id, forced, hold=5.0)
    assert eventually(lambda: task.state() == state)
    assert task.state(use_cached_value=True) == state
    task.cancel()


def test_cancel_goes_through_cancelling_to_cancelled(paused_sv1: HubBraketDevice, bell: Circuit) -> None:
    task = paused_sv1.run(bell, shots=10)
    task.cancel()
    assert task.state(use_cached_value=True) == "CANCELLING"
    assert eventually(lambda: task.state() == "CANCELLED")
    assert task.result() is None
    task.cancel()  # cancelling a finished task changes nothing and raises nothing
    assert task.state() == "CANCELLED"


def test_result_gives_up_after_the_poll_timeout(
    paused_sv1: HubBraketDevice, bell: Circuit, caplog: pytest.LogCaptureFixture
) -> None:
    task = paused_sv1.run(bell, shots=10, poll_timeout_seconds=0.3, poll_interval_seconds=0.05)
    with caplog.at_level(logging.WARNING, logger="qhub_providers.braket"):
        assert task.result() is None
    assert "timed out" in caplog.text
    assert task.state() == "QUEUED"
    task.cancel()


def test_result_and_metadata_of_a_completed_task(sv1: HubBraketDevice, bell: Circuit) -> None:
    task = sv1.run(bell, shots=30, name="meta")
    result = task.result()
    assert task.result() is result  # cached
    metadata = task.metadata()
    assert metadata["quantumTaskArn"] == task.id
    assert (metadata["status"], metadata["hubStatus"]) == ("COMPLETED", "COMPLETED")
    assert (metadata["deviceArn"], metadata["shots"], metadata["name"]) == (sv1.arn, 30, "meta")
    assert metadata["hubBackendId"] == "aws.sim.sv1"
    assert metadata["endedAt"] >= metadata["createdAt"]
    assert "failureReason" not in metadata


def test_a_task_reconnects_by_id_with_explicit_credentials(
    hub: LocalHub, sv1: HubBraketDevice, bell: Circuit
) -> None:
    original = sv1.run(bell, shots=50)
    counts = original.result().measurement_counts
    again = HubQuantumTask(original.id, base_url=hub.base_url, access_token=hub.token)
    assert again == original
    assert again.state() == "COMPLETED"
    assert again.result().measurement_counts == counts


def _environment_for(hub: LocalHub, home: Path) -> dict[str, str]:
    """The environment of a fresh process that finds the local Hub only through the standard variables."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {*TOKEN_VARIABLES, *ORGANIZATION_VARIABLES, *CONFIG_PATH_VARIABLES}
    }
    env.update(KQH_PERSONAL_ACCESS_TOKEN=hub.token, QHUB_QUANTUM_BASE_URL=hub.base_url, HOME=str(home))
    return env


RECONNECT = """
import json, sys
from qhub_providers.braket import HubQuantumTask
task = HubQuantumTask(sys.argv[1])
result = task.result()
print(json.dumps({"state": task.state(), "counts": dict(result.measurement_counts),
                  "qiskit": any(name.split(".")[0] == "qiskit" for name in sys.modules)}))
"""


def test_a_task_reconnects_in_a_fresh_process_from_the_environment(
    hub: LocalHub, sv1: HubBraketDevice, bell: Circuit, tmp_path: Path
) -> None:
    original = sv1.run(bell, shots=50)
    counts = dict(original.result().measurement_counts)
    answer = subprocess.run(
        [sys.executable, "-c", RECONNECT, original.id],
        env=_environment_for(hub, tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    seen = json.loads(answer.stdout.strip().splitlines()[-1])
    assert seen == {"state": "COMPLETED", "counts": counts, "qiskit": False}


def test_importing_the_braket_face_does_not_import_qiskit() -> None:
    probe = (
        "import sys, qhub_providers.braket; print(sorted(m for m in sys.modules if m.startswith('qiskit')))"
    )
    answer = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert answer.stdout.strip() == "[]"


def test_async_result_does_not_block_the_event_loop(
    admin_hub: LocalHub, admin_provider: HubBraketProvider, bell: Circuit
) -> None:
    device = admin_provider.get_device("aws.sim.sv1")
    admin_hub.admin.set_backend("aws.sim.sv1", queue_delay=0.6)  # the job waits 0.6 s in the queue
    try:
        task = device.run(bell, shots=20)

        async def main() -> tuple[object, int]:
            ticks = 0

            async def heartbeat() -> None:
                nonlocal ticks
                while True:
                    ticks += 1
                    await asyncio.sleep(0.01)

            beating = asyncio.create_task(heartbeat())
            waiting = task.async_result()
            assert isinstance(waiting, asyncio.Task)
            assert task.async_result() is waiting
            result = await waiting
            beating.cancel()
            return result, ticks

        result, ticks = asyncio.run(main())
    finally:
        admin_hub.admin.set_backend("aws.sim.sv1", queue_delay=0)
    assert result is not None
    assert sum(result.measurement_counts.values()) == 20
    # About 60 beats fit in the queue time; a loop blocked by polling would manage a handful at most.
    assert ticks > 25


def test_async_result_without_a_running_loop(sv1: HubBraketDevice, bell: Circuit) -> None:
    task = sv1.run(bell, shots=20)
    waiting = task.async_result()
    loop = waiting.get_loop()
    try:
        result = loop.run_until_complete(waiting)
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    assert sum(result.measurement_counts.values()) == 20


def test_async_result_of_a_failed_task_is_none(
    admin_hub: LocalHub, paused_sv1: HubBraketDevice, bell: Circuit
) -> None:
    task = paused_sv1.run(bell, shots=10)
    admin_hub.admin.force_job_status(task.id, "ABORTED")

    async def main() -> object:
        return await task.async_result()

    assert asyncio.run(main()) is None
    assert "aborted" in task.metadata(use_cached_value=True)["failureReason"]
