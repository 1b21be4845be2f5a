"""The local Hub's durable store: jobs, sessions, results and backend state in one SQLite file.

Records are JSON documents keyed by id, mirrored in memory for fast reads; every change is written
through to SQLite (WAL mode) before the answer leaves the server, so a restart loses nothing. Results,
which can be large, live only on disk and are read on demand. ``path=None`` keeps everything in memory
(for tests).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
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
"""


class Store:
    """Thread-safe record store. Kinds used: ``job``, ``session``, ``backend``, ``service_execution``."""

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
        self._db.executescript(_SCHEMA)
        self._lock = threading.RLock()
        self._records: dict[str, dict[str, dict[str, Any]]] = {}
        self._seq = 0
        for kind, record_id, seq, doc in self._db.execute(
            "SELECT kind, id, seq, doc FROM records ORDER BY seq"
        ):
            self._records.setdefault(kind, {})[record_id] = json.loads(doc)
            self._seq = max(self._seq, seq)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group several writes; they reach the disk together or not at all."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def put(self, kind: str, record_id: str, doc: dict[str, Any]) -> None:
        """Insert or replace a record (a copy is kept)."""
        with self._lock:
            existing = self._records.setdefault(kind, {})
            if record_id not in existing:
                self._seq += 1
                seq = self._seq
            else:
                seq = int(existing[record_id].get("_seq", 0))
            stored = {**doc, "_seq": seq}
            self._db.execute(
                "INSERT OR REPLACE INTO records (kind, id, seq, doc) VALUES (?, ?, ?, ?)",
                (kind, record_id, seq, json.dumps(stored)),
            )
            existing[record_id] = stored

    def get(self, kind: str, record_id: str) -> dict[str, Any] | None:
        """A copy of a record, or ``None``."""
        with self._lock:
            doc = self._records.get(kind, {}).get(record_id)
            return dict(doc) if doc is not None else None

    def all(self, kind: str) -> list[dict[str, Any]]:
        """Copies of every record of a kind, oldest first."""
        with self._lock:
            return [dict(doc) for doc in self._records.get(kind, {}).values()]

    def count(self, kind: str) -> int:
        with self._lock:
            return len(self._records.get(kind, {}))

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
                "SELECT body FROM results WHERE job_id = ? AND view = ?", (job_id, view)
            ).fetchone()
        return None if row is None else row[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()
