"""The local Hub's job engine: moves jobs PENDING → RUNNING → COMPLETED/FAILED, handles cancellation,
forced statuses and session expiry, and runs simulations on a small worker pool.

One scheduler thread decides; worker threads simulate. Every status change is written to the store
before it becomes visible, so a restarted Hub picks up where it stopped: jobs that were running are run
again from their stored input.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import traceback
from datetime import UTC, datetime
from typing import Any

from qhub_providers.emulator import threads
from qhub_providers.emulator.runners import InvalidJobInput, get_runner
from qhub_providers.emulator.service import FINAL_SESSION, TERMINAL_JOB, HubService, iso

log = logging.getLogger("qhub_providers.emulator")

TICK = 0.02


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

    def __init__(self, service: HubService, *, workers: int = 2) -> None:
        self.service = service
        self._pool = threads.simulation_pool(workers)
        self._running: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="local-hub-engine", daemon=True)

    def start(self) -> None:
        self._recover()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self.service.lock:
            self.service.work_available.notify_all()
        self._thread.join(timeout=5)
        # The simulation threads outlive this engine (see threads.py): wait for its own jobs, bounded, so
        # nothing writes to the store after the Hub closes it. A job cut off here runs again on restart.
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
                self.service.work_available.wait(TICK)

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
                if job["id"] in self._running or job["status"] in TERMINAL_JOB:
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
                self._running.add(job["id"])
                self._pool.submit(self._run, job["id"])

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

    def _run(self, job_id: str) -> None:
        service = self.service
        try:
            if self._stop.is_set():
                return  # queued behind another Hub's simulations and this Hub has stopped since
            job = service.store.get("job", job_id)
            if job is None:
                return
            spec = service.spec(job["backend_id"])
            noise = None
            calibrated_at = None
            if not spec.is_simulator and spec.calibration_at is not None:
                moment = datetime.now(UTC)
                snapshot = spec.calibration_at(moment)
                if snapshot is not None:
                    calibrated_at = moment.timestamp()
                    noise = snapshot.get("calibration")
            started = time.perf_counter()
            outcome: tuple[str, dict[str, Any] | None, dict[str, Any] | None]
            try:
                execution = get_runner(spec.runner).execute(
                    service.prepared(job), seed=job_seed(job), noise=noise
                )
                views = {
                    "native": execution.native_result,
                    "normalized": execution.normalized,
                    "memory": execution.memory,
                }
                outcome = ("COMPLETED", None, views)
            except InvalidJobInput as exc:
                outcome = ("FAILED", error_envelope(exc.message, "INVALID_INPUT"), None)
            except Exception as exc:
                log.warning("job %s failed in the simulator:\n%s", job_id, traceback.format_exc())
                outcome = ("FAILED", error_envelope(f"simulation failed: {exc}", "SIMULATION_ERROR"), None)
            usage_ms = max(1, int((time.perf_counter() - started) * 1000))
            with service.lock:
                job = service.store.get("job", job_id)
                if job is None:
                    return
                job["_calibrated_at"] = calibrated_at
                status, error, views_or_none = outcome
                if job["status"] == "CANCELLING":
                    self._finish(job, "CANCELLED", usage_ms=usage_ms)
                elif job.get("_forced"):
                    self._apply_forced(job, job["_forced"])
                elif job["status"] == "RUNNING":
                    self._finish(job, status, error=error, views=views_or_none, usage_ms=usage_ms)
        finally:
            with service.lock:
                self._running.discard(job_id)
                service.work_available.notify_all()
