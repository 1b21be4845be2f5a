"""The REST client against a local Hub: what the client adds over bare httpx, and how fast jobs flow.

(a) request overhead: ``client.jobs.get_job_status(id)`` against the same GET, with the same headers, made
    with a bare ``httpx.Client`` (and its ``.json()``). Calls alternate one by one between the two.
(b) time to result: submit a Bell job (OpenQASM 2, ``kipu.sim.qsim``), poll its status until COMPLETED, fetch
    the normalized result; against the same three kinds of request made with bare httpx. Runs alternate.
(c) throughput: many small jobs submitted and collected by a sync loop (the baseline), and by the async
    client with at most 16 jobs in flight (``asyncio.Semaphore(16)``).

The local Hub runs in this process (``LocalHub()``, as in tests and notebooks), so server and client share
one interpreter; the server's cost is in both sides of every ratio. One Hub serves all three parts: a
second ``LocalHub`` started in the same process after the first one stopped has been seen to crash the
interpreter (SIGSEGV in Qiskit's allocator while a new thread parses a circuit).

Run alone: ``.venv/bin/python -m benchmarks.bench_client [--quick]``.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from benchmarks.common import (
    BELL_QASM2,
    CLIENT_TOKEN_TAG,
    KIPU_BACKEND,
    SHOTS,
    TERMINAL,
    BenchResult,
    Summary,
    interleave,
    ms,
    parse_quick,
    ratio,
    report,
    times,
    us,
    verdict,
)
from qhub_providers.api import AsyncHubQuantumClient, HubQuantumClient
from qhub_providers.emulator import LocalHub

# Both sides of (b) poll at the same pace, so the ratio compares the requests, not the waiting.
POLL_INTERVAL = 0.002
# (c) polls less eagerly: 16 pollers at 2 ms would mostly measure the polling.
THROUGHPUT_POLL_INTERVAL = 0.01
JOB_TIMEOUT = 60.0
CONCURRENCY = 16
OVERHEAD_TARGET = 1.3
TIME_TO_RESULT_TARGET = 2.0


@dataclass(frozen=True)
class Counts:
    """How many of each measurement to take."""

    status_calls: int
    time_to_result_runs: int
    throughput_jobs: int


FULL = Counts(status_calls=500, time_to_result_runs=30, throughput_jobs=300)
QUICK = Counts(status_calls=150, time_to_result_runs=10, throughput_jobs=60)


# ------------------------------------------------------------------------------------ the bare baseline


def client_headers(hub: LocalHub) -> dict[str, str]:
    """The headers ``HubQuantumClient`` sends, captured from one of its requests, so the bare-httpx
    baseline sends exactly the same ones."""
    seen: list[httpx.Request] = []
    with httpx.Client(event_hooks={"request": [seen.append]}) as raw, hub.client(httpx_client=raw) as client:
        client.backends.get_backends()
    per_request = {"host", "content-length", "content-type"}
    return {name: value for name, value in seen[-1].headers.items() if name.lower() not in per_request}


class BareHub:
    """The Hub's REST API spoken with nothing but httpx: the baseline of (a) and (b)."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        self.base_url = base_url
        self.http = httpx.Client(headers=headers)

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def status(self, job_id: str) -> str:
        """``GET jobs/{id}/status``."""
        answer = self.http.get(f"{self.base_url}/jobs/{job_id}/status")
        answer.raise_for_status()
        return str(answer.json()["status"])

    def submit(self) -> str:
        """``POST jobs`` with the body the client sends (including its client-token tag)."""
        body = {
            "backend_id": KIPU_BACKEND,
            "shots": SHOTS,
            "input": BELL_QASM2,
            "tags": [CLIENT_TOKEN_TAG + uuid.uuid4().hex],
        }
        answer = self.http.post(f"{self.base_url}/jobs", json=body)
        answer.raise_for_status()
        return str(answer.json()["id"])

    def result(self, job_id: str) -> Any:
        """``GET jobs/{id}/result/normalized``."""
        answer = self.http.get(f"{self.base_url}/jobs/{job_id}/result/normalized")
        answer.raise_for_status()
        return answer.json()


# ------------------------------------------------------------------------------------- job round trips


def _poll(status: Any, job_id: str, interval: float) -> str:
    deadline = time.monotonic() + JOB_TIMEOUT
    while True:
        current = str(status(job_id))
        if current in TERMINAL:
            return current
        if time.monotonic() > deadline:
            raise TimeoutError(f"job {job_id} still {current} after {JOB_TIMEOUT} s")
        time.sleep(interval)


