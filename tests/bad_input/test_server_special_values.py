"""Special JSON values in every field of every body the local Hub reads, admin controls included.

Each field of a valid body gets, in turn, a value a real producer sends by accident: a lone UTF-16
surrogate (what JavaScript leaves when it cuts a string mid-emoji), ``NaN`` and the infinities (Python's
``json`` writes them), numbers beyond a double or too long to read, and values of the wrong type. The Hub
must answer each with 400/422 and a message and store nothing, or accept it; never 500. Afterwards every
listing still answers. Records stored by an older Hub with such values stay readable, even after a restart.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from qhub_providers.emulator import LocalHub
from tests.waiting import wait_until

SPECIALS: dict[str, str] = {
    "lone-high-surrogate": '"\\ud800"',
    "lone-low-surrogate-inside": '"a\\udc00b"',
    "surrogate-in-list": '["\\ud83d"]',
    "surrogate-as-key": '{"\\udfff": 1}',
    "emoji-as-pair": '"\\ud83d\\ude00"',
    "nan": "NaN",
    "infinity": "Infinity",
    "minus-infinity": "-Infinity",
    "beyond-a-double": "1e999",
    "huge-integer": str(10**30),
    "int64-overflow": str(2**63),
    "too-many-digits": "9" * 5000,
    "negative": "-1",
    "fraction": "0.5",
    "true": "true",
    "null": "null",
    "empty-text": '""',
    "text": '"x"',
    "list": "[1, 2]",
    "object": '{"a": [1]}',
}
"""Raw JSON text of each special value (some cannot be written by ``json.dumps``)."""

HOLE = "@@special@@"

BELL = "OPENQASM 3.0;\nqubit[2] q;\nbit[2] c;\nh q[0];\ncnot q[0], q[1];\nc = measure q;\n"

JOB = {
    "name": "special",
    "backend_id": "aws.sim.sv1",
    "shots": 10,
    "input": BELL,
    "input_format": "BRAKET_OPEN_QASM_V3",
    "input_params": {"p": 1},
    "tags": ["t"],
    "sdk_provider": "QISKIT",
}
SESSION = {
    "backend_id": "aws.sim.sv1",
    "mode": "batch",
    "provider": "AWS",
    "ttl": 60,
    "tags": ["t"],
    "metadata": {"m": 1},
    "sdk_provider": "BRAKET",
}


def with_special(base: dict[str, Any], field: str, raw: str) -> bytes:
    """``base`` with ``field`` (``a.b`` inside an object, ``a[0]`` in a list, or a new key) set to the
    raw JSON text ``raw``."""
    body = json.loads(json.dumps(base))
    if field.endswith("[0]"):
        body[field[:-3]] = [HOLE]
    elif "." in field:
        outer, inner = field.split(".", 1)
        body[outer] = {inner: HOLE}
    else:
        body[field] = HOLE
    return json.dumps(body).replace(json.dumps(HOLE), raw).encode()


def fields_of(base: dict[str, Any]) -> list[str]:
    out = [*base, "unknown_field"]
    out += [f"{k}[0]" for k, v in base.items() if isinstance(v, list)]
    out += [f"{k}.x" for k, v in base.items() if isinstance(v, dict)]
    return out


def check(answer: httpx.Response, what: str, failures: list[str]) -> bool:
    """Record a failure unless the answer is a success or a 4xx JSON error with a message; True on 2xx."""
    if answer.status_code >= 500:
        failures.append(f"{what}: HTTP {answer.status_code} {answer.text[:200]}")
        return False
    if answer.status_code >= 400:
        try:
            body = answer.json()
        except ValueError:
            failures.append(f"{what}: HTTP {answer.status_code} without a JSON body")
            return False
        if body.get("status") != answer.status_code or not body.get("detail"):
            failures.append(f"{what}: error body {body}")
        return False
    return True


@pytest.fixture(scope="module")
def admin_hub() -> Iterator[LocalHub]:
    with LocalHub(admin=True) as hub:
        yield hub


def http_for(hub: LocalHub, organization: str | None = None) -> httpx.Client:
    headers = {"X-Auth-Token": hub.token, "content-type": "application/json"}
    if organization:
        headers["X-OrganizationId"] = organization
    return httpx.Client(base_url=hub.base_url + "/", headers=headers, timeout=20.0)


def listings_answer(http: httpx.Client) -> int:
    """Every listing answers 200 (one of them failing was how a bad record showed); returns the count of
    the caller's workloads."""
    for path in ("jobs", "workloads", "runtime-minutes", "backends"):
        answer = http.get(path)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:200])
        json.loads(answer.text)
    return int(http.get("workloads").json()["total_elements"])


@pytest.mark.parametrize(("path", "base"), [("jobs", JOB), ("sessions", SESSION)])
def test_special_values_in_every_field_of_a_submission(
    hub: LocalHub, path: str, base: dict[str, Any]
) -> None:
    failures: list[str] = []
    accepted = 0
    with http_for(hub, f"org-special-{uuid.uuid4().hex[:8]}") as http:
        assert http.post(path, json=base).status_code == 200  # the body itself is fine
        accepted = 1
        for field in fields_of(base):
            for name, raw in SPECIALS.items():
                answer = http.post(path, content=with_special(base, field, raw))
                accepted += check(answer, f"POST {path} {field}={name}", failures)
        assert not failures, "\n".join(failures)
        # Nothing refused was stored, and the listings answer.
        assert listings_answer(http) == accepted


