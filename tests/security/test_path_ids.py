"""Ids that look like paths (``/``, ``..``, ``%2F``, ``%2e%2e``, backslashes, NUL and its disguises) never
reach another route or another record: neither through the client, which must keep every id inside one
path segment, nor raw, with paths built by hand and sent as written.

``tests/emulator/test_hub_isolation.py`` covers encoded slashes after a job id; this module adds dot
segments, backslashes, NUL-like and look-alike characters, escapes from the service-execution routes and
into the admin controls, and checks on the wire what the client actually sent.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from qhub_providers.api import HubQuantumClient, NotFoundError
from qhub_providers.emulator import LocalHub

from .support import BELL, TOKEN, connect, finished, headers_for, raw, raw_socket, status_of

TRICKY_IDS = [
    "a/b",
    "..",
    ".",
    "../..",
    "../admin/stats",
    "..\\admin\\stats",
    "\\",
    "%2F",
    "%2f..%2f",
    "%2e%2e",
    "%2E%2E%2Fstatus",
    "%252F",
    "%00",
    "a\x00b",
    "\x00",
    "%C0%AE%C0%AE",
    "\u2215status",  # division slash
    "\uff0fstatus",  # fullwidth solidus
    "a;b=c",
    "a?b=c",
    "a#b",
    " x ",
    "x\n",
    "jobs",
]


class Records:
    """A finished job and an open session in organization A, made by one of its service executions."""

    def __init__(self, hub: LocalHub) -> None:
        self.org = f"org-paths-{uuid.uuid4().hex[:8]}"
        self.se, token = hub.create_service_execution(organization_id=self.org)
        with connect(hub, token=token) as service:
            job = service.jobs.create_job(backend_id="aws.sim.sv1", shots=10, input=BELL)
            session = service.sessions.create_session(backend_id="aws.sim.sv1", mode="batch", provider="AWS")
            assert job.id is not None
            assert session.id is not None
            self.job, self.session = job.id, session.id
            finished(service, self.job)


@pytest.fixture(scope="module")
def records(hub: LocalHub) -> Records:
    return Records(hub)


@pytest.fixture(scope="module")
def wire(hub: LocalHub, records: Records) -> Iterator[tuple[HubQuantumClient, list[httpx.Request]]]:
    """A client of organization A that remembers every request it put on the wire."""
    sent: list[httpx.Request] = []
    http = httpx.Client(timeout=30, event_hooks={"request": [sent.append]})
    with HubQuantumClient(
        api_key=TOKEN, base_url=hub.base_url, organization_id=records.org, max_retries=0, httpx_client=http
    ) as client:
        yield client, sent
    http.close()


def _calls(client: HubQuantumClient, tricky: str, records: Records) -> list[tuple[str, Any]]:
    """(route template, call) pairs that put ``tricky`` in one path segment."""
    return [
        ("jobs/{}", lambda: client.jobs.get_job(tricky)),
        ("jobs/{}/status", lambda: client.jobs.get_job_status(tricky)),
        ("jobs/{}/result", lambda: client.jobs.get_job_result(tricky)),
        ("jobs/{}", lambda: client.jobs.cancel_job(tricky)),
        ("sessions/{}", lambda: client.sessions.get_session(tricky)),
        ("sessions/{}/jobs", lambda: client.sessions.get_session_jobs(tricky)),
        ("backends/{}/config", lambda: client.backends.get_backend_config(tricky)),
        (
            "service-executions/{}/jobs/" + records.job,
            lambda: client.jobs.get_service_execution_job(tricky, records.job),
        ),
        (
            f"service-executions/{records.se}/jobs/{{}}",
            lambda: client.jobs.get_service_execution_job(records.se, tricky),
        ),
    ]


@pytest.mark.parametrize("tricky", TRICKY_IDS, ids=[repr(t) for t in TRICKY_IDS])
def test_the_client_keeps_every_id_inside_one_path_segment(
    hub: LocalHub, wire: tuple[HubQuantumClient, list[httpx.Request]], records: Records, tricky: str
) -> None:
    client, sent = wire
    prefix = httpx.URL(hub.base_url).raw_path.decode()
    for template, call in _calls(client, tricky, records):
        sent.clear()
        with pytest.raises((NotFoundError, ValueError)):
            call()
        if not sent:  # refused before sending (no URL can carry it): nothing reached the Hub
            continue
        path = sent[-1].url.raw_path.decode().split("?")[0]
        assert path.startswith(prefix + "/")
        segments = path[len(prefix) + 1 :].split("/")
        expected = template.split("/")
        assert len(segments) == len(expected), path  # no segment was added or removed
        index = expected.index("{}")
        assert unquote(segments[index]) == tricky  # and the id arrived whole
        assert segments[index] not in {".", ".."}


def test_trick_ids_never_find_a_record(
    wire: tuple[HubQuantumClient, list[httpx.Request]], records: Records
) -> None:
    client, _ = wire
    assert client.jobs.get_job(records.job).id == records.job  # the client does see the record ...
    for tricky in (
        f"{records.job}/",
        f"../jobs/{records.job}",
        f"{records.job}/../{records.job}",
        f"{records.job}%2F",
        f"./{records.job}",
        f"{records.job}\\",
        f"{records.job}\x00",
        f"{records.job}.",
        records.job.upper(),
    ):  # ... but no disguise of its id reaches it
        with pytest.raises(NotFoundError):
            client.jobs.get_job(tricky)
        with pytest.raises(NotFoundError):
            client.jobs.get_service_execution_job(records.se, tricky)
    with pytest.raises(ValueError):  # an empty id would change the route (jobs/ instead of jobs/{id})
        client.jobs.get_job("")


def _is_error(answer: httpx.Response) -> bool:
    try:
        body = answer.json()
    except json.JSONDecodeError:
        return False
    return isinstance(body, dict) and body.get("status") == answer.status_code and "id" not in body


def _raw_paths(records: Records) -> list[str]:
    job, session, se = records.job, records.session, records.se
    return [
        f"jobs/{job}%2F..%2F..%2Fadmin%2Fstats",
        "jobs/..%2Fadmin%2Fstats",
        "jobs/%2e%2e/admin/stats",
        "jobs/%2E%2E%2Fadmin%2Fstats",
        f"jobs/%2e%2e%2Fjobs%2F{job}",
        f"jobs/{job}%5Cstatus",
        f"jobs/{job}%5C..%5C{job}",
        f"jobs/..%5C{job}",
        f"jobs/{job}%00",
        f"jobs/{job}%00/status",
        f"jobs/%00{job}",
        f"jobs/{job}%C0%AFstatus",
        f"jobs/{job}%E2%88%95status",
        f"jobs/{job}%EF%BC%8Fstatus",
        f"jobs/{job}%252Fstatus",
        f"jobs/{job};/status",
        f"sessions/{session}%2F..%2F..%2Fjobs%2F{job}",
        f"service-executions/{se}/jobs/..%2F..%2F..%2Fjobs%2F{job}",
        f"service-executions/{se}/jobs/%2e%2e/%2e%2e/%2e%2e/jobs/{job}",
        f"service-executions/{se}%2Fjobs%2F{job}/status",
        f"service-executions/%2e%2e/jobs/{job}",
        f"backends/aws.sim.sv1%2F..%2F..%2Fjobs%2F{job}",
        f"backends/..%2Fjobs%2F{job}",
        "admin%2Fstats",
    ]


def test_hand_built_paths_reach_no_other_route(hub: LocalHub, records: Records) -> None:
    """Sent with httpx as written; the organization is A's own, so a route that *did* reach the record
    would answer with it: every answer must be an error, never a record, a result or the admin stats."""
    headers = headers_for(records.org)
    wrong = {}
    for path in _raw_paths(records):
        for method in ("GET", "DELETE"):
            answer = raw(hub, method, path, headers=headers)
            if answer.status_code not in {400, 404, 405} or not _is_error(answer):
                wrong[f"{method} {path}"] = (answer.status_code, answer.text[:120])
    assert not wrong, wrong
    with connect(hub, organization_id=records.org) as own:  # the DELETEs cancelled or closed nothing
        assert own.jobs.get_job_status(records.job).status == "COMPLETED"
        assert own.sessions.get_session_status(records.session).status == "OPEN"


@pytest.mark.parametrize(
    "target",
    [
        "/quantum/jobs/../admin/stats",
        "/quantum/jobs/{job}/../../admin/stats",
        "/quantum/service-executions/{se}/jobs/../../../jobs/{job}",
        "/quantum/service-executions/{se}/../../jobs/{job}/status",
        "/quantum/jobs/./{job}",
        "/quantum/jobs/{job}/./status/..",
        "/quantum/jobs\\{job}",
        "/quantum\\jobs\\{job}\\status",
        "/quantum/jobs/{job}\\..\\..\\admin\\stats",
        "/quantum/sessions/{session}/../../admin/stats",
        "/quantum/./admin/stats",
        "//quantum/jobs/{job}",
    ],
)
def test_literal_dot_segments_and_backslashes_reach_no_other_route(
    hub: LocalHub, records: Records, target: str
) -> None:
    """Sent over a plain socket, because httpx would resolve ``..`` before sending."""
    answer = raw_socket(
        hub, target.format(job=records.job, session=records.session, se=records.se), headers_for(records.org)
    )
    body = answer.partition(b"\r\n\r\n")[2]
    assert status_of(answer) in {400, 404}, answer[:300]
    assert b'"jobs"' not in body  # not the admin stats
    assert records.job.encode() not in body or b'"detail"' in body  # a record's id only inside an error


@pytest.mark.parametrize("target", ["/quantum/jobs/\x00", "/quantum/jobs/a b", "/quantum/jobs/\x7f"])
def test_raw_control_characters_in_the_target_are_refused(hub: LocalHub, target: str) -> None:
    answer = raw_socket(hub, target, headers_for())
    assert status_of(answer) in {400, 404}
