"""Authentication and isolation on the local Hub: tokens, organizations, service executions, and ids that
try to change the route."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from qhub_providers.api import HubQuantumClient, NotFoundError, UnauthorizedError
from qhub_providers.emulator import LocalHub

from .hub_support import connect, qasm3_ghz, raw, wait_for_status

BELL = qasm3_ghz(2)

# Every endpoint of the Quantum API (41, see qhub_providers/api/resources/), with a body where it takes
# one. ``{job}``, ``{session}``
# and ``{se}`` are filled with real ids, so a 401 cannot be a 404 in disguise.
ENDPOINTS: list[tuple[str, str, Any]] = [
    ("GET", "backends/least-busy?provider=IBM", None),
    ("GET", "backends/aws.sim.sv1", None),
    ("GET", "backends/aws.sim.sv1/status", None),
    ("GET", "backends/aws.sim.sv1/config", None),
    ("GET", "backends/ibm.qpu.fez/calibration", None),
    (
        "GET",
        "backends/ibm.qpu.fez/calibration-history?from=2025-01-01T00:00:00Z&to=2025-01-05T00:00:00Z",
        None,
    ),
    ("POST", "sessions", {"backend_id": "aws.sim.sv1", "mode": "batch", "provider": "AWS"}),
    ("GET", "sessions/{session}", None),
    ("PATCH", "sessions/{session}", {"accept_jobs": False}),
    ("DELETE", "sessions/{session}", None),
    ("GET", "sessions/{session}/status", None),
    ("GET", "sessions/{session}/jobs", None),
    ("GET", "jobs", None),
    ("POST", "jobs", {"backend_id": "aws.sim.sv1", "shots": 10, "input": BELL}),
    ("GET", "jobs/{job}", None),
    ("DELETE", "jobs/{job}", None),
    ("GET", "jobs/{job}/status", None),
    ("GET", "jobs/{job}/result", None),
    ("GET", "jobs/{job}/result/normalized", None),
    ("GET", "jobs/{job}/result/normalized/memory", None),
    ("GET", "jobs/{job}/result-stream", None),
    ("GET", "jobs/{job}/input", None),
    ("GET", "jobs/{job}/input/normalized", None),
    ("GET", "jobs/{job}/calibration", None),
    ("GET", "service-executions/{se}/workloads", None),
    ("GET", "service-executions/{se}/sessions/{session}", None),
    ("PATCH", "service-executions/{se}/sessions/{session}", {"accept_jobs": False}),
    ("DELETE", "service-executions/{se}/sessions/{session}", None),
    ("GET", "service-executions/{se}/sessions/{session}/status", None),
    ("GET", "service-executions/{se}/sessions/{session}/jobs", None),
    ("GET", "service-executions/{se}/jobs/{job}", None),
    ("DELETE", "service-executions/{se}/jobs/{job}", None),
    ("GET", "service-executions/{se}/jobs/{job}/status", None),
    ("GET", "service-executions/{se}/jobs/{job}/result/normalized", None),
    ("GET", "service-executions/{se}/jobs/{job}/result-stream", None),
    ("GET", "service-executions/{se}/jobs/{job}/input", None),
    ("GET", "service-executions/{se}/jobs/{job}/input/normalized", None),
    ("GET", "service-executions/{se}/jobs/{job}/calibration", None),
    ("GET", "workloads", None),
    ("GET", "runtime-minutes", None),
]
ADMIN_ENDPOINTS: list[tuple[str, str, Any]] = [
    ("POST", "admin/jobs/{job}/force", {"status": "ABORTED"}),
    ("PUT", "admin/backends/aws.sim.sv1", {"status": "OFFLINE"}),
    ("PUT", "admin/faults", {"rate": 0.5}),
    ("POST", "admin/service-executions", {}),
    ("GET", "admin/stats", None),
]


@pytest.fixture(scope="module")
def owned(hub: LocalHub) -> dict[str, str]:
    """A finished job, an open session and a service execution with a job and a session of its own."""
    se, token = hub.create_service_execution()
    with connect(hub, token=token) as service:
        job = service.jobs.create_job(backend_id="aws.sim.sv1", shots=10, input=BELL)
        session = service.sessions.create_session(backend_id="aws.sim.sv1", mode="batch", provider="AWS")
        assert job.id is not None
        assert session.id is not None
        wait_for_status(service, job.id)
    return {"job": job.id, "session": session.id, "se": se}


def test_the_endpoint_table_is_complete() -> None:
    assert len(ENDPOINTS) + 1 == 41  # plus GET backends, which answers anonymous callers
    assert len({(m, p.split("?")[0]) for m, p, _ in ENDPOINTS}) == len(ENDPOINTS)


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS + ADMIN_ENDPOINTS, ids=lambda v: str(v)[:60])
@pytest.mark.parametrize(
    "token",
    [None, "not-the-token", "", "t\xf6ken".encode("latin-1")],
    ids=["no-token", "wrong-token", "empty-token", "non-ascii-token"],
)
def test_every_endpoint_needs_the_token(
    hub: LocalHub,
    client: HubQuantumClient,
    owned: dict[str, str],
    method: str,
    path: str,
    body: Any,
    token: str | bytes | None,
) -> None:
    headers = {} if token is None else {"X-Auth-Token": token}
    answer = raw(hub, method, path.format(**owned), headers=headers, json=body)
    assert answer.status_code == 401, answer.text
    assert answer.json()["status"] == 401
    # Nothing was changed by the refused requests.
    assert client.jobs.get_job_status(owned["job"]).status == "COMPLETED"
    assert client.sessions.get_session_status(owned["session"]).status == "OPEN"


def test_backends_answer_anonymous_callers_but_not_a_wrong_token(hub: LocalHub) -> None:
    assert raw(hub, "GET", "backends", headers={}).status_code == 200
    for token in ("not-the-token", "t\xf6ken".encode("latin-1")):
        wrong = raw(hub, "GET", "backends", headers={"X-Auth-Token": token})
        assert wrong.status_code == 401 or all("queue_size" not in b for b in wrong.json())
    with connect(hub, token="not-the-token") as stranger, pytest.raises(UnauthorizedError):
        stranger.jobs.search_jobs()


# --- organizations ------------------------------------------------------------------------------------------


def _job_views(client: HubQuantumClient) -> list[Callable[[str], Any]]:
    return [
        client.jobs.get_job,
        client.jobs.get_job_status,
        client.jobs.get_job_result,
        client.jobs.get_normalized_job_result,
        client.jobs.get_normalized_job_memory,
        lambda job_id: client.jobs.get_job_result_stream(job_id).read(),
        client.jobs.get_job_input,
        client.jobs.get_normalized_job_input,
        client.jobs.get_job_calibration,
        client.jobs.cancel_job,
    ]


def _session_views(client: HubQuantumClient) -> list[Callable[[str], Any]]:
    return [
        client.sessions.get_session,
        client.sessions.get_session_status,
        client.sessions.get_session_jobs,
        lambda session_id: client.sessions.update_session_state(session_id, accept_jobs=False),
        client.sessions.close_session,
    ]


def _assert_invisible(stranger: HubQuantumClient, job_id: str, session_id: str) -> None:
    for view in _job_views(stranger):
        with pytest.raises(NotFoundError):
            view(job_id)
    for view in _session_views(stranger):
        with pytest.raises(NotFoundError):
            view(session_id)
    with pytest.raises(NotFoundError):  # nor can a stranger's job join the session
        stranger.jobs.create_job(backend_id="aws.sim.sv1", shots=10, input=BELL, session_id=session_id)
    assert job_id not in {j.id for j in stranger.jobs.search_jobs(size=1000).content or []}
    assert not {job_id, session_id} & {
        w.id for w in stranger.workloads.get_workloads(size=1000).content or []
    }


def _records(client: HubQuantumClient) -> tuple[str, str]:
    job = client.jobs.create_job(backend_id="aws.sim.sv1", shots=10, input=BELL)
    session = client.sessions.create_session(backend_id="aws.sim.sv1", mode="batch", provider="AWS")
    assert job.id is not None
    assert session.id is not None
    wait_for_status(client, job.id)
    return job.id, session.id


def test_an_organizations_records_are_invisible_elsewhere(
    hub: LocalHub, org_client: HubQuantumClient, client: HubQuantumClient
) -> None:
    job_id, session_id = _records(org_client)
    with connect(hub, organization_id="org-someone-else") as other_org:
        _assert_invisible(other_org, job_id, session_id)
    _assert_invisible(client, job_id, session_id)  # the personal scope of the same token
    # ... and untouched by all those attempts.
    assert org_client.jobs.get_job_status(job_id).status == "COMPLETED"
    assert org_client.sessions.get_session_status(session_id).status == "OPEN"


def test_personal_records_are_invisible_to_organizations(
    hub: LocalHub, org_client: HubQuantumClient, client: HubQuantumClient
) -> None:
    job_id, session_id = _records(client)
    _assert_invisible(org_client, job_id, session_id)
    assert client.sessions.get_session_status(session_id).status == "OPEN"
    client.sessions.close_session(session_id)


def test_a_service_execution_sees_only_its_own_records(
    hub: LocalHub, org: str, org_client: HubQuantumClient
) -> None:
    owner_job, owner_session = _records(org_client)
    se, token = hub.create_service_execution(organization_id=org)
    with connect(hub, token=token) as service:
        se_job, se_session = _records(service)
        _assert_invisible(service, owner_job, owner_session)
        assert {w.id for w in service.workloads.get_workloads().content or []} == {se_job, se_session}
    # The owner sees the execution's records, through the plain and the scoped routes.
    assert org_client.jobs.get_job(se_job).id == se_job
    assert org_client.jobs.get_service_execution_job(se, se_job).id == se_job
    with pytest.raises(NotFoundError):
        org_client.jobs.get_service_execution_job(se, owner_job)
    # Another organization does not, even knowing the execution's id.
    with connect(hub, organization_id="org-someone-else") as other_org:
        with pytest.raises(NotFoundError):
            other_org.jobs.get_service_execution_job(se, se_job)
        assert other_org.jobs.get_service_execution_workloads(se).content == []


# --- ids that try to change the route -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def done(hub: LocalHub) -> str:
    with connect(hub) as personal:
        job = personal.jobs.create_job(backend_id="aws.sim.sv1", shots=10, input=BELL)
        assert job.id is not None
        wait_for_status(personal, job.id)
        return job.id


@pytest.mark.parametrize(
    "path",
    [
        "jobs/{job}%2Fstatus",
        "jobs/{job}%2fstatus",
        "jobs/{job}%2Fresult",
        "jobs/{job}%2Fresult%2Fnormalized",
        "jobs/{job}%2F..%2F{job}",
        "jobs/x%2F..%2F{job}",
        "jobs/%2E%2E",
        "jobs/..%2F{job}",
        "jobs/{job}%3Fx=1",
        "jobs/{job}%23status",
        "service-executions/x%2Fjobs%2F{job}/status",
        "backends/aws.sim.sv1%2Fstatus",
        "backends/ibm.qpu.fez%2Fconfig",
        "sessions/{job}%2Fjobs",
        "jobs/" + "x" * 8000,
        "jobs/" + "%2F" * 2000,
        "jobs/%00",
        "jobs/%FF%FE",
    ],
)
def test_encoded_separators_never_reach_another_route(hub: LocalHub, done: str, path: str) -> None:
    answer = raw(hub, "GET", path.format(job=done))
    assert answer.status_code == 404, answer.text
    body = answer.json()
    assert body["status"] == 404  # an error, not a job's status answer
    assert "id" not in body
    assert "braketSchemaHeader" not in body


@pytest.mark.parametrize(
    "bad_id", ["a/b", "..", ".", "x" * 5000, "%2F", "a?b=c", "a#b", "../jobs", "ünïcødé"]
)
def test_the_client_cannot_be_tricked_into_another_route(
    client: HubQuantumClient, done: str, bad_id: str
) -> None:
    for view in _job_views(client):
        with pytest.raises(NotFoundError):
            view(bad_id)
    with pytest.raises(NotFoundError):
        client.jobs.get_job(f"{done}/status")
    with pytest.raises(NotFoundError):
        client.backends.get_backend_config(f"aws.sim.sv1/{bad_id}")
    with pytest.raises(NotFoundError):
        client.sessions.get_session(bad_id)
    with pytest.raises(NotFoundError):
        client.jobs.get_service_execution_job(bad_id, done)


def test_dotted_ids_are_not_file_suffixes(client: HubQuantumClient) -> None:
    for backend_id in ("aws.sim.sv1", "aws.ionq.forte.enterprise", "iqm.qpu.garnet"):
        assert client.backends.get_backend(backend_id).id == backend_id
        assert client.backends.get_backend_status(backend_id).status == "ONLINE"


def test_a_job_id_from_one_hub_is_unknown_to_another(done: str, private_client: HubQuantumClient) -> None:
    with pytest.raises(NotFoundError):
        private_client.jobs.get_job(done)
