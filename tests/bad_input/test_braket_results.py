"""The Braket face fed broken task results: a clear error, never a bare KeyError or TypeError.

The local Hub never serves a broken result, so the broken ones come from an httpx ``MockTransport`` that
answers like the Hub (status COMPLETED, then the result); the starting point is a result the local Hub
really produced on its SV1 simulator.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import httpx
import pytest
from hypothesis import given, note

from qhub_providers.api import HubQuantumClient
from qhub_providers.braket.task import HubQuantumTask
from qhub_providers.formats.base import FormatError

from .conftest import RealRun
from .support import bad_json, bounded

EXAMPLES = 40
BRAKET_BACKEND = "aws.sim.sv1"

CLEAR_ERRORS = (ValueError, RuntimeError)
"""What a broken result may raise: pydantic's ``ValidationError`` is a ``ValueError``, as is
``FormatError``; ``RuntimeError`` is what the Braket face raises for a result of the wrong kind."""


def hub_answering(job_id: str, result_body: bytes) -> HubQuantumClient:
    """A client whose Hub says the job completed and serves ``result_body`` as its result."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(f"/jobs/{job_id}/status"):
            return httpx.Response(200, json={"status": "COMPLETED"})
        if request.url.path.endswith(f"/jobs/{job_id}/result"):
            return httpx.Response(200, content=result_body, headers={"content-type": "application/json"})
        return httpx.Response(404, json={"title": "Not Found", "status": 404, "detail": "no such route"})

    http = httpx.Client(transport=httpx.MockTransport(answer))
    return HubQuantumClient(
        api_key="token", base_url="http://hub.invalid/quantum", httpx_client=http, max_retries=0
    )


def test_real_result_reads(real_runs: dict[str, RealRun]) -> None:
    run = real_runs[BRAKET_BACKEND]
    result = _read(run, run.result)
    assert result is not None
    assert set(result.measurement_counts) <= {"00", "11", "01", "10"}


def test_broken_results_raise_clear_errors(real_runs: dict[str, RealRun]) -> None:
    run = real_runs[BRAKET_BACKEND]

    @bounded(EXAMPLES)
    @given(broken=bad_json(run.result))
    def read_broken(broken: Any) -> None:
        note(f"broken: {broken!r}")
        with contextlib.suppress(CLEAR_ERRORS):
            _read(run, broken)

    read_broken()


def _read(run: RealRun, document: Any) -> Any:
    with hub_answering(run.job_id, json.dumps(document).encode()) as client:
        return HubQuantumTask(run.job_id, client=client).result()


def test_unknown_schema_names_raise_clear_errors(real_runs: dict[str, RealRun]) -> None:
    run = real_runs[BRAKET_BACKEND]
    broken = {**run.result, "braketSchemaHeader": {"name": "no.such.schema", "version": "1"}}
    with pytest.raises(FormatError, match=r"Braket result of task .*unexpected schema 'no\.such\.schema'"):
        _read(run, broken)


def test_results_without_an_action_raise_clear_errors(real_runs: dict[str, RealRun]) -> None:
    run = real_runs[BRAKET_BACKEND]
    with pytest.raises(FormatError, match=f"Braket result of task {run.job_id} is malformed"):
        _read(run, {**run.result, "additionalMetadata": {}})
