"""The local Hub's durable store: jobs, sessions, results and backend state in one SQLite file.

Jobs and sessions live in tables of their own: the JSON record (``doc``) next to real columns for what
requests filter and sort on (owner scope, service execution, status, backend, session, dates), with
indexes, so that a request or an idle engine costs the same whether the store holds a thousand jobs or a
hundred thousand: a listing reads its page in page order from an index (see :func:`_indexes`) and tells
its total from counts kept in memory. Tags sit in a table of their own for the ``tag`` filter, with
copies of their owner's columns so that one tag's records can be paged from an index too. Other kinds
(backend state, service executions) are few and share one key-value table. Every change is written to
SQLite (WAL mode) before the answer leaves the server, so a restart loses nothing; ``path=None`` keeps
everything in memory.

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
CREATE TABLE IF NOT EXISTS tags (
    kind TEXT NOT NULL,
    owner TEXT NOT NULL,
    tag TEXT NOT NULL,
    tag_lc TEXT NOT NULL,
    scope TEXT,
    se TEXT,
    seq INTEGER,
    created_at TEXT,
    session_id TEXT,
    lead INTEGER,
    PRIMARY KEY (kind, owner, tag)
) WITHOUT ROWID;
"""

TERMINAL_JOB = ("COMPLETED", "FAILED", "CANCELLED", "ABORTED", "DETACHED")
FINAL_SESSION = ("CLOSED", "ABORTED", "DETACHED")

# Written out as literals (not bound parameters): SQLite uses a partial index only for a query whose WHERE
# clause contains the index's own, word for word. The engine's queries below are those.
_UNFINISHED_JOB = "status NOT IN ({})".format(", ".join(f"'{s}'" for s in TERMINAL_JOB))
_OPEN_SESSION = "status NOT IN ({})".format(", ".join(f"'{s}'" for s in FINAL_SESSION))

_SORTED_COLUMNS = {
    "jobs": ("started_at", "ended_at", "status", "backend_id", "name", "provider", "shots"),
    "sessions": ("started_at", "closed_at", "status", "backend_id", "provider"),
}
"""Columns a listing may sort on besides the creation time, per table; each has two indexes below."""


