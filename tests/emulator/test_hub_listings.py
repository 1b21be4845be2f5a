"""Listings of a local Hub holding a few hundred jobs and sessions with ties and missing values: every sort,
filter and page answers exactly what a plain sort of all the caller's records in memory answers (ties in
insertion order, nulls last), and the store reads each page through indexes, never by sorting or scanning
everything the caller owns."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from qhub_providers.emulator import LocalHub
from qhub_providers.emulator.store import Store

from .hub_support import raw

TOKEN = "local-listings-test-token"
JOBS = 240
SESSION_EVERY = 16
BACKENDS = {
    "kipu.sim.qsim": "KIPU",
    "aws.sim.sv1": "AWS",
    "ibm.qpu.fez": "IBM",
    "azure.ionq.simulator": "AZURE",
}
START = datetime(2026, 1, 1, tzinfo=UTC)
JOB_SORTS = ("createdAt", "startedAt", "endedAt", "status", "backendId", "name", "provider", "shots")
WORKLOAD_SORTS = ("createdAt", "startedAt", "endedAt", "status", "backendId", "type", "provider", "name")

Row = dict[str, Any]


def _at(seconds: int | None) -> str | None:
    if seconds is None:
        return None
    return (START + timedelta(seconds=seconds)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _fill(path: Path) -> list[Row]:
    """Write jobs and sessions straight into a store file, as a Hub that ran them would have; returns one
    row per record with what listings sort and filter on, in insertion order."""
    store = Store(path)
    rows: list[Row] = []
    session: Row | None = None
    with store.transaction():
        for index in range(JOBS):
            if index % SESSION_EVERY == 0:
                number = index // SESSION_EVERY
                backend_id = "aws.sim.sv1"
                session = {
                    "type": "SESSION",
                    "id": f"session-{number:03d}",
                    "status": ("CLOSED", "ABORTED")[number % 2],
                    "backend_id": backend_id,
                    "provider": BACKENDS[backend_id],
                    "created_at": _at((number * 5) % 40),
                    "started_at": _at(None if number % 3 == 0 else number % 4),
                    "ended_at": _at(None if number % 4 == 1 else number % 6),
                    "name": None,
                    "se": "exec-1" if number % 3 == 2 else None,
                    "tags": ["t2"] if number % 2 else [],
                    "jobs": [],
                }
                store.put(
                    "session",
                    session["id"],
                    {
                        "id": session["id"],
                        "backend_id": backend_id,
                        "provider": session["provider"],
                        "status": session["status"],
                        "mode": "batch",
                        "created_at": session["created_at"],
                        "started_at": session["started_at"],
                        "closed_at": session["ended_at"],
                        "expires_at": session["created_at"],
                        "provider_id": "stored",
                        "tags": session["tags"],
                        "metadata": None,
                        "sdk_provider": None,
                        "_scope": "personal",
                        "_se": session["se"],
                        "_expires": 0,
                    },
                )
                rows.append(session)
            backend_id = list(BACKENDS)[index % len(BACKENDS)]
            in_session = session is not None and index % SESSION_EVERY in (1, 2)
            tags = [] if index % 13 == 0 else [f"t{index % 5}"] + (["T1"] if index % 10 == 1 else [])
            job = {
                "type": "JOB",
                "id": f"job-{index:03d}",
                "status": ("COMPLETED", "FAILED", "CANCELLED")[index % 3],
                "backend_id": backend_id,
                "provider": BACKENDS[backend_id],
                "created_at": _at((index * 7) % 40),
                "started_at": _at(None if index % 5 == 0 else (index * 3) % 50),
                "ended_at": _at(None if index % 6 == 0 else (index * 11) % 30),
                "name": None if index % 7 == 0 else f"job-{index % 9}",
                "shots": None if index % 11 == 0 else (10, 100, 1000)[index % 3],
                "se": "exec-1" if index % 4 == 0 else None,
                "tags": tags,
            }
            if in_session:
                assert session is not None
                session["jobs"].append(job)
            store.put(
                "job",
                job["id"],
                {
                    "id": job["id"],
                    "name": job["name"],
                    "backend_id": backend_id,
                    "provider": job["provider"],
                    "provider_job_id": f"local-{index}",
                    "input_params": {},
                    "input_format": "OPEN_QASM_V2",
                    "tags": tags,
                    "status": job["status"],
                    "created_at": job["created_at"],
                    "started_at": job["started_at"],
                    "ended_at": job["ended_at"],
                    "usage_time_millis": 3,
                    "shots": job["shots"],
                    "session_id": session["id"] if in_session and session is not None else None,
                    "sdk_provider": None,
                    "usage_time_state": "MEASURED",
                    "_scope": "personal",
                    "_se": job["se"],
                    "_input": "OPENQASM 2.0;",
                },
            )
            rows.append(job)
    store.close()
    for seq, row in enumerate(rows):
        row["seq"] = seq
    return rows


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalHub, list[Row]]]:
    path = tmp_path_factory.mktemp("listings") / "hub.sqlite3"
    rows = _fill(path)
    with LocalHub(db=path, token=TOKEN) as hub:
        yield hub, rows


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def _expected(rows: Sequence[Row], sort: Sequence[str]) -> list[str]:
    """The order a plain sort in memory gives: Spring-style keys, nulls last, ties in insertion order (a
    sort on the creation time alone breaks ties in its own direction)."""
    keys = [(_snake(spec.split(",")[0]), spec.endswith(",desc")) for spec in sort]
    ordered = sorted(rows, key=lambda r: r["seq"])
    if len(keys) == 1 and keys[0][0] == "created_at":
        ordered.sort(key=lambda r: (r["created_at"], r["seq"]), reverse=keys[0][1])
    for field, descending in reversed(keys):
        present = [r for r in ordered if r[field] is not None]
        present.sort(key=lambda r: r[field], reverse=descending)
        ordered = present + [r for r in ordered if r[field] is None]
    return [r["id"] for r in ordered]


def _pages(total: int, size: int) -> list[int]:
    last = max(0, (total - 1) // size)
    return sorted({0, 1, last // 2, last // 2 + 1, last, last + 1})


def _check(hub: LocalHub, path: str, params: dict[str, Any], expected: list[str], size: int = 7) -> None:
    for page in _pages(len(expected), size):
        answer = raw(hub, "GET", path, params={**params, "page": page, "size": size})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        where = f"{path} {params} page {page}"
        assert [c["id"] for c in body["content"]] == expected[page * size : (page + 1) * size], where
        assert body["total_elements"] == len(expected), where


def _jobs(rows: Sequence[Row]) -> list[Row]:
    return [r for r in rows if r["type"] == "JOB"]


@pytest.mark.parametrize("prop", JOB_SORTS)
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_job_listings_sorted_on_each_property_page_as_a_sort_in_memory(
    stored: tuple[LocalHub, list[Row]], prop: str, direction: str
) -> None:
    hub, rows = stored
    sort = [f"{prop},{direction}"]
    _check(hub, "jobs", {"sort": sort}, _expected(_jobs(rows), sort))


@pytest.mark.parametrize(
    "sort",
    [[], ["status,desc", "createdAt,asc"], ["name,asc", "shots,desc"], ["createdAt,desc", "name,desc"]],
)
def test_job_listings_by_insertion_or_several_keys(
    stored: tuple[LocalHub, list[Row]], sort: list[str]
) -> None:
    hub, rows = stored
    _check(hub, "jobs", {"sort": sort} if sort else {}, _expected(_jobs(rows), sort))
    _check(hub, "jobs", {"sort": sort} if sort else {}, _expected(_jobs(rows), sort), size=1000)


@pytest.mark.parametrize("prop", WORKLOAD_SORTS)
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_workload_listings_sorted_on_each_property_page_as_a_sort_in_memory(
    stored: tuple[LocalHub, list[Row]], prop: str, direction: str
) -> None:
    hub, rows = stored
    sort = [f"{prop},{direction}"]
    _check(hub, "workloads", {"sort": sort}, _expected(rows, sort))


def _upper(value: str | None) -> str | None:
    """SQLite's UPPER: ASCII letters only."""
    return None if value is None else "".join(c.upper() if "a" <= c <= "z" else c for c in value)


