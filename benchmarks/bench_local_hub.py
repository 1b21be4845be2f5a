"""The local Hub under load: latency and request rate with concurrent clients, and job completion rate.

The Hub runs in a process of its own (:class:`~benchmarks.common.HubProcess`), so the load generator's
threads do not share its interpreter lock; each thread drives its own ``HubQuantumClient``.

- ``GET jobs/{id}/status`` and, separately, ``POST jobs`` (a Bell pair in OpenQASM 2 on ``kipu.sim.qsim``):
  4 threads x 100 requests, against the same requests made one after another by 1 thread (the baseline);
  each run twice, in the order 1, 4, 4, 1 threads, and pooled.
- A burst of 200 submissions (from the 4 threads at once), collected in order: jobs completed per second,
  against jobs run strictly one after another (submit, wait, next) on the same Hub (the baseline).

- Cost against stored jobs: a store filled directly (1,000 jobs, the baseline, and 100,000), served by a Hub
  process on that file; ``GET backends``, a page of ``GET jobs`` (first, deep, sorted) and of
  ``GET workloads``, and the Hub's CPU while idle.
- Jobs completed per second through the async client (many submissions in flight at once).

Run alone: ``.venv/bin/python -m benchmarks.bench_local_hub [--quick]``.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

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
    stop_hub_process,
    times,
)
from qhub_providers.api import AsyncHubQuantumClient, HubQuantumClient

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

    stored: tuple[int, ...] = (1_000, 100_000)
    """Jobs in the store, the first one the baseline."""
    listing_requests: int = 20
    idle_seconds: float = 3.0
    async_jobs: int = 400


FULL = Counts(requests_per_thread=100, burst=200, sequential_jobs=30)
QUICK = Counts(
    requests_per_thread=25,
    burst=80,
    sequential_jobs=10,
    stored=(1_000, 20_000),
    listing_requests=8,
    idle_seconds=2.0,
    async_jobs=200,
)


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


# -- cost against stored jobs ------------------------------------------------------------------

_SERVE_DB = """\
import sys
from qhub_providers.emulator import LocalHub
with LocalHub(db=sys.argv[1], token=sys.argv[2]) as hub:
    print(hub.base_url, flush=True)
    sys.stdin.read()