def _indexes() -> str:
    """The indexes of the store. Created on every open (``IF NOT EXISTS``), so a store written by an
    earlier Hub gains the ones it lacks when it is first opened.

    A listing is always one owner's (``scope``), so every index of a listing starts with it. A sort on a
    column orders nulls last, ties in insertion order (``seq``) whatever the direction: the expression
    index ``(scope, col IS NULL, col, seq)`` holds exactly that order for ascending sorts and its twin
    with ``col DESC`` for descending ones; walked backwards they hold the reversed orders, which serve a
    page near the end of a listing (see :meth:`Store.page_jobs`). Filters on status, provider and backend
    have their own ``(scope, value, seq)`` indexes, the status and provider ones on ``UPPER`` (the
    filters ignore case)."""
    statements = [
        "CREATE INDEX IF NOT EXISTS jobs_by_scope ON jobs (scope, seq)",
        "CREATE INDEX IF NOT EXISTS jobs_by_scope_created ON jobs (scope, created_at, seq)",
        "CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, backend_id)",
        "CREATE INDEX IF NOT EXISTS jobs_by_session ON jobs (session_id) WHERE session_id IS NOT NULL",
        "CREATE INDEX IF NOT EXISTS jobs_by_execution ON jobs (se, seq) WHERE se IS NOT NULL",
        "CREATE INDEX IF NOT EXISTS jobs_by_execution_created ON jobs (se, created_at, seq)"
        " WHERE se IS NOT NULL",
        "CREATE INDEX IF NOT EXISTS jobs_by_seq ON jobs (seq)",
        f"CREATE INDEX IF NOT EXISTS jobs_unfinished ON jobs (seq) WHERE {_UNFINISHED_JOB}",
        "CREATE INDEX IF NOT EXISTS sessions_by_scope ON sessions (scope, seq)",
        "CREATE INDEX IF NOT EXISTS sessions_by_scope_created ON sessions (scope, created_at, seq)",
        "CREATE INDEX IF NOT EXISTS sessions_by_execution ON sessions (se, seq) WHERE se IS NOT NULL",
        "CREATE INDEX IF NOT EXISTS sessions_by_execution_created ON sessions (se, created_at, seq)"
        " WHERE se IS NOT NULL",
        "CREATE INDEX IF NOT EXISTS sessions_by_status ON sessions (status)",
        "CREATE INDEX IF NOT EXISTS sessions_by_seq ON sessions (seq)",
        f"CREATE INDEX IF NOT EXISTS sessions_open ON sessions (seq) WHERE {_OPEN_SESSION}",
        # Earlier stores had (tag_lc, kind) alone; tags_by_tag_seq begins with it and serves its queries.
        "DROP INDEX IF EXISTS tags_by_tag",
        # One tag's records of one owner in insertion or creation order (``se`` along for the origin and
        # service-execution filters; ``lead`` marks the first of a record's tags that differ in case
        # only), and the sessions whose jobs carry a tag.
        "CREATE INDEX IF NOT EXISTS tags_by_tag_seq ON tags (tag_lc, kind, lead, scope, seq, se)",
        "CREATE INDEX IF NOT EXISTS tags_by_tag_created"
        " ON tags (tag_lc, kind, lead, scope, created_at, seq, se)",
        "CREATE INDEX IF NOT EXISTS tags_by_session ON tags (tag_lc, session_id)"
        " WHERE session_id IS NOT NULL",
    ]
    for table, columns in _SORTED_COLUMNS.items():
        for column in columns:
            for suffix, direction in (("", ""), ("_desc", " DESC")):
                statements.append(
                    f"CREATE INDEX IF NOT EXISTS {table}_sort_{column}{suffix}"
                    f" ON {table} (scope, ({column} IS NULL), {column}{direction}, seq)"
                )
        statements += [
            # The column itself last: SQLite counts an index on an expression as covering only so.
            f"CREATE INDEX IF NOT EXISTS {table}_by_scope_status"
            f" ON {table} (scope, UPPER(status), seq, status)",
            f"CREATE INDEX IF NOT EXISTS {table}_by_scope_provider"
            f" ON {table} (scope, UPPER(provider), seq, provider)",
            f"CREATE INDEX IF NOT EXISTS {table}_by_scope_backend ON {table} (scope, backend_id, seq)",
            # The same in creation order (the client's default listing, newest first).
            f"CREATE INDEX IF NOT EXISTS {table}_by_scope_status_created"
            f" ON {table} (scope, UPPER(status), created_at, seq, status)",
            f"CREATE INDEX IF NOT EXISTS {table}_by_scope_provider_created"
            f" ON {table} (scope, UPPER(provider), created_at, seq, provider)",
            f"CREATE INDEX IF NOT EXISTS {table}_by_scope_backend_created"
            f" ON {table} (scope, backend_id, created_at, seq)",
        ]
    return "".join(f"{statement};\n" for statement in statements)


_INDEXES = _indexes()
_TAG_COLUMNS = ("scope", "se", "seq", "created_at", "session_id", "lead")
"""Copies of their owner's columns in each tag row (written with the tag, never changed but for
``session_id``), and ``lead`` (1 for the first of a record's tags equal but for case): a tag filter then
walks the tags index in page order."""

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


@dataclass(frozen=True)
class _Branch:
    """How one kind (``JOB`` or ``SESSION``) of a workload listing is read."""

    kind: str
    table: str
    source: str
    """What the rows come from (``FROM``): the kind's table, or the tags table."""
    where: str
    args: list[Any]
    ref: str
    """What names a record in ``source``..."""
    ref_column: str
    """...and the column of ``table`` that holds it."""
    rename: dict[str, str]
    """What stands for a listing's property in ``source`` where it is not the column of that name."""

    def constant(self, prop: str) -> bool:
        """Whether a property of an ordering is the same for every record of this kind."""
        stands = self.rename.get(prop.removeprefix("null:"), "")
        return stands == "NULL" or stands.startswith("'")


