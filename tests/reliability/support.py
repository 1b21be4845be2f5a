"""Shared pieces of the fault-tolerance tests: the fault mix, fast retry settings, and the ledger that
settles which submissions created which jobs.

The accounting rule the tests hold the client to, for every submission (each carries its own client
token, so the Hub's records can be matched to it):

* it returned a job record: the Hub holds exactly one job with that token, and it is that job;
* it raised :class:`~qhub_providers.api.errors.UncertainSubmissionError` (or its ``...Timeout`` twin):
  the Hub holds at most one job with that token (the client could not tell; the token tells afterwards);
* it raised any other :class:`~qhub_providers.api.errors.HubError`: the Hub holds no job with that token.

So the Hub's job count is exactly the number of returned records plus the uncertain submissions that did
land, no job carries a token no submission used, and no token is on two jobs.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from qhub_providers.api import HubError, RetryPolicy, UncertainSubmissionError
from qhub_providers.api.models import Job
from qhub_providers.api.resources.jobs import CLIENT_TOKEN_PREFIX
from qhub_providers.emulator import LocalHub
from qhub_providers.emulator.middleware import FAULT_KINDS

FAULT_RATE = 0.2
SLOW_SECONDS = 0.05
"""How long a ``slow`` fault holds an answer; far below :data:`CLIENT_TIMEOUT`."""
CLIENT_TIMEOUT = 10.0
MAX_RETRIES = 10
"""Retries per call: eleven faults in a row at a 20 % rate (about 2 in 10^8) is what it takes to fail one."""

BELL_QASM2 = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[2];
creg c[2];
h q[0];
cx q[0],q[1];
measure q -> c;
"""
FAST_BACKEND = "kipu.sim.qsim"


SETTLE_WINDOW = 1.0
"""How long an ambiguous submission is looked for: far longer than the local Hub takes to store a job
(unless a test slows storing down on purpose)."""


def fast_retries(settle_window: float = SETTLE_WINDOW) -> RetryPolicy:
    """Real sleeps, but short ones: a few milliseconds, capped at 50 ms, ``Retry-After`` at 0.1 s."""
    return RetryPolicy(base_delay=0.005, max_delay=0.05, max_retry_after=0.1, settle_window=settle_window)


def inject_mixed_faults(hub: LocalHub, seed: int) -> None:
    """Every fault kind at once, on :data:`FAULT_RATE` of the requests (also resets the request count)."""
    hub.set_faults(
        rate=FAULT_RATE,
        kinds=list(FAULT_KINDS),
        slow_seconds=SLOW_SECONDS,
        retry_after_ms=5,
        max_faults=1_000_000,
        seed=seed,
    )


def fault_stats(hub: LocalHub) -> tuple[int, dict[str, int]]:
    """Requests that passed the fault injector since it was configured, and the faults injected by kind."""
    assert hub.faults is not None
    stats = hub.faults.stats()
    return int(stats["requests"]), dict(stats["injected"])


def new_token() -> str:
    """A client token of one submission (the client puts ``CLIENT_TOKEN_PREFIX`` before it)."""
    return uuid.uuid4().hex


def token_tag(job: Job) -> str:
    """The one client-token tag the REST client put on a job."""
    tags = [tag for tag in job.tags or [] if tag.startswith(CLIENT_TOKEN_PREFIX)]
    assert len(tags) == 1, f"job {job.id} carries {len(tags)} client tokens: {job.tags}"
    return tags[0][len(CLIENT_TOKEN_PREFIX) :]


@dataclass
class Ledger:
    """What each submission reported to its caller, keyed by the client token it used (thread-safe)."""

    created: dict[str, str] = field(default_factory=dict)
    """Token -> id of the job record the submission returned."""
    uncertain: dict[str, UncertainSubmissionError] = field(default_factory=dict)
    refused: dict[str, HubError] = field(default_factory=dict)
    untyped: list[BaseException] = field(default_factory=list)
    """Exceptions that are not HubErrors: each one is a bug."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, token: str, outcome: Job | BaseException) -> None:
        with self._lock:
            if isinstance(outcome, Job):
                assert outcome.id is not None
                self.created[token] = outcome.id
            elif isinstance(outcome, UncertainSubmissionError):
                # The error must name the token, or the caller could not find the job it may have made.
                assert outcome.client_token == CLIENT_TOKEN_PREFIX + token, outcome
                self.uncertain[token] = outcome
            elif isinstance(outcome, HubError):
                self.refused[token] = outcome
            else:
                self.untyped.append(outcome)

    @property
    def submissions(self) -> int:
        return len(self.created) + len(self.uncertain) + len(self.refused) + len(self.untyped)

    def settle(self, stored: Iterable[Job]) -> int:
        """Check the accounting rule (module docstring) against every job the Hub holds for these
        submissions; return how many uncertain submissions had landed."""
        assert not self.untyped, f"untyped exceptions reached the caller: {self.untyped!r}"
        jobs = list(stored)
        per_token = Counter(token_tag(job) for job in jobs)
        ids = {token_tag(job): job.id for job in jobs}
        duplicated = {token: n for token, n in per_token.items() if n > 1}
        assert not duplicated, f"submissions stored more than once: {duplicated}"
        known = set(self.created) | set(self.uncertain) | set(self.refused)
        strays = set(per_token) - known
        assert not strays, f"jobs with tokens no submission used: {strays}"
        lost = {token: job_id for token, job_id in self.created.items() if ids.get(token) != job_id}
        assert not lost, f"submissions returned a job the Hub does not hold under their token: {lost}"
        phantom = {token for token in self.refused if token in per_token}
        assert not phantom, f"submissions reported as failed created jobs: {phantom}"
        landed = sum(per_token[token] for token in self.uncertain)
        assert len(jobs) == len(self.created) + landed
        return landed