def _tags(row: Row) -> set[str]:
    own = {t.lower() for t in row["tags"]}
    if row["type"] == "SESSION":
        own |= {t.lower() for job in row["jobs"] for t in job["tags"]}
    return own


def _filtered(rows: Sequence[Row], filters: dict[str, list[str]]) -> list[Row]:
    def passes(row: Row) -> bool:
        checks = {
            "type": lambda vs: row["type"] in {v.upper() for v in vs},
            "status": lambda vs: _upper(row["status"]) in {v.upper() for v in vs},
            "provider": lambda vs: _upper(row["provider"]) in {v.upper() for v in vs},
            "backendId": lambda vs: row["backend_id"] in vs,
            "tag": lambda vs: bool(_tags(row) & {v.lower() for v in vs}),
            "origin": lambda vs: (
                {"STANDALONE": row["se"] is None, "SERVICE_EXECUTION": row["se"] is not None}.get(
                    vs[0].upper(), False
                )
                if len({v.upper() for v in vs}) == 1
                else True
            ),
            "serviceExecutionId": lambda vs: row["se"] in vs,
        }
        return all(checks[key](values) for key, values in filters.items())

    return [row for row in rows if passes(row)]


FILTERS: list[dict[str, list[str]]] = [
    {"status": ["completed"]},
    {"status": ["FAILED", "closed"]},
    {"backendId": ["aws.sim.sv1"]},
    {"provider": ["ibm", "Aws"]},
    {"tag": ["T1"]},
    {"tag": ["t2"]},
    {"tag": ["t1", "T3"]},
    {"tag": ["t2"], "status": ["CANCELLED", "ABORTED"]},
    {"tag": ["t0"], "origin": ["SERVICE_EXECUTION"]},
    {"origin": ["STANDALONE"]},
    {"origin": ["STANDALONE", "SERVICE_EXECUTION"], "type": ["session"]},
    {"serviceExecutionId": ["exec-1"], "type": ["JOB"]},
    {"type": ["SESSION"], "status": ["ABORTED"]},
    {"tag": ["nowhere"]},
]


