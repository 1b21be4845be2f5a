"""Simulations in worker processes, so that a simulator crash costs one job, never the local Hub.

Qiskit's and Aer's compiled cores can end the interpreter with a segmentation fault; in a thread of the
server that took the whole Hub down without a word. Here every simulation runs in a separate Python
process started with ``python -m qhub_providers.emulator.workers`` (never forked from the threaded server).
The parent sends it a job as plain data (backend id, stored input, shots, seed, calibration) and gets the
result views back; the worker parses the input itself, so no Qiskit object crosses the boundary.

When a worker dies mid-job (a crash, the OOM killer, a signal) the job gets an outcome naming the cause,
the death is logged to stderr (the worker's own ``faulthandler`` traceback lands there too), and the next
job starts a fresh worker. Workers start on the first job, are shared by every local Hub of the process,
and leave when the process exits (they also leave by themselves when their parent's pipe closes).

Frames on the pipes are an 8-byte big-endian length followed by a pickle.
"""

from __future__ import annotations

import atexit
import contextlib
import faulthandler
import logging
import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

log = logging.getLogger("qhub_providers.emulator")

__all__ = ["Outcome", "SimulationPool", "Ticket", "crash_reason", "shared_pool", "simulate"]

Outcome = dict[str, Any]
"""``{"status": "COMPLETED", "views": {...}, "usage_ms": n}``, ``{"status": "FAILED", "error": {...}}``,
``{"status": "ABORTED"}`` (the job was aborted while it ran) or ``{"status": "DROPPED"}`` (never ran)."""

_HEADER = struct.Struct(">Q")
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


# --- the worker process --------------------------------------------------------------------------------


def simulate(payload: dict[str, Any]) -> Outcome:
    """Parse and simulate one job; what a worker process does for every job it receives.

    ``payload`` holds ``backend_id``, ``input``, ``input_params``, ``shots``, ``seed``, ``noise`` (the
    backend's gate-based calibration or ``None``) and ``catalog`` (the path of the catalog file the Hub
    serves, ``None`` for the built-in one). Runs in the worker; importable for tests.
    """
    from qhub_providers.emulator.runners import InvalidJobInput, get_runner

    try:
        spec = _catalog_of(payload.get("catalog")).get(payload["backend_id"])
    except Exception as exc:  # the file went away or changed into something unreadable since the Hub started
        return _failed(f"the local Hub's catalog file cannot be read: {exc}", "INVALID_INPUT")
    if spec is None:
        return _failed(f"backend {payload['backend_id']} is not in the local Hub's catalog", "INVALID_INPUT")
    runner = get_runner(spec.runner)
    try:
        prepared = runner.prepare(spec, payload["input"], payload.get("input_params") or {}, payload["shots"])
        started = time.perf_counter()
        execution = runner.execute(prepared, seed=payload["seed"], noise=payload.get("noise"))
        usage_ms = max(1, int((time.perf_counter() - started) * 1000))
    except InvalidJobInput as exc:
        return _failed(exc.message, "INVALID_INPUT")
    except Exception as exc:
        trace = traceback.format_exc()
        print(f"local Hub worker: a job failed in the simulator:\n{trace}", file=sys.stderr, flush=True)
        return _failed(f"simulation failed: {exc}", "SIMULATION_ERROR")
    views = {
        "native": execution.native_result,
        "normalized": execution.normalized,
        "memory": execution.memory,
    }
    return {"status": "COMPLETED", "views": views, "usage_ms": usage_ms}


_catalogs: dict[tuple[str, float], dict[str, Any]] = {}


def _catalog_of(path: str | None) -> dict[str, Any]:
    """The backends of the built-in catalog, or of the catalog file at ``path`` (read once per version)."""
    from qhub_providers.emulator.catalog import load_catalog

    if path is None:
        return load_catalog()
    key = (path, os.stat(path).st_mtime)
    if key not in _catalogs:
        _catalogs[key] = load_catalog(path)
    return _catalogs[key]


def _failed(message: str, code: str) -> Outcome:
    return {"status": "FAILED", "error": {"error": {"message": message, "code": code}}}


def _warm() -> None:
    """Import the simulators once, before the first job, so jobs do not pay for it."""
    from qhub_providers.emulator.catalog import load_catalog
    from qhub_providers.emulator.runners import get_runner

    load_catalog()
    for key in ("qiskit_qpy", "iqm", "braket_qasm3"):
        get_runner(key)


def _worker_main() -> None:
    faulthandler.enable(file=sys.stderr, all_threads=True)
    # The pipes carry frames only: keep private copies and send anything a library prints to stderr.
    inbox = os.fdopen(os.dup(0), "rb")
    outbox = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    # A Ctrl-C in the terminal reaches the whole process group; the parent decides when workers end.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _warm()
    while True:
        payload = _read_frame(inbox)
        if payload is None:
            return  # the parent closed the pipe: it stopped or died
        _write_frame(outbox, simulate(payload))


