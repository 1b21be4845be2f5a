"""The REST client and both faces against a local Hub: what they add over bare httpx, how fast jobs flow.

(a) request overhead: ``client.jobs.get_job_status(id)`` against the same GET, with the same headers, made
    with a bare ``httpx.Client`` (and its ``.json()``). Calls alternate one by one between the two.
(b) time to result through the Qiskit face: ``backend.run(bell).result()`` on ``kipu.sim.qsim``, against
    the floor: the very HTTP requests the face made (recorded from one of its runs), replayed with bare
    httpx, polling the status on the same schedule as ``HubJob``. Runs alternate.
(c) throughput: small jobs (a Bell pair, 100 shots, on ``aws.sim.sv1``) submitted and collected by a sync
    loop of the REST client (the baseline), by the async client with at most 16 jobs in flight
    (``asyncio.Semaphore(16)``), and by the Braket face's ``HubBraketDevice.run_batch`` (``max_parallel=16``).

The local Hub runs in this process (``LocalHub()``, as in tests and notebooks), so server and client share
one interpreter; the server's cost is in both sides of every ratio. One Hub serves all three parts: a
second ``LocalHub`` started in the same process after the first one stopped has been seen to crash the
interpreter (SIGSEGV in Qiskit's allocator while a new thread parses a circuit).

Run alone: ``.venv/bin/python -m benchmarks.bench_client [--quick]``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from collections.abc import Callable, Sequence
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
from qhub_providers._polling import Backoff
from qhub_providers.api import AsyncHubQuantumClient, HubQuantumClient
from qhub_providers.emulator import LocalHub

# (c) polls every 10 ms on every side: 16 pollers at 2 ms would mostly measure the polling.
THROUGHPUT_POLL_INTERVAL = 0.01
THROUGHPUT_BACKEND = "aws.sim.sv1"
JOB_TIMEOUT = 60.0
CONCURRENCY = 16
OVERHEAD_TARGET = 1.3
TIME_TO_RESULT_TARGET = 2.0
TIME_TO_RESULT_LIMIT = 0.100
# (c): each way runs twice, half the jobs each time, in this order (jobs pile up in the Hub's store as the
# runs go on; the mirrored order gives every way the same average pile).
THROUGHPUT_ORDER = ("sync", "async", "wait", "run_batch", "run_batch", "wait", "async", "sync")


@dataclass(frozen=True)
class Counts:
    """How many of each measurement to take."""

    status_calls: int
    time_to_result_runs: int
    throughput_jobs: int


FULL = Counts(status_calls=500, time_to_result_runs=50, throughput_jobs=1000)
QUICK = Counts(status_calls=150, time_to_result_runs=15, throughput_jobs=100)
LATENESS_RUNS = {0.2: 10, 2.0: 4}
LATENESS_RUNS_QUICK = {0.2: 4, 2.0: 2}


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

    def send(self, method: str, url: str, body: bytes | None) -> Any:
        """Any request; the decoded JSON answer."""
        answer = self.http.request(method, url, content=body, headers=_JSON if body else None)
        answer.raise_for_status()
        return answer.json() if answer.content else None


_JSON = {"content-type": "application/json"}


# ------------------------------------------------------------------------ (b) the Qiskit face and its floor


@dataclass(frozen=True)
class Recorded:
    """One request the face made; ``url`` has the job id replaced by ``{id}``."""

    method: str
    url: str
    body: bytes | None


def record_face_run(hub: LocalHub, run: Callable[[HubQuantumClient], str]) -> list[Recorded]:
    """The requests one run of the face makes, with the job id taken out of the URLs."""
    seen: list[httpx.Request] = []
    with httpx.Client(event_hooks={"request": [seen.append]}) as raw, hub.client(httpx_client=raw) as client:
        job_id = run(client)
    return [
        Recorded(
            r.method, str(r.url).replace(job_id, "{id}"), r.content or None if r.method == "POST" else None
        )
        for r in seen
    ]


def _fresh_tag(body: bytes) -> bytes:
    """The recorded job body with a new client-token tag, as the face would make for a new job."""
    document = json.loads(body)
    document["tags"] = [
        CLIENT_TOKEN_TAG + uuid.uuid4().hex if str(tag).startswith(CLIENT_TOKEN_TAG) else tag
        for tag in document.get("tags") or []
    ]
    return json.dumps(document).encode()


def replay(bare: BareHub, requests: Sequence[Recorded], schedule: Backoff) -> None:
    """The face's requests with bare httpx: the POST that creates the job, the status polls on the face's
    schedule until the job ends, every other request as recorded (with the new job id)."""
    job_id = ""
    polled = False
    for request in requests:
        if request.method == "POST" and request.url.endswith("/jobs"):
            job_id = str(bare.send("POST", request.url, _fresh_tag(request.body or b"{}"))["id"])
        elif request.url.endswith("/jobs/{id}/status"):
            if polled:
                continue  # one polling loop stands for all recorded polls
            polled = True
            interval = schedule.intervals()
            deadline = time.monotonic() + JOB_TIMEOUT
            while (status := bare.status(job_id)) not in TERMINAL:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"job {job_id} still {status} after {JOB_TIMEOUT} s")
                time.sleep(interval())
            _completed(status, job_id)
        else:
            bare.send(request.method, request.url.replace("{id}", job_id), request.body)


def _completed(status: str, job_id: str) -> None:
    if status != "COMPLETED":
        raise RuntimeError(f"job {job_id} ended {status}; the benchmark needs COMPLETED jobs")


def measure_overhead(
    hub: LocalHub, counts: Counts
) -> tuple[dict[str, Summary], dict[str, Summary], list[str]]:
    """(a) per-call latency of the status GET and (b) time to result through the Qiskit face, each against
    bare httpx; and the requests of one face run, as ``METHOD path`` lines."""
    from qiskit import QuantumCircuit, transpile

    from qhub_providers.qiskit import HubQiskitProvider

    bell = QuantumCircuit(2, 2)
    bell.h(0)
    bell.cx(0, 1)
    bell.measure([0, 1], [0, 1])

    with hub.client() as client:
        backend = HubQiskitProvider(client=client).get_backend(KIPU_BACKEND)
        fitted = transpile(bell, backend, optimization_level=0)

        def face(on: HubQuantumClient) -> str:
            on_backend = backend if on is client else HubQiskitProvider(client=on).get_backend(KIPU_BACKEND)
            job = on_backend.run(fitted, shots=SHOTS)
            if sum(job.result().get_counts().values()) != SHOTS:
                raise RuntimeError("the Qiskit face returned the wrong number of shots")
            return str(job.job_id())

        bare = BareHub(hub.base_url, client_headers(hub))
        try:
            # The first simulation of a process loads the simulator; keep that out of the figures.
            face(client)
            schedule = backend.run(fitted, shots=SHOTS).backoff  # the polling schedule of HubJob
            recorded = record_face_run(hub, face)
            # Requests made before the job (the backend's record) belong to the provider, not to run().
            first_post = next(i for i, r in enumerate(recorded) if r.method == "POST")
            recorded = recorded[first_post:]
            job_id = str(client.jobs.create_job(backend_id=KIPU_BACKEND, shots=SHOTS, input=BELL_QASM2).id)
            _poll(bare.status, job_id)
            status = interleave(
                {
                    "client": lambda: client.jobs.get_job_status(job_id),
                    "bare": lambda: bare.status(job_id),
                },
                counts.status_calls,
                warmup=20,
            )
            to_result = interleave(
                {"face": lambda: face(client), "bare": lambda: replay(bare, recorded, schedule)},
                counts.time_to_result_runs,
                warmup=2,
            )
        finally:
            bare.close()
    prefix = hub.base_url
    shown = [f"{r.method} {r.url.removeprefix(prefix)}" for r in recorded]
    return (
        {name: Summary.of(samples) for name, samples in status.items()},
        {name: Summary.of(samples) for name, samples in to_result.items()},
        shown,
    )


# --------------------------------------------------------------------------------------------- (d)

QUEUE_DELAYS = (0.2, 2.0)
"""(d): the local Hub holds each job this long in its queue, so the job's own time is known."""
LATENESS_FLOOR = 0.020
LATENESS_FRACTION = 0.10