def _completed(status: str, job_id: str) -> None:
    if status != "COMPLETED":
        raise RuntimeError(f"job {job_id} ended {status}; the benchmark needs COMPLETED jobs")


def round_trip_client(client: HubQuantumClient) -> None:
    """Submit, poll until COMPLETED, fetch the normalized result, with the client."""
    job_id = str(client.jobs.create_job(backend_id=KIPU_BACKEND, shots=SHOTS, input=BELL_QASM2).id)
    _completed(_poll(lambda i: client.jobs.get_job_status(i).status, job_id, POLL_INTERVAL), job_id)
    result = client.jobs.get_normalized_job_result(job_id)
    if result is None or not result.pubs:
        raise RuntimeError(f"job {job_id} has an empty result")


def round_trip_bare(bare: BareHub) -> None:
    """The same requests with bare httpx."""
    job_id = bare.submit()
    _completed(_poll(bare.status, job_id, POLL_INTERVAL), job_id)
    if not bare.result(job_id)["pubs"]:
        raise RuntimeError(f"job {job_id} has an empty result")


# ----------------------------------------------------------------------------------------- (a) and (b)


def measure_overhead(hub: LocalHub, counts: Counts) -> tuple[dict[str, Summary], dict[str, Summary]]:
    """(a) per-call latency of the status GET and (b) time to result, each client vs bare httpx."""
    with hub.client() as client:
        bare = BareHub(hub.base_url, client_headers(hub))
        try:
            # The first simulation of a process loads the simulator; keep that out of the figures.
            round_trip_client(client)
            job_id = str(client.jobs.create_job(backend_id=KIPU_BACKEND, shots=SHOTS, input=BELL_QASM2).id)
            _poll(lambda i: client.jobs.get_job_status(i).status, job_id, POLL_INTERVAL)
            status = interleave(
                {
                    "client": lambda: client.jobs.get_job_status(job_id),
                    "bare": lambda: bare.status(job_id),
                },
                counts.status_calls,
                warmup=20,
            )
            to_result = interleave(
                {"client": lambda: round_trip_client(client), "bare": lambda: round_trip_bare(bare)},
                counts.time_to_result_runs,
                warmup=2,
            )
        finally:
            bare.close()
    return (
        {name: Summary.of(samples) for name, samples in status.items()},
        {name: Summary.of(samples) for name, samples in to_result.items()},
    )


# --------------------------------------------------------------------------------------------- (c)


def throughput_sync(hub: LocalHub, n: int) -> tuple[float, int]:
    """Seconds for a sync loop to submit ``n`` jobs, then collect each one's result; and how many
    completed."""
    with hub.client() as client:
        started = time.perf_counter()
        ids = [
            str(client.jobs.create_job(backend_id=KIPU_BACKEND, shots=SHOTS, input=BELL_QASM2).id)
            for _ in range(n)
        ]
        completed = 0
        for job_id in ids:
            status = _poll(lambda i: client.jobs.get_job_status(i).status, job_id, THROUGHPUT_POLL_INTERVAL)
            client.jobs.get_normalized_job_result(job_id)
            completed += status == "COMPLETED"
        return time.perf_counter() - started, completed


async def _one_async(client: AsyncHubQuantumClient, limit: asyncio.Semaphore) -> bool:
    async with limit:
        job = await client.jobs.create_job(backend_id=KIPU_BACKEND, shots=SHOTS, input=BELL_QASM2)
        job_id = str(job.id)
        deadline = time.monotonic() + JOB_TIMEOUT
        while (status := str((await client.jobs.get_job_status(job_id)).status)) not in TERMINAL:
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} still {status} after {JOB_TIMEOUT} s")
            await asyncio.sleep(THROUGHPUT_POLL_INTERVAL)
        await client.jobs.get_normalized_job_result(job_id)
        return status == "COMPLETED"


async def _throughput_async(hub: LocalHub, n: int) -> tuple[float, int]:
    async with hub.async_client() as client:
        limit = asyncio.Semaphore(CONCURRENCY)
        started = time.perf_counter()
        outcomes = await asyncio.gather(*(_one_async(client, limit) for _ in range(n)))
        return time.perf_counter() - started, sum(outcomes)


def throughput_async(hub: LocalHub, n: int) -> tuple[float, int]:
    """Seconds for the async client to run ``n`` jobs, 16 at a time at most; and how many completed."""
    return asyncio.run(_throughput_async(hub, n))


def measure_throughput(hub: LocalHub, n: int) -> dict[str, list[tuple[float, int]]]:
    """Each way twice, in the order sync, async, async, sync: jobs pile up in the Hub's store as the runs go
    on, and this order gives both ways the same average pile."""
    runs: dict[str, list[tuple[float, int]]] = {"sync": [], "async": []}
    for way in ("sync", "async", "async", "sync"):
        runs[way].append(throughput_sync(hub, n) if way == "sync" else throughput_async(hub, n))
    return runs


