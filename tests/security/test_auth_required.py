"""Every endpoint but the public backend list refuses callers without the right token.

The routes come from the local Hub's own OpenAPI document, so an endpoint added later is covered without
touching this file. Each is called without a token and with several wrong ones, on real records (so a 401
cannot be a 404 in disguise), and nothing may change on the Hub.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from qhub_providers.api import HubQuantumClient
from qhub_providers.emulator import LocalHub

from .support import BELL, TOKEN, WRONG_TOKEN, connect, finished, headers_for

PUBLIC = {("GET", "/quantum/backends")}
"""The contract's only public endpoint (it answers anonymous callers with a reduced view)."""

CONTRACT_ENDPOINTS = 41
"""Endpoints of the Quantum API (qhub_providers/api/resources/); the local Hub adds admin controls."""

# Ways to present no valid token. The right token in the wrong place (a query parameter, a cookie, an
# Authorization header) must not count either.
REFUSED: dict[str, dict[str, Any]] = {
    "no-token": {"headers": {}},
    "wrong-token": {"headers": {"X-Auth-Token": WRONG_TOKEN}},
    "empty-token": {"headers": {"X-Auth-Token": ""}},
    "token-prefix": {"headers": {"X-Auth-Token": TOKEN[:-1]}},
    "token-plus-one": {"headers": {"X-Auth-Token": TOKEN + "x"}},
    "token-upper-case": {"headers": {"X-Auth-Token": TOKEN.upper()}},
    "non-ascii-token": {"headers": {"X-Auth-Token": "t\xf6ken".encode("latin-1")}},
    "bearer-header": {"headers": {"Authorization": f"Bearer {TOKEN}"}},
    "token-in-query": {"headers": {}, "params": {"X-Auth-Token": TOKEN, "token": TOKEN}},
    "token-in-cookie": {"headers": {"Cookie": f"X-Auth-Token={TOKEN}"}},
    "with-organization": {"headers": {"X-OrganizationId": "org-1"}},
}


@pytest.fixture(scope="module")
def records(hub: LocalHub) -> dict[str, str]:
    """Real ids for every path parameter: a finished job and an open session of a service execution."""
    se, se_token = hub.create_service_execution()
    with connect(hub, token=se_token) as service:
        job = service.jobs.create_job(backend_id="aws.sim.sv1", shots=10, input=BELL)
        session = service.sessions.create_session(backend_id="aws.sim.sv1", mode="batch", provider="AWS")
        assert job.id is not None
        assert session.id is not None
        finished(service, job.id)
    return {
        "job_id": job.id,
        "session_id": session.id,
        "service_execution_id": se,
        "backend_id": "aws.sim.sv1",
    }


def _operations(hub: LocalHub) -> list[tuple[str, str]]:
    """(method, path template) of every operation in the Hub's OpenAPI document."""
    document = httpx.get(f"{hub.base_url}/openapi.json", timeout=30).json()
    return sorted(
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    )


@pytest.fixture(scope="module")
def operations(hub: LocalHub) -> list[tuple[str, str]]:
    return _operations(hub)


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client


