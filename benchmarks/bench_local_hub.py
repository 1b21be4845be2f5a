"""The local Hub under load: latency and request rate with concurrent clients, and job completion rate.

The Hub runs in a process of its own (:class:`~benchmarks.common.HubProcess`), so the load generator's
threads do not share its interpreter lock; each thread drives its own ``HubQuantumClient``.

- ``GET jobs/{id}/status`` and, separately, ``POST jobs`` (a Bell pair in OpenQASM 2 on ``kipu.sim.qsim``):
  4 threads x 100 requests, against the same requests made one after another by 1 thread (the baseline);
  each run twice, in the order 1, 4, 4, 1 threads, and pooled.
- A burst of 200 submissions (from the 4 threads at once), collected in order: jobs completed per second,
  against jobs run strictly one after another (submit, wait, next) on the same Hub (the baseline).

Run alone: ``.venv/bin/python -m benchmarks.bench_local_hub [--quick]``.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from benchmarks.common import (
    BELL_QASM2,
    KIPU_BACKEND,
    SHOTS,
    TERMINAL,
    BenchResult,
    HubProcess,
    Summary,
    ms,
    parse_quick,
    ratio,
    report,
    times,
)
from qhub_providers.api import HubQuantumClient

THREADS = 4
# Baseline and load take turns, so a busy spell of the machine falls on both alike.
ORDER = (1, THREADS, THREADS, 1)
RUNS_EACH = 2
POLL_INTERVAL = 0.01
JOB_TIMEOUT = 120.0


@dataclass(frozen=True)
class Counts:
    """How many of each measurement to take."""

    requests_per_thread: int
    burst: int
    sequential_jobs: int


FULL = Counts(requests_per_thread=100, burst=200, sequential_jobs=30)
QUICK = Counts(requests_per_thread=25, burst=80, sequential_jobs=10)


@dataclass(frozen=True)
class Load:
    """Latencies of every request of one load run, and how long the run took from first to last."""

    threads: int
    latencies: list[float]
    seconds: float

    @classmethod
    def pooled(cls, runs: Sequence[Load]) -> Load:
        """Several runs with the same thread count taken as one: all latencies, the summed time."""
        return cls(
            runs[0].threads, [x for run in runs for x in run.latencies], sum(run.seconds for run in runs)
        )

    @property
    def summary(self) -> Summary:
        """Order statistics of the latencies."""
        return Summary.of(self.latencies)

    @property
    def per_second(self) -> float:
        """Requests completed per second over the whole run."""
        return len(self.latencies) / self.seconds


def _client(hub: HubProcess) -> HubQuantumClient:
    # No retries: a request the Hub fails should show, not be hidden in a slower latency.
    return HubQuantumClient(api_key=hub.token, base_url=hub.base_url, max_retries=0)


def _submit(client: HubQuantumClient) -> str:
    return str(client.jobs.create_job(backend_id=KIPU_BACKEND, shots=SHOTS, input=BELL_QASM2).id)


Request = Callable[[HubQuantumClient], object]


def load(hub: HubProcess, threads: int, per_thread: int, request: Request, connect: Request) -> Load:
    """``threads`` threads, each with its own client, make ``per_thread`` requests as fast as they can.

    ``connect`` is called once per client before the clock starts, to open its connection.
    """
    clients = [_client(hub) for _ in range(threads)]
    for client in clients:
        connect(client)
    start = threading.Barrier(threads + 1)
    latencies: list[list[float]] = [[] for _ in range(threads)]
    errors: list[BaseException] = []

    def work(index: int) -> None:
        client, mine = clients[index], latencies[index]
        start.wait()
        try:
            for _ in range(per_thread):
                began = time.perf_counter()
                request(client)
                mine.append(time.perf_counter() - began)
        except BaseException as error:  # reported in the main thread
            errors.append(error)

    workers = [threading.Thread(target=work, args=(i,), name=f"load-{i}") for i in range(threads)]
    for worker in workers:
        worker.start()
    start.wait()
    began = time.perf_counter()
    for worker in workers:
        worker.join(timeout=JOB_TIMEOUT)
    seconds = time.perf_counter() - began
    for client in clients:
        client.close()
    if errors:
        raise RuntimeError(f"a load thread failed: {errors[0]!r}") from errors[0]
    return Load(threads, [x for mine in latencies for x in mine], seconds)


def wait_all(client: HubQuantumClient, job_ids: Sequence[str]) -> int:
    """Wait, in submission order, until every job has ended; returns how many COMPLETED."""
    completed = 0
    deadline = time.monotonic() + JOB_TIMEOUT
    for job_id in job_ids:
        while (status := str(client.jobs.get_job_status(job_id).status)) not in TERMINAL:
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} still {status} after {JOB_TIMEOUT} s")
            time.sleep(POLL_INTERVAL)
        completed += status == "COMPLETED"
    return completed


def measure_requests(counts: Counts) -> tuple[dict[str, Load], dict[str, Load], int]:
    """The status GET and the job POST with 1 thread and with 4, each run twice (see ``ORDER``) and pooled;
    and how many of the POSTed jobs completed."""
    submitted: list[str] = []
    lock = threading.Lock()

    def post(client: HubQuantumClient) -> None:
        job_id = _submit(client)
        with lock:
            submitted.append(job_id)

    with HubProcess() as hub, _client(hub) as watcher:
        job_id = _submit(watcher)  # also the Hub's first simulation, which loads the simulator
        wait_all(watcher, [job_id])

        def status(client: HubQuantumClient) -> None:
            client.jobs.get_job_status(job_id)

        get_runs: dict[int, list[Load]] = {1: [], THREADS: []}
        for n in ORDER:
            get_runs[n].append(load(hub, n, counts.requests_per_thread, status, status))
        post_runs: dict[int, list[Load]] = {1: [], THREADS: []}
        for n in ORDER:
            post_runs[n].append(load(hub, n, counts.requests_per_thread, post, status))
            # Let the queue drain, so the next run starts from an idle Hub.
            completed = wait_all(watcher, submitted)
    gets = {str(n): Load.pooled(runs) for n, runs in get_runs.items()}
    posts = {str(n): Load.pooled(runs) for n, runs in post_runs.items()}
    return gets, posts, completed


def measure_jobs(counts: Counts) -> tuple[float, float, int]:
    """Jobs per second run one after another, jobs per second of a burst, and how many of the burst
    completed."""
    with HubProcess() as hub, _client(hub) as client:
        first = _submit(client)
        wait_all(client, [first])  # also loads the simulator
        began = time.perf_counter()
        for _ in range(counts.sequential_jobs):
            wait_all(client, [_submit(client)])
        sequential = counts.sequential_jobs / (time.perf_counter() - began)

        burst: list[str] = []
        lock = threading.Lock()

        def post(c: HubQuantumClient) -> None:
            job_id = _submit(c)
            with lock:
                burst.append(job_id)

        def status(c: HubQuantumClient) -> None:
            c.jobs.get_job_status(first)

        began = time.perf_counter()
        load(hub, THREADS, counts.burst // THREADS, post, status)
        completed = wait_all(client, burst)
        burst_rate = len(burst) / (time.perf_counter() - began)
    return sequential, burst_rate, completed


def _row(what: str, run: Load, base: Load) -> list[str]:
    summary, baseline = run.summary, base.summary
    return [
        what,
        f"{run.threads} x {len(run.latencies) // run.threads // RUNS_EACH}, {RUNS_EACH} runs",
        ms(summary.p50),
        ms(summary.p99),
        f"{run.per_second:.0f}/s",
        times(ratio(run.per_second, base.per_second)) if run is not base else "1.00x (baseline)",
        times(ratio(summary.p50, baseline.p50)) if run is not base else "—",
    ]


def run(quick: bool = False) -> list[BenchResult]:
    """Measure the Hub under load and return the result table."""
    counts = QUICK if quick else FULL
    gets, posts, posted_completed = measure_requests(counts)
    sequential, burst_rate, burst_completed = measure_jobs(counts)
    burst = counts.burst // THREADS * THREADS

    result = BenchResult(
        name="local_hub",
        title=f"Local Hub in its own process under {THREADS} concurrent clients (baseline: 1 client)",
        columns=["requests", "threads x requests", "p50", "p99", "rate", "rate x baseline", "p50 x baseline"],
        chart_label="x the 1-client baseline (rate)",
    )
    for what, runs in (("`GET jobs/{id}/status`", gets), ("`POST jobs` (OpenQASM 2, kipu.sim.qsim)", posts)):
        base = runs["1"]
        for threads in ("1", str(THREADS)):
            result.rows.append(_row(what, runs[threads], base))
    result.rows.append(
        [
            f"jobs completed, burst of {burst} submissions",
            f"{THREADS} x {burst // THREADS}",
            "—",
            "—",
            f"{burst_rate:.0f} jobs/s",
            times(ratio(burst_rate, sequential)),
            "—",
        ]
    )
    result.chart = {
        f"GET status, {THREADS} threads": ratio(gets[str(THREADS)].per_second, gets["1"].per_second),
        f"POST jobs, {THREADS} threads": ratio(posts[str(THREADS)].per_second, posts["1"].per_second),
        f"burst of {burst}, jobs/s": ratio(burst_rate, sequential),
    }

    def described(run: Load) -> dict[str, object]:
        return {
            "threads": run.threads,
            "seconds": run.seconds,
            "per_second": run.per_second,
            **run.summary.__dict__,
        }

    result.figures = {
        "counts": counts.__dict__,
        "get_status": {n: described(r) for n, r in gets.items()},
        "post_jobs": {n: described(r) for n, r in posts.items()},
        "posted_jobs_completed": posted_completed,
        "sequential_jobs_per_s": sequential,
        "burst_jobs": burst,
        "burst_jobs_per_s": burst_rate,
        "burst_completed": burst_completed,
    }
    result.notes += [
        "Rates count requests completed over the whole run (first start to last end of all threads), over "
        f"both runs of a row (order {', '.join(map(str, ORDER))} threads). "
        "Latencies include the client (`HubQuantumClient`, no retries); with "
        f"{counts.requests_per_thread * RUNS_EACH} to {counts.requests_per_thread * THREADS * RUNS_EACH} "
        "requests a row, "
        "p99 is close to the slowest request.",
        f"Burst: {burst} jobs submitted by {THREADS} threads at once, then collected in order; rate = jobs / "
        f"(first submission to last observed completion, polled every {POLL_INTERVAL * 1e3:.0f} ms); "
        f"{burst_completed}/{burst} COMPLETED. Baseline: {counts.sequential_jobs} jobs one after another "
        f"(submit, wait, next): {sequential:.0f} jobs/s.",
        f"POSTed jobs COMPLETED: {posted_completed}/{len(posts['1'].latencies) + len(posts['4'].latencies)}; "
        "the Hub simulates 2 jobs at a time (its default).",
    ]
    return [result]


def main(argv: Sequence[str] | None = None) -> int:
    """Run this benchmark alone and print its table."""
    quick = parse_quick(argv, "The local Hub under concurrent clients.")
    report(run(quick), quick=quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
