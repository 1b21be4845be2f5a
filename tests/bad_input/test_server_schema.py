"""Every endpoint of the local Hub, fed requests made from its OpenAPI document, never answers 500 or hangs.

Schemathesis reads ``/quantum/openapi.json`` of the running Hub and makes requests for each operation:
ones that fit the document (positive), ones that break it (negative: wrong types, missing fields, junk
bodies), and positive ones aimed at records that exist (a completed job, an open session), so that the
handlers get past their "not found" answers. Each request goes over real HTTP with a time limit: a hang
fails the test as surely as a 500 does.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import given, note
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from qhub_providers.api import HubQuantumClient
from qhub_providers.emulator import LocalHub

from .conftest import RealRun
from .support import bounded

EXAMPLES_PER_OPERATION = 6
REQUEST_TIMEOUT = 20.0
"""Seconds one request may take; far above any answer of the local Hub, so only a hang reaches it."""


@pytest.fixture(scope="module")
def schema(hub: LocalHub) -> Any:
    return schemathesis.openapi.from_url(f"{hub.base_url}/openapi.json", config=schemathesis.Config())


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as http:
        yield http


@pytest.fixture(scope="module")
def known_ids(real_runs: dict[str, RealRun], client: HubQuantumClient) -> dict[str, str]:
    """Path parameters that name existing records: a completed job and an open session on its backend."""
    run = real_runs["aws.sim.sv1"]
    opened = client.sessions.create_session(backend_id=run.backend_id, mode="batch", provider="AWS")
    assert opened.id is not None
    return {
        "job_id": run.job_id,
        "session_id": str(opened.id),
        "backend_id": run.backend_id,
        "service_execution_id": "se-unknown",
    }


def _operations(schema: Any) -> list[Any]:
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30, "the Hub's OpenAPI document lost its operations"
    return operations


def _negatable(operation: Any) -> bool:
    """Whether a request can break the document: only query parameters can. Path parameters are free
    strings, the token header stays valid so that the request reaches the handler, and the bodies are
    declared as any JSON (``test_server_bodies`` sends them junk, JSON or not)."""
    return bool(list(operation.query))


def _exercise(
    operation: Any,
    mode: GenerationMode,
    hub: LocalHub,
    http: requests.Session,
    path_parameters: dict[str, str] | None,
) -> None:
    """Send bounded generated requests to one operation; raises on a server error or a timeout."""
    origin = hub.base_url.removesuffix("/quantum")
    strategy = operation.as_strategy(
        mode, headers={"X-Auth-Token": hub.token}, path_parameters=path_parameters or None
    )

    @bounded(EXAMPLES_PER_OPERATION)
    @given(case=strategy)
    def call(case: Any) -> None:
        note(case.as_curl_command())
        response = case.call(base_url=origin, session=http, timeout=REQUEST_TIMEOUT)
        case.validate_response(response, checks=[not_a_server_error])

    call()


@pytest.mark.parametrize("mode", ["positive", "negative", "known-ids"])
def test_no_server_errors_or_hangs(
    mode: str, schema: Any, hub: LocalHub, session: requests.Session, known_ids: dict[str, str]
) -> None:
    failures: list[str] = []
    for operation in _operations(schema):
        wanted = {p.name for p in operation.path_parameters}
        if mode == "known-ids" and not wanted:
            continue
        if mode == "negative" and not _negatable(operation):
            continue
        fixed = {name: known_ids[name] for name in wanted} if mode == "known-ids" else None
        generation = GenerationMode.NEGATIVE if mode == "negative" else GenerationMode.POSITIVE
        try:
            _exercise(operation, generation, hub, session, fixed)
        except Exception as error:  # gather every operation's failure, then report them together
            failures.append(f"{operation.label}: {type(error).__name__}: {error}")
    assert not failures, "\n\n".join(failures)
