"""The local Hub's durable store: jobs, sessions, results and backend state in one SQLite file.

Jobs and sessions live in tables of their own: the JSON record (``doc``) next to real columns for what
requests filter and sort on (owner scope, service execution, status, backend, session, dates), with
indexes, so that a request or an idle engine costs the same whether the store holds a thousand jobs or a
hundred thousand. Tags sit in a table of their own for the ``tag`` filter. Other kinds (backend state,
service executions) are few and share one key-value table. Every change is written to SQLite (WAL mode)
before the answer leaves the server, so a restart loses nothing; ``path=None`` keeps everything in memory.

Documents are written as ASCII JSON, so a string the Hub once accepted (even a lone surrogate, which UTF-8
cannot carry) reads back unchanged; column copies of such strings are made encodable for SQLite.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE TABLE IF NOT EXISTS results (
    job_id TEXT NOT NULL,
    view TEXT NOT NULL,
    body TEXT,
    PRIMARY KEY (job_id, view)
);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    scope TEXT,
    se TEXT,
    status TEXT NOT NULL,
    backend_id TEXT,
    provider TEXT,
    session_id TEXT,
    name TEXT,
    shots INTEGER,
    created_at TEXT,
    started_at TEXT,
    ended_at TEXT,
    usage_ms INTEGER,
    doc TEXT NOT NULL,
    input TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_scope ON jobs (scope, seq);
CREATE INDEX IF NOT EXISTS jobs_by_scope_created ON jobs (scope, created_at, seq);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, backend_id);
CREATE INDEX IF NOT EXISTS jobs_by_session ON jobs (session_id) WHERE session_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS jobs_by_execution ON jobs (se, seq) WHERE se IS NOT NULL;
CREATE INDEX IF NOT EXISTS jobs_by_seq ON jobs (seq);
CREATE INDEX IF NOT EXISTS jobs_unfinished ON jobs (seq) WHERE {unfinished_job};
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    scope TEXT,
    se TEXT,
    status TEXT NOT NULL,
    backend_id TEXT,
    provider TEXT,
    created_at TEXT,
    started_at TEXT,
    closed_at TEXT,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_scope ON sessions (scope, seq);
CREATE INDEX IF NOT EXISTS sessions_by_status ON sessions (status);
CREATE INDEX IF NOT EXISTS sessions_by_seq ON sessions (seq);
CREATE INDEX IF NOT EXISTS sessions_open ON sessions (seq) WHERE {open_session};
CREATE TABLE IF NOT EXISTS tags (
    kind TEXT NOT NULL,
    owner TEXT NOT NULL,
    tag TEXT NOT NULL,
    tag_lc TEXT NOT NULL,
    PRIMARY KEY (kind, owner, tag)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tags_by_tag ON tags (tag_lc, kind);
"""

TERMINAL_JOB = ("COMPLETED", "FAILED", "CANCELLED", "ABORTED", "DETACHED")
FINAL_SESSION = ("CLOSED", "ABORTED", "DETACHED")

# Written out as literals (not bound parameters): SQLite uses a partial index only for a query whose WHERE
# clause contains the index's own, word for word. The engine's queries below are those.
_UNFINISHED_JOB = "status NOT IN ({})".format(", ".join(f"'{s}'" for s in TERMINAL_JOB))
_OPEN_SESSION = "status NOT IN ({})".format(", ".join(f"'{s}'" for s in FINAL_SESSION))
_SCHEMA = _SCHEMA.replace("{unfinished_job}", _UNFINISHED_JOB).replace("{open_session}", _OPEN_SESSION)

_JOB_SORT = {
    "created_at": "created_at",
    "started_at": "started_at",
    "ended_at": "ended_at",
    "status": "status",
    "backend_id": "backend_id",
    "name": "name",
    "provider": "provider",
    "shots": "shots",
}
"""Sortable properties of a job listing and their columns."""

