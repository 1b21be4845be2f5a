"""The local Hub's job engine: moves jobs PENDING → RUNNING → COMPLETED/FAILED, handles cancellation,
forced statuses and session expiry, and hands simulations to worker processes (see ``workers.py``).

One scheduler thread decides; worker processes simulate, so a crashing simulator fails its job and the
Hub keeps serving. Every status change is written to the store before it becomes visible, so a restarted
Hub picks up where it stopped: jobs that were running are run again from their stored input.
"""

from __future__ import annotations

import faulthandler
import hashlib
import logging
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qhub_providers.emulator.service import FINAL_SESSION, TERMINAL_JOB, HubService, iso
from qhub_providers.emulator.workers import Outcome, SimulationPool, Ticket, shared_pool

log = logging.getLogger("qhub_providers.emulator")

TICK = 0.02
COALESCE = 0.002
"""Seconds the engine waits after being woken, so one pass takes in the changes that come together."""
CANCEL_GRACE = 1.0
"""Seconds a running job may take to finish by itself after it was cancelled, before its worker is ended."""


def job_seed(job: dict[str, Any]) -> int:
    """A seed fixed per job: the ``seed_simulator`` input parameter, else derived from the job id."""
    params = job.get("input_params") or {}
    seed = params.get("seed_simulator", params.get("seed"))
    if isinstance(seed, int) and not isinstance(seed, bool):
        return seed
    return int.from_bytes(hashlib.sha256(job["id"].encode()).digest()[:4], "big")


def error_envelope(message: str, code: str) -> dict[str, Any]:
    return {"error": {"message": message, "code": code}}


