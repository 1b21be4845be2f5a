"""The local Hub's two credential headers, ``X-Auth-Token`` and ``X-OrganizationId``: read in any letter
case (HTTP header names are case-insensitive), and declared without any warning from FastAPI or pydantic.

The header parameters take their names from the parameters' own (``x_auth_token``, ``x_organizationid``),
the way FastAPI documents it, rather than an ``alias=`` that pydantic may flag as having no effect.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from qhub_providers.emulator import LocalHub

from .hub_support import raw, wait_for_status

QASM2 = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\ncreg c[1];\nh q[0];\nmeasure q -> c;\n'


@pytest.mark.parametrize(
    ("token_header", "organization_header"),
    [
        ("X-Auth-Token", "X-OrganizationId"),
        ("x-auth-token", "x-organizationid"),
        ("X-AUTH-TOKEN", "X-ORGANIZATIONID"),
    ],
)
def test_the_credential_headers_are_read_in_any_case(
    hub: LocalHub, org: str, token_header: str, organization_header: str
) -> None:
    headers = {token_header: hub.token, organization_header: org}
    created = raw(
        hub, "POST", "jobs", headers=headers, json={"backend_id": "kipu.sim.qsim", "shots": 4, "input": QASM2}
    )
    assert created.status_code == 200, created.text
    job_id = created.json()["id"]

    # The job belongs to the organization named, as the canonical spelling sees it.
    canonical = {"X-Auth-Token": hub.token, "X-OrganizationId": org}
    listed = raw(hub, "GET", "jobs", headers=canonical).json()["content"]
    assert [job["id"] for job in listed] == [job_id]
    personal = raw(hub, "GET", "jobs", headers={"X-Auth-Token": hub.token}).json()["content"]
    assert job_id not in [job["id"] for job in personal]
    # A wrong token under either spelling is refused.
    assert raw(hub, "GET", "jobs", headers={token_header: "not-the-token"}).status_code == 401


def test_serving_authenticated_requests_raises_no_user_warning(hub: LocalHub) -> None:
    """In a fresh interpreter, so that warnings given while the routes are imported and declared count
    (this process imported them long ago); every ``UserWarning`` is an error there."""
    script = textwrap.dedent(
        """
        from qhub_providers.emulator import LocalHub

        with LocalHub() as hub, hub.client(organization_id="org-w") as client:
            client.backends.get_backends()
            client.jobs.search_jobs()
        """
    )
    done = subprocess.run(
        [sys.executable, "-W", "error::UserWarning", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_job_submitted_with_lower_case_headers_runs(hub: LocalHub, org: str) -> None:
    from .hub_support import connect

    headers = {"x-auth-token": hub.token, "x-organizationid": org}
    created = raw(
        hub, "POST", "jobs", headers=headers, json={"backend_id": "kipu.sim.qsim", "shots": 4, "input": QASM2}
    )
    assert created.status_code == 200, created.text
    with connect(hub, organization_id=org) as client:
        assert wait_for_status(client, created.json()["id"]) == "COMPLETED"
