"""Simulations run in worker processes: a simulator that dies takes its job down with a reason, never the
local Hub; a long simulation can be cancelled; stopping a Hub leaves no simulation behind."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator

import pytest

from qhub_providers.api import HubQuantumClient
from qhub_providers.emulator import LocalHub
from tests.waiting import wait_until

from .hub_support import connect, qasm2_ghz, slow_qasm3, wait_for_status


@pytest.fixture(scope="module")
def crash_hub() -> Iterator[LocalHub]:
    with LocalHub(admin=True) as local:
        yield local


@pytest.fixture
def crash_client(crash_hub: LocalHub) -> Iterator[HubQuantumClient]:
    with connect(crash_hub) as personal:
        yield personal


def running_worker(hub: LocalHub, job_id: str) -> int:
    pid: int = wait_until(
        lambda: hub.engine.pool.running_pid(job_id), timeout=60, what=f"a worker to take job {job_id}"
    )
    return pid


def test_a_worker_killed_mid_job_fails_that_job_and_the_hub_keeps_serving(
    crash_hub: LocalHub, crash_client: HubQuantumClient, caplog: pytest.LogCaptureFixture
) -> None:
    job = crash_client.jobs.create_job(backend_id="aws.sim.sv1", shots=10, input=slow_qasm3(22, 2000))
    assert job.id is not None
    pid = running_worker(crash_hub, job.id)
    with caplog.at_level(logging.ERROR, logger="qhub_providers.emulator"):
        os.kill(pid, signal.SIGKILL)
        assert wait_for_status(crash_client, job.id) == "FAILED"
    error = crash_client.jobs.get_job_result(job.id)["error"]
    assert error["code"] == "SIMULATOR_CRASHED"
    assert "SIGKILL" in error["message"]
    assert any(str(pid) in r.getMessage() and "SIGKILL" in r.getMessage() for r in caplog.records)

    # The Hub still serves, and a fresh worker simulates the next job.
    after = crash_client.jobs.create_job(backend_id="kipu.sim.qsim", shots=50, input=qasm2_ghz(3))
    assert after.id is not None
    assert wait_for_status(crash_client, after.id, timeout=90) == "COMPLETED"
    result = crash_client.jobs.get_job_result(after.id)
    assert set(result["counts"]) <= {"000", "111"}
    assert pid not in crash_hub.engine.pool.worker_pids()


def test_cancelling_a_long_simulation_ends_it(crash_hub: LocalHub, crash_client: HubQuantumClient) -> None:
    job = crash_client.jobs.create_job(backend_id="aws.sim.sv1", shots=10, input=slow_qasm3(22, 4000))
    assert job.id is not None
    pid = running_worker(crash_hub, job.id)
    crash_client.jobs.cancel_job(job.id)
    assert wait_for_status(crash_client, job.id, timeout=20) == "CANCELLED"
    wait_until(lambda: pid not in crash_hub.engine.pool.worker_pids(), what="the cancelled worker to end")


def test_a_process_that_ran_a_local_hub_leaves_no_worker_behind(tmp_path: os.PathLike[str]) -> None:
    script = textwrap.dedent(
        """
        from qhub_providers.emulator import LocalHub
        from tests.emulator.hub_support import qasm2_ghz, wait_for_status, connect
        with LocalHub() as hub, connect(hub) as client:
            job = client.jobs.create_job(backend_id="kipu.sim.qsim", shots=10, input=qasm2_ghz(2))
            assert wait_for_status(client, job.id, timeout=90) == "COMPLETED"
            print(*hub.engine.pool.worker_pids())
        """
    )
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=120, check=True
    )
    pids = [int(word) for word in done.stdout.split()]
    assert pids  # it did run a worker
    wait_until(lambda: not any(_alive(pid) for pid in pids), timeout=10, what=f"workers {pids} to end")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers; it is gone once nobody waits for it, which the test cannot see: read its state.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_jobs_queued_behind_a_crash_on_one_worker_all_run_once_in_order() -> None:
    """One worker, a long job killed mid-run and small jobs queued behind it: the long one fails with the
    reason, each small one completes exactly once, first come first served (a worker is handed its next
    job while the previous outcome is recorded; a death must not lose or repeat any of them)."""
    import queue

    from qhub_providers.emulator.workers import Outcome, SimulationPool, Ticket

    outcomes: queue.Queue[tuple[str, Outcome]] = queue.Queue()

    def ticket(job_id: str, backend_id: str, program: str) -> Ticket:
        payload = {
            "backend_id": backend_id,
            "input": program,
            "input_params": {},
            "shots": 10,
            "seed": 7,
            "noise": None,
            "catalog": None,
        }
        return Ticket(job_id=job_id, payload=lambda: payload, on_done=lambda o: outcomes.put((job_id, o)))

    pool = SimulationPool(1)
    try:
        pool.submit(ticket("long", "aws.sim.sv1", slow_qasm3(22, 2000)))
        small = [f"small-{k}" for k in range(6)]
        for job_id in small:
            pool.submit(ticket(job_id, "kipu.sim.qsim", qasm2_ghz(2)))
        pid = wait_until(lambda: pool.running_pid("long"), timeout=60, what="the worker to take the long job")
        os.kill(pid, signal.SIGKILL)
        seen = [outcomes.get(timeout=90) for _ in range(1 + len(small))]
    finally:
        pool.close()
    assert outcomes.empty()
    assert [job_id for job_id, _ in seen] == ["long", *small]
    assert seen[0][1]["status"] == "FAILED"
    assert seen[0][1]["error"]["error"]["code"] == "SIMULATOR_CRASHED"
    for job_id, outcome in seen[1:]:
        assert outcome["status"] == "COMPLETED", (job_id, outcome)
        assert outcome["views"]["normalized"]