"""

STORED_BACKENDS = ("kipu.sim.qsim", "aws.sim.sv1", "ibm.qpu.fez", "azure.ionq.simulator")
SESSION_EVERY = 100
"""One stored job in this many belongs to a session (one session per such job)."""


def fill_store(path: Path, jobs: int) -> float:
    """Write ``jobs`` finished jobs (and a session for one in :data:`SESSION_EVERY`) straight into a store
    file, as a Hub that ran them would have; returns the seconds it took."""
    from qhub_providers.emulator.store import Store

    began = time.perf_counter()
    store = Store(path)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with store.transaction():
        for index in range(jobs):
            at = (start + timedelta(seconds=index)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            job_id = str(uuid.UUID(int=index + 1))
            backend_id = STORED_BACKENDS[index % len(STORED_BACKENDS)]
            session_id = None
            if index % SESSION_EVERY == 0:
                session_id = str(uuid.UUID(int=10**12 + index))
                store.put(
                    "session",
                    session_id,
                    {
                        "id": session_id,
                        "backend_id": backend_id,
                        "provider": "KIPU",
                        "status": "CLOSED",
                        "mode": "batch",
                        "created_at": at,
                        "started_at": at,
                        "closed_at": at,
                        "expires_at": at,
                        "provider_id": "stored",
                        "tags": [],
                        "metadata": None,
                        "sdk_provider": None,
                        "_scope": "personal",
                        "_se": None,
                        "_expires": 0,
                    },
                )
            store.put(
                "job",
                job_id,
                {
                    "id": job_id,
                    "name": f"stored-{index}",
                    "backend_id": backend_id,
                    "provider": "KIPU",
                    "provider_job_id": f"local-{index}",
                    "input_params": {},
                    "input_format": "OPEN_QASM_V2",
                    "tags": [f"batch-{index % 50}"],
                    "status": "COMPLETED",
                    "created_at": at,
                    "started_at": at,
                    "ended_at": at,
                    "usage_time_millis": 3,
                    "shots": SHOTS,
                    "session_id": session_id,
                    "sdk_provider": None,
                    "usage_time_state": "MEASURED",
                    "_scope": "personal",
                    "_se": None,
                    "_input": BELL_QASM2,
                },
            )
    store.close()
    return time.perf_counter() - began


def _cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time of a process so far (Linux ``/proc``; ``None`` elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class StoredCost:
    """What one Hub serving a store of ``jobs`` jobs cost."""

    jobs: int
    fill_seconds: float
    start_seconds: float
    idle_core_share: float | None
    latencies: dict[str, float]
    """Median seconds per request kind."""


LISTINGS = {
    "GET backends": ("backends", {}),
    "GET jobs (first page of 20)": ("jobs", {"size": "20"}),
    "GET jobs (page 5 of 20)": ("jobs", {"size": "20", "page": "5"}),
    "GET jobs (a deep page, last 20)": ("jobs", {"size": "20", "page": "{last}"}),
    "GET jobs (a deep page, a third in)": ("jobs", {"size": "20", "page": "{third}"}),
    "GET jobs (sorted by createdAt desc)": ("jobs", {"size": "20", "sort": "createdAt,desc"}),
    "GET jobs (sorted by status desc)": ("jobs", {"size": "20", "sort": "status,desc"}),
    "GET jobs (sorted by backendId, a deep page)": (
        "jobs",
        {"size": "20", "sort": "backendId,asc", "page": "{third}"},
    ),
    "GET workloads (first page of 20)": ("workloads", {"size": "20"}),
    "GET workloads (sorted by endedAt desc)": ("workloads", {"size": "20", "sort": "endedAt,desc"}),
    "GET workloads (tag filter)": ("workloads", {"size": "20", "tag": "batch-7"}),
    "GET workloads (tag filter, newest first)": (
        "workloads",
        {"size": "20", "tag": "batch-7", "sort": "createdAt,desc"},
    ),
    "GET workloads (status filter, newest first)": (
        "workloads",
        {"size": "20", "status": "COMPLETED", "sort": "createdAt,desc"},
    ),
    "GET workloads (backendId filter, a deep page)": (
        "workloads",
        {"size": "20", "backendId": "aws.sim.sv1", "page": "{tenth}"},
    ),
}
"""What the stored-jobs part times; ``{last}``, ``{third}`` and ``{tenth}`` stand for the last page of a
listing of every job and the pages a third and a tenth of the way into it (the backend filter selects a
quarter of the jobs: its tenth is 40 % into its own listing)."""


@dataclass
class _StoredHub:
    """A Hub process serving a store filled with ``jobs`` jobs."""

    jobs: int
    filled: float
    started: float
    process: subprocess.Popen[str]
    http: Any


@contextmanager
def _stored_hub(jobs: int, folder: Path) -> Iterator[_StoredHub]:
    import httpx

    path = folder / f"hub-{jobs}.sqlite3"
    filled = fill_store(path, jobs)
    token = f"bench-{uuid.uuid4().hex}"
    began = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", _SERVE_DB, str(path), token],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        if not base_url:
            raise RuntimeError("the local Hub process did not start")
        started = time.perf_counter() - began
        with httpx.Client(base_url=base_url + "/", headers={"X-Auth-Token": token}, timeout=60) as http:
            yield _StoredHub(jobs, filled, started, process, http)
    finally:
        stop_hub_process(process)


def measure_stored(counts: Counts) -> list[StoredCost]:
    """Fill a store per size in ``counts.stored``, serve each from a Hub process of its own (all at once),
    sample their idle CPU over the same seconds, then time each listing on every Hub in turn (one request
    each, round after round), so that a busy spell of the machine falls on all alike."""
    with tempfile.TemporaryDirectory(prefix="qhub-bench-") as folder, ExitStack() as stack:
        hubs = [stack.enter_context(_stored_hub(jobs, Path(folder))) for jobs in counts.stored]
        time.sleep(1.0)  # let start-up work settle before the idle sample
        before = [_cpu_seconds(hub.process.pid) for hub in hubs]
        idle_began = time.perf_counter()
        time.sleep(counts.idle_seconds)
        idle_for = time.perf_counter() - idle_began
        idle: list[float | None] = []
        for hub, first in zip(hubs, before, strict=True):
            last = _cpu_seconds(hub.process.pid)
            idle.append(None if first is None or last is None else (last - first) / idle_for)
        latencies: list[dict[str, float]] = [{} for _ in hubs]
        for what, (path, params) in LISTINGS.items():
            samples: list[list[float]] = [[] for _ in hubs]
            for round_ in range(counts.listing_requests + 1):  # the first round warms up
                for index, hub in enumerate(hubs):
                    last_page = max(0, (hub.jobs - 1) // 20)
                    query = {
                        k: v.replace("{last}", str(last_page))
                        .replace("{third}", str(last_page // 3))
                        .replace("{tenth}", str(last_page // 10))
                        for k, v in params.items()
                    }
                    t0 = time.perf_counter()
                    answer = hub.http.get(path, params=query)
                    took = time.perf_counter() - t0
                    answer.raise_for_status()
                    if round_:
                        samples[index].append(took)
            for index in range(len(hubs)):
                latencies[index][what] = Summary.of(samples[index]).p50
        return [
            StoredCost(hub.jobs, hub.filled, hub.started, idle[index], latencies[index])
            for index, hub in enumerate(hubs)
        ]


# -- jobs through the async client ---------------------------------------------------------------

ASYNC_IN_FLIGHT = 32


@dataclass(frozen=True)
class AsyncRun:
    """Jobs through the async client against one Hub process."""

    rate: float
    """Jobs per second, first submission to last completion."""
    completed: int
    client_ms: float
    """CPU of the benchmark's process (the client) per job."""
    hub_ms: float | None
    """CPU of the Hub's process per job (its simulation workers not counted); ``None`` off Linux."""


