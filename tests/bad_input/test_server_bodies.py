"""Junk job submissions (and session bodies) never make the local Hub answer 500, hang, or leave a job stuck.

The bodies start from what real clients sent for one Bell job per backend family and break them: junk in
``input``, ``input_params``, ``backend_id`` or ``shots``, numbers beyond every integer type, nesting deeper
than any parser likes, JSON cut off, bytes that are no JSON at all. The Hub must refuse each with a 4xx,
or accept it as a job that then ends (COMPLETED or FAILED), never 500.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import event, given, note
from hypothesis import strategies as st

from qhub_providers.api.models import TERMINAL_JOB_STATUSES

from .conftest import RealRun
from .support import HUGE_NUMBERS, RESULT_BACKENDS, bounded, json_values, junk, mutations, truncated_text

EXAMPLES_PER_FAMILY = 40
JUNK_EXAMPLES = 40
SETTLE_SECONDS = 60.0
"""How long accepted junk jobs may take, all together, to reach a final status."""

JSON = {"content-type": "application/json"}


def submission(run: RealRun) -> dict[str, Any]:
    """The body a client sends to run this job again."""
    return {
        "name": "bad-input",
        "backend_id": run.backend_id,
        "shots": run.shots,
        "input": run.job_input,
        "input_format": run.input_format,
        "input_params": run.input_params,
        "tags": ["bad-input"],
    }


def nested(depth: int, leaf: str = "0") -> str:
    """JSON text nested ``depth`` levels deep, alternating arrays and objects."""
    opening = "".join("[" if level % 2 else '{"a":' for level in range(depth))
    closing = "".join("]" if level % 2 else "}" for level in reversed(range(depth)))
    return opening + leaf + closing


@st.composite
def deep_bodies(draw: st.DrawFn, base: dict[str, Any]) -> str:
    """A submission whose ``input`` (or another field) is nested very deep."""
    depth = draw(st.one_of(st.integers(1, 1200), st.sampled_from([990, 1000, 1010, 5000, 100_000])))
    field = draw(st.sampled_from(["input", "input_params", "shots", "backend_id", "tags"]))
    text = json.dumps({k: v for k, v in base.items() if k != field})
    return text[:-1] + f', "{field}": {nested(depth)}}}'


@st.composite
def huge_number_bodies(draw: st.DrawFn, base: dict[str, Any]) -> str:
    """A submission with a number no integer type holds, written as JSON text (beyond what ``json`` reads
    back for the longest)."""
    field = draw(st.sampled_from(["shots", "input", "input_params", "backend_id"]))
    number = draw(
        st.one_of(st.sampled_from([str(n) for n in HUGE_NUMBERS]), st.just("9" * 5000), st.just("1e999"))
    )
    text = json.dumps({k: v for k, v in base.items() if k != field})
    return text[:-1] + f', "{field}": {number}}}'


def job_bodies(base: dict[str, Any]) -> st.SearchStrategy[bytes]:
    """Every kind of broken submission, as the bytes of the request body."""
    as_json = st.one_of(
        mutations(base, max_mutations=3),
        st.fixed_dictionaries({**{k: st.just(v) for k, v in base.items()}, "input": junk()}),
        st.fixed_dictionaries({**{k: st.just(v) for k, v in base.items()}, "input_params": junk()}),
        st.fixed_dictionaries({**{k: st.just(v) for k, v in base.items()}, "backend_id": junk()}),
    ).map(json.dumps)
    return st.one_of(as_json, deep_bodies(base), huge_number_bodies(base), truncated_text(base)).map(
        lambda text: text.encode("utf-8", "surrogatepass")
    )


def any_bodies() -> st.SearchStrategy[bytes]:
    """Bodies with no relation to the endpoint: any JSON, any bytes, invalid UTF-8, nothing."""
    return st.one_of(
        json_values().map(lambda value: json.dumps(value).encode()),
        st.binary(max_size=64),
        st.sampled_from([b"", b"\xff\xfe{", b"<html><body>hi</body></html>", b"null", b"[]", b"{}"]),
    )


def _post(http: httpx.Client, path: str, body: bytes, method: str = "POST") -> httpx.Response:
    # An httpx timeout (the client's 20 s) fails the test: the Hub hung on this body.
    return http.request(method, path, content=body, headers=JSON)


def _check_answer(response: httpx.Response, accepted: list[str]) -> None:
    event(f"HTTP {response.status_code}")  # shown by pytest --hypothesis-show-statistics
    assert response.status_code < 500, f"HTTP {response.status_code}: {response.text[:300]}"
    if response.status_code >= 400:
        body = response.json()
        assert body.get("status") == response.status_code, body
        assert body.get("detail"), body
    elif isinstance(response.json(), dict) and "id" in response.json():
        accepted.append(str(response.json()["id"]))


def _settle(http: httpx.Client, job_ids: list[str]) -> None:
    """Every accepted job reaches a final status (bounded in time)."""
    deadline = time.monotonic() + SETTLE_SECONDS
    for job_id in job_ids:
        while True:
            status = http.get(f"jobs/{job_id}/status").json()["status"]
            if status in TERMINAL_JOB_STATUSES:
                break
            assert time.monotonic() < deadline, f"accepted job {job_id} still {status}"
            time.sleep(0.05)


@pytest.mark.parametrize("backend_id", RESULT_BACKENDS)
def test_broken_job_submissions(real_runs: dict[str, RealRun], http: httpx.Client, backend_id: str) -> None:
    base = submission(real_runs[backend_id])
    accepted: list[str] = []

    @bounded(EXAMPLES_PER_FAMILY)
    @given(body=job_bodies(base))
    def submit(body: bytes) -> None:
        note(f"body: {body[:2000]!r}")
        _check_answer(_post(http, "jobs", body), accepted)

    submit()
    _settle(http, accepted)


def test_junk_bodies_on_every_body_endpoint(real_runs: dict[str, RealRun], http: httpx.Client) -> None:
    opened = http.post("sessions", json={"backend_id": "aws.sim.sv1", "mode": "batch", "provider": "AWS"})
    assert opened.status_code == 200, opened.text
    session_id = opened.json()["id"]
    accepted: list[str] = []

    @bounded(JUNK_EXAMPLES)
    @given(
        target=st.sampled_from([("POST", "jobs"), ("POST", "sessions"), ("PATCH", f"sessions/{session_id}")]),
        body=any_bodies(),
    )
    def send(target: tuple[str, str], body: bytes) -> None:
        note(f"{target}: {body!r}")
        method, path = target
        response = _post(http, path, body, method)
        _check_answer(response, accepted if path == "jobs" else [])

    send()
    _settle(http, accepted)


@pytest.mark.parametrize("field", ["input", "input_params", "name"])
@pytest.mark.parametrize("depth", [101, 300, 995, 1005, 20_000])
def test_deeply_nested_submissions_are_refused(
    real_runs: dict[str, RealRun], http: httpx.Client, field: str, depth: int
) -> None:
    """Regression examples. Nesting beyond 255 levels in ``input_params`` once made the Hub store the job
    and then answer 500, and keep answering 500 on every listing that showed it."""
    base = submission(real_runs["aws.sim.sv1"])
    text = json.dumps({k: v for k, v in base.items() if k != field})
    response = _post(http, "jobs", (text[:-1] + f', "{field}": {nested(depth)}}}').encode())
    assert response.status_code == 400, (response.status_code, response.text[:300])
    assert http.get("jobs", params={"size": 5}).status_code == 200
    assert http.get("workloads", params={"size": 5}).status_code == 200


@pytest.mark.parametrize(
    ("backend_id", "job_input"),
    [
        # Regression: a control character made Braket's OpenQASM 3 parser fail inside its error recovery.
        ("aws.sim.sv1", "\b"),
        ("aws.sim.sv1", "\x7f\x01"),
        # Regression: a Runtime JSON tag that is a list could not be looked up (unhashable).
        ("ibm.qpu.fez", {"pubs": [[{"__type__": ["QuantumCircuit"], "__value__": "eJw="}]], "version": 2}),
    ],
)
def test_junk_programs_are_refused(http: httpx.Client, backend_id: str, job_input: Any) -> None:
    body = {"backend_id": backend_id, "shots": 10, "input": job_input}
    response = _post(http, "jobs", json.dumps(body).encode())
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert response.json()["detail"]


def test_deeply_nested_session_metadata_is_refused(http: httpx.Client) -> None:
    opening = '{"backend_id": "aws.sim.sv1", "mode": "batch", "provider": "AWS", "metadata": '
    body = opening + nested(300) + "}"
    response = _post(http, "sessions", body.encode())
    assert response.status_code == 400, (response.status_code, response.text[:300])


def test_moderately_nested_submissions_are_kept(real_runs: dict[str, RealRun], http: httpx.Client) -> None:
    """Nesting a real client might send (here 50 levels in ``input_params``) is stored and shown back."""
    body = {**submission(real_runs["aws.sim.sv1"]), "input_params": json.loads(nested(50))}
    response = _post(http, "jobs", json.dumps(body).encode())
    assert response.status_code == 200, response.text[:300]
    job_id = response.json()["id"]
    assert http.get(f"jobs/{job_id}").json()["input_params"] == body["input_params"]
    _settle(http, [job_id])


JOB_ROUTES = ("", "/status", "/result", "/result/normalized", "/result-stream", "/input", "/calibration")


def test_junk_job_ids_and_queries(http: httpx.Client) -> None:
    """Job routes with ids and query strings no client would send: 4xx answers, never 500."""

    @bounded(JUNK_EXAMPLES)
    @given(
        job_id=st.one_of(
            st.text(min_size=1, max_size=40), st.sampled_from(["..", "%00", "a" * 5000, "ü/../x"])
        ),
        route=st.sampled_from(JOB_ROUTES),
        method=st.sampled_from(["GET", "DELETE"]),
        params=st.dictionaries(
            st.sampled_from(["page", "size", "sort", "serviceExecutionId", "x"]),
            st.text(max_size=20),
            max_size=3,
        ),
    )
    def request(job_id: str, route: str, method: str, params: dict[str, str]) -> None:
        path = f"jobs/{quote(job_id, safe='')}{route}"
        note(f"{method} {path} {params}")
        response = http.request(method, path, params=params)
        assert response.status_code < 500, f"HTTP {response.status_code}: {response.text[:300]}"

    request()
    listing = http.get("jobs", params={"size": "-1", "page": "99999999999999999999", "sort": "nope,sideways"})
    assert listing.status_code < 500, listing.text[:300]