def _read_frame(stream: IO[bytes]) -> Any:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    body = stream.read(size)
    if len(body) < size:
        return None
    return pickle.loads(body)


def _write_frame(stream: IO[bytes], value: Any) -> None:
    body = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(body)) + body)
    stream.flush()


# --- the parent's side -------------------------------------------------------------------------------


@dataclass(eq=False)
class Ticket:
    """One job handed to the pool.

    ``payload`` is called on a pool thread right before the job starts (so calibrations are read at
    that moment, outside the Hub's lock); returning ``None`` drops the job. ``on_done`` receives the
    :data:`Outcome`, exactly once, on a pool thread.
    """

    job_id: str
    payload: Callable[[], dict[str, Any] | None]
    on_done: Callable[[Outcome], None]
    aborted: bool = False
    _worker: _Worker | None = field(default=None, repr=False)
    _sent: bool = field(default=False, repr=False)


class _Worker:
    """One worker process and its pipes."""

    def __init__(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
        # One thread per worker: the pool already runs a simulation per core, and Aer's OpenMP threads,
        # idle between small jobs, spin on the cores the server and the other worker need (a small job
        # cost ~6 ms of CPU instead of ~1 ms). A value the user set on purpose is kept.
        for name in _THREAD_VARIABLES:
            env.setdefault(name, "1")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "qhub_providers.emulator.workers"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,  # the parent's stderr: crash tracebacks must be seen
            env=env,
            close_fds=True,
            start_new_session=True,  # a terminal's Ctrl-C is for the Hub, which then ends its workers
        )
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.inbox: IO[bytes] = self.process.stdin
        self.outbox: IO[bytes] = self.process.stdout

    @property
    def pid(self) -> int:
        return self.process.pid

    def send(self, payload: dict[str, Any]) -> bool:
        """Hand the worker one job; ``False`` when the process is gone."""
        try:
            _write_frame(self.inbox, payload)
        except (OSError, ValueError):
            return False
        return True

    def receive(self) -> Outcome | None:
        """The outcome of the job sent last, or ``None`` when the process died first."""
        try:
            outcome: Outcome | None = _read_frame(self.outbox)
        except (OSError, ValueError, pickle.UnpicklingError, EOFError):
            return None
        return outcome

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()

    def close(self, timeout: float = 2.0) -> None:
        """End the process: close its pipe (it leaves by itself), kill it if it does not."""
        for stream in (self.inbox, self.outbox):
            with contextlib.suppress(OSError):
                stream.close()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def crash_reason(returncode: int | None) -> str:
    """How a worker process ended, in words (``killed by signal SIGSEGV``, ``exited with code 1``)."""
    if returncode is None:
        return "stopped answering"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = str(-returncode)
        return f"was killed by signal {name}"
    return f"exited with code {returncode}"


