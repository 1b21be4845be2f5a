"""``client.jobs.find_by_client_token``: the public form of the lookup the client makes after an ambiguous
submission, on the sync and the async client, against the local Hub over HTTP. (A submission that ended
uncertain and landed later is found by its error's token in ``test_uncertain_submissions.py``.)"""

from __future__ import annotations

import asyncio

import pytest

from qhub_providers.api import HubQuantumClient
from qhub_providers.api.resources.jobs import CLIENT_TOKEN_PREFIX
from qhub_providers.emulator import LocalHub

from .support import BELL_QASM2, FAST_BACKEND, new_token


def test_finds_the_job_by_its_token_or_by_its_tag(
    hub: LocalHub, retrying: HubQuantumClient, observer: HubQuantumClient
) -> None:
    token = new_token()
    job = retrying.jobs.create_job(backend_id=FAST_BACKEND, shots=8, input=BELL_QASM2, client_token=token)
    # Another job in the same organization, so that a lookup that ignored the tag could pick the wrong one.
    retrying.jobs.create_job(backend_id=FAST_BACKEND, shots=8, input=BELL_QASM2)

    by_token = observer.jobs.find_by_client_token(token)
    by_tag = observer.jobs.find_by_client_token(CLIENT_TOKEN_PREFIX + token)

    assert by_token is not None
    assert by_tag is not None
    assert by_token.id == by_tag.id == job.id
    assert CLIENT_TOKEN_PREFIX + token in (by_token.tags or [])
    assert observer.jobs.find_by_client_token(new_token()) is None


def test_the_async_client_finds_the_same_job(hub: LocalHub, org: str, retrying: HubQuantumClient) -> None:
    token = new_token()
    job = retrying.jobs.create_job(backend_id=FAST_BACKEND, shots=8, input=BELL_QASM2, client_token=token)

    async def look() -> tuple[str | None, bool]:
        async with hub.async_client(organization_id=org, max_retries=0) as client:
            found = await client.jobs.find_by_client_token(token)
            missing = await client.jobs.find_by_client_token(new_token())
            return (found.id if found is not None else None), missing is None

    assert asyncio.run(look()) == (job.id, True)


def test_an_empty_token_is_refused_before_any_request(observer: HubQuantumClient) -> None:
    with pytest.raises(ValueError, match="client_token"):
        observer.jobs.find_by_client_token("")