def measure_lateness(hub: LocalHub, runs: dict[float, int]) -> dict[float, list[tuple[float, float, int]]]:
    """(d) for each queue delay: (seconds from the job's end to the end of ``wait_for_final_state()``,
    the job's own time from creation to end, status polls made), one tuple per Qiskit-face run."""
    from qiskit import QuantumCircuit, transpile

    from qhub_providers.emulator.service import AdminControls
    from qhub_providers.qiskit import HubQiskitProvider

    bell = QuantumCircuit(2, 2)
    bell.h(0)
    bell.cx(0, 1)
    bell.measure([0, 1], [0, 1])
    controls = AdminControls(hub.service)
    out: dict[float, list[tuple[float, float, int]]] = {}
    with hub.client() as client:
        backend = HubQiskitProvider(client=client).get_backend(KIPU_BACKEND)
        fitted = transpile(bell, backend, optimization_level=0)
        try:
            for delay, n in runs.items():
                controls.set_backend(KIPU_BACKEND, queue_delay=delay)
                samples = []
                for _ in range(n):
                    job = backend.run(fitted, shots=SHOTS)
                    polls: list[str] = []

                    def count(_id: str, status: Any, _job: Any, seen: list[str] = polls) -> None:
                        seen.append(str(status))

                    job.wait_for_final_state(callback=count)
                    returned = time.time()
                    record = client.jobs.get_job(job.job_id())
                    if record.ended_at is None or record.created_at is None:
                        raise RuntimeError("the Hub reported no end time")
                    ended = record.ended_at.timestamp()
                    samples.append((returned - ended, ended - record.created_at.timestamp(), len(polls)))
                out[delay] = samples
        finally:
            controls.set_backend(KIPU_BACKEND, queue_delay=0.0)
    return out