# ---------------------------------------------------------------------------------------------- report


def run(quick: bool = False) -> list[BenchResult]:
    """Run (a), (b) and (c) and return the result table."""
    counts = QUICK if quick else FULL
    # One local Hub for everything: see the module docstring.
    with LocalHub() as hub:
        status, to_result = measure_overhead(hub, counts)
        throughput = measure_throughput(hub, counts.throughput_jobs)
    sync_seconds = sum(seconds for seconds, _ in throughput["sync"])
    async_seconds = sum(seconds for seconds, _ in throughput["async"])
    sync_done = sum(done for _, done in throughput["sync"])
    async_done = sum(done for _, done in throughput["async"])

    overhead = ratio(status["client"].median, status["bare"].median)
    ttr = ratio(to_result["client"].median, to_result["bare"].median)
    n = counts.throughput_jobs
    sync_rate, async_rate = 2 * n / sync_seconds, 2 * n / async_seconds

    result = BenchResult(
        name="client",
        title="REST client against an in-process local Hub (baseline: the same requests with bare httpx)",
        columns=["measure", "qhub-providers", "baseline", "ratio", "target"],
        chart_label="x baseline (time for a and b, jobs/s for c)",
    )
    result.rows = [
        [
            f"(a) `get_job_status`, median per call (n={counts.status_calls})",
            us(status["client"].median),
            f"bare httpx: {us(status['bare'].median)}",
            times(overhead),
            f"≤ {OVERHEAD_TARGET}x — {verdict(overhead, OVERHEAD_TARGET)}",
        ],
        [
            f"(b) time to result, median (n={counts.time_to_result_runs})",
            ms(to_result["client"].median),
            f"bare httpx: {ms(to_result['bare'].median)}",
            times(ttr),
            f"≤ {TIME_TO_RESULT_TARGET}x — {verdict(ttr, TIME_TO_RESULT_TARGET)}",
        ],
        [
            f"(c) throughput, async client, Semaphore({CONCURRENCY}), {n} jobs",
            f"{async_rate:.0f} jobs/s",
            f"sync loop: {sync_rate:.0f} jobs/s",
            times(ratio(async_rate, sync_rate)),
            "—",
        ],
    ]
    result.chart = {
        "(a) status GET time": overhead,
        "(b) time to result": ttr,
        "(c) async jobs/s vs sync": ratio(async_rate, sync_rate),
    }
    result.figures = {
        "counts": counts.__dict__,
        "status_call_s": {name: summary.__dict__ for name, summary in status.items()},
        "time_to_result_s": {name: summary.__dict__ for name, summary in to_result.items()},
        "overhead_ratio_median": overhead,
        "overhead_ratio_mean": ratio(status["client"].mean, status["bare"].mean),
        "time_to_result_ratio_median": ttr,
        "throughput": {
            "jobs_per_run": n,
            "runs_per_way": 2,
            "sync_runs_s": [seconds for seconds, _ in throughput["sync"]],
            "async_runs_s": [seconds for seconds, _ in throughput["async"]],
            "sync_s": sync_seconds,
            "sync_completed": sync_done,
            "sync_jobs_per_s": sync_rate,
            "async_s": async_seconds,
            "async_completed": async_done,
            "async_jobs_per_s": async_rate,
            "concurrency": CONCURRENCY,
        },
    }
    result.notes += [
        f"(a) per call the client adds {us(status['client'].median - status['bare'].median)} at the median "
        f"(p99 {us(status['client'].p99)} vs {us(status['bare'].p99)}; means "
        f"{us(status['client'].mean)} vs {us(status['bare'].mean)}).",
        f"(b) both sides poll every {POLL_INTERVAL * 1e3:.0f} ms; p99 {ms(to_result['client'].p99)} "
        f"vs {ms(to_result['bare'].p99)}.",
        f"(c) {n} jobs per run, each way run twice (order sync, async, async, sync); completed: sync "
        f"{sync_done}/{2 * n}, async {async_done}/{2 * n}; both poll every "
        f"{THROUGHPUT_POLL_INTERVAL * 1e3:.0f} ms; the Hub runs 2 simulations at a time.",
    ]
    return [result]


def main(argv: Sequence[str] | None = None) -> int:
    """Run this benchmark alone and print its table."""
    quick = parse_quick(argv, "The REST client against a local Hub, against bare httpx.")
    report(run(quick), quick=quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
