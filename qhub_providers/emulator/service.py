"""What the local Hub does, independent of HTTP: backends, jobs, sessions, workloads, results.

Every operation takes the :class:`Caller` (whose scope isolates organizations) and either returns the
JSON to answer with or raises :class:`~.errors.HubHTTPError`. The HTTP layer (``app.py``) only parses
requests and serialises answers; the job engine (``engine.py``) moves jobs through their lifecycle.
"""

from __future__ import annotations

import math
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from qhub_providers.emulator import threads
from qhub_providers.emulator.catalog.spec import BackendSpec
from qhub_providers.emulator.errors import HubHTTPError, bad_request, not_found, unprocessable
from qhub_providers.emulator.runners import InvalidJobInput, get_runner
from qhub_providers.emulator.store import Page, Store, WorkloadFilter

TERMINAL_JOB = frozenset({"COMPLETED", "FAILED", "CANCELLED", "ABORTED", "DETACHED"})
RESULT_READY = frozenset({"COMPLETED", "FAILED"})
FINAL_SESSION = frozenset({"CLOSED", "ABORTED", "DETACHED"})
ACCEPTING_SESSION = frozenset({"OPEN", "ACTIVE", "INACTIVE"})
FORCEABLE = frozenset({"ABORTED", "DETACHED", "FAILED", "CANCELLED", "UNKNOWN", "RUNNING", "PENDING"})
DEFAULT_SESSION_TTL = 8 * 3600
MAX_SESSION_TTL = 24 * 3600
MAX_PAGE_SIZE = 1000
JOB_SORTABLE = ("created_at", "started_at", "ended_at", "status", "backend_id", "name", "provider", "shots")
WORKLOAD_SORTABLE = (
    "created_at",
    "started_at",
    "ended_at",
    "status",
    "backend_id",
    "type",
    "provider",
    "name",
)
MAX_JSON_DEPTH = 100
"""Deepest nesting of a stored body: answers nest it further, and their JSON encoder stops at 255 levels."""