class SimulationPool:
    """A few worker processes taking jobs from one queue, first come, first served.

    Each worker has a thread of the parent (a slot) that feeds it one job at a time. When a job completes
    and another is queued, the slot sends that one before it records the outcome, so the worker does not sit
    idle while the Hub writes to its store; after a crash or an abort the next job waits for a new worker.
    """

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._queue: queue.Queue[Ticket | None] = queue.Queue()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._workers: list[_Worker | None] = [None] * self.size
        self._current: dict[_Worker, Ticket] = {}
        self._closed = False

    def submit(self, ticket: Ticket) -> None:
        """Queue a job; the slots start their worker processes on the first one."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the simulation pool is closed")
            if not self._threads:
                for slot in range(self.size):
                    thread = threading.Thread(
                        target=self._serve, args=(slot,), name=f"local-hub-worker-{slot}", daemon=True
                    )
                    thread.start()
                    self._threads.append(thread)
        self._queue.put(ticket)

    def abort(self, ticket: Ticket) -> bool:
        """Stop a job: a queued one is dropped, a running one ends with its worker (which is replaced).

        Returns whether it was running; a dropped job never reaches a worker.
        """
        with self._lock:
            ticket.aborted = True
            worker = ticket._worker
        if worker is not None:
            worker.kill()
        return worker is not None

    def worker_pids(self) -> list[int]:
        """Process ids of the live workers (tests and diagnostics)."""
        with self._lock:
            return [w.pid for w in self._workers if w is not None and w.process.poll() is None]

    def running_pid(self, job_id: str) -> int | None:
        """The process id of the worker simulating ``job_id`` right now, if any."""
        with self._lock:
            for worker, ticket in self._current.items():
                if ticket.job_id == job_id:
                    return worker.pid
        return None

    def close(self) -> None:
        """End every slot and worker; jobs still queued are dropped."""
        with self._lock:
            self._closed = True
            threads = list(self._threads)
            workers = [w for w in self._workers if w is not None]
        for _ in threads:
            self._queue.put(None)
        for worker in workers:
            worker.close()
        for thread in threads:
            thread.join(timeout=5)

    def _serve(self, slot: int) -> None:
        # Start this slot's worker now, so that it loads the simulators while the first jobs run elsewhere.
        with self._lock:
            if self._workers[slot] is None and not self._closed:
                self._workers[slot] = _Worker()
        ahead: tuple[Ticket, _Worker] | None = None
        while True:
            if ahead is not None:
                ticket, sent_to = ahead
                ahead = None
                started: Outcome | _Worker = sent_to
            else:
                queued = self._queue.get()
                if queued is None:
                    return
                ticket = queued
                started = {}
            try:
                if not started:
                    started = self._start(slot, ticket)
                if isinstance(started, dict):
                    outcome: Outcome = started
                else:
                    outcome = self._outcome(slot, ticket, started)
                    if outcome["status"] == "COMPLETED" or outcome.get("error", {}).get("error", {}).get(
                        "code"
                    ) in ("INVALID_INPUT", "SIMULATION_ERROR"):
                        # The worker is alive and idle: hand it the next job before recording this one, so
                        # it simulates while this thread writes to the store (still one job at a time).
                        ahead = self._next_ahead(slot)
            except Exception:  # the slot must survive whatever one job does
                log.exception("local Hub worker slot %d failed on job %s", slot, ticket.job_id)
                outcome = _failed("the local Hub could not run the simulation", "SIMULATION_ERROR")
            try:
                ticket.on_done(outcome)
            except Exception:
                log.exception("local Hub could not record the outcome of job %s", ticket.job_id)

    def _next_ahead(self, slot: int) -> tuple[Ticket, _Worker] | None:
        """The next queued job, already sent to this slot's worker; ``None`` when none is waiting."""
        while True:
            try:
                ticket = self._queue.get_nowait()
            except queue.Empty:
                return None
            if ticket is None:
                self._queue.put(None)  # the pool is closing: leave the stop signal for the loop
                return None
            started = self._start(slot, ticket)
            if not isinstance(started, dict):
                return ticket, started
            try:
                ticket.on_done(started)  # dropped before it ran
            except Exception:
                log.exception("local Hub could not record the outcome of job %s", ticket.job_id)

    def _start(self, slot: int, ticket: Ticket) -> Outcome | _Worker:
        """Send a job to the slot's worker (starting one if needed); an :data:`Outcome` when it is dropped."""
        if ticket.aborted:
            return {"status": "DROPPED"}
        payload = ticket.payload()
        if payload is None:
            return {"status": "DROPPED"}
        with self._lock:
            if ticket.aborted or self._closed:
                return {"status": "DROPPED"}
            worker = self._workers[slot]
            if worker is None or worker.process.poll() is not None:
                worker = _Worker()
                self._workers[slot] = worker
            ticket._worker = worker
            self._current[worker] = ticket
        ticket._sent = worker.send(payload)
        return worker

    def _outcome(self, slot: int, ticket: Ticket, worker: _Worker) -> Outcome:
        """Wait for the outcome of the job sent to ``worker``."""
        try:
            outcome = worker.receive() if ticket._sent else None
        finally:
            with self._lock:
                ticket._worker = None
                self._current.pop(worker, None)
        if outcome is not None:
            return outcome
        # The worker died mid-job: find out how, and replace it on the next job.
        try:
            returncode: int | None = worker.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            worker.kill()
            returncode = None
        worker.close(timeout=0)
        with self._lock:
            if self._workers[slot] is worker:
                self._workers[slot] = None
        if ticket.aborted:
            return {"status": "ABORTED"}
        reason = crash_reason(returncode)
        log.error(
            "local Hub: the simulator process (pid %d) %s while running job %s; the job is marked FAILED "
            "and a new worker process takes the next job",
            worker.pid,
            reason,
            ticket.job_id,
        )
        return _failed(
            f"the simulator process {reason} while running this job (a crash of the simulator, or the "
            "machine ran out of memory); the local Hub replaced it and keeps serving",
            "SIMULATOR_CRASHED",
        )


_pools: dict[int, SimulationPool] = {}
_pools_lock = threading.Lock()


def shared_pool(size: int) -> SimulationPool:
    """The process-wide pool with ``size`` workers, shared by every local Hub of this process."""
    with _pools_lock:
        pool = _pools.get(size)
        if pool is None:
            pool = SimulationPool(size)
            _pools[size] = pool
        return pool


@atexit.register
def _close_pools() -> None:
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.close()


if __name__ == "__main__":
    _worker_main()