# --------------------------------------------------------------------------------------------- (c)


@dataclass(frozen=True)
class SmallJob:
    """The job every way of (c) runs: what the Braket face sends for a Bell circuit."""

    input: Any
    input_format: str
    input_params: dict[str, Any]

    def create(self, client: HubQuantumClient) -> str:
        """Submit it with the sync client; the job id."""
        job = client.jobs.create_job(
            backend_id=THROUGHPUT_BACKEND,
            shots=SHOTS,
            input=self.input,
            input_format=self.input_format,
            input_params=self.input_params,
        )
        return str(job.id)


def _bell_braket() -> Any:
    from braket.circuits import Circuit

    return Circuit().h(0).cnot(0, 1)


def small_job() -> SmallJob:
    """The Braket face's job input for the Bell circuit."""
    from qhub_providers.braket.programs import to_hub_job_input

    prepared = to_hub_job_input(_bell_braket(), shots=SHOTS)
    return SmallJob(prepared.input, str(prepared.input_format), dict(prepared.input_params))


def _poll(status: Callable[[str], object], job_id: str) -> str:
    deadline = time.monotonic() + JOB_TIMEOUT
    while (current := str(status(job_id))) not in TERMINAL:
        if time.monotonic() > deadline:
            raise TimeoutError(f"job {job_id} still {current} after {JOB_TIMEOUT} s")
        time.sleep(THROUGHPUT_POLL_INTERVAL)
    return current


def throughput_sync(hub: LocalHub, job: SmallJob, n: int) -> tuple[float, int]:
    """Seconds for a sync loop to submit ``n`` jobs, then collect each one's result; and how many
    completed."""
    with hub.client() as client:
        started = time.perf_counter()
        ids = [job.create(client) for _ in range(n)]
        completed = 0
        for job_id in ids:
            status = _poll(lambda i: client.jobs.get_job_status(i).status, job_id)
            client.jobs.get_job_result(job_id)
            completed += status == "COMPLETED"
        return time.perf_counter() - started, completed


async def _one_async(
    client: AsyncHubQuantumClient, job: SmallJob, limit: asyncio.Semaphore, backoff: bool = False
) -> bool:
    async with limit:
        created = await client.jobs.create_job(
            backend_id=THROUGHPUT_BACKEND,
            shots=SHOTS,
            input=job.input,
            input_format=job.input_format,
            input_params=job.input_params,
        )
        job_id = str(created.id)
        if backoff:
            final = await client.jobs.wait_for_job(job_id, timeout=JOB_TIMEOUT)
            await client.jobs.get_job_result(job_id)
            return str(final.status) == "COMPLETED"
        deadline = time.monotonic() + JOB_TIMEOUT
        while (status := str((await client.jobs.get_job_status(job_id)).status)) not in TERMINAL:
            if time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} still {status} after {JOB_TIMEOUT} s")
            await asyncio.sleep(THROUGHPUT_POLL_INTERVAL)
        await client.jobs.get_job_result(job_id)
        return status == "COMPLETED"


async def _throughput_async(hub: LocalHub, job: SmallJob, n: int, backoff: bool) -> tuple[float, int]:
    async with hub.async_client() as client:
        limit = asyncio.Semaphore(CONCURRENCY)
        started = time.perf_counter()
        outcomes = await asyncio.gather(*(_one_async(client, job, limit, backoff) for _ in range(n)))
        return time.perf_counter() - started, sum(outcomes)