@pytest.mark.parametrize(
    "filters", FILTERS, ids=lambda f: "&".join(f"{k}={','.join(v)}" for k, v in f.items())
)
@pytest.mark.parametrize("sort", [[], ["createdAt,desc"], ["endedAt,asc"], ["type,desc"]])
def test_filtered_workload_listings_page_as_a_filter_in_memory(
    stored: tuple[LocalHub, list[Row]], filters: dict[str, list[str]], sort: list[str]
) -> None:
    hub, rows = stored
    params: dict[str, Any] = {**filters, **({"sort": sort} if sort else {})}
    _check(hub, "workloads", params, _expected(_filtered(rows, filters), sort))


TEMP_SORT = "USE TEMP B-TREE FOR ORDER BY"
FULL_SCAN = re.compile(r"\bSCAN (jobs|sessions|tags)\b(?! USING INDEX (jobs_unfinished|sessions_open)\b)")
"""A step reading a whole table or index (the engine's partial indexes of unfinished work aside)."""


def test_listings_read_pages_through_indexes(stored: tuple[LocalHub, list[Row]]) -> None:
    """No listing below scans a table, and none sorts the caller's records: the page comes from an index
    in page order (a sort is allowed only over a subquery bounded by the page's end); the page's places
    come from indexes alone, without reading records."""
    hub, rows = stored
    requests: list[tuple[str, dict[str, Any]]] = [("jobs", {}), ("workloads", {})]
    last = (len(_jobs(rows)) - 1) // 20
    for prop in JOB_SORTS:
        for direction in ("asc", "desc"):
            for page in (0, last // 3, last):
                requests.append(("jobs", {"sort": f"{prop},{direction}", "page": page, "size": 20}))
    for prop in WORKLOAD_SORTS:
        for direction in ("asc", "desc"):
            for page in (0, last):
                requests.append(("workloads", {"sort": f"{prop},{direction}", "page": page, "size": 20}))
    # Of the jobs and sessions carrying a tag, the sessions are sorted (those carry a tag of their own or of
    # one of their jobs): the plans below are the jobs' own.
    for filters in (
        {"status": "COMPLETED"},
        {"provider": "aws"},
        {"backendId": "aws.sim.sv1"},
        {"tag": "t1", "type": "JOB"},
    ):
        for sort in ({}, {"sort": "createdAt,desc"}):
            for page in (0, 2):
                requests.append(("workloads", {**filters, **sort, "page": page, "size": 20}))
    statements: list[str] = []
    hub.store.trace(statements.append)
    try:
        for path, params in requests:
            assert raw(hub, "GET", path, params=params).status_code == 200
    finally:
        hub.store.trace(None)
    queries = {s for s in statements if s.lstrip().upper().startswith("SELECT")}
    pages = {s for s in queries if " LIMIT " in s}
    assert len(pages) >= len(requests) // 2  # the trace saw the listings
    problems: dict[str, list[str]] = {}
    for statement in queries:
        plan = hub.store.plan(statement)
        bad = [step for step in plan if FULL_SCAN.search(step)]
        for index, step in enumerate(plan):
            # A sort is bounded only when it sorts a subquery with a LIMIT (what one kind brings).
            if step == TEMP_SORT and not (index and plan[index - 1].startswith("SCAN (subquery")):
                bad.append(step)
        if statement in pages:
            bad += [s for s in plan if s.startswith("SEARCH") and "USING INDEX" in s and "COVERING" not in s]
        if bad:
            problems[statement] = plan
    assert not problems, problems


def test_an_earlier_store_gains_the_indexes_and_tag_columns(tmp_path: Path) -> None:
    """A store whose tag rows lack the owner's columns (as an earlier Hub wrote them) is given them when it
    is opened, and its tag filter answers as before."""
    import sqlite3

    path = tmp_path / "hub.sqlite3"
    rows = _fill(path)
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE tags")
        db.execute(
            "CREATE TABLE tags (kind TEXT NOT NULL, owner TEXT NOT NULL, tag TEXT NOT NULL,"
            " tag_lc TEXT NOT NULL, PRIMARY KEY (kind, owner, tag)) WITHOUT ROWID"
        )
        for row in rows:
            for tag in row["tags"]:
                db.execute(
                    "INSERT INTO tags VALUES (?, ?, ?, ?)", (row["type"].lower(), row["id"], tag, tag.lower())
                )
        indexes = db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ).fetchall()
        for (name,) in indexes:
            if name not in ("jobs_by_scope", "sessions_by_scope"):
                db.execute(f"DROP INDEX {name}")
    db.close()
    with LocalHub(db=path, token=TOKEN) as hub:
        for filters in ({"tag": ["t1"]}, {"tag": ["T2"], "origin": ["STANDALONE"]}):
            for sort in ([], ["createdAt,asc"]):
                params: dict[str, Any] = {**filters, **({"sort": sort} if sort else {})}
                _check(hub, "workloads", params, _expected(_filtered(rows, filters), sort))
    with sqlite3.connect(path) as db:
        names = {row[1] for row in db.execute("PRAGMA index_list(jobs)")}
    db.close()
    assert {"jobs_sort_status", "jobs_sort_status_desc", "jobs_by_scope_status"} <= names