# Set on every stored record (the Hub stamps it on creation): a sort on it needs no nulls-last term.
_NEVER_NULL = frozenset({"created_at"})

_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _sql_upper(value: Any) -> Any:
    """What SQLite's ``UPPER`` makes of a column value (it changes ASCII letters only)."""
    return value.translate(_ASCII_UPPER) if isinstance(value, str) else value


Order = list[tuple[str, bool]]
"""An ordering: ``(property, descending)`` per term, ``property`` a column or ``null:<column>`` (the
term that puts nulls last), the last term ``seq``, so that no two records tie."""


def _ordering(sort: Sequence[tuple[str, bool]], columns: dict[str, str]) -> Order:
    """The ordering of Spring-style sort keys (first key first): nulls last whatever the direction,
    insertion order last."""
    if len(sort) == 1 and columns[sort[0][0]] in _NEVER_NULL:
        # The common listing (newest or oldest first): ties in insertion order of the same direction, so
        # the (scope, created_at, seq) index serves the page without sorting all the caller's records.
        return [(columns[sort[0][0]], sort[0][1]), ("seq", sort[0][1])]
    terms: Order = []
    for prop, descending in sort:
        terms += [(f"null:{columns[prop]}", False), (columns[prop], descending)]
    return [*terms, ("seq", False)]


def _reversed(order: Order) -> Order:
    return [(prop, not descending) for prop, descending in order]


def _term(prop: str, rename: dict[str, str] | None = None) -> str:
    """The SQL of one property of an ordering (``rename`` maps a column to what stands for it)."""
    rename = rename or {}
    if prop.startswith("null:"):
        column = prop[5:]
        return f"({rename.get(column, column)} IS NULL)"
    return rename.get(prop, prop)


def _order_by(order: Order, rename: dict[str, str] | None = None) -> str:
    return "ORDER BY " + ", ".join(
        f"{_term(prop, rename)} {'DESC' if descending else 'ASC'}" for prop, descending in order
    )


def _window(total: int, offset: int, limit: int) -> tuple[bool, int, int]:
    """How to read rows ``offset`` to ``offset + limit`` of ``total``: ``(backwards, offset, limit)``.

    An index is walked from either end at the same cost, and OFFSET walks (without reading the rows) as
    many entries as it skips; so a page in the second half is read in the reversed order from the end
    and turned round. A page costs at most half the listing's index entries, the last page as little as
    the first."""
    end = min(offset + limit, total)
    if offset <= total - end:
        return False, offset, end - offset
    return True, total - end, end - offset


_CHANGING = {
    "job": ("status", "session_id", "started_at", "ended_at", "usage_ms"),
    "session": ("status", "started_at", "closed_at"),
}
"""The columns of a job or session that an update of its record may change (``status`` first)."""


def _column(doc: dict[str, Any], column: str) -> Any:
    """The value of a job or session column in its record."""
    if column == "usage_ms":
        return _integer(doc.get("usage_time_millis"))
    return _text(doc.get(column))


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" for _ in values)