def throughput_async(hub: LocalHub, job: SmallJob, n: int, backoff: bool = False) -> tuple[float, int]:
    """Seconds for the async client to run ``n`` jobs, 16 at a time at most; and how many completed.
    ``backoff``: wait with ``client.jobs.wait_for_job`` instead of polling every 10 ms."""
    return asyncio.run(_throughput_async(hub, job, n, backoff))


def throughput_batch(hub: LocalHub, n: int) -> tuple[float, int]:
    """Seconds for ``HubBraketDevice.run_batch`` to run ``n`` Bell circuits (16 in flight) and return every
    result's counts; and how many came back with counts."""
    from qhub_providers.braket import HubBraketProvider

    circuit = _bell_braket()
    with hub.client() as client:
        device = HubBraketProvider(client=client).get_device(THROUGHPUT_BACKEND)
        started = time.perf_counter()
        batch = device.run_batch(
            [circuit] * n,
            shots=SHOTS,
            max_parallel=CONCURRENCY,
            poll_interval_seconds=THROUGHPUT_POLL_INTERVAL,
        )
        results = batch.results(max_retries=0)
        done = sum(r is not None and sum(r.measurement_counts.values()) == SHOTS for r in results)
        return time.perf_counter() - started, done


def measure_throughput(hub: LocalHub, n: int) -> dict[str, list[tuple[float, int]]]:
    """Each way twice with ``n // 2`` jobs, in the order of ``THROUGHPUT_ORDER``."""
    job = small_job()
    half = n // 2
    ways: dict[str, Callable[[], tuple[float, int]]] = {
        "sync": lambda: throughput_sync(hub, job, half),
        "async": lambda: throughput_async(hub, job, half),
        "wait": lambda: throughput_async(hub, job, half, backoff=True),
        "run_batch": lambda: throughput_batch(hub, half),
    }
    throughput_sync(hub, job, 4)  # loads the Braket simulator in the Hub
    runs: dict[str, list[tuple[float, int]]] = {way: [] for way in ways}
    for way in THROUGHPUT_ORDER:
        runs[way].append(ways[way]())
    return runs


# ---------------------------------------------------------------------------------------------- report


