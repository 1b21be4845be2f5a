"""Session and Batch against the local Hub, from the Qiskit face."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest
from qiskit import QuantumCircuit

from qhub_providers.api import UnprocessableEntityError
from qhub_providers.emulator import LocalHub
from qhub_providers.qiskit import HubBackend, HubQiskitProvider
from qhub_providers.sessions import Batch, Session, SessionError, active_session, parse_max_time


@pytest.fixture(scope="module")
def hub() -> Iterator[LocalHub]:
    with LocalHub() as local_hub:
        yield local_hub


@pytest.fixture(scope="module")
def provider(hub: LocalHub) -> HubQiskitProvider:
    return HubQiskitProvider(client=hub.client())


@pytest.fixture(scope="module")
def sv1(provider: HubQiskitProvider) -> HubBackend:
    return provider.get_backend("aws.sim.sv1")


def bell() -> QuantumCircuit:
    circuit = QuantumCircuit(2, 2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure([0, 1], [0, 1])
    return circuit


def wait_status(session: Session, wanted: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    status = session.status()
    while status != wanted and time.monotonic() < deadline:
        time.sleep(0.05)
        status = session.status()
    return status


def test_jobs_in_a_batch_carry_its_id_and_leaving_drains_then_closes(sv1: HubBackend) -> None:
    with Batch(sv1, max_time="10m") as batch:
        assert active_session() is batch
        jobs = [sv1.run(bell(), shots=20) for _ in range(3)]
        assert batch.status() in {"OPEN", "ACTIVE"}
        assert batch.details().mode == "batch"
    assert active_session() is None
    assert {job.session_id for job in jobs} == {batch.session_id}
    assert all(sum(job.result().get_counts().values()) == 20 for job in jobs)
    assert wait_status(batch, "CLOSED") == "CLOSED"  # drained: every job ended
    assert sorted(j.id for j in batch.jobs()) == sorted(job.job_id() for job in jobs)
    assert batch.usage() > 0


def test_session_is_dedicated_and_jobs_outside_carry_no_id(sv1: HubBackend) -> None:
    with Session(sv1, max_time=600) as session:
        inside = sv1.run(bell(), shots=10)
    outside = sv1.run(bell(), shots=10)
    assert session.details().mode == "dedicated"
    assert inside.session_id == session.session_id
    assert outside.session_id is None


def test_a_drained_session_refuses_new_jobs(sv1: HubBackend) -> None:
    with Session(sv1) as session:
        session.close()
        assert session.status() in {"DRAINING", "CLOSED"}
        with pytest.raises(UnprocessableEntityError, match="accepts no new jobs"):
            sv1.run(bell(), shots=10)


def test_cancel_closes_at_once(sv1: HubBackend) -> None:
    session = Session(sv1).open()
    session.cancel()
    assert session.status() == "CLOSED"
    session.close()  # closing a closed session is harmless


def test_session_expires_after_max_time(sv1: HubBackend) -> None:
    session = Session(sv1, max_time=1).open()
    assert wait_status(session, "CLOSED", timeout=15) == "CLOSED"


def test_backend_without_sessions_fails_when_the_block_is_entered(provider: HubQiskitProvider) -> None:
    ionq = provider.get_backend("azure.ionq.simulator")
    with pytest.raises(SessionError, match="does not support sessions"), Session(ionq):
        pytest.fail("the block must not run")


def test_job_for_another_backend_inside_a_block_is_refused(
    provider: HubQiskitProvider, sv1: HubBackend
) -> None:
    kipu = provider.get_backend("kipu.sim.qsim")
    with Batch(sv1), pytest.raises(SessionError, match=r"aws\.sim\.sv1"):
        kipu.run(bell(), shots=10)


def test_nested_blocks_restore_the_outer_session(sv1: HubBackend) -> None:
    with Batch(sv1) as outer:
        with Session(sv1) as inner:
            assert sv1.run(bell(), shots=5).session_id == inner.session_id
        assert sv1.run(bell(), shots=5).session_id == outer.session_id


def test_threads_never_swap_session_ids(sv1: HubBackend) -> None:
    seen: dict[int, tuple[str | None, set[str | None]]] = {}

    def worker(index: int) -> None:
        with Batch(sv1) as batch:
            ids = {sv1.run(bell(), shots=5).session_id for _ in range(3)}
            seen[index] = (batch.session_id, ids)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(seen) == 4
    assert all(ids == {own} for own, ids in seen.values())
    assert len({own for own, _ in seen.values()}) == 4


def test_asyncio_tasks_never_swap_session_ids(sv1: HubBackend) -> None:
    async def task() -> tuple[str | None, set[str | None]]:
        with Batch(sv1) as batch:
            ids = set()
            for _ in range(3):
                ids.add(sv1.run(bell(), shots=5).session_id)
                await asyncio.sleep(0)  # let the other tasks interleave
            return batch.session_id, ids

    async def main() -> list[tuple[str | None, set[str | None]]]:
        return list(await asyncio.gather(*(task() for _ in range(4))))

    results = asyncio.run(main())
    assert all(ids == {own} for own, ids in results)
    assert len({own for own, _ in results}) == 4


def test_from_id_reattaches(sv1: HubBackend, provider: HubQiskitProvider) -> None:
    with Batch(sv1) as batch:
        assert batch.session_id is not None
        again = Batch.from_id(batch.session_id, sv1)
        assert again.session_id == batch.session_id
        assert again.status() in {"OPEN", "ACTIVE"}
    with pytest.raises(SessionError, match=r"runs on aws\.sim\.sv1"):
        Batch.from_id(str(batch.session_id), provider.get_backend("aws.sim.dm1"))


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(600, 600), ("2h", 7200), ("1h 30m", 5400), ("90s", 90), ("1d", 86400), (None, None)],
)
def test_max_time_parsing(value: int | str | None, seconds: int | None) -> None:
    assert parse_max_time(value) == seconds


@pytest.mark.parametrize("value", ["soon", "-5m", 0, True, "1x"])
def test_bad_max_time_is_refused(value: object) -> None:
    with pytest.raises(ValueError):
        parse_max_time(value)  # type: ignore[arg-type]


def test_sessions_need_a_hub_backend() -> None:
    with pytest.raises(TypeError, match="HubBackend"):
        Session(object())
