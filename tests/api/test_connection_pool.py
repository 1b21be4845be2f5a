"""How many connections a client opens: at most ``max_connections``, kept open between calls."""

from __future__ import annotations

import asyncio
import threading

import pytest

from qhub_providers.api import AsyncHubQuantumClient, HubQuantumClient
from tests.api.conftest import TOKEN, Answer, ScriptedHub

RUNNING = Answer(200, {"status": "RUNNING"}, delay=0.05)


async def _statuses(hub: ScriptedHub, calls: int, rounds: int, **kwargs: int) -> None:
    async with AsyncHubQuantumClient(api_key=TOKEN, base_url=hub.base_url, max_retries=0, **kwargs) as client:
        for _ in range(rounds):
            answers = await asyncio.gather(*(client.jobs.get_job_status(f"job-{i}") for i in range(calls)))
            assert [str(a.status) for a in answers] == ["RUNNING"] * calls


def test_many_async_calls_share_ten_connections(hub: ScriptedHub) -> None:
    # httpx alone would open one connection per call in flight (30 here) and, keeping only 20 of them,
    # reopen some after every round.
    hub.default = RUNNING
    asyncio.run(_statuses(hub, calls=30, rounds=3))
    assert len(hub.requests) == 90
    assert len({r.peer for r in hub.requests}) == 10


def test_max_connections_bounds_the_calls_in_flight(hub: ScriptedHub) -> None:
    hub.default = RUNNING
    asyncio.run(_statuses(hub, calls=12, rounds=2, max_connections=3))
    assert len({r.peer for r in hub.requests}) == 3


def test_threads_share_the_sync_pool(hub: ScriptedHub) -> None:
    hub.default = RUNNING
    with HubQuantumClient(api_key=TOKEN, base_url=hub.base_url, max_retries=0, max_connections=4) as client:
        threads = [
            threading.Thread(target=lambda: [client.jobs.get_job_status("job") for _ in range(3)])
            for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert len(hub.requests) == 24
    assert len({r.peer for r in hub.requests}) <= 4


@pytest.mark.parametrize("bad", [0, -1, True, 2.5, "4"])
def test_max_connections_must_be_a_positive_integer(bad: object) -> None:
    with pytest.raises(ValueError, match="max_connections"):
        HubQuantumClient(api_key=TOKEN, base_url="http://127.0.0.1:9/quantum", max_connections=bad)  # type: ignore[arg-type]