CountKey = tuple[Any, Any, Any, Any]
"""What the kept counts are split by within an owner: service execution, status, backend, provider."""


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
        self._counts: dict[tuple[str, Any], dict[CountKey, int]] = {}
        self._small: dict[str, dict[str, str]] = {}
        self._unfinished: dict[str, tuple[str, dict[str, Any]]] = {}
        self._migrate_tags()
        self._db.executescript(_INDEXES)
        self._migrate()
        self._recount()
        self._seq = max(
            self._db.execute(f"SELECT COALESCE(MAX(seq), 0) FROM {table}").fetchone()[0]
            for table in ("records", "jobs", "sessions")
        )

    def _migrate_tags(self) -> None:
        """Give the tag rows of a store written before they carried their owner's columns those columns
        (once: a store that has them is left alone)."""
        have = {row[1] for row in self._db.execute("PRAGMA table_info(tags)")}
        missing = [column for column in _TAG_COLUMNS if column not in have]
        if not missing:
            return
        with self.transaction():
            for column in missing:
                kind = "INTEGER" if column in ("seq", "lead") else "TEXT"
                self._db.execute(f"ALTER TABLE tags ADD COLUMN {column} {kind}")
            for kind, table, session in (("job", "jobs", "o.session_id"), ("session", "sessions", "NULL")):
                self._db.execute(
                    "UPDATE tags SET scope = o.scope, se = o.se, seq = o.seq, created_at = o.created_at,"
                    f" session_id = {session} FROM {table} AS o WHERE tags.kind = ? AND o.id = tags.owner",
                    (kind,),
                )
            self._db.execute(
                "UPDATE tags SET lead = (tag = (SELECT MIN(tag) FROM tags AS o"
                " WHERE o.kind = tags.kind AND o.owner = tags.owner AND o.tag_lc = tags.tag_lc))"
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
        """Count the jobs and sessions of every owner once, split by service execution, status, backend
        and provider, so a listing tells how many records it has (filtered on those or not) without
        counting them each time; and load the small kinds."""
        self._small = {}
        for kind, record_id, text in self._db.execute("SELECT kind, id, doc FROM records"):
            self._small.setdefault(kind, {})[record_id] = text
        self._counts = {}
        for table in ("jobs", "sessions"):
            for scope, se, status, backend_id, provider, n in self._db.execute(
                f"SELECT scope, se, status, backend_id, provider, COUNT(*) FROM {table}"
                " GROUP BY scope, se, status, backend_id, provider"
            ):
                self._counts.setdefault((table, scope), {})[(se, status, backend_id, provider)] = int(n)

    def _count(self, table: str, scope: Any, key: CountKey, delta: int) -> None:
        bucket = self._counts.setdefault((table, scope), {})
        n = bucket.get(key, 0) + delta
        if n:
            bucket[key] = n
        else:
            bucket.pop(key, None)

    def owned(self, table: str, scope: str | None, execution: str | None) -> int:
        """How many jobs or sessions (``table``) an owner has: a scope, or one service execution in it."""
        return self.tally(table, scope, execution, WorkloadFilter())

    def tally(self, table: str, scope: str | None, execution: str | None, wanted: WorkloadFilter) -> int:
        """How many of an owner's jobs or sessions (``table``) pass a filter without tags, from the kept
        counts (as many sums as the owner has combinations of execution, status, backend and provider).
        Matches what the ``WHERE`` of :meth:`_workload_where` selects, to the case rules of SQLite."""
        executions = [_text(one) for one in (execution, wanted.execution) if one is not None]
        among = {_text(v) for v in wanted.executions}
        origins = {o.upper() for o in wanted.origins}
        statuses = {_text(v).upper() for v in wanted.statuses}
        providers = {_text(v).upper() for v in wanted.providers}
        backends = {_text(v) for v in wanted.backend_ids}
        total = 0
        with self._lock:
            for (se, status, backend_id, provider), n in self._counts.get((table, scope), {}).items():
                if any(se != one for one in executions) or (among and se not in among):
                    continue
                if (origins == {"STANDALONE"} and se is not None) or (
                    origins == {"SERVICE_EXECUTION"} and se is None
                ):
                    continue
                if statuses and _sql_upper(status) not in statuses:
                    continue
                if providers and (provider is None or _sql_upper(provider) not in providers):
                    continue
                if backends and backend_id not in backends:
                    continue
                total += n
        return total

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
        if kind not in ("job", "session"):
            self._db.execute(
                "INSERT INTO records (kind, id, seq, doc) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (kind, id) DO UPDATE SET doc = excluded.doc",
                (kind, record_id, seq, text),
            )
            self._small.setdefault(kind, {})[record_id] = text
            return
        table = f"{kind}s"
        status = _text(doc.get("status")) or "UNKNOWN"
        # What the record was: its owner and status for the kept counts, its place for its tags, and the
        # columns an update may change.
        changing = _CHANGING[kind]
        before = self._db.execute(
            f"SELECT scope, se, backend_id, provider, seq, created_at, {', '.join(changing)}"
            f" FROM {table} WHERE id = ?",
            (record_id,),
        ).fetchone()
        if before is not None:
            scope, se, backend_id, provider, seq, created_at, *old = before
            new = [status if column == "status" else _column(doc, column) for column in changing]
            was = old[0]
            session_id = new[changing.index("session_id")] if kind == "job" else None
            # Only the columns that changed are set: SQLite updates every index on a column that an
            # UPDATE sets, changed or not, and a listing's indexes are many.
            sets = [
                (column, value)
                for column, value, prior in zip(changing, new, old, strict=True)
                if value != prior
            ]
            self._db.execute(
                f"UPDATE {table} SET {''.join(f'{column} = ?, ' for column, _ in sets)}doc = ? WHERE id = ?",
                (*(value for _, value in sets), text, record_id),
            )
            if kind == "job" and session_id != old[changing.index("session_id")]:
                self._db.execute(
                    "UPDATE tags SET session_id = ? WHERE kind = 'job' AND owner = ?", (session_id, record_id)
                )
            if was != status:
                self._count(table, scope, (se, was, backend_id, provider), -1)
                self._count(table, scope, (se, status, backend_id, provider), 1)
        else:
            scope, se = _text(doc.get("_scope")), _text(doc.get("_se"))
            backend_id, provider = _text(doc.get("backend_id")), _text(doc.get("provider"))
            created_at = _text(doc.get("created_at"))
            if kind == "job":
                session_id = _text(doc.get("session_id"))
                self._db.execute(
                    "INSERT INTO jobs (id, seq, scope, se, status, backend_id, provider, session_id, name,"
                    " shots, created_at, started_at, ended_at, usage_ms, doc, input)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        record_id,
                        seq,
                        scope,
                        se,
                        status,
                        backend_id,
                        provider,
                        session_id,
                        _text(doc.get("name")),
                        _integer(doc.get("shots")),
                        created_at,
                        _text(doc.get("started_at")),
                        _text(doc.get("ended_at")),
                        _integer(doc.get("usage_time_millis")),
                        text,
                        _dump({"value": doc["_input"]}) if "_input" in doc else None,
                    ),
                )
            else:
                session_id = None
                self._db.execute(
                    "INSERT INTO sessions (id, seq, scope, se, status, backend_id, provider, created_at,"
                    " started_at, closed_at, doc) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        record_id,
                        seq,
                        scope,
                        se,
                        status,
                        backend_id,
                        provider,
                        created_at,
                        _text(doc.get("started_at")),
                        _text(doc.get("closed_at")),
                        text,
                    ),
                )
            self._count(table, scope, (se, status, backend_id, provider), 1)
        tags = doc.get("tags")
        if isinstance(tags, list) and tags:
            self._db.executemany(
                "INSERT OR IGNORE INTO tags"
                " (kind, owner, tag, tag_lc, scope, se, seq, created_at, session_id, lead)"
                " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
                " NOT EXISTS (SELECT 1 FROM tags WHERE kind = ?1 AND owner = ?2 AND tag_lc = ?4)",
                [
                    (kind, record_id, _text(t), _text(t).lower(), scope, se, seq, created_at, session_id)
                    for t in tags
                    if isinstance(t, str)
                ],
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
            # One execution's jobs: through the execution's indexes (the unary + keeps SQLite from
            # walking the whole scope's instead), sorted if the order is not the creation time's.
            where = "+scope IS ? AND se = ?"
            params.append(_text(execution))
        order = _ordering(sort, _JOB_SORT)
        with self._lock:
            total = self.owned("jobs", scope, execution)
            if offset >= min(total, MAX_OFFSET):
                return Page(total)
            backwards, skip, take = _window(total, offset, limit)
            # The page's places first, from an index alone (OFFSET skips index entries, not records);
            # then the records on the page.
            keys = [
                rowid
                for (rowid,) in self._db.execute(
                    f"SELECT rowid FROM jobs WHERE {where}"
                    f" {_order_by(_reversed(order) if backwards else order)} LIMIT ? OFFSET ?",
                    [*params, take, skip],
                )
            ]
            docs = self._docs("jobs", "rowid", keys)
        if backwards:
            keys.reverse()
        return Page(total, [("JOB", json.loads(docs[key])) for key in keys])

    def _docs(self, table: str, column: str, keys: Sequence[Any]) -> dict[Any, str]:
        """The stored text of the records of ``table`` whose ``column`` is one of ``keys``."""
        if not keys:
            return {}
        return dict(
            self._db.execute(
                f"SELECT {column}, doc FROM {table} WHERE {column} IN ({_marks(keys)})", list(keys)
            ).fetchall()
        )

    def page_workloads(
        self,
        scope: str | None,
        execution: str | None,
        wanted: WorkloadFilter,
        sort: Sequence[tuple[str, bool]],
        offset: int,
        limit: int,
    ) -> Page:
        """One page of a caller's jobs and sessions together, filtered and sorted.

        Each kind is read in page order from an index; SQLite merges the two (``MERGE (UNION ALL)``), so
        a page costs the entries up to its end (or, past the middle, from the listing's end: see
        :func:`_window`) and the records on it. The total comes from the kept counts, or with a tag
        filter from the tags index."""
        order = _ordering(sort, _WORKLOAD_SORT)
        types = {t.upper() for t in wanted.types}
        branches: list[_Branch] = []
        total = 0
        with self._lock:
            for kind in ("JOB", "SESSION"):
                if types and kind not in types:
                    continue
                branch = self._branch(kind, scope, execution, wanted, order)
                branches.append(branch)
                if wanted.tags:
                    total += int(
                        self._db.execute(
                            f"SELECT COUNT(*) FROM {branch.source} WHERE {branch.where}", branch.args
                        ).fetchone()[0]
                    )
                else:
                    total += self.tally(branch.table, scope, execution, wanted)
            if not branches or offset >= min(total, MAX_OFFSET):
                return Page(total)
            backwards, skip, take = _window(total, offset, limit)
            walk = _reversed(order) if backwards else order
            selects: list[str] = []
            args: list[Any] = []
            for b in branches:
                select = (
                    f"SELECT '{b.kind}' AS kind, {b.ref} AS ref, "
                    + ", ".join(f"{_term(prop, b.rename)} AS o{i}" for i, (prop, _) in enumerate(order))
                    + f" FROM {b.source} WHERE {b.where}"
                )
                args += b.args
                varying = [(prop, descending) for prop, descending in walk if not b.constant(prop)]
                if len(varying) < len(walk):
                    # A property that is the same for all of a kind (``type``, a session's ``name``) takes
                    # no part in the order within it, but SQLite would sort the kind's every record to
                    # honour it: such a kind brings its records up to the page's end in its own order.
                    select = f"SELECT * FROM ({select} {_order_by(varying, b.rename)} LIMIT ?)"
                    args.append(skip + take)
                selects.append(select)
            by = ", ".join(
                f"o{i} {'DESC' if descending else 'ASC'}" for i, (_, descending) in enumerate(walk)
            )
            keys = [
                (kind, ref)
                for kind, ref, *_ in self._db.execute(
                    f"{' UNION ALL '.join(selects)} ORDER BY {by} LIMIT ? OFFSET ?", [*args, take, skip]
                )
            ]
            docs = {
                b.kind: self._docs(b.table, b.ref_column, [ref for kind, ref in keys if kind == b.kind])
                for b in branches
            }
        if backwards:
            keys.reverse()
        return Page(total, [(kind, json.loads(docs[kind][ref])) for kind, ref in keys])

    @staticmethod
    def _branch(
        kind: str, scope: str | None, execution: str | None, wanted: WorkloadFilter, order: Order
    ) -> _Branch:
        """How one kind's records of a workload listing are read."""
        table = "jobs" if kind == "JOB" else "sessions"
        rename = {"type": f"'{kind}'"}
        if kind == "SESSION":
            rename.update(ended_at="closed_at", name="NULL")
        tags = sorted({_text(t).lower() for t in wanted.tags})
        if kind == "JOB" and len(tags) == 1 and {p for p, _ in order} <= {"seq", "created_at"}:
            # One tag, in insertion or creation order: the tag's own index holds the page in order, with
            # the owner and execution alongside (``lead``: a job tagged "A" and "a" is listed once). Other
            # filters look at each job on the way, until the page is full.
            terms = ["t.tag_lc = ?", "t.kind = 'job'", "t.lead = 1", "t.scope IS ?"]
            params: list[Any] = [tags[0], scope]
            terms, params = Store._owner_terms("t.se", execution, wanted, terms, params)
            terms, params = Store._value_terms("j.", wanted, terms, params)
            joined = wanted.statuses or wanted.providers or wanted.backend_ids
            return _Branch(
                kind,
                table,
                "tags AS t JOIN jobs AS j ON j.id = t.owner" if joined else "tags AS t",
                " AND ".join(terms),
                params,
                "t.owner",
                "id",
                {**rename, "seq": "t.seq", "created_at": "t.created_at"},
            )
        # With a tag filter the tags index is the narrower way in, with one service execution its own
        # indexes; the unary + keeps SQLite from walking the caller's whole scope instead.
        narrow = tags or execution is not None or wanted.execution is not None
        terms = ["+scope IS ?" if narrow else "scope IS ?"]
        params = [scope]
        terms, params = Store._owner_terms("se", execution, wanted, terms, params)
        terms, params = Store._value_terms("", wanted, terms, params)
        if tags:
            # Driven by the tags index: the cost grows with the records that carry the tags.
            own = (
                f"id IN (SELECT owner FROM tags WHERE tag_lc IN ({_marks(tags)}) AND kind = '{kind.lower()}')"
            )
            params += tags
            if kind == "SESSION":
                # A session shows (and is found by) the union of its jobs' tags.
                own += (
                    f" OR id IN (SELECT session_id FROM tags WHERE tag_lc IN ({_marks(tags)})"
                    " AND session_id IS NOT NULL)"
                )
                params += tags
            terms.append(f"({own})")
        return _Branch(kind, table, table, " AND ".join(terms), params, "rowid", "rowid", rename)

    @staticmethod
    def _value_terms(
        prefix: str, wanted: WorkloadFilter, terms: list[str], params: list[Any]
    ) -> tuple[list[str], list[Any]]:
        """The terms on status, provider and backend of a workload listing (columns named ``prefix...``)."""
        terms, params = list(terms), list(params)
        for column, values in (("status", wanted.statuses), ("provider", wanted.providers)):
            if values:
                terms.append(f"UPPER({prefix}{column}) IN ({_marks(values)})")
                params += [_text(v).upper() for v in values]
        if wanted.backend_ids:
            terms.append(f"{prefix}backend_id IN ({_marks(wanted.backend_ids)})")
            params += [_text(v) for v in wanted.backend_ids]
        return terms, params

    @staticmethod
    def _owner_terms(
        column: str, execution: str | None, wanted: WorkloadFilter, terms: list[str], params: list[Any]
    ) -> tuple[list[str], list[Any]]:
        """The terms on the service execution (``column``) of a workload listing."""
        terms, params = list(terms), list(params)
        for one in (execution, wanted.execution):
            if one is not None:
                terms.append(f"{column} = ?")
                params.append(_text(one))
        if wanted.executions:
            terms.append(f"{column} IN ({_marks(wanted.executions)})")
            params += [_text(v) for v in wanted.executions]
        origins = {o.upper() for o in wanted.origins}
        if origins == {"STANDALONE"}:
            terms.append(f"{column} IS NULL")
        elif origins == {"SERVICE_EXECUTION"}:
            terms.append(f"{column} IS NOT NULL")
        return terms, params

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
