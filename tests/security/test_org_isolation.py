"""Organizations (and the personal scope, and service executions) cannot see or touch each other's jobs and
sessions: not by id, not through listings and their filters, and without learning that an id exists.

``tests/emulator/test_hub_isolation.py`` checks every per-id view through the client; this module adds the
raw answers (a foreign id must look exactly like an unknown one), the listing filters, running jobs, and
service executions that try to step outside their own records.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from qhub_providers.api import HubQuantumClient, NotFoundError
from qhub_providers.emulator import LocalHub

from .support import BELL, connect, finished, headers_for

# Every per-id route of the contract, by kind of id; {se} is filled with the owner's service execution.
JOB_ROUTES = [
    ("GET", "jobs/{id}"),
    ("GET", "jobs/{id}/status"),
    ("GET", "jobs/{id}/result"),
    ("GET", "jobs/{id}/result/normalized"),
    ("GET", "jobs/{id}/result/normalized/memory"),
    ("GET", "jobs/{id}/result-stream"),
    ("GET", "jobs/{id}/input"),
    ("GET", "jobs/{id}/input/normalized"),
    ("GET", "jobs/{id}/calibration"),
    ("DELETE", "jobs/{id}"),
    ("GET", "service-executions/{se}/jobs/{id}"),
    ("GET", "service-executions/{se}/jobs/{id}/status"),
    ("GET", "service-executions/{se}/jobs/{id}/result/normalized"),
    ("GET", "service-executions/{se}/jobs/{id}/result-stream"),
    ("GET", "service-executions/{se}/jobs/{id}/input"),
    ("GET", "service-executions/{se}/jobs/{id}/input/normalized"),
    ("GET", "service-executions/{se}/jobs/{id}/calibration"),
    ("DELETE", "service-executions/{se}/jobs/{id}"),
]
SESSION_ROUTES = [
    ("GET", "sessions/{id}"),
    ("GET", "sessions/{id}/status"),
    ("GET", "sessions/{id}/jobs"),
    ("PATCH", "sessions/{id}"),
    ("DELETE", "sessions/{id}"),
    ("GET", "service-executions/{se}/sessions/{id}"),
    ("GET", "service-executions/{se}/sessions/{id}/status"),
    ("GET", "service-executions/{se}/sessions/{id}/jobs"),
    ("PATCH", "service-executions/{se}/sessions/{id}"),
    ("DELETE", "service-executions/{se}/sessions/{id}"),
]


class Owner:
    """An organization's records: a finished job, a job held waiting, an open session, all made by one
    of its service executions (so the service-execution routes have something to find), plus a tag."""

    def __init__(self, hub: LocalHub, org: str) -> None:
        self.org = org
        self.tag = f"tag-{uuid.uuid4().hex[:10]}"
        self.se, self.se_token = hub.create_service_execution(organization_id=org)
        with connect(hub, token=self.se_token) as service:
            done = service.jobs.create_job(backend_id="aws.sim.sv1", shots=10, input=BELL, tags=[self.tag])
            session = service.sessions.create_session(
                backend_id="aws.sim.dm1", mode="batch", provider="AWS", tags=[self.tag]
            )
            waiting = service.jobs.create_job(
                backend_id="aws.sim.dm1", shots=10, input=BELL, session_id=session.id, tags=[self.tag]
            )
            assert done.id is not None
            assert session.id is not None
            assert waiting.id is not None
            self.done, self.session, self.waiting = done.id, session.id, waiting.id
            finished(service, self.done)

    @property
    def ids(self) -> set[str]:
        return {self.done, self.waiting, self.session}


@pytest.fixture(scope="module")
def owner(hub: LocalHub) -> Iterator[Owner]:
    """Organization A's records; jobs on aws.sim.dm1 wait in its queue until the module ends."""
    hub.admin.set_backend("aws.sim.dm1", queue_delay=600)
    try:
        yield Owner(hub, f"org-a-{uuid.uuid4().hex[:8]}")
    finally:
        hub.admin.set_backend("aws.sim.dm1", queue_delay=0)


def _url(hub: LocalHub, template: str, record: str, se: str) -> str:
    return f"{hub.base_url}/{template.format(id=record, se=se)}"


def _comparable(answer: httpx.Response, record: str) -> tuple[int, str]:
    """An answer with the id it names blanked out, to compare a foreign id's answer with an unknown one's."""
    return answer.status_code, answer.text.replace(record, "<id>")


STRANGERS = {
    "other-organization": {"organization_id": "org-b-stranger"},
    "personal-scope": {"organization_id": None},
    "organization-named-like-a-scope": {"organization_id": "personal"},
}


@pytest.mark.parametrize("stranger", list(STRANGERS), ids=list(STRANGERS))
def test_a_foreign_id_answers_exactly_like_an_unknown_one(hub: LocalHub, owner: Owner, stranger: str) -> None:
    """No route tells a stranger that an id exists elsewhere: same status, same body as a made-up id."""
    headers = headers_for(STRANGERS[stranger]["organization_id"])
    unknown = str(uuid.uuid4())
    with httpx.Client(timeout=30) as http:
        for routes, records in (
            (JOB_ROUTES, (owner.done, owner.waiting)),
            (SESSION_ROUTES, (owner.session,)),
        ):
            for method, template in routes:
                body = {"accept_jobs": False} if method == "PATCH" else None
                guess = http.request(
                    method, _url(hub, template, unknown, owner.se), headers=headers, json=body
                )
                assert guess.status_code == 404, f"{method} {template}: {guess.status_code}"
                for record in records:
                    foreign = http.request(
                        method, _url(hub, template, record, owner.se), headers=headers, json=body
                    )
                    assert _comparable(foreign, record) == _comparable(guess, unknown), f"{method} {template}"
    # ... and all those attempts changed nothing.
    with connect(hub, organization_id=owner.org) as client:
        assert client.jobs.get_job_status(owner.waiting).status == "PENDING"
        assert client.jobs.get_job_status(owner.done).status == "COMPLETED"
        assert client.sessions.get_session_status(owner.session).status in {"OPEN", "ACTIVE"}


