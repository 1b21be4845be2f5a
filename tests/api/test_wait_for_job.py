"""``client.jobs.wait_for_job``: polls with backoff until the job is final, on both clients, against a
local Hub over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator

import pytest

from qhub_providers._polling import WaitTimeout
from qhub_providers.emulator import LocalHub

BELL = (
    'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncreg c[2];\nh q[0];\ncx q[0],q[1];\nmeasure q -> c;\n'
)
BACKEND = "kipu.sim.qsim"


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    with LocalHub(admin=True) as local:
        yield local


@contextlib.contextmanager
def queued(hub: LocalHub) -> Iterator[None]:
    """Jobs submitted meanwhile stay queued (so a forced status is never raced by the job's end)."""
    hub.admin.set_backend(BACKEND, queue_delay=60)
    try:
        yield
    finally:
        hub.admin.set_backend(BACKEND, queue_delay=0)


def test_the_sync_client_waits_until_the_job_is_final(hub: LocalHub) -> None:
    with hub.client() as client:
        job = client.jobs.create_job(backend_id=BACKEND, shots=50, input=BELL)
        final = client.jobs.wait_for_job(str(job.id), timeout=60)
        assert str(final.status) == "COMPLETED"
        counts = client.jobs.get_normalized_job_result(str(job.id))
        assert counts is not None


def test_the_async_client_waits_for_many_jobs_at_once(hub: LocalHub) -> None:
    async def run() -> list[str]:
        async with hub.async_client() as client:
            jobs = await asyncio.gather(
                *(client.jobs.create_job(backend_id=BACKEND, shots=20, input=BELL) for _ in range(12))
            )
            finals = await asyncio.gather(*(client.jobs.wait_for_job(str(j.id), timeout=60) for j in jobs))
            return [str(f.status) for f in finals]

    assert asyncio.run(run()) == ["COMPLETED"] * 12


def test_a_failed_job_is_final_not_an_error(hub: LocalHub) -> None:
    with hub.client() as client, queued(hub):
        job = client.jobs.create_job(backend_id=BACKEND, shots=10, input=BELL)
        hub.admin.force_job_status(str(job.id), "FAILED", message="the device broke", hold=0)
        assert str(client.jobs.wait_for_job(str(job.id), timeout=60).status) == "FAILED"


def test_the_timeout_names_the_job_and_its_last_status(hub: LocalHub) -> None:
    with hub.client() as client, queued(hub):
        job = client.jobs.create_job(backend_id=BACKEND, shots=10, input=BELL)
        hub.admin.force_job_status(str(job.id), "RUNNING", hold=30)
        deadline = time.monotonic() + 30
        while str(client.jobs.get_job_status(str(job.id)).status) != "RUNNING":  # the force is applied
            assert time.monotonic() < deadline
            time.sleep(0.01)
        with pytest.raises(TimeoutError) as caught:
            client.jobs.wait_for_job(str(job.id), timeout=0.4)
    assert isinstance(caught.value, WaitTimeout)
    assert caught.value.job_id == str(job.id)
    assert caught.value.status == "RUNNING"


def test_the_async_timeout_leaves_the_loop_free(hub: LocalHub) -> None:
    async def run() -> int:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        async with hub.async_client() as client:
            with queued(hub):
                job = await client.jobs.create_job(backend_id=BACKEND, shots=10, input=BELL)
                beat = asyncio.create_task(ticker())
                with pytest.raises(WaitTimeout):
                    await client.jobs.wait_for_job(str(job.id), timeout=0.5)
                beat.cancel()
        return ticks

    assert asyncio.run(run()) >= 10  # a blocking wait would have let the ticker run at most once