_WORKLOAD_SORT = {
    "created_at": "created_at",
    "started_at": "started_at",
    "ended_at": "ended_at",
    "status": "status",
    "backend_id": "backend_id",
    "type": "type",
    "provider": "provider",
    "name": "name",
}
"""Sortable properties of a workload listing and their columns (of the union below)."""

MAX_OFFSET = 2**62
"""Beyond this a page starts past every possible row (and SQLite's integers)."""


def _text(value: Any) -> Any:
    """A column copy of a value: strings made encodable (a lone surrogate becomes U+FFFD)."""
    if isinstance(value, str):
        try:
            value.encode()
        except UnicodeEncodeError:
            return value.encode("utf-8", "replace").decode()
    return value


def _integer(value: Any) -> int | None:
    return (
        value if isinstance(value, int) and not isinstance(value, bool) and -(2**63) < value < 2**63 else None
    )


def _dump(doc: dict[str, Any]) -> str:
    # ASCII JSON: surrogates are escaped; NaN never reaches here (the HTTP layer refuses it).
    return json.dumps(doc, separators=(",", ":"))


@dataclass
class Page:
    """One page of a listing: the records on it and how many match in all."""

    total: int
    rows: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """``(kind, doc)`` per record, kind ``JOB`` or ``SESSION``."""


@dataclass
class WorkloadFilter:
    """What a workload listing is narrowed to (empty lists filter nothing)."""

    types: Sequence[str] = ()
    statuses: Sequence[str] = ()
    providers: Sequence[str] = ()
    backend_ids: Sequence[str] = ()
    tags: Sequence[str] = ()
    origins: Sequence[str] = ()
    executions: Sequence[str] = ()
    execution: str | None = None
    """The one service execution of a scoped listing."""

    @property
    def narrows(self) -> bool:
        """Whether anything beyond the owner (scope, execution) is filtered on."""
        return any(
            (self.statuses, self.providers, self.backend_ids, self.tags, self.origins, self.executions)
        )


# Set on every stored record (the Hub stamps it on creation): a sort on it needs no nulls-last term.
_NEVER_NULL = frozenset({"created_at"})


def _order_by(sort: Sequence[tuple[str, bool]], columns: dict[str, str]) -> str:
    """``ORDER BY`` for Spring-style sort keys (first key first), nulls last whatever the direction,
    insertion order last."""
    if len(sort) == 1 and columns[sort[0][0]] in _NEVER_NULL:
        # The common listing (newest or oldest first): ties in insertion order of the same direction, so
        # the (scope, created_at, seq) index serves the page without sorting all the caller's records.
        direction = "DESC" if sort[0][1] else "ASC"
        return f"ORDER BY {columns[sort[0][0]]} {direction}, seq {direction}"
    terms: list[str] = []
    for prop, descending in sort:
        column = columns[prop]
        terms += [f"({column} IS NULL)", f"{column} {'DESC' if descending else 'ASC'}"]
    return "ORDER BY " + ", ".join([*terms, "seq"])


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


