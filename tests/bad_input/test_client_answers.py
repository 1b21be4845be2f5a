"""The REST client fed malformed answers raises its typed errors, never a bare KeyError or pydantic error.

The local Hub always answers well, so the broken answers come from an httpx ``MockTransport``. They start
from what the local Hub really answered on each endpoint (captured once per test process) and break it:
wrong JSON types, values missing, the JSON cut off, no JSON at all, an HTML page from a proxy, nothing.
A 2xx answer that cannot be read raises :class:`ParsingError`; an error status raises the typed
:class:`ApiError` of that status, whatever its body.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from qhub_providers.api import AsyncHubQuantumClient, HubQuantumClient, RetryPolicy
from qhub_providers.api.errors import (
    ApiError,
    BadGatewayError,
    ParsingError,
    ServiceUnavailableError,
    UncertainSubmissionError,
)

from .conftest import RealRun
from .support import bad_json, bounded, truncated_text

EXAMPLES = 25
BASE_URL = "http://hub.invalid/quantum"
HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>Bad Gateway</h1></body></html>"
)


@dataclass(frozen=True)
class Endpoint:
    """A client method and the Hub path whose real answer it reads."""

    call: Callable[[HubQuantumClient, dict[str, str]], Any]
    path: str


ENDPOINTS: dict[str, Endpoint] = {
    "backends.get_backends": Endpoint(lambda c, ids: c.backends.get_backends(), "backends"),
    "backends.get_backend": Endpoint(
        lambda c, ids: c.backends.get_backend(ids["backend"]), "backends/{backend}"
    ),
    "backends.get_backend_status": Endpoint(
        lambda c, ids: c.backends.get_backend_status(ids["backend"]), "backends/{backend}/status"
    ),
    "jobs.get_job": Endpoint(lambda c, ids: c.jobs.get_job(ids["job"]), "jobs/{job}"),
    "jobs.get_job_status": Endpoint(lambda c, ids: c.jobs.get_job_status(ids["job"]), "jobs/{job}/status"),
    "jobs.search_jobs": Endpoint(lambda c, ids: c.jobs.search_jobs(size=2), "jobs?size=2"),
    "jobs.create_job": Endpoint(
        lambda c, ids: c.jobs.create_job(backend_id=ids["backend"], shots=1, input="OPENQASM 3.0;"),
        "jobs/{job}",
    ),
    "sessions.get_session": Endpoint(
        lambda c, ids: c.sessions.get_session(ids["session"]), "sessions/{session}"
    ),
    "sessions.get_session_status": Endpoint(
        lambda c, ids: c.sessions.get_session_status(ids["session"]), "sessions/{session}/status"
    ),
    "sessions.get_session_jobs": Endpoint(
        lambda c, ids: c.sessions.get_session_jobs(ids["session"]), "sessions/{session}/jobs"
    ),
    "workloads.get_workloads": Endpoint(lambda c, ids: c.workloads.get_workloads(size=2), "workloads?size=2"),
    "runtime_minutes.get_runtime_minutes": Endpoint(
        lambda c, ids: c.runtime_minutes.get_runtime_minutes(), "runtime-minutes"
    ),
}


class Answers:
    """A Hub that answers every request with the status, body and content type set last."""

    def __init__(self) -> None:
        self.status = 200
        self.body = b""
        self.content_type = "application/json"

    def set(self, body: bytes, *, status: int = 200, content_type: str = "application/json") -> None:
        self.status, self.body, self.content_type = status, body, content_type

    def __call__(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(self.status, content=self.body, headers={"content-type": self.content_type})


@pytest.fixture(scope="module")
def ids(real_runs: dict[str, RealRun], client: HubQuantumClient) -> dict[str, str]:
    run = real_runs["aws.sim.sv1"]
    opened = client.sessions.create_session(backend_id=run.backend_id, mode="batch", provider="AWS")
    return {"backend": run.backend_id, "job": run.job_id, "session": str(opened.id)}


@pytest.fixture(scope="module")
def real_answers(http: httpx.Client, ids: dict[str, str]) -> dict[str, Any]:
    """What the local Hub really answers on each endpoint (parsed JSON)."""
    answers: dict[str, Any] = {}
    for name, endpoint in ENDPOINTS.items():
        response = http.get(endpoint.path.format(**ids))
        assert response.status_code == 200, (name, response.text[:200])
        answers[name] = response.json()
    return answers


@pytest.fixture
def mock_hub() -> Any:
    answers = Answers()
    with (
        httpx.Client(transport=httpx.MockTransport(answers)) as http,
        HubQuantumClient(
            api_key="token",
            base_url=BASE_URL,
            httpx_client=http,
            max_retries=0,
            # A submission answered unreadably is looked up by its token; keep that search short.
            retry_policy=RetryPolicy(base_delay=0.001, settle_window=0.05),
        ) as client,
    ):
        yield answers, client


@pytest.mark.parametrize("name", ENDPOINTS)
def test_real_answers_parse(
    name: str, real_answers: dict[str, Any], ids: dict[str, str], mock_hub: Any
) -> None:
    """The starting point of every broken answer is itself readable."""
    answers, client = mock_hub
    answers.set(json.dumps(real_answers[name]).encode())
    assert ENDPOINTS[name].call(client, ids) is not None


@pytest.mark.parametrize("name", ENDPOINTS)
def test_broken_json_answers_raise_parsing_error(
    name: str, real_answers: dict[str, Any], ids: dict[str, str], mock_hub: Any
) -> None:
    """Wrong types, missing or extra values: either still readable (the models are lenient where the Hub
    is) or a ``ParsingError`` that keeps the body and names what was expected."""
    answers, client = mock_hub

    @bounded(EXAMPLES)
    @given(broken=bad_json(real_answers[name]))
    def read(broken: Any) -> None:
        note(f"answer: {broken!r}")
        answers.set(json.dumps(broken).encode())
        uncertain: UncertainSubmissionError | None = None
        caught: BaseException | None = None
        try:
            ENDPOINTS[name].call(client, ids)
        except ParsingError as error:
            caught = error
        except UncertainSubmissionError as error:
            # A submission answered 2xx was taken by the Hub: the client looks for it by its token (here
            # answered unreadably too) and says so, with the token; the unreadable answer is the cause.
            uncertain = error
            caught = error.__cause__
        if uncertain is not None:
            assert name == "jobs.create_job"
            assert uncertain.client_token is not None
            assert isinstance(caught, ParsingError)
        if isinstance(caught, ParsingError):
            assert caught.status_code == 200
            assert json.dumps(caught.body) == json.dumps(broken)  # NaN-safe comparison
            assert "cannot read the answer as" in str(caught)

    read()


@pytest.mark.parametrize("name", ENDPOINTS)
def test_unreadable_answers_raise_parsing_error(
    name: str, real_answers: dict[str, Any], ids: dict[str, str], mock_hub: Any
) -> None:
    """JSON cut off, no JSON at all, an HTML page, an empty body: always a ``ParsingError``."""
    answers, client = mock_hub

    @bounded(EXAMPLES)
    @given(
        body=st.one_of(
            truncated_text(real_answers[name]).map(str.encode),
            st.sampled_from([b"", b"   ", HTML_PAGE, b"OK", b"\xff\xfe\x00", b"{'single': 'quotes'}"]),
            st.binary(max_size=40).filter(lambda raw: not _is_json(raw)),
        ),
        content_type=st.sampled_from(["application/json", "text/html", "text/plain"]),
    )
    def read(body: bytes, content_type: str) -> None:
        note(f"answer: {body!r} ({content_type})")
        answers.set(body, content_type=content_type)
        with pytest.raises((ParsingError, UncertainSubmissionError)) as caught:
            ENDPOINTS[name].call(client, ids)
        error: BaseException | None = caught.value
        if isinstance(error, UncertainSubmissionError):  # a submission: see the test above
            assert name == "jobs.create_job"
            error = error.__cause__
        assert isinstance(error, ParsingError)
        assert error.status_code == 200

    read()


@pytest.mark.parametrize(
    ("status", "error_type"), [(502, BadGatewayError), (503, ServiceUnavailableError), (504, ApiError)]
)
def test_html_error_pages_raise_the_typed_error(
    status: int, error_type: type[ApiError], ids: dict[str, str], mock_hub: Any
) -> None:
    """A proxy's HTML error page is an error answer of its status, not a parsing problem. (A job
    submission answered so may have been stored: it raises ``UncertainSubmissionError`` instead, after
    the client's look-up, which gets the same page, failed.)"""
    answers, client = mock_hub
    answers.set(HTML_PAGE, status=status, content_type="text/html")
    for name, endpoint in ENDPOINTS.items():
        expected: type[Exception] = UncertainSubmissionError if name == "jobs.create_job" else error_type
        with pytest.raises(expected) as caught:
            endpoint.call(client, ids)
        if isinstance(caught.value, ApiError):
            assert caught.value.status_code == status, name
            assert not isinstance(caught.value, ParsingError), name
            assert "Bad Gateway" in str(caught.value.body)


def test_async_client_raises_parsing_error_too(real_answers: dict[str, Any], ids: dict[str, str]) -> None:
    answers = Answers()

    async def read_all() -> None:
        async with (
            httpx.AsyncClient(transport=httpx.MockTransport(answers)) as http,
            AsyncHubQuantumClient(
                api_key="token", base_url=BASE_URL, httpx_client=http, max_retries=0
            ) as client,
        ):
            for body in (b"", HTML_PAGE, json.dumps(real_answers["jobs.get_job"])[:40].encode(), b"[1, 2]"):
                answers.set(body)
                with pytest.raises(ParsingError):
                    await client.jobs.get_job(ids["job"])

    asyncio.run(read_all())


def _is_json(raw: bytes) -> bool:
    try:
        json.loads(raw)
    except ValueError:
        return False
    return True