class Engine:
    """Runs the jobs of one :class:`HubService` until stopped."""

    def __init__(self, service: HubService, *, workers: int = 2, catalog: str | Path | None = None) -> None:
        self.service = service
        # Workers read the same catalog file the Hub serves (by path: specs do not cross processes).
        self._catalog = str(Path(catalog).resolve()) if catalog is not None else None
        self._pool = shared_pool(workers)
        self._running: dict[str, Ticket] = {}
        self._cancelling_since: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="local-hub-engine", daemon=True)

    @property
    def pool(self) -> SimulationPool:
        """The worker pool simulating this Hub's jobs (shared by the local Hubs of this process)."""
        return self._pool

    def start(self) -> None:
        if not faulthandler.is_enabled():
            faulthandler.enable()  # a crash of the server process itself leaves a traceback on stderr
        self._recover()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self.service.lock:
            self.service.work_available.notify_all()
        self._thread.join(timeout=5)
        # Jobs still queued for a worker are dropped; running ones are cut off (their worker ends and is
        # replaced) and run again when a Hub on the same database starts. Wait, bounded, until the pool
        # has let go of them, so nothing writes to the store after the Hub closes it.
        with self.service.lock:
            tickets = list(self._running.values())
        for ticket in tickets:
            if not self._pool.abort(ticket):
                # Queued behind other Hubs' simulations: it will be dropped unseen, no need to wait.
                with self.service.lock:
                    self._running.pop(ticket.job_id, None)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with self.service.lock:
                if not self._running:
                    return
            time.sleep(0.01)

    def _recover(self) -> None:
        """After a restart: jobs caught mid-run are queued again; half-cancelled ones finish cancelling."""
        store = self.service.store
        with self.service.lock:
            for job in store.jobs_with_status(["RUNNING"]):
                if job["status"] == "RUNNING":
                    job.update(status="PENDING", started_at=None, _not_before=time.time())
                    store.put("job", job["id"], job)
                    log.info("job %s was running when the Hub stopped; queued again", job["id"])

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._tick()
            except Exception:  # keep the engine alive whatever one job does
                log.exception("local Hub engine tick failed")
            with self.service.lock:
                woken = self.service.work_available.wait(TICK)
            if woken:
                # Under load every submission and every finished simulation wakes the engine, and a pass
                # reads every unfinished job: a moment's pause lets one pass handle a whole burst.
                self._stop.wait(COALESCE)

    def _tick(self) -> None:
        service = self.service
        store = service.store
        now = time.time()
        with service.lock:
            jobs = store.unfinished_jobs()  # an index lookup: ended jobs cost nothing here
            open_in_session: set[str] = {
                j["session_id"] for j in jobs if j.get("session_id") and j["status"] not in TERMINAL_JOB
            }
            for session in store.open_sessions():
                if session["status"] in FINAL_SESSION:
                    continue
                expired = now >= float(session.get("_expires") or now + 1)
                drained = session["status"] == "DRAINING" and session["id"] not in open_in_session
                if expired or drained:
                    session.update(status="CLOSED", closed_at=iso(service.clock()))
                    store.put("session", session["id"], session)
            for job in jobs:
                running = self._running.get(job["id"])
                if running is not None:
                    if job["status"] == "CANCELLING" and not running.aborted:
                        # A short simulation may finish by itself; a long one is cut off after a grace
                        # period (its worker ends and is replaced) and the job becomes CANCELLED.
                        noticed = self._cancelling_since.setdefault(job["id"], now)
                        if now - noticed >= CANCEL_GRACE:
                            self._pool.abort(running)
                    continue
                if job["status"] in TERMINAL_JOB:
                    continue
                forced = job.get("_forced")
                if forced and now >= float(forced.get("after", 0)):
                    self._apply_forced(job, forced)
                    continue
                if job["status"] == "CANCELLING":
                    self._finish(job, "CANCELLED")
                    continue
                # A RUNNING job that no worker holds was forced there by the admin controls; once its
                # hold ends it runs like a queued one.
                if job["status"] not in {"PENDING", "UNKNOWN", "RUNNING"}:
                    continue
                if now < float(job.get("_not_before", 0)):
                    continue
                if service.backend_state(job["backend_id"])["status"] != "ONLINE":
                    continue  # paused or offline backends keep their queue
                if job.get("_held_until", 0) > now:
                    continue
                job.update(status="RUNNING", started_at=job.get("started_at") or iso(service.clock()))
                store.put("job", job["id"], job)
                self._submit(job["id"])

    def _apply_forced(self, job: dict[str, Any], forced: dict[str, Any]) -> None:
        status = forced["status"]
        job.pop("_forced", None)
        if status in TERMINAL_JOB:
            message = forced.get("message") or f"forced to {status} by the local Hub's admin controls"
            error = error_envelope(message, status) if status in {"FAILED", "ABORTED"} else None
            self._finish(job, status, error=error)
            return
        # A non-terminal forced status is held for a while, then the job carries on.
        job.update(status=status, _held_until=time.time() + float(forced.get("hold", 1.0)))
        if status == "PENDING":
            job["started_at"] = None
        elif status == "RUNNING" and not job.get("started_at"):
            job["started_at"] = iso(self.service.clock())
        self.service.store.put("job", job["id"], job)

    def _finish(
        self,
        job: dict[str, Any],
        status: str,
        *,
        error: dict[str, Any] | None = None,
        views: dict[str, Any] | None = None,
        usage_ms: int | None = None,
    ) -> None:
        store = self.service.store
        with store.transaction():
            if status == "FAILED" and error is not None:
                store.put_result(job["id"], "native", error)
                store.put_result(
                    job["id"], "normalized", {"pubs": [{"type": "error", "error": error["error"]}]}
                )
                store.put_result(job["id"], "memory", None)
            if views is not None:
                for view, body in views.items():
                    store.put_result(job["id"], view, body)
            job.update(
                status=status,
                ended_at=iso(self.service.clock()),
                usage_time_millis=usage_ms,
                usage_time_state="MEASURED" if usage_ms is not None else "NOT_MEASURABLE",
            )
            if error is not None:
                job["_error"] = error["error"]
            store.put("job", job["id"], job)
        self.service.forget_prepared(job["id"])

    def _submit(self, job_id: str) -> None:
        calibrated: dict[str, float | None] = {"at": None}

        def payload() -> dict[str, Any] | None:
            if self._stop.is_set():
                return None  # queued behind other simulations and this Hub has stopped since
            job = self.service.store.get("job", job_id)
            if job is None:
                return None
            spec = self.service.spec(job["backend_id"])
            noise = None
            if not spec.is_simulator and spec.calibration_at is not None:
                moment = datetime.now(UTC)
                snapshot = spec.calibration_at(moment)
                if snapshot is not None:
                    calibrated["at"] = moment.timestamp()
                    noise = snapshot  # with calibrated_at, so workers reuse the noise model
            return {
                "backend_id": job["backend_id"],
                "input": job["_input"],
                "input_params": job.get("input_params") or {},
                "shots": job["shots"],
                "seed": job_seed(job),
                "noise": noise,
                "catalog": self._catalog,
            }

        def done(outcome: Outcome) -> None:
            self._complete(job_id, outcome, calibrated["at"])

        ticket = Ticket(job_id=job_id, payload=payload, on_done=done)
        self._running[job_id] = ticket
        self._pool.submit(ticket)

    def _complete(self, job_id: str, outcome: Outcome, calibrated_at: float | None) -> None:
        """Record what the worker reported (called on a pool thread)."""
        service = self.service
        try:
            status = outcome["status"]
            if status == "DROPPED" or self._stop.is_set():
                return  # never ran, or cut off by stop(): the stored job is queued again on restart
            with service.lock:
                job = service.store.get("job", job_id)
                if job is None:
                    return
                job["_calibrated_at"] = calibrated_at
                usage_ms = outcome.get("usage_ms")
                if job["status"] == "CANCELLING":
                    self._finish(job, "CANCELLED", usage_ms=usage_ms)
                elif job.get("_forced"):
                    self._apply_forced(job, job["_forced"])
                elif status == "ABORTED":
                    # Aborted for a cancellation the job no longer shows: run it again.
                    job.update(status="PENDING", started_at=None)
                    service.store.put("job", job_id, job)
                elif job["status"] == "RUNNING":
                    # Crashes were logged by the pool, bad inputs are the client's business.
                    code = outcome["error"]["error"].get("code") if status == "FAILED" else None
                    if code not in (None, "INVALID_INPUT", "SIMULATOR_CRASHED"):
                        log.warning("job %s failed: %s", job_id, outcome["error"]["error"]["message"])
                    self._finish(
                        job, status, error=outcome.get("error"), views=outcome.get("views"), usage_ms=usage_ms
                    )
        finally:
            with service.lock:
                self._running.pop(job_id, None)
                self._cancelling_since.pop(job_id, None)
                service.work_available.notify_all()