def measure_async(counts: Counts, db: str | None = None) -> AsyncRun:
    """Jobs per second through ``AsyncHubQuantumClient``: ``async_jobs`` small jobs submitted concurrently
    (up to :data:`ASYNC_IN_FLIGHT` requests in flight), then collected in order, each polled until it ends
    (as a program that submits a batch and reads its results does). The clock runs from the first
    submission to the last completion. ``db``: the Hub's database file (default in memory)."""

    async def run_all(hub: HubProcess) -> AsyncRun:
        gate = asyncio.Semaphore(ASYNC_IN_FLIGHT)
        client = AsyncHubQuantumClient(api_key=hub.token, base_url=hub.base_url, max_retries=0)
        try:

            async def submit() -> str:
                async with gate:
                    job = await client.jobs.create_job(backend_id=KIPU_BACKEND, shots=SHOTS, input=BELL_QASM2)
                return str(job.id)

            async def collect(job_id: str) -> bool:
                deadline = time.monotonic() + JOB_TIMEOUT
                while (status := str((await client.jobs.get_job_status(job_id)).status)) not in TERMINAL:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"job {job_id} still {status}")
                    await asyncio.sleep(POLL_INTERVAL)
                return status == "COMPLETED"

            await collect(await submit())  # the first simulation loads the simulator
            hub_cpu, client_cpu = _cpu_seconds(hub.pid), time.process_time()
            began = time.perf_counter()
            job_ids = await asyncio.gather(*(submit() for _ in range(counts.async_jobs)))
            completed = [await collect(job_id) for job_id in job_ids]
            rate = counts.async_jobs / (time.perf_counter() - began)
            client_ms = (time.process_time() - client_cpu) * 1000 / counts.async_jobs
            hub_after = _cpu_seconds(hub.pid)
            hub_ms = None
            if hub_cpu is not None and hub_after is not None:
                hub_ms = (hub_after - hub_cpu) * 1000 / counts.async_jobs
            return AsyncRun(rate, sum(completed), client_ms, hub_ms)
        finally:
            await client.aclose()

    with HubProcess(db=db) as hub:
        return asyncio.run(run_all(hub))


def measure_async_both(counts: Counts) -> tuple[AsyncRun, AsyncRun]:
    """The async throughput with the Hub's store in memory (``LocalHub()``'s default), then in a file (the
    command line's default)."""
    in_memory = measure_async(counts)
    with tempfile.TemporaryDirectory() as folder:
        in_file = measure_async(counts, db=str(Path(folder) / "hub.sqlite3"))
    return in_memory, in_file