def test_kept_counts_follow_every_change_of_the_store(tmp_path: Path) -> None:
    """The totals kept in memory (which also decide from which end a page is read) equal what the listing
    queries select, through inserts, status changes, a rolled-back transaction, pruning and a reopen."""
    from qhub_providers.emulator.store import WorkloadFilter

    path = tmp_path / "counts.sqlite3"
    store = Store(path)
    providers = ["AWS", "aws", "Ibm", None]

    def job(index: int, status: str) -> dict[str, Any]:
        return {
            "id": f"job-{index}",
            "status": status,
            "backend_id": ("aws.sim.sv1", "ibm.qpu.fez", None)[index % 3],
            "provider": providers[index % 4],
            "created_at": _at(index % 7),
            "tags": [],
            "_scope": ("personal", "org:a")[index % 2],
            "_se": (None, "e1", "e2")[index % 3],
        }

    filters = [
        WorkloadFilter(),
        WorkloadFilter(statuses=["pending"]),
        WorkloadFilter(statuses=["RUNNING", "completed", "closed"]),
        WorkloadFilter(providers=["aws"]),
        WorkloadFilter(providers=["IBM", "nowhere"]),
        WorkloadFilter(backend_ids=["aws.sim.sv1"]),
        WorkloadFilter(origins=["STANDALONE"]),
        WorkloadFilter(origins=["SERVICE_EXECUTION"], statuses=["running"]),
        WorkloadFilter(executions=["e1", "e3"]),
        WorkloadFilter(execution="e2", types=["JOB"]),
        WorkloadFilter(types=["SESSION"], providers=["aws"]),
    ]

    def listed(one: Store) -> list[tuple[int, int]]:
        seen = []
        for scope in ("personal", "org:a", "org:none"):
            for execution in (None, "e1"):
                for wanted in filters:
                    page = one.page_workloads(scope, execution, wanted, [], 0, 1000)
                    seen.append((page.total, len(page.rows)))
                jobs = one.page_jobs(scope, execution, [], 0, 1000)
                seen.append((jobs.total, len(jobs.rows)))
        return seen

    for index in range(60):
        store.put("job", f"job-{index}", job(index, "PENDING"))
        if index % 5 == 0:
            session = {**job(index, "OPEN"), "id": f"session-{index}"}
            store.put("session", session["id"], session)
    for index in range(0, 60, 2):
        store.put("job", f"job-{index}", job(index, "RUNNING"))
    for index in range(0, 60, 3):
        store.put("job", f"job-{index}", job(index, "COMPLETED" if index % 2 else "FAILED"))
        store.put("job", f"job-{index}", job(index, "COMPLETED" if index % 2 else "FAILED"))  # unchanged
    for index in range(0, 60, 10):
        store.put("session", f"session-{index}", {**job(index, "CLOSED"), "id": f"session-{index}"})
    changed = listed(store)
    assert all(total == rows for total, rows in changed), changed

    def rolled_back() -> None:
        with store.transaction():
            store.put("job", "job-1", job(1, "CANCELLED"))
            store.put("job", "job-new", job(99, "PENDING"))
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        rolled_back()
    assert listed(store) == changed
    assert store.prune(_at(3) or "") == (9, 3)  # what ended (here: was created) before 00:00:03

    before = listed(store)
    assert all(total == rows for total, rows in before), before
    assert sum(total for total, _ in before) > 100
    store.close()
    reopened = Store(path)
    try:
        assert listed(reopened) == before
    finally:
        reopened.close()