def _fill(template: str, records: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in records, f"a new path parameter {name!r}: give it a real id in records()"
        return records[name]

    return re.sub(r"\{(\w+)\}", value, template)


def test_the_openapi_document_lists_every_endpoint(operations: list[tuple[str, str]]) -> None:
    protected = [op for op in operations if op not in PUBLIC]
    api = [op for op in operations if "/admin/" not in op[1]]
    assert len(api) == CONTRACT_ENDPOINTS
    assert set(operations) >= PUBLIC
    assert len(protected) >= CONTRACT_ENDPOINTS - 1 + 5  # and the five admin controls


@pytest.mark.parametrize("refusal", list(REFUSED), ids=list(REFUSED))
def test_every_endpoint_refuses_a_missing_or_wrong_token(
    hub: LocalHub,
    http: httpx.Client,
    operations: list[tuple[str, str]],
    records: dict[str, str],
    refusal: str,
) -> None:
    options = REFUSED[refusal]
    answered: dict[str, int] = {}
    for method, template in operations:
        if (method, template) in PUBLIC:
            continue
        url = f"http://127.0.0.1:{hub.port}{_fill(template, records)}"
        body = {} if method in {"POST", "PUT", "PATCH"} else None
        answer = http.request(
            method, url, headers=options["headers"], params=options.get("params"), json=body
        )
        answered[f"{method} {template}"] = answer.status_code
        if answer.status_code == 401:
            assert answer.json()["status"] == 401
            assert "queue_size" not in answer.text
        if method == "GET":  # HEAD is not served (405); it must not answer either
            head = http.request("HEAD", url, headers=options["headers"], params=options.get("params"))
            answered[f"HEAD {template}"] = 401 if head.status_code == 405 else head.status_code
    refused_otherwise = {route: status for route, status in answered.items() if status != 401}
    assert not refused_otherwise, f"answered without a valid token: {refused_otherwise}"


def test_refused_requests_change_nothing(
    hub: LocalHub, http: httpx.Client, operations: list[tuple[str, str]], records: dict[str, str]
) -> None:
    before = hub.admin.stats()
    for method, template in operations:
        if method in {"POST", "PUT", "PATCH", "DELETE"}:
            url = f"http://127.0.0.1:{hub.port}{_fill(template, records)}"
            body = {"status": "OFFLINE", "rate": 0.9, "accept_jobs": False} if method != "DELETE" else None
            assert http.request(method, url, headers={}, json=body).status_code == 401
    assert hub.admin.stats() == before
    assert hub.faults is not None
    assert hub.faults.stats()["rate"] == 0.0
    with connect(hub) as owner:
        assert owner.backends.get_backend_status("aws.sim.sv1").status == "ONLINE"
        assert owner.jobs.get_job_status(records["job_id"]).status == "COMPLETED"
        assert owner.sessions.get_session_status(records["session_id"]).status == "OPEN"


def test_the_public_backend_list_gives_anonymous_callers_the_reduced_view(hub: LocalHub) -> None:
    anonymous = httpx.get(f"{hub.base_url}/backends", timeout=30)
    assert anonymous.status_code == 200
    assert all("queue_size" not in backend for backend in anonymous.json())
    known = httpx.get(f"{hub.base_url}/backends", headers=headers_for(), timeout=30)
    assert all("queue_size" in backend for backend in known.json())
    # A wrong token is refused rather than silently treated as anonymous.
    wrong = httpx.get(f"{hub.base_url}/backends", headers={"X-Auth-Token": WRONG_TOKEN}, timeout=30)
    assert wrong.status_code == 401


def test_a_service_execution_token_cannot_use_the_admin_controls(
    hub: LocalHub, http: httpx.Client, operations: list[tuple[str, str]], records: dict[str, str]
) -> None:
    """A service execution's token is handed to service code; it authenticates the execution's own work,
    not the Hub's test controls (forcing any job's status, pausing backends, injecting faults)."""
    _, se_token = hub.create_service_execution()
    before = hub.admin.stats()
    for method, template in operations:
        if "/admin/" not in template:
            continue
        url = f"http://127.0.0.1:{hub.port}{_fill(template, records)}"
        body = {"status": "ABORTED", "rate": 0.9} if method in {"POST", "PUT"} else None
        answer = http.request(method, url, headers={"X-Auth-Token": se_token}, json=body)
        assert answer.status_code == 403, f"{method} {template}: {answer.status_code}"
    assert hub.admin.stats() == before
    with connect(hub) as owner:
        assert owner.backends.get_backend_status("aws.sim.sv1").status == "ONLINE"


def test_the_client_reports_a_refused_token_as_a_typed_error(hub: LocalHub) -> None:
    from qhub_providers.api import UnauthorizedError

    with (
        HubQuantumClient(api_key=WRONG_TOKEN, base_url=hub.base_url, max_retries=2) as stranger,
        pytest.raises(UnauthorizedError) as caught,
    ):
        stranger.jobs.search_jobs()
    assert caught.value.status_code == 401
    assert "access token" in str(caught.value)