class Store:
    """Thread-safe record store. Kinds: ``job``, ``session`` (own tables), ``backend``,
    ``service_execution`` (the key-value table)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(
            str(self.path) if self.path is not None else ":memory:",
            check_same_thread=False,
            isolation_level=None,
        )
        if self.path is not None:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        # A larger page cache (32 MiB, the default is 2) keeps the indexes of a big store in memory.
        self._db.execute("PRAGMA cache_size=-32768")
        self._db.executescript(_SCHEMA)
        self._lock = threading.RLock()
        self._depth = 0
        self._counts: dict[tuple[str, Any, Any], int] = {}
        self._small: dict[str, dict[str, str]] = {}
        self._unfinished: dict[str, tuple[str, dict[str, Any]]] = {}
        self._migrate()
        self._recount()
        self._seq = max(
            self._db.execute(f"SELECT COALESCE(MAX(seq), 0) FROM {table}").fetchone()[0]
            for table in ("records", "jobs", "sessions")
        )

    def _migrate(self) -> None:
        """Move jobs and sessions of a store written before they had tables of their own."""
        old = self._db.execute(
            "SELECT kind, id, seq, doc FROM records WHERE kind IN ('job', 'session') ORDER BY seq"
        ).fetchall()
        if not old:
            return
        with self.transaction():
            for kind, record_id, seq, doc in old:
                self._write(kind, record_id, json.loads(doc), seq)
            self._db.execute("DELETE FROM records WHERE kind IN ('job', 'session')")

    def _recount(self) -> None:
        """Count the jobs and sessions of every owner (scope and service execution) once, so a listing
        tells how many records it has without counting them each time; and load the small kinds."""
        self._small = {}
        for kind, record_id, text in self._db.execute("SELECT kind, id, doc FROM records"):
            self._small.setdefault(kind, {})[record_id] = text
        self._counts = {
            (table, scope, se): int(n)
            for table in ("jobs", "sessions")
            for scope, se, n in self._db.execute(
                f"SELECT scope, se, COUNT(*) FROM {table} GROUP BY scope, se"
            )
        }

    def _counted(self, table: str, doc: dict[str, Any]) -> None:
        key = (table, _text(doc.get("_scope")), _text(doc.get("_se")))
        self._counts[key] = self._counts.get(key, 0) + 1

    def owned(self, table: str, scope: str | None, execution: str | None) -> int:
        """How many jobs or sessions (``table``) an owner has: a scope, or one service execution in it."""
        with self._lock:
            if execution is not None:
                return self._counts.get((table, scope, execution), 0)
            return sum(n for (kind, owner, _), n in self._counts.items() if kind == table and owner == scope)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group several writes; they reach the disk together or not at all (nested: the outer one)."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._db.execute("BEGIN")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer:
                    self._db.execute("ROLLBACK")
                    self._recount()  # what the transaction wrote is gone again
                raise
            self._depth -= 1
            if outer:
                self._db.execute("COMMIT")

    # -- records by id -------------------------------------------------------------------------------

    def put(self, kind: str, record_id: str, doc: dict[str, Any]) -> None:
        """Insert or replace a record (its place in insertion order is kept on replace)."""
        with self._lock:
            self._seq += 1
            self._write(kind, record_id, doc, self._seq)

    def _write(self, kind: str, record_id: str, doc: dict[str, Any], seq: int) -> None:
        # A job's input (``_input``, possibly large) is kept in a column of its own, written once: the
        # engine's frequent status updates and every listing then leave it alone.
        stored = {k: v for k, v in doc.items() if k not in ("_seq", "_input")}
        text = _dump(stored)
        if kind == "job":
            changed = self._db.execute(
                "UPDATE jobs SET status = ?, session_id = ?, started_at = ?, ended_at = ?, usage_ms = ?,"
                " doc = ? WHERE id = ?",
                (
                    _text(doc.get("status")) or "UNKNOWN",
                    _text(doc.get("session_id")),
                    _text(doc.get("started_at")),
                    _text(doc.get("ended_at")),
                    _integer(doc.get("usage_time_millis")),
                    text,
                    record_id,
                ),
            ).rowcount
            if not changed:
                self._db.execute(
                    "INSERT INTO jobs (id, seq, scope, se, status, backend_id, provider, session_id, name,"
                    " shots, created_at, started_at, ended_at, usage_ms, doc, input)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        record_id,
                        seq,
                        _text(doc.get("_scope")),
                        _text(doc.get("_se")),
                        _text(doc.get("status")) or "UNKNOWN",
                        _text(doc.get("backend_id")),
                        _text(doc.get("provider")),
                        _text(doc.get("session_id")),
                        _text(doc.get("name")),
                        _integer(doc.get("shots")),
                        _text(doc.get("created_at")),
                        _text(doc.get("started_at")),
                        _text(doc.get("ended_at")),
                        _integer(doc.get("usage_time_millis")),
                        text,
                        _dump({"value": doc["_input"]}) if "_input" in doc else None,
                    ),
                )
                self._counted("jobs", doc)
        elif kind == "session":
            changed = self._db.execute(
                "UPDATE sessions SET status = ?, started_at = ?, closed_at = ?, doc = ? WHERE id = ?",
                (
                    _text(doc.get("status")) or "UNKNOWN",
                    _text(doc.get("started_at")),
                    _text(doc.get("closed_at")),
                    text,
                    record_id,
                ),
            ).rowcount
            if not changed:
                self._db.execute(
                    "INSERT INTO sessions (id, seq, scope, se, status, backend_id, provider, created_at,"
                    " started_at, closed_at, doc) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        record_id,
                        seq,
                        _text(doc.get("_scope")),
                        _text(doc.get("_se")),
                        _text(doc.get("status")) or "UNKNOWN",
                        _text(doc.get("backend_id")),
                        _text(doc.get("provider")),
                        _text(doc.get("created_at")),
                        _text(doc.get("started_at")),
                        _text(doc.get("closed_at")),
                        text,
                    ),
                )
                self._counted("sessions", doc)
        else:
            self._db.execute(
                "INSERT INTO records (kind, id, seq, doc) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (kind, id) DO UPDATE SET doc = excluded.doc",
                (kind, record_id, seq, text),
            )
            self._small.setdefault(kind, {})[record_id] = text
            return
        tags = doc.get("tags")
        if isinstance(tags, list) and tags:
            self._db.executemany(
                "INSERT OR IGNORE INTO tags (kind, owner, tag, tag_lc) VALUES (?, ?, ?, ?)",
                [(kind, record_id, _text(t), _text(t).lower()) for t in tags if isinstance(t, str)],
            )

    def get(self, kind: str, record_id: str) -> dict[str, Any] | None:
        """A copy of a record (a job with its ``_input``), or ``None``."""
        with self._lock:
            if kind == "job":
                row = self._db.execute(
                    "SELECT doc, input FROM jobs WHERE id = ?", (_text(record_id),)
                ).fetchone()
                if row is None:
                    return None
                doc: dict[str, Any] = json.loads(row[0])
                if row[1] is not None:
                    doc["_input"] = json.loads(row[1])["value"]
                return doc
            if kind == "session":
                row = self._db.execute(
                    "SELECT doc FROM sessions WHERE id = ?", (_text(record_id),)
                ).fetchone()
                return None if row is None else dict(json.loads(row[0]))
            # Backend states and service executions: few, read on every request, kept in memory too.
            text = self._small.get(kind, {}).get(record_id)
        return None if text is None else dict(json.loads(text))

    def job_head(self, job_id: str) -> tuple[str | None, str | None, str] | None:
        """A job's owner (scope, service execution) and status, or ``None``; no record is read."""
        with self._lock:
            row = self._db.execute(
                "SELECT scope, se, status FROM jobs WHERE id = ?", (_text(job_id),)
            ).fetchone()
        return None if row is None else (row[0], row[1], row[2])

    def all(self, kind: str) -> list[dict[str, Any]]:
        """Copies of every record of a kind, oldest first. Reads everything: for small kinds and tools,
        never for a request path (see :meth:`jobs_with_status`, :meth:`page_jobs`)."""
        with self._lock:
            if kind in ("job", "session"):
                rows = self._db.execute(f"SELECT doc FROM {kind}s ORDER BY seq").fetchall()
            else:
                rows = self._db.execute(
                    "SELECT doc FROM records WHERE kind = ? ORDER BY seq", (kind,)
                ).fetchall()
        return [json.loads(doc) for (doc,) in rows]

    def count(self, kind: str) -> int:
        with self._lock:
            if kind in ("job", "session"):
                return int(self._db.execute(f"SELECT COUNT(*) FROM {kind}s").fetchone()[0])
            return int(self._db.execute("SELECT COUNT(*) FROM records WHERE kind = ?", (kind,)).fetchone()[0])

    # -- what the engine asks for -------------------------------------------------------------------

    def jobs_with_status(self, statuses: Iterable[str]) -> list[dict[str, Any]]:
        """Jobs in any of these statuses, oldest first (an index lookup: the engine's cheap query for
        work that is due)."""
        wanted = list(statuses)
        with self._lock:
            rows = self._db.execute(
                f"SELECT doc FROM jobs WHERE status IN ({_marks(wanted)}) ORDER BY seq", wanted
            ).fetchall()
        return [json.loads(doc) for (doc,) in rows]

    def unfinished_jobs(self) -> list[dict[str, Any]]:
        """Every job not yet in a terminal status, oldest first (through a partial index).

        The engine asks for these every few milliseconds, so the parsed records are kept from one call to
        the next and parsed again only when their stored text changed. Each record returned is a shallow
        copy: change its top-level keys and :meth:`put` it; do not change nested values in place.
        """
        with self._lock:
            rows = self._db.execute(
                f"SELECT id, doc FROM jobs WHERE {_UNFINISHED_JOB} ORDER BY seq"
            ).fetchall()
            parsed: dict[str, tuple[str, dict[str, Any]]] = {}
            for job_id, text in rows:
                known = self._unfinished.get(job_id)
                parsed[job_id] = known if known is not None and known[0] == text else (text, json.loads(text))
            self._unfinished = parsed
        return [dict(doc) for _, doc in parsed.values()]

    def open_sessions(self) -> list[dict[str, Any]]:
        """Every session not yet closed, aborted or detached, oldest first."""
        with self._lock:
            rows = self._db.execute(f"SELECT doc FROM sessions WHERE {_OPEN_SESSION} ORDER BY seq").fetchall()
        return [json.loads(doc) for (doc,) in rows]

    # -- what requests ask for ----------------------------------------------------------------------

    def pending_by_backend(self) -> dict[str, int]:
        """How many jobs wait (PENDING) on each backend."""
        with self._lock:
            rows = self._db.execute(
                "SELECT backend_id, COUNT(*) FROM jobs WHERE status = 'PENDING' GROUP BY backend_id"
            ).fetchall()
        return {backend_id: int(n) for backend_id, n in rows}

    def jobs_by_status(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT status, COUNT(*) FROM jobs GROUP BY status").fetchall()
        return {status: int(n) for status, n in rows}

    def session_jobs(self, session_id: str) -> list[dict[str, Any]]:
        """The jobs of one session, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT doc FROM jobs WHERE session_id = ? ORDER BY seq", (_text(session_id),)
            ).fetchall()
        return [json.loads(doc) for (doc,) in rows]

    def session_summary(self, session_id: str) -> tuple[int, int, bool, set[str]]:
        """Of a session's jobs: how many, their summed usage in ms, whether all ended, and their tags."""
        key = _text(session_id)
        with self._lock:
            count, usage, unfinished = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(usage_ms), 0),"
                f" COALESCE(SUM(status NOT IN ({_marks(TERMINAL_JOB)})), 0) FROM jobs WHERE session_id = ?",
                (*TERMINAL_JOB, key),
            ).fetchone()
            tags = self._db.execute(
                "SELECT DISTINCT tag FROM tags WHERE kind = 'job'"
                " AND owner IN (SELECT id FROM jobs WHERE session_id = ?)",
                (key,),
            ).fetchall()
        return int(count), int(usage), int(unfinished) == 0, {tag for (tag,) in tags}

    def usage_ms(self, scope: str | None, execution: str | None, backend_ids: Sequence[str]) -> int:
        """Summed usage of a caller's jobs on these backends."""
        sql = (
            "SELECT COALESCE(SUM(usage_ms), 0) FROM jobs"
            f" WHERE scope IS ? AND backend_id IN ({_marks(backend_ids)})"
        )
        params: list[Any] = [scope, *backend_ids]
        if execution is not None:
            sql += " AND se = ?"
            params.append(execution)
        with self._lock:
            return int(self._db.execute(sql, params).fetchone()[0])

    def page_jobs(
        self,
        scope: str | None,
        execution: str | None,
        sort: Sequence[tuple[str, bool]],
        offset: int,
        limit: int,
    ) -> Page:
        """One page of a caller's jobs (of one service execution when ``execution`` is given)."""
        where = "scope IS ?"
        params: list[Any] = [scope]
        if execution is not None:
            where += " AND se = ?"
            params.append(_text(execution))
        with self._lock:
            total = self.owned("jobs", scope, execution)
            if offset >= min(total, MAX_OFFSET):
                return Page(total)
            rows = self._db.execute(
                f"SELECT doc FROM jobs WHERE {where} {_order_by(sort, _JOB_SORT)} LIMIT ? OFFSET ?",
                [*params, limit, offset],
            ).fetchall()
        return Page(total, [("JOB", json.loads(doc)) for (doc,) in rows])

    def page_workloads(
        self,
        scope: str | None,
        execution: str | None,
        wanted: WorkloadFilter,
        sort: Sequence[tuple[str, bool]],
        offset: int,
        limit: int,
    ) -> Page:
        """One page of a caller's jobs and sessions together, filtered and sorted."""
        order = _order_by(sort, _WORKLOAD_SORT)
        branches: list[tuple[str, list[Any]]] = []
        total = 0
        types = {t.upper() for t in wanted.types}
        with self._lock:
            for kind, table, ended, name in (
                ("JOB", "jobs", "ended_at", "name"),
                ("SESSION", "sessions", "closed_at", "NULL"),
            ):
                if types and kind not in types:
                    continue
                where, args = self._workload_where(kind, scope, execution, wanted)
                if wanted.narrows:
                    total += int(
                        self._db.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}", args).fetchone()[0]
                    )
                elif wanted.execution is None or execution is None or wanted.execution == execution:
                    # Owner only: the kept count (another execution's records are never visible).
                    total += self.owned(table, scope, wanted.execution or execution)
                # Each kind brings at most the rows up to the end of the page, in page order, so the merge
                # below sorts a page's worth, not everything the caller owns.
                branches.append(
                    (
                        f"SELECT * FROM (SELECT '{kind}' AS type, seq, status, backend_id, provider,"
                        f" created_at, started_at, {ended} AS ended_at, {name} AS name, id"
                        f" FROM {table} WHERE {where}"
                        f" {order} LIMIT ?)",
                        [*args, offset + limit],
                    )
                )
            if not branches or offset >= min(total, MAX_OFFSET):
                return Page(total)
            union = " UNION ALL ".join(sql for sql, _ in branches)
            keys = self._db.execute(
                f"SELECT type, id FROM ({union}) {order} LIMIT ? OFFSET ?",
                [*(arg for _, args in branches for arg in args), limit, offset],
            ).fetchall()
            # The records themselves only for the page (sorting ids is cheaper than sorting records).
            rows = [
                (
                    kind,
                    self._db.execute(f"SELECT doc FROM {kind.lower()}s WHERE id = ?", (key,)).fetchone()[0],
                )
                for kind, key in keys
            ]
        return Page(total, [(kind, json.loads(doc)) for kind, doc in rows])

    @staticmethod
    def _workload_where(
        kind: str, scope: str | None, execution: str | None, wanted: WorkloadFilter
    ) -> tuple[str, list[Any]]:
        # With a tag filter the tags index is the narrower way in; the unary + keeps SQLite from walking
        # the caller's whole scope instead.
        terms = ["+scope IS ?" if wanted.tags else "scope IS ?"]
        params: list[Any] = [scope]
        for one in (execution, wanted.execution):
            if one is not None:
                terms.append("se = ?")
                params.append(_text(one))
        if wanted.executions:
            terms.append(f"se IN ({_marks(wanted.executions)})")
            params += [_text(v) for v in wanted.executions]
        for column, values in (("status", wanted.statuses), ("provider", wanted.providers)):
            if values:
                terms.append(f"UPPER({column}) IN ({_marks(values)})")
                params += [_text(v).upper() for v in values]
        if wanted.backend_ids:
            terms.append(f"backend_id IN ({_marks(wanted.backend_ids)})")
            params += [_text(v) for v in wanted.backend_ids]
        origins = {o.upper() for o in wanted.origins}
        if origins == {"STANDALONE"}:
            terms.append("se IS NULL")
        elif origins == {"SERVICE_EXECUTION"}:
            terms.append("se IS NOT NULL")
        if wanted.tags:
            tags = sorted({_text(t).lower() for t in wanted.tags})
            # Driven by the tags index: the cost grows with the records that carry the tag.
            own = (
                f"id IN (SELECT owner FROM tags WHERE tag_lc IN ({_marks(tags)}) AND kind = '{kind.lower()}')"
            )
            params += tags
            if kind == "SESSION":
                # A session shows (and is found by) the union of its jobs' tags.
                own += (
                    " OR id IN (SELECT j.session_id FROM tags t JOIN jobs j ON j.id = t.owner"
                    f" WHERE t.tag_lc IN ({_marks(tags)}) AND t.kind = 'job' AND j.session_id IS NOT NULL)"
                )
                params += tags
            terms.append(f"({own})")
        return " AND ".join(terms), params

    # -- results ----------------------------------------------------------------------------------

    def put_result(self, job_id: str, view: str, body: Any) -> None:
        """Store one result view of a job as JSON (``None`` is stored as SQL NULL)."""
        text = None if body is None else json.dumps(body, separators=(",", ":"))
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO results (job_id, view, body) VALUES (?, ?, ?)", (job_id, view, text)
            )

    def get_result_text(self, job_id: str, view: str) -> str | None:
        """The stored JSON text of a result view, or ``None``."""
        with self._lock:
            row = self._db.execute(
                "SELECT body FROM results WHERE job_id = ? AND view = ?", (_text(job_id), view)
            ).fetchone()
        return None if row is None else row[0]

    # -- retention ---------------------------------------------------------------------------------

    def prune(self, before: str) -> tuple[int, int]:
        """Delete ended jobs (with their results and tags) and final sessions that ended before the
        ISO-8601 instant ``before``; sessions that still have jobs stay. Returns how many of each went."""
        with self.transaction():
            doomed = (
                f"SELECT id FROM jobs WHERE status IN ({_marks(TERMINAL_JOB)})"
                " AND COALESCE(ended_at, created_at) < ?"
            )
            args = (*TERMINAL_JOB, before)
            self._db.execute(f"DELETE FROM results WHERE job_id IN ({doomed})", args)
            self._db.execute(f"DELETE FROM tags WHERE kind = 'job' AND owner IN ({doomed})", args)
            jobs = self._db.execute(
                f"DELETE FROM jobs WHERE status IN ({_marks(TERMINAL_JOB)})"
                " AND COALESCE(ended_at, created_at) < ?",
                args,
            ).rowcount
            gone_sessions = (
                f"SELECT id FROM sessions WHERE status IN ({_marks(FINAL_SESSION)})"
                " AND COALESCE(closed_at, created_at) < ?"
                " AND NOT EXISTS (SELECT 1 FROM jobs WHERE jobs.session_id = sessions.id)"
            )
            sargs = (*FINAL_SESSION, before)
            self._db.execute(f"DELETE FROM tags WHERE kind = 'session' AND owner IN ({gone_sessions})", sargs)
            sessions = self._db.execute(f"DELETE FROM sessions WHERE id IN ({gone_sessions})", sargs).rowcount
            self._recount()
        return int(jobs), int(sessions)

    # -- diagnostics ------------------------------------------------------------------------------

    def trace(self, callback: Callable[[str], None] | None) -> None:
        """Call ``callback`` with every SQL statement the store runs from now on (``None`` stops)."""
        with self._lock:
            self._db.set_trace_callback(callback)

    def plan(self, statement: str) -> list[str]:
        """How SQLite runs a statement (``EXPLAIN QUERY PLAN``), one line per step."""
        with self._lock:
            return [str(row[-1]) for row in self._db.execute(f"EXPLAIN QUERY PLAN {statement}")]

    def close(self) -> None:
        with self._lock:
            self._db.close()