def storage_result(costs: list[StoredCost], runs: tuple[AsyncRun, AsyncRun], counts: Counts) -> BenchResult:
    """The table of the stored-jobs part and the async throughput."""
    base, rest = costs[0], costs[1:]
    result = BenchResult(
        name="local_hub_storage",
        title=f"Local Hub cost against stored jobs (baseline: {base.jobs:,} stored jobs, same run)",
        columns=["measure", *(f"{c.jobs:,} jobs" for c in costs), *(f"{c.jobs:,} x baseline" for c in rest)],
        chart_label=f"x the {base.jobs:,}-job baseline",
    )
    for what in LISTINGS:
        result.rows.append(
            [
                f"`{what}` (p50)",
                *(ms(c.latencies[what]) for c in costs),
                *(times(ratio(c.latencies[what], base.latencies[what])) for c in rest),
            ]
        )
        for c in rest:
            result.chart[f"{what}, {c.jobs:,}"] = ratio(c.latencies[what], base.latencies[what])

    def share(c: StoredCost) -> str:
        return "n/a" if c.idle_core_share is None else f"{c.idle_core_share * 100:.1f} % of a core"

    result.rows.append(["idle CPU of the Hub process", *(share(c) for c in costs), *("—" for _ in rest)])
    result.rows.append(
        [
            "Hub start-up on the file (process start to first answer)",
            *(f"{c.start_seconds:.2f} s" for c in costs),
            *(times(ratio(c.start_seconds, base.start_seconds)) for c in rest),
        ]
    )
    in_memory, in_file = runs
    for where, run in (("store in memory", in_memory), ("store in a file", in_file)):
        hub_cpu = "n/a" if run.hub_ms is None else f"{run.hub_ms:.2f} ms"
        result.rows.append(
            [
                f"jobs completed through `AsyncHubQuantumClient` ({counts.async_jobs} jobs, "
                f"{ASYNC_IN_FLIGHT} in flight, {where}); CPU per job: client, Hub",
                f"{run.rate:.0f} jobs/s",
                f"{run.client_ms:.2f} ms, {hub_cpu}",
                *("" for _ in costs[2:]),
                *("" for _ in rest),
            ]
        )
    biggest = costs[-1]
    for what in ("GET backends", "GET jobs (first page of 20)"):
        grown = ratio(biggest.latencies[what], base.latencies[what])
        result.check(
            f"`{what}` at {biggest.jobs:,} stored jobs within 2x of {base.jobs:,}", times(grown), grown <= 2.0
        )
    if biggest.idle_core_share is not None:
        result.check(
            f"idle CPU at {biggest.jobs:,} stored jobs under 2 % of a core",
            f"{biggest.idle_core_share * 100:.1f} %",
            biggest.idle_core_share < 0.02,
        )
    result.check(
        "at least 200 small jobs/s completed through the async client (Hub in its own process)",
        f"{in_memory.rate:.0f} jobs/s ({in_memory.completed}/{counts.async_jobs} COMPLETED); "
        f"{in_file.rate:.0f} jobs/s with the store in a file ({in_file.completed} COMPLETED)",
        in_memory.rate >= 200,
    )
    result.figures = {
        "stored": [c.__dict__ for c in costs],
        "async_jobs_per_s": in_memory.rate,
        "async_jobs": counts.async_jobs,
        "async_completed": in_memory.completed,
        "async_in_file": in_file.__dict__,
        "async_client_cpu_ms_per_job": in_memory.client_ms,
        "async_hub_cpu_ms_per_job": in_memory.hub_ms,
    }
    result.notes += [
        "Stores filled directly through the Hub's store (finished jobs in the personal scope, four backends, "
        f"one job in {SESSION_EVERY} in a session of its own, each job with one of 50 tags) in "
        + ", ".join(f"{c.fill_seconds:.1f} s for {c.jobs:,}" for c in costs)
        + "; each store is then served by a Hub process of its own, all at once, and every request is made "
        f"{counts.listing_requests} times on each Hub in turn after one warm-up round (p50 shown).",
        "What grows, and with what: a deep page walks index entries (not records) up to its offset, or "
        "from the listing's end when it lies past the middle (the last page costs as little as the first, "
        "the page a third in walks a third of the entries); every sort and the status, provider and backend "
        "filters have indexes in page order; a single tag goes through the tags index in insertion or "
        "creation order, and its `total_elements` counts that index's entries for the tag (2 % of the "
        "store here); every other `total_elements` is a count the store keeps.",
        "Idle CPU: the Hub process's user+system CPU time over "
        f"{counts.idle_seconds:.0f} s without requests, 1 s after start-up.",
    ]
    return result


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
    costs = measure_stored(counts)
    return [result, storage_result(costs, measure_async_both(counts), counts)]


def main(argv: Sequence[str] | None = None) -> int:
    """Run this benchmark alone and print its table."""
    quick = parse_quick(argv, "The local Hub under concurrent clients.")
    report(run(quick), quick=quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