def _listed(client: HubQuantumClient, owner: Owner) -> set[str]:
    """Every id the client can find through the listings, with filters aimed at the owner's records."""
    found: set[str] = set()
    for sort in (None, ["createdAt,desc"], ["status,asc"]):
        found |= {j.id for j in client.jobs.search_jobs(size=1000, sort=sort).content or [] if j.id}
    found |= {j.id for j in client.jobs.search_jobs(size=1000, service_execution_id=owner.se).content or []}
    filters: list[dict[str, Any]] = [
        {},
        {"tag": [owner.tag]},
        {"service_execution_id": [owner.se]},
        {"backend_id": ["aws.sim.dm1", "aws.sim.sv1"]},
        {"status": ["PENDING", "COMPLETED", "OPEN", "ACTIVE"]},
        {"origin": ["SERVICE_EXECUTION"]},
        {"type": ["SESSION"]},
    ]
    for extra in filters:
        page = client.workloads.get_workloads(size=1000, **extra)
        found |= {w.id for w in page.content or [] if w.id}
    page = client.jobs.get_service_execution_workloads(owner.se, size=1000)
    found |= {w.id for w in page.content or [] if w.id}
    return found


def test_listings_and_their_filters_show_a_stranger_nothing(hub: LocalHub, owner: Owner) -> None:
    with connect(hub, organization_id=owner.org) as own:
        assert owner.ids <= _listed(own, owner)  # the filters do find the records for their owner
    for stranger in STRANGERS.values():
        with connect(hub, organization_id=stranger["organization_id"]) as client:
            assert not owner.ids & _listed(client, owner)


def test_a_stranger_cannot_cancel_a_waiting_job_or_drain_a_session(hub: LocalHub, owner: Owner) -> None:
    with connect(hub, organization_id="org-b-stranger") as stranger:
        with pytest.raises(NotFoundError):
            stranger.jobs.cancel_job(owner.waiting)
        with pytest.raises(NotFoundError):
            stranger.jobs.cancel_service_execution_job(owner.se, owner.waiting)
        with pytest.raises(NotFoundError):
            stranger.sessions.update_session_state(owner.session, accept_jobs=False)
        with pytest.raises(NotFoundError):
            stranger.sessions.close_session(owner.session)
        with pytest.raises(NotFoundError):  # nor slip a job into it
            stranger.jobs.create_job(backend_id="aws.sim.dm1", shots=10, input=BELL, session_id=owner.session)
    with connect(hub, organization_id=owner.org) as own:
        assert own.jobs.get_job_status(owner.waiting).status == "PENDING"
        assert own.sessions.get_session_status(owner.session).status in {"OPEN", "ACTIVE"}
        assert {j.id for j in own.sessions.get_session_jobs(owner.session)} == {owner.waiting}


def test_a_service_execution_stays_inside_its_own_records(hub: LocalHub, owner: Owner) -> None:
    """A sibling execution of the same organization sees neither the owner's execution's records nor its
    own records through the owner's execution id, whatever organization header it adds."""
    sibling_se, sibling_token = hub.create_service_execution(organization_id=owner.org)
    for organization in (None, owner.org, "org-b-stranger"):
        with connect(hub, token=sibling_token, organization_id=organization) as sibling:
            for view in (sibling.jobs.get_job, sibling.jobs.get_job_status, sibling.jobs.cancel_job):
                with pytest.raises(NotFoundError):
                    view(owner.waiting)
            with pytest.raises(NotFoundError):
                sibling.jobs.get_service_execution_job(owner.se, owner.done)
            with pytest.raises(NotFoundError):
                sibling.jobs.get_service_execution_session(owner.se, owner.session)
            with pytest.raises(NotFoundError):
                sibling.sessions.get_session_jobs(owner.session)
            assert not owner.ids & _listed(sibling, owner)
    # A service execution of another organization, even one that knows the ids and the execution id.
    _, foreign_token = hub.create_service_execution(organization_id="org-b-stranger")
    with connect(hub, token=foreign_token, organization_id=owner.org) as foreign:
        with pytest.raises(NotFoundError):
            foreign.jobs.get_service_execution_job(owner.se, owner.done)
        assert not owner.ids & _listed(foreign, owner)
    with connect(hub, organization_id=owner.org) as own:  # while the organization itself sees them all
        assert own.jobs.get_service_execution_job(owner.se, owner.done).id == owner.done
        assert own.jobs.get_service_execution_workloads(sibling_se).content == []


def test_ids_cannot_be_guessed(hub: LocalHub, org_client: HubQuantumClient) -> None:
    """Ids are random UUIDs (version 4), not counters: knowing one's own ids says nothing about others'."""
    ids = []
    for _ in range(5):
        job = org_client.jobs.create_job(backend_id="aws.sim.sv1", shots=1, input=BELL)
        session = org_client.sessions.create_session(backend_id="aws.sim.sv1", mode="batch", provider="AWS")
        ids += [job.id, session.id]
    parsed = [uuid.UUID(str(i)) for i in ids]
    assert all(u.version == 4 for u in parsed)
    assert len(set(parsed)) == len(parsed)
