"""``client.jobs.find_by_client_token``: the public form of the lookup the client makes after an ambiguous
submission, on the sync and the async client, against the local Hub over HTTP."""

from __future__ import annotations

import asyncio

import pytest

from qhub_providers.api import HubQuantumClient, UncertainSubmissionTimeout
from qhub_providers.api.resources.jobs import CLIENT_TOKEN_PREFIX
from qhub_providers.emulator import LocalHub
from tests.waiting import wait_until

from .support import BELL_QASM2, FAST_BACKEND, MAX_RETRIES, fast_retries, new_token

READ_TIMEOUT = 0.25
STORE_DELAY = 2.0
"""Far beyond the read timeout and the settle window below, so the submission ends uncertain."""


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


def test_the_token_of_an_uncertain_submission_finds_the_job_once_it_landed(
    hub: LocalHub, org: str, observer: HubQuantumClient
) -> None:
    hub.set_faults(rate=0, store_delay=STORE_DELAY)
    with (
        hub.client(
            organization_id=org,
            timeout=READ_TIMEOUT,
            max_retries=MAX_RETRIES,
            retry_policy=fast_retries(settle_window=STORE_DELAY / 4),
        ) as client,
        pytest.raises(UncertainSubmissionTimeout) as info,
    ):
        client.jobs.create_job(backend_id=FAST_BACKEND, shots=8, input=BELL_QASM2)
    tag = info.value.client_token
    assert tag is not None

    found = wait_until(lambda: observer.jobs.find_by_client_token(tag), what="the late job to be listed")

    (stored,) = list(observer.jobs.iter_jobs(size=100))
    assert found.id == stored.id