def run(quick: bool = False) -> list[BenchResult]:
    """Run (a), (b) and (c) and return the result table."""
    counts = QUICK if quick else FULL
    # One local Hub for everything: see the module docstring.
    with LocalHub() as hub:
        status, to_result, face_requests = measure_overhead(hub, counts)
        lateness = measure_lateness(hub, LATENESS_RUNS_QUICK if quick else LATENESS_RUNS)
        throughput = measure_throughput(hub, counts.throughput_jobs)

    overhead = ratio(status["client"].median, status["bare"].median)
    ttr = ratio(to_result["face"].median, to_result["bare"].median)
    fast_enough = "met" if to_result["face"].median < TIME_TO_RESULT_LIMIT else "missed"
    n = counts.throughput_jobs // 2 * 2
    rates = {way: n / sum(seconds for seconds, _ in runs) for way, runs in throughput.items()}
    done = {way: sum(completed for _, completed in runs) for way, runs in throughput.items()}

    result = BenchResult(
        name="client",
        title="REST client and faces against an in-process local Hub (baseline: the same requests with bare "
        "httpx; for throughput, the sync loop)",
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
            "(b) time to result, `backend.run(bell).result()` (Qiskit face), "
            f"median (n={counts.time_to_result_runs})",
            ms(to_result["face"].median),
            f"same requests, bare httpx: {ms(to_result['bare'].median)}",
            times(ttr),
            f"< {ms(TIME_TO_RESULT_LIMIT)} — {fast_enough}; "
            f"≤ {TIME_TO_RESULT_TARGET}x — {verdict(ttr, TIME_TO_RESULT_TARGET)}",
        ],
    ]
    round_trip = status["client"].median
    for delay, samples in lateness.items():
        beyond = Summary.of([late for late, _, _ in samples])
        job_time = Summary.of([own for _, own, _ in samples])
        allowed = max(LATENESS_FLOOR, LATENESS_FRACTION * job_time.median) + round_trip
        worst = max(late for late, _, _ in samples)
        polls = max(count for _, _, count in samples)
        result.rows.append(
            [
                f"(d) wait beyond the job's end, queue delay {delay:g} s, Qiskit face "
                f"`wait_for_final_state()` (n={len(samples)})",
                f"median {ms(beyond.median)}, worst {ms(worst)}",
                f"job's own time: {ms(job_time.median)}",
                f"{polls} polls at most",
                f"≤ {ms(allowed)} (max(20 ms, 10 %) + one round trip) — "
                + ("met" if worst <= allowed else "missed"),
            ]
        )
        result.check(
            f"(d) wait ends ≤ max(20 ms, 10 % of the job) + one round trip after a {delay:g} s job",
            f"worst {ms(worst)} vs {ms(allowed)}",
            worst <= allowed,
        )
    labels = {
        "sync": "sync loop (submit all, then collect)",
        "async": f"async client, Semaphore({CONCURRENCY})",
        "wait": f"async client, Semaphore({CONCURRENCY}), `wait_for_job` (backoff)",
        "run_batch": f"Braket face `run_batch`, max_parallel={CONCURRENCY}",
    }
    for way in ("sync", "async", "wait", "run_batch"):
        result.rows.append(
            [
                f"(c) throughput, {labels[way]}, {n} jobs",
                f"{rates[way]:.0f} jobs/s",
                f"sync loop: {rates['sync']:.0f} jobs/s",
                times(ratio(rates[way], rates["sync"])),
                "—",
            ]
        )
    result.check(
        f"(a) `get_job_status` within {OVERHEAD_TARGET}x of bare httpx",
        times(overhead),
        overhead <= OVERHEAD_TARGET,
    )
    result.check(
        f"(b) Qiskit-face time to result under {ms(TIME_TO_RESULT_LIMIT)}",
        ms(to_result["face"].median),
        to_result["face"].median < TIME_TO_RESULT_LIMIT,
    )
    result.check(
        f"(b) time to result within {TIME_TO_RESULT_TARGET}x of the floor",
        times(ttr),
        ttr <= TIME_TO_RESULT_TARGET,
    )
    result.chart = {
        "(a) status GET time": overhead,
        "(b) time to result (Qiskit face)": ttr,
        "(c) async jobs/s vs sync": ratio(rates["async"], rates["sync"]),
        "(c) run_batch jobs/s vs sync": ratio(rates["run_batch"], rates["sync"]),
    }
    result.figures = {
        "counts": counts.__dict__,
        "status_call_s": {name: summary.__dict__ for name, summary in status.items()},
        "time_to_result_s": {name: summary.__dict__ for name, summary in to_result.items()},
        "time_to_result_face_requests": face_requests,
        "overhead_ratio_median": overhead,
        "overhead_ratio_mean": ratio(status["client"].mean, status["bare"].mean),
        "time_to_result_ratio_median": ttr,
        "lateness_s": {str(delay): samples for delay, samples in lateness.items()},
        "throughput": {
            "jobs_per_way": n,
            "order": THROUGHPUT_ORDER,
            "runs_s": {way: [seconds for seconds, _ in runs] for way, runs in throughput.items()},
            "completed": done,
            "jobs_per_s": rates,
            "concurrency": CONCURRENCY,
            "backend": THROUGHPUT_BACKEND,
        },
    }
    result.notes += [
        f"(a) per call the client adds {us(status['client'].median - status['bare'].median)} at the median "
        f"(p99 {us(status['client'].p99)} vs {us(status['bare'].p99)}).",
        f"(b) the face's requests per run: {', '.join(face_requests)}; the floor replays them, polling on "
        f"`HubJob`'s schedule. p99 {ms(to_result['face'].p99)} vs {ms(to_result['bare'].p99)}.",
        f"(c) a Bell pair, {SHOTS} shots, on `{THROUGHPUT_BACKEND}` (the job the Braket face sends) "
        "each way; "
        f"{n} jobs per way in two halves (order {', '.join(THROUGHPUT_ORDER)}); all but `wait_for_job` poll "
        f"every {THROUGHPUT_POLL_INTERVAL * 1e3:.0f} ms; completed: "
        + ", ".join(f"{way} {done[way]}/{n}" for way in labels)
        + "; the Hub runs 2 simulations at a time.",
    ]
    return [result]


def main(argv: Sequence[str] | None = None) -> int:
    """Run this benchmark alone and print its table."""
    quick = parse_quick(argv, "The REST client and faces against a local Hub, against bare httpx.")
    report(run(quick), quick=quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