JOB_FIELDS = (
    "id",
    "name",
    "backend_id",
    "provider",
    "provider_job_id",
    "input_params",
    "input_format",
    "tags",
    "status",
    "created_at",
    "started_at",
    "ended_at",
    "usage_time_millis",
    "shots",
    "session_id",
    "sdk_provider",
    "usage_time_state",
)
SESSION_FIELDS = (
    "id",
    "backend_id",
    "provider",
    "status",
    "mode",
    "created_at",
    "started_at",
    "closed_at",
    "expires_at",
    "usage_time_millis",
    "provider_id",
    "tags",
    "metadata",
    "sdk_provider",
    "usage_time_state",
    "final",
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """ISO-8601 UTC with milliseconds and ``Z``: readable by pydantic and ``datetime.fromisoformat``."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_instant(value: str, name: str) -> datetime:
    """An ISO-8601 instant with a zone, or 400."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise bad_request(f"{name} must be an ISO-8601 date-time, e.g. 2026-04-17T12:34:56Z") from None
    if moment.tzinfo is None:
        raise bad_request(f"{name} must carry a time zone, e.g. 2026-04-17T12:34:56Z")
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:00:00-05:00 lies beyond the last representable instant
        raise bad_request(f"{name} is out of range") from None


@dataclass(frozen=True)
class Caller:
    """Who is asking: the scope isolates organizations; a service-execution token names its execution."""

    scope: str | None
    """``org:<id>``, ``personal``, or ``None`` for an anonymous caller."""
    service_execution_id: str | None = None

    @property
    def authenticated(self) -> bool:
        return self.scope is not None


def public(doc: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """The wire view of a stored record: known fields only, internal ``_`` keys dropped."""
    return {name: doc.get(name) for name in fields}


def _camel_to_snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def paginate(
    items: list[dict[str, Any]],
    *,
    page: int | None,
    size: int | None,
    sort: list[str],
    sortable: Iterable[str],
    render: Callable[[dict[str, Any]], dict[str, Any]],
) -> dict[str, Any]:
    """Spring-style paging and sorting with camelCase property names, of a list in memory."""
    page, size, keys = page_request(page, size, sort, sortable)
    ordered = sorted(items, key=lambda d: int(d.get("_seq", 0)))
    for field, descending in reversed(keys):
        present = [d for d in ordered if d.get(field) is not None]
        missing = [d for d in ordered if d.get(field) is None]
        present.sort(key=lambda d: d[field], reverse=descending)
        ordered = present + missing  # nulls last, whatever the direction
    start = page * size
    return page_answer(page, size, len(ordered), [render(d) for d in ordered[start : start + size]])


def page_request(
    page: int | None, size: int | None, sort: list[str], sortable: Iterable[str]
) -> tuple[int, int, list[tuple[str, bool]]]:
    """Checked page number, page size and sort keys (``(snake_case field, descending)``), or 400."""
    page = 0 if page is None else page
    size = 20 if size is None else size
    if page < 0:
        raise bad_request("page must be 0 or more")
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise bad_request(f"size must be between 1 and {MAX_PAGE_SIZE}")
    allowed = set(sortable)
    keys: list[tuple[str, bool]] = []
    for spec in sort:
        prop, _, direction = spec.partition(",")
        prop = prop.strip()
        direction = direction.strip().lower() or "asc"
        field = _camel_to_snake(prop)
        if field not in allowed:
            raise bad_request(
                f"cannot sort by '{prop}'; use one of {sorted(_snake_to_camel(f) for f in allowed)}"
            )
        if direction not in {"asc", "desc"}:
            raise bad_request(f"sort direction must be asc or desc, not '{direction}'")
        keys.append((field, direction == "desc"))
    return page, size, keys


def page_answer(page: int, size: int, total: int, content: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "content": content,
        "page": page,
        "size": size,
        "total_elements": total,
        "total_pages": (total + size - 1) // size,
    }


def _snake_to_camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class HubService:
    """The state of one local Hub and every operation on it (thread-safe)."""

    def __init__(
        self,
        store: Store,
        catalog: dict[str, BackendSpec],
        *,
        queue_delay: float | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.queue_delay = queue_delay
        self.clock = clock
        self.lock = threading.RLock()
        self.work_available = threading.Condition(self.lock)
        self._prepared: dict[str, Any] = {}
        self.started_at = clock()
        for spec in catalog.values():
            if store.get("backend", spec.id) is None:
                store.put("backend", spec.id, self._initial_backend_state(spec))

    # -- backends ---------------------------------------------------------------------------------

    @staticmethod
    def _initial_backend_state(spec: BackendSpec) -> dict[str, Any]:
        return {
            "status": getattr(spec, "initial_status", "ONLINE"),
            "queue_size": getattr(spec, "initial_queue_size", 0),
            "queue_avg_time": getattr(spec, "queue_avg_time", 0),
            "queue_delay": None,
        }

    def spec(self, backend_id: str) -> BackendSpec:
        spec = self.catalog.get(backend_id)
        if spec is None:
            raise not_found("backend", backend_id)
        return spec

    def backend_state(self, backend_id: str) -> dict[str, Any]:
        state = self.store.get("backend", backend_id)
        return state if state is not None else self._initial_backend_state(self.spec(backend_id))

    def queue_size(self, backend_id: str, pending: dict[str, int] | None = None) -> int:
        """The reported queue (admin controls) plus the jobs waiting here; ``pending`` saves the query
        when many backends are rendered at once."""
        waiting = (pending if pending is not None else self.store.pending_by_backend()).get(backend_id, 0)
        return int(self.backend_state(backend_id).get("queue_size") or 0) + waiting

    def queue_delay_of(self, spec: BackendSpec) -> float:
        override = self.backend_state(spec.id).get("queue_delay")
        if override is not None:
            return float(override)
        if self.queue_delay is not None:
            return self.queue_delay
        return spec.queue_delay

    def render_backend(
        self, spec: BackendSpec, caller: Caller, pending: dict[str, int] | None = None
    ) -> dict[str, Any]:
        # A shallow copy: only top-level keys change below, and the answer is only serialised (a deep
        # copy of every record made GET /backends cost milliseconds per backend).
        record = dict(spec.record)
        record["updated_at"] = iso(self.started_at)
        if caller.authenticated:
            record["queue_size"] = self.queue_size(spec.id, pending)
            record["has_calibration"] = spec.calibration_at is not None
        else:
            record.pop("queue_size", None)
            record.pop("availability", None)
            record["has_calibration"] = False
        return record

    def list_backends(
        self, caller: Caller, provider: str | None, only_sdk: bool | None
    ) -> list[dict[str, Any]]:
        wanted = provider.strip().upper().replace("-", "_") if provider else None
        pending = self.store.pending_by_backend() if caller.authenticated else {}
        out = []
        for spec in self.catalog.values():
            if wanted and spec.provider.upper() != wanted:
                continue
            if only_sdk and (spec.refuse_jobs or not _runs_with_qhub_sdk(spec.record)):
                continue
            out.append(self.render_backend(spec, caller, pending))
        return out

    def backend_status(self, backend_id: str) -> dict[str, Any]:
        self.spec(backend_id)
        state = self.backend_state(backend_id)
        return {
            "status": state["status"],
            "queue_size": self.queue_size(backend_id),
            "queue_avg_time": state.get("queue_avg_time"),
        }

    def least_busy(self, provider: str | None, min_qubits: int | None) -> dict[str, Any]:
        if not provider:
            raise bad_request("provider is required")
        if provider.strip().upper() != "IBM":
            raise bad_request(f"least-busy selection is offered for IBM only, not '{provider}'")
        candidates = [
            spec
            for spec in self.catalog.values()
            if spec.provider == "IBM"
            and self.backend_state(spec.id)["status"] == "ONLINE"
            and (min_qubits is None or spec.num_qubits >= min_qubits)
        ]
        if not candidates:
            raise HubHTTPError(404, "no online IBM backend matches")
        pending = self.store.pending_by_backend()
        best = min(candidates, key=lambda s: (self.queue_size(s.id, pending), s.id))
        return self.render_backend(best, Caller(scope="personal"), pending)

    def calibration(self, backend_id: str, effective_at: str | None) -> dict[str, Any] | None:
        spec = self.spec(backend_id)
        if spec.calibration_at is None:
            return None
        now = self.clock()
        moment = parse_instant(effective_at, "effectiveAt") if effective_at else now
        # Calibrations after now have not happened yet: a future instant sees the latest one.
        return spec.calibration_at(min(moment, now))

    def calibration_history(
        self,
        backend_id: str,
        start: str | None,
        end: str | None,
        page: int | None,
        size: int | None,
        sort: list[str],
    ) -> dict[str, Any]:
        spec = self.spec(backend_id)
        if not start or not end:
            raise bad_request("from and to are required")
        first, last = parse_instant(start, "from"), parse_instant(end, "to")
        if first > last:
            raise bad_request("from must not be after to")
        calibration_at = spec.calibration_at
        docs: list[dict[str, Any]] = []
        if spec.calibration_times is not None and calibration_at is not None:
            # Only calibrations that happened so far; and a snapshot is built only for the page served,
            # so that a long interval costs a list of instants, not thousands of calibrations.
            for index, moment in enumerate(spec.calibration_times(first, min(last, self.clock()))):
                docs.append(
                    {"calibrated_at": iso(moment), "backend_id": backend_id, "_seq": index, "_at": moment}
                )

        def render(doc: dict[str, Any]) -> dict[str, Any]:
            assert calibration_at is not None
            return calibration_at(doc["_at"]) or {}

        return paginate(
            docs, page=page, size=size, sort=sort, sortable={"calibrated_at", "backend_id"}, render=render
        )

    # -- jobs ---------------------------------------------------------------------------------

    def _job(self, caller: Caller, job_id: str, service_execution_id: str | None = None) -> dict[str, Any]:
        doc = self.store.get("job", job_id)
        if doc is None or doc["_scope"] != caller.scope:
            raise not_found("job", job_id)
        if service_execution_id is not None and doc.get("_se") != service_execution_id:
            raise not_found("job", job_id)
        if caller.service_execution_id is not None and doc.get("_se") != caller.service_execution_id:
            raise not_found("job", job_id)
        return doc

    def get_job(self, caller: Caller, job_id: str, se: str | None = None) -> dict[str, Any]:
        return public(self._job(caller, job_id, se), JOB_FIELDS)

    def job_status(self, caller: Caller, job_id: str, se: str | None = None) -> dict[str, Any]:
        # The most polled endpoint: answered from the job's columns, without reading its record.
        head = self.store.job_head(job_id)
        if head is None:
            raise not_found("job", job_id)
        scope, execution, status = head
        wanted = (se, caller.service_execution_id)
        if scope != caller.scope or any(w is not None and w != execution for w in wanted):
            raise not_found("job", job_id)
        return {"status": status}

    def create_job(self, caller: Caller, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise bad_request("the body must be a JSON object")
        _check_depth(body)
        backend_id = body.get("backend_id")
        if not isinstance(backend_id, str) or not backend_id:
            raise bad_request("backend_id is required (a string)")
        shots = body.get("shots")
        if not isinstance(shots, int) or isinstance(shots, bool):
            raise bad_request("shots is required (an integer)")
        if "input" not in body or body["input"] is None:
            raise bad_request("input is required")
        spec = self.spec(backend_id)
        if spec.refuse_jobs:
            raise unprocessable(spec.refuse_jobs)
        if self.backend_state(backend_id)["status"] == "RETIRED":
            raise unprocessable(f"backend '{backend_id}' is retired and accepts no jobs")
        input_format = body.get("input_format")
        if input_format is None:
            input_format = spec.input_formats[0]
        elif not isinstance(input_format, str):
            raise bad_request(f"input_format must be a string, e.g. {spec.input_formats[0]}")
        if input_format not in spec.input_formats:
            raise unprocessable(
                f"input format {input_format} is not supported by {backend_id}; "
                f"supported: {', '.join(spec.input_formats)}"
            )
        params = body.get("input_params")
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise bad_request("input_params must be a JSON object")
        params = {k: v for k, v in params.items() if k != "backendId"}
        tags = _tags(body.get("tags"))
        name = body.get("name")
        if name is not None and not isinstance(name, str):
            raise bad_request("name must be a string")
        sdk_provider = body.get("sdk_provider")
        if sdk_provider is not None and not isinstance(sdk_provider, str):
            raise bad_request("sdk_provider must be a string")
        job_input = _unwrap_input(body["input"])
        session_id = body.get("session_id")
        try:
            prepared = threads.parse(get_runner(spec.runner).prepare, spec, job_input, params, shots)
        except InvalidJobInput as exc:
            raise HubHTTPError(exc.status, exc.message) from None
        if isinstance(job_input, dict) and input_format == "IONQ_CIRCUIT_V1" and "qubits" in job_input:
            # The official SDK reads the qubit count back from the job's input_params.
            params.setdefault("qubits", job_input["qubits"])
        now = self.clock()
        job_id = str(uuid.uuid4())
        doc: dict[str, Any] = {
            "id": job_id,
            "name": name,
            "backend_id": backend_id,
            "provider": spec.provider,
            "provider_job_id": f"local-{uuid.uuid4().hex[:16]}",
            "input_params": params,
            "input_format": input_format,
            "tags": tags,
            "status": "PENDING",
            "created_at": iso(now),
            "started_at": None,
            "ended_at": None,
            "usage_time_millis": None,
            "shots": shots,
            "session_id": None,
            "sdk_provider": sdk_provider,
            "usage_time_state": "PENDING",
            "_scope": caller.scope,
            "_se": caller.service_execution_id,
            "_input": job_input,
            "_not_before": (now + timedelta(seconds=self.queue_delay_of(spec))).timestamp(),
        }
        with self.lock:
            if session_id is not None:
                session = self._session_for_job(caller, session_id, backend_id)
                doc["session_id"] = session["id"]
                if session["status"] == "OPEN":
                    session.update(status="ACTIVE", started_at=iso(now))
                    self.store.put("session", session["id"], session)
            self.store.put("job", job_id, doc)
            self._prepared[job_id] = prepared
            self.work_available.notify_all()
        return public(doc, JOB_FIELDS)

    def _session_for_job(self, caller: Caller, session_id: Any, backend_id: str) -> dict[str, Any]:
        if not isinstance(session_id, str):
            raise bad_request("session_id must be a string")
        session = self._session(caller, session_id)
        if session["backend_id"] != backend_id:
            raise unprocessable(
                f"session '{session_id}' runs on {session['backend_id']}, not on {backend_id}"
            )
        if session["status"] not in ACCEPTING_SESSION:
            raise unprocessable(f"session '{session_id}' is {session['status']} and accepts no new jobs")
        return session

    def prepared(self, job: dict[str, Any]) -> Any:
        """The runner's parsed form of a job's input, re-parsed after a restart."""
        cached = self._prepared.get(job["id"])
        if cached is None:
            spec = self.spec(job["backend_id"])
            cached = get_runner(spec.runner).prepare(
                spec, job["_input"], job["input_params"] or {}, job["shots"]
            )
            self._prepared[job["id"]] = cached
        return cached

    def forget_prepared(self, job_id: str) -> None:
        self._prepared.pop(job_id, None)

    def cancel_job(self, caller: Caller, job_id: str, se: str | None = None) -> None:
        with self.lock:
            doc = self._job(caller, job_id, se)
            if doc["status"] == "CANCELLED":
                return  # asked again (clients retry DELETE): nothing left to do
            if doc["status"] in TERMINAL_JOB:
                raise bad_request(f"job '{job_id}' is already {doc['status']}")
            if doc["status"] != "CANCELLING":
                doc["status"] = "CANCELLING"
                self.store.put("job", job_id, doc)
            self.work_available.notify_all()

    def search_jobs(
        self, caller: Caller, page: int | None, size: int | None, sort: list[str], se: str | None
    ) -> dict[str, Any]:
        number, size, keys = page_request(page, size, sort, JOB_SORTABLE)
        mine = caller.service_execution_id
        if se is not None and mine is not None and se != mine:
            return page_answer(number, size, 0, [])  # another execution's jobs are not this caller's
        found = self.store.page_jobs(caller.scope, se or mine, keys, number * size, size)
        return page_answer(number, size, found.total, [public(d, JOB_FIELDS) for _, d in found.rows])

    def result_text(self, caller: Caller, job_id: str, view: str, se: str | None = None) -> str | None:
        """The stored JSON text of a result view; 404 before the job has a result."""
        doc = self._job(caller, job_id, se)
        if doc["status"] not in RESULT_READY:
            raise HubHTTPError(404, f"job '{job_id}' is {doc['status']} and has no result")
        return self.store.get_result_text(job_id, view)

    def job_input(self, caller: Caller, job_id: str, se: str | None = None) -> dict[str, Any]:
        doc = self._job(caller, job_id, se)
        value = doc["_input"]
        # The endpoint answers with an object; a bare program string is shown in the QASM input shape.
        return value if isinstance(value, dict) else {"qasm": value}

    def normalized_input(self, caller: Caller, job_id: str, se: str | None = None) -> dict[str, Any]:
        doc = self._job(caller, job_id, se)
        spec = self.spec(doc["backend_id"])
        try:
            runner = get_runner(spec.runner)
            rendered: dict[str, Any] = threads.parse(lambda: runner.normalized_input(self.prepared(doc)))
        except InvalidJobInput as exc:
            raise HubHTTPError(422, exc.message) from None
        return rendered

    def job_calibration(self, caller: Caller, job_id: str, se: str | None = None) -> dict[str, Any] | None:
        doc = self._job(caller, job_id, se)
        spec = self.spec(doc["backend_id"])
        ran_at = doc.get("_calibrated_at")
        if ran_at is None or spec.calibration_at is None:
            return None
        return spec.calibration_at(datetime.fromtimestamp(ran_at, UTC))

    # -- sessions ---------------------------------------------------------------------------------

    def _session(self, caller: Caller, session_id: str, se: str | None = None) -> dict[str, Any]:
        doc = self.store.get("session", session_id)
        if doc is None or doc["_scope"] != caller.scope:
            raise not_found("session", session_id)
        if se is not None and doc.get("_se") != se:
            raise not_found("session", session_id)
        if caller.service_execution_id is not None and doc.get("_se") != caller.service_execution_id:
            raise not_found("session", session_id)
        return doc

    def render_session(
        self, doc: dict[str, Any], summary: tuple[int, int, bool, set[str]] | None = None
    ) -> dict[str, Any]:
        view = public(doc, SESSION_FIELDS)
        count, usage_ms, all_ended, job_tags = summary or self.store.session_summary(doc["id"])
        view["usage_time_millis"] = usage_ms
        view["usage_time_state"] = "MEASURED" if count and all_ended else "PENDING"
        # A session shows the union of its own tags and its jobs'.
        view["tags"] = sorted(set(doc.get("tags") or []) | job_tags)
        view["final"] = doc["status"] in FINAL_SESSION
        return view

    def create_session(self, caller: Caller, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise bad_request("the body must be a JSON object")
        _check_depth(body)
        backend_id = body.get("backend_id")
        if not isinstance(backend_id, str) or not backend_id:
            raise bad_request("backend_id is required (a string)")
        mode = body.get("mode")
        if not isinstance(mode, str) or mode not in {"batch", "dedicated"}:
            raise bad_request("mode is required: 'batch' or 'dedicated'")
        provider = body.get("provider")
        if not isinstance(provider, str) or not provider:
            raise bad_request("provider is required (e.g. 'AWS', 'IBM')")
        spec = self.spec(backend_id)
        if provider.upper() != spec.provider:
            raise unprocessable(f"backend {backend_id} is offered by {spec.provider}, not {provider}")
        if not spec.supports_sessions:
            raise unprocessable(f"backend {backend_id} does not support sessions")
        ttl = body.get("ttl")
        if ttl is None:
            ttl = DEFAULT_SESSION_TTL
        if not isinstance(ttl, int | float) or isinstance(ttl, bool) or not _finite(ttl) or ttl <= 0:
            raise bad_request("ttl must be a positive number of seconds")
        if ttl > MAX_SESSION_TTL:
            raise unprocessable(f"ttl must not exceed {MAX_SESSION_TTL} seconds")
        metadata = body.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise bad_request("metadata must be a JSON object")
        sdk_provider = body.get("sdk_provider")
        if sdk_provider is not None and not isinstance(sdk_provider, str):
            raise bad_request("sdk_provider must be a string")
        now = self.clock()
        session_id = str(uuid.uuid4())
        doc: dict[str, Any] = {
            "id": session_id,
            "backend_id": backend_id,
            "provider": spec.provider,
            "status": "OPEN",
            "mode": mode,
            "created_at": iso(now),
            "started_at": None,
            "closed_at": None,
            "expires_at": iso(now + timedelta(seconds=float(ttl))),
            "provider_id": f"local-session-{uuid.uuid4().hex[:12]}",
            "tags": _tags(body.get("tags")),
            "metadata": metadata,
            "sdk_provider": sdk_provider,
            "_scope": caller.scope,
            "_se": caller.service_execution_id,
            "_expires": (now + timedelta(seconds=float(ttl))).timestamp(),
        }
        self.store.put("session", session_id, doc)
        return self.render_session(doc)

    def get_session(self, caller: Caller, session_id: str, se: str | None = None) -> dict[str, Any]:
        return self.render_session(self._session(caller, session_id, se))

    def session_jobs(self, caller: Caller, session_id: str, se: str | None = None) -> list[dict[str, Any]]:
        self._session(caller, session_id, se)
        return [public(j, JOB_FIELDS) for j in self.store.session_jobs(session_id)]

    def update_session(
        self, caller: Caller, session_id: str, body: Any, se: str | None = None
    ) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("accept_jobs"), bool):
            raise bad_request('the body must be {"accept_jobs": true|false}')
        with self.lock:
            doc = self._session(caller, session_id, se)
            if doc["status"] in FINAL_SESSION:
                raise unprocessable(f"session '{session_id}' is {doc['status']}")
            if body["accept_jobs"]:
                doc["status"] = "ACTIVE" if doc.get("started_at") else "OPEN"
            else:
                doc["status"] = "DRAINING"
            self.store.put("session", session_id, doc)
            self.work_available.notify_all()
            return self.render_session(doc)

    def close_session(self, caller: Caller, session_id: str, se: str | None = None) -> None:
        with self.lock:
            doc = self._session(caller, session_id, se)
            if doc["status"] not in FINAL_SESSION:
                doc.update(status="CLOSED", closed_at=iso(self.clock()))
                self.store.put("session", session_id, doc)

    # -- workloads ---------------------------------------------------------------------------------

    def workloads(
        self,
        caller: Caller,
        *,
        page: int | None,
        size: int | None,
        sort: list[str],
        filters: dict[str, list[str]],
        se: str | None = None,
    ) -> dict[str, Any]:
        for key, allowed in (("type", {"JOB", "SESSION"}), ("origin", {"STANDALONE", "SERVICE_EXECUTION"})):
            unknown = {v.upper() for v in filters.get(key, [])} - allowed
            if unknown:
                raise bad_request(f"unknown {key} {sorted(unknown)}; use {sorted(allowed)}")
        number, size, keys = page_request(page, size, sort, WORKLOAD_SORTABLE)
        wanted = WorkloadFilter(
            types=filters.get("type", []),
            statuses=filters.get("status", []),
            providers=filters.get("provider", []),
            backend_ids=filters.get("backendId", []),
            tags=filters.get("tag", []),
            origins=filters.get("origin", []),
            executions=filters.get("serviceExecutionId", []),
            execution=se,
        )
        found: Page = self.store.page_workloads(
            caller.scope, caller.service_execution_id, wanted, keys, number * size, size
        )
        content = [self._workload(doc, kind) for kind, doc in found.rows]
        return page_answer(number, size, found.total, content)

    def _workload(self, doc: dict[str, Any], kind: str) -> dict[str, Any]:
        if kind == "JOB":
            return {
                "id": doc["id"],
                "type": "JOB",
                "backend_id": doc["backend_id"],
                "provider": doc["provider"],
                "status": doc["status"],
                "created_at": doc["created_at"],
                "started_at": doc.get("started_at"),
                "ended_at": doc.get("ended_at"),
                "sdk_provider": doc.get("sdk_provider"),
                "name": doc.get("name"),
                "tags": doc.get("tags"),
                "usage_time_millis": doc.get("usage_time_millis"),
                "usage_time_state": doc.get("usage_time_state"),
                "service_execution_id": doc.get("_se"),
            }
        summary = self.store.session_summary(doc["id"])
        session = self.render_session(doc, summary)
        return {
            "id": doc["id"],
            "type": "SESSION",
            "backend_id": doc["backend_id"],
            "provider": doc["provider"],
            "status": doc["status"],
            "created_at": doc["created_at"],
            "started_at": doc.get("started_at"),
            "ended_at": doc.get("closed_at"),
            "sdk_provider": doc.get("sdk_provider"),
            "tags": session["tags"],
            "job_count": summary[0],
            "usage_time_millis": session["usage_time_millis"],
            "usage_time_state": session["usage_time_state"],
            "service_execution_id": doc.get("_se"),
            "mode": doc["mode"],
        }

    # -- runtime minutes ---------------------------------------------------------------------------

    def runtime_minutes(self, caller: Caller) -> dict[str, Any]:
        ibm = [s.id for s in self.catalog.values() if s.provider == "IBM"]
        used_ms = self.store.usage_ms(caller.scope, caller.service_execution_id, ibm)
        allocated = 600 * 60
        consumed = used_ms // 1000
        return {
            "allowances": [
                {
                    "id": "local-ibm-allowance",
                    "provider": "IBM",
                    "backend_ids": ibm,
                    "allocated_seconds": allocated,
                    "consumed_seconds": consumed,
                    "remaining_seconds": max(0, allocated - consumed),
                    "limit_reached": consumed >= allocated,
                }
            ]
        }


def _finite(value: Any) -> bool:
    """Whether a JSON number is a real one: any int, or a float other than NaN and the infinities."""
    return not isinstance(value, float) or math.isfinite(value)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and _finite(value)


def _check_depth(body: Any) -> None:
    """Refuse a body nested deeper than :data:`MAX_JSON_DEPTH`: stored, it would make every answer that
    shows it (the job, listings, workloads) fail to serialise."""
    pending = [(body, 1)]
    while pending:
        value, depth = pending.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        if children and depth > MAX_JSON_DEPTH:
            raise bad_request(f"the body is nested deeper than {MAX_JSON_DEPTH} levels")
        pending.extend((child, depth + 1) for child in children)


def _tags(value: Any) -> list[str]:
    """Tags are unordered labels, deduplicated case-insensitively."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise bad_request("tags must be a list of strings")
    seen: set[str] = set()
    out = []
    for tag in value:
        if tag.lower() not in seen:
            seen.add(tag.lower())
            out.append(tag)
    return out


def _unwrap_input(value: Any) -> Any:
    """Undo client-side artefacts: the generated ``{"value": ...}`` wrapper and the ``backendId`` tag."""
    if isinstance(value, dict):
        body = {k: v for k, v in value.items() if k != "backendId"}
        if set(body) == {"value"}:
            return body["value"]
        return body
    return value


class AdminControls:
    """Test controls of a local Hub started with ``admin=True``; bounded and off by default."""

    def __init__(self, service: HubService) -> None:
        self.service = service

    def force_job_status(
        self, job_id: str, status: str, message: str | None = None, hold: float = 1.0
    ) -> None:
        """Make the job's next transition go to ``status``: a terminal one ends the job, another one
        holds it there for ``hold`` seconds before it carries on."""
        if not isinstance(status, str) or status.upper() not in FORCEABLE:
            raise bad_request(f"status must be one of {sorted(FORCEABLE)}")
        status = status.upper()
        if message is not None and not isinstance(message, str):
            raise bad_request("message must be a string")
        if not _number(hold) or not 0 <= hold <= 600:
            raise bad_request("hold must be between 0 and 600 seconds")
        hold = float(hold)
        with self.service.lock:
            job = self.service.store.get("job", job_id)
            if job is None:
                raise not_found("job", job_id)
            if job["status"] in TERMINAL_JOB:
                raise bad_request(f"job '{job_id}' is already {job['status']}")
            job["_forced"] = {"status": status, "message": message, "hold": hold}
            self.service.store.put("job", job_id, job)
            self.service.work_available.notify_all()

    def set_backend(
        self,
        backend_id: str,
        *,
        status: str | None = None,
        queue_size: int | None = None,
        queue_avg_time: int | None = None,
        queue_delay: float | None = None,
    ) -> dict[str, Any]:
        """Change a backend's status, reported queue, or the seconds its jobs wait before running."""
        self.service.spec(backend_id)
        with self.service.lock:
            state = self.service.backend_state(backend_id)
            if status is not None:
                known = {"ONLINE", "PAUSED", "OFFLINE", "RETIRED", "UNKNOWN"}
                if not isinstance(status, str) or status.upper() not in known:
                    raise bad_request("status must be ONLINE, PAUSED, OFFLINE, RETIRED or UNKNOWN")
                state["status"] = status.upper()
            for key, value, high in (
                ("queue_size", queue_size, 1_000_000),
                ("queue_avg_time", queue_avg_time, 10_000_000),
                ("queue_delay", queue_delay, 3600),
            ):
                if value is not None:
                    whole = key != "queue_delay"  # a queue length and a time in ms are whole numbers
                    if not _number(value) or (whole and not isinstance(value, int)) or not 0 <= value <= high:
                        raise bad_request(f"{key} must be a number between 0 and {high}")
                    state[key] = value
            self.service.store.put("backend", backend_id, state)
            self.service.work_available.notify_all()
            return self.service.backend_status(backend_id)

    def stats(self) -> dict[str, Any]:
        """Counts of stored jobs by status and of sessions."""
        by_status = self.service.store.jobs_by_status()
        return {
            "jobs": sum(by_status.values()),
            "jobs_by_status": by_status,
            "sessions": self.service.store.count("session"),
        }


def _runs_with_qhub_sdk(record: dict[str, Any]) -> bool:
    """Whether the record lists the QHUB SDK among its SDKs (a record listing none is not excluded)."""
    sdks = (record.get("documentation") or {}).get("sdks") or []
    types = {sdk.get("type") for sdk in sdks if isinstance(sdk, dict)}
    return not types or "QHUB" in types