def test_special_values_in_a_session_update(hub: LocalHub) -> None:
    failures: list[str] = []
    with http_for(hub, f"org-special-{uuid.uuid4().hex[:8]}") as http:
        session_id = http.post("sessions", json=SESSION).json()["id"]
        for field in ("accept_jobs", "unknown_field"):
            for name, raw in SPECIALS.items():
                body = with_special({"accept_jobs": True}, field, raw)
                check(http.patch(f"sessions/{session_id}", content=body), f"PATCH {field}={name}", failures)
        assert not failures, "\n".join(failures)
        assert http.get(f"sessions/{session_id}").status_code == 200
        listings_answer(http)


def test_special_values_in_every_admin_body(admin_hub: LocalHub) -> None:
    failures: list[str] = []
    admin_hub.admin.set_backend("kipu.sim.qsim", queue_delay=3600)  # its jobs wait, so they can be forced
    bodies: list[tuple[str, str, dict[str, Any]]] = [
        (
            "PUT",
            "admin/backends/aws.sim.dm1",
            {"status": "ONLINE", "queue_size": 0, "queue_avg_time": 0, "queue_delay": 0},
        ),
        (
            "PUT",
            "admin/faults",
            {
                "rate": 0.0,
                "kinds": ["error"],
                "slow_seconds": 0.1,
                "retry_after_ms": 10,
                "max_faults": 1,
                "seed": 1,
            },
        ),
        ("POST", "admin/service-executions", {"name": "x"}),
    ]
    with http_for(admin_hub) as http:
        job = http.post(
            "jobs",
            json={
                **JOB,
                "backend_id": "kipu.sim.qsim",
                "input": "OPENQASM 2.0;\nqreg q[1];\n",
                "input_format": None,
            },
        )
        assert job.status_code == 200, job.text
        bodies.append(
            (
                "POST",
                f"admin/jobs/{job.json()['id']}/force",
                {"status": "PENDING", "message": "m", "hold": 0.1},
            )
        )
        for method, path, base in bodies:
            assert http.request(method, path, json=base).status_code < 300, path  # the body itself is fine
            for field in fields_of(base):
                for name, raw in SPECIALS.items():
                    answer = http.request(method, path, content=with_special(base, field, raw))
                    check(answer, f"{method} {path} {field}={name}", failures)
                    if (
                        path == "admin/faults"
                    ):  # a value that happened to be valid must not fault what follows
                        http.put(path, json={"rate": 0.0})
        assert not failures, "\n".join(failures)
        assert http.get("admin/stats").status_code == 200
        listings_answer(http)


def test_records_stored_with_special_values_stay_listable(tmp_path: Path) -> None:
    """A store written by an older Hub that accepted lone surrogates and NaN: every listing and the records
    themselves still answer, before and after a restart, and show the values as JSON can (the surrogate
    escaped, NaN as null)."""
    db = tmp_path / "hub.sqlite3"
    token = "special-values-token"
    ids: dict[str, str] = {}
    with LocalHub(db=db, token=token) as first, http_for(first) as http:
        ids["job"] = http.post("jobs", json=JOB).json()["id"]
        ids["session"] = http.post("sessions", json=SESSION).json()["id"]
        # Finished first, so that the engine writes the job no more.
        wait_until(lambda: http.get(f"jobs/{ids['job']}/status").json()["status"] == "COMPLETED" or None)
        # What an older Hub stored before it refused these values.
        job = first.store.get("job", ids["job"])
        session = first.store.get("session", ids["session"])
        assert job is not None
        assert session is not None
        job.update(
            name="\ud800", tags=["\udc00", "ok"], sdk_provider="\ud83d", input_params={"p": float("nan")}
        )
        session.update(tags=["\ud800"], sdk_provider="\udfff", metadata={"m": float("inf")})
        first.store.put("job", ids["job"], job)
        first.store.put("session", ids["session"], session)
        seen = _read_back(http, ids)
    with LocalHub(db=db, token=token) as second, http_for(second) as http:
        assert _read_back(http, ids) == seen


def _read_back(http: httpx.Client, ids: dict[str, str]) -> dict[str, Any]:
    listings_answer(http)
    record = http.get(f"jobs/{ids['job']}")
    assert record.status_code == 200, record.text[:200]
    job = record.json()
    assert (job["name"], job["sdk_provider"], job["input_params"]) == ("\ud800", "\ud83d", {"p": None})
    session = http.get(f"sessions/{ids['session']}")
    assert session.status_code == 200, session.text[:200]
    assert "\ud800" in session.json()["tags"]
    tagged = http.get("workloads", params={"tag": "ok"}).json()
    assert [w["id"] for w in tagged["content"]] == [ids["job"]]
    return {"job": job, "session": session.json(), "jobs": http.get("jobs").json()}
