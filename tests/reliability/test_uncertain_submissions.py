"""Submissions the client cannot settle by itself: an answer slower than the read timeout, a stored job
whose record cannot be read back. The client must say so with ``UncertainSubmission*`` and the token, and
never send the job a second time; and result streams cut before their first byte are simply read again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from qhub_providers.api import (
    HubError,
    HubQuantumClient,
    RetryPolicy,
    UncertainSubmissionError,
    UncertainSubmissionTimeout,
)
from qhub_providers.api.resources.jobs import CLIENT_TOKEN_PREFIX
from qhub_providers.emulator import LocalHub
from tests.api.conftest import TOKEN, Answer, ScriptedHub, serving
from tests.waiting import wait_until

from .support import (
    BELL_QASM2,
    FAST_BACKEND,
    MAX_RETRIES,
    Ledger,
    fast_retries,
    fault_stats,
    new_token,
)

READ_TIMEOUT = 0.25
SLOW_SECONDS = 2.0
"""Far beyond the read timeout, so the job is certainly not stored yet when the client looks for it."""


def jobs_with_token(client: HubQuantumClient, token: str) -> list[str]:
    page = client.workloads.get_workloads(type="JOB", tag=CLIENT_TOKEN_PREFIX + token, size=10)
    return [str(w.id) for w in page.content or []]


def test_a_submission_slower_than_its_deadline_is_found_by_its_token_not_resent(
    hub: LocalHub, org: str, observer: HubQuantumClient
) -> None:
    # The Hub stores the submission late (its body received, then held); it lands while the client,
    # past its deadline, is looking for it.
    hub.set_faults(rate=0, store_delay=SLOW_SECONDS / 4)
    token = new_token()
    # The default settle window (10 s), far beyond the storing delay even on a busy machine.
    policy = RetryPolicy(base_delay=0.005, max_delay=0.05)
    with hub.client(
        organization_id=org, timeout=READ_TIMEOUT, max_retries=MAX_RETRIES, retry_policy=policy
    ) as client:
        job = client.jobs.create_job(backend_id=FAST_BACKEND, shots=16, input=BELL_QASM2, client_token=token)
    assert hub.faults is not None
    assert hub.faults.stats()["stores_delayed"] == 1
    assert jobs_with_token(observer, token) == [job.id]
    ledger = Ledger()
    ledger.record(token, job)
    assert ledger.settle(observer.jobs.iter_jobs(size=100)) == 0


def test_a_submission_landing_after_the_settle_window_is_reported_uncertain_not_resent(
    hub: LocalHub, org: str, observer: HubQuantumClient
) -> None:
    hub.set_faults(rate=0, store_delay=SLOW_SECONDS)
    token = new_token()
    with (
        hub.client(
            organization_id=org,
            timeout=READ_TIMEOUT,
            max_retries=MAX_RETRIES,
            retry_policy=fast_retries(settle_window=SLOW_SECONDS / 4),
        ) as client,
        pytest.raises(UncertainSubmissionTimeout) as info,
    ):
        client.jobs.create_job(backend_id=FAST_BACKEND, shots=16, input=BELL_QASM2, client_token=token)
    error = info.value
    assert isinstance(error, HubError)
    assert isinstance(error, httpx.TimeoutException)
    assert error.client_token == CLIENT_TOKEN_PREFIX + token
    assert token in str(error)

    # The Hub was still working on it: the job lands once (never sent again), and runs. The token the
    # error carries finds it (the public form of the client's own lookup).
    tag = error.client_token
    found = wait_until(lambda: observer.jobs.find_by_client_token(tag), what="the late job to be listed")
    (job_id,) = jobs_with_token(observer, token)
    assert found.id == job_id
    ledger = Ledger()
    ledger.record(token, error)
    assert ledger.settle(observer.jobs.iter_jobs(size=100)) == 1
    wait_until(lambda: observer.jobs.get_job_status(job_id).status == "COMPLETED")


SLOW = 1.0


def test_slow_answers_beyond_the_read_timeout_leave_every_submission_accounted_for(
    hub: LocalHub, org: str, observer: HubQuantumClient
) -> None:
    hub.set_faults(rate=0.4, kinds=["slow"], slow_seconds=SLOW, seed=5)
    ledger = Ledger()
    with hub.client(
        organization_id=org, timeout=READ_TIMEOUT, max_retries=MAX_RETRIES, retry_policy=fast_retries()
    ) as client:
        for _ in range(12):
            token = new_token()
            try:
                outcome: Any = client.jobs.create_job(
                    backend_id=FAST_BACKEND, shots=16, input=BELL_QASM2, client_token=token
                )
            except Exception as exc:
                outcome = exc
            ledger.record(token, outcome)
    _, injected = fault_stats(hub)
    hub.set_faults(rate=0)
    # Every slowed submission lands in the end; give any still in flight the time to, then count.
    expected = len(ledger.created) + len(ledger.uncertain)
    wait_until(lambda: (observer.workloads.get_workloads(type="JOB", size=1).total_elements or 0) >= expected)
    time.sleep(1.5 * SLOW)
    landed = ledger.settle(observer.jobs.iter_jobs(size=100))
    # Slowed past the deadline, a submission is found by its token (returned) or, when it lands after
    # the settle window, reported uncertain; either way it is stored exactly once.
    assert injected["slow"] > 0
    assert all(isinstance(e, UncertainSubmissionTimeout) for e in ledger.uncertain.values())
    assert not ledger.refused
    assert landed == len(ledger.uncertain)


# -- wire faults the local Hub cannot time precisely: a scripted server -----------------------------------


@pytest.fixture
def scripted() -> Iterator[ScriptedHub]:
    with serving() as server:
        yield server


def test_a_stored_job_whose_record_cannot_be_read_back_is_uncertain_not_failed(
    scripted: ScriptedHub,
) -> None:
    found = {"content": [{"id": "j-5", "type": "JOB"}], "page": 0, "size": 1, "total_elements": 1}
    # The answer to the submission is lost, the lookup finds the job, then reading it fails every time.
    scripted.add(Answer(drop=True), Answer(200, found), *[Answer(503, {"detail": "busy"})] * 3)
    policy = RetryPolicy(base_delay=0.001, max_delay=0.005)
    with (
        HubQuantumClient(api_key=TOKEN, base_url=scripted.base_url, retry_policy=policy) as client,
        pytest.raises(UncertainSubmissionError) as info,
    ):
        client.jobs.create_job(backend_id="aws.sim.sv1", shots=10, input="OPENQASM 3;", client_token="t-5")
    # A plain 503 would tell the caller that nothing was created; the job exists and the token finds it.
    assert info.value.client_token == CLIENT_TOKEN_PREFIX + "t-5"
    assert "stored" in str(info.value)
    assert [r.method for r in scripted.requests] == ["POST", "GET", "GET", "GET", "GET"]


def test_a_result_stream_cut_before_its_first_byte_is_read_again(
    hub: LocalHub, org: str, observer: HubQuantumClient, retrying: HubQuantumClient
) -> None:
    job = observer.jobs.create_job(backend_id=FAST_BACKEND, shots=16, input=BELL_QASM2)
    assert job.id is not None
    wait_until(lambda: observer.jobs.get_job_status(str(job.id)).status == "COMPLETED")
    hub.set_faults(rate=0.9, kinds=["drop_before"], max_faults=2)
    streamed = json.loads(b"".join(retrying.jobs.get_job_result_stream(job.id)))
    requests, injected = fault_stats(hub)
    assert (requests, injected["drop_before"]) == (3, 2)
    assert streamed == observer.jobs.get_job_result(job.id)
