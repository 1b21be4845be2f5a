"""Least-busy backend selection, shared by both faces (no Qiskit or Braket import here).

IBM Runtime users know ``service.least_busy(...)``; the Hub offers a least-busy endpoint, but only for IBM.
:func:`least_busy_backend_id` therefore asks that endpoint for IBM and ranks the candidates itself for every
other provider, and whenever the endpoint fails or answers with a backend the caller's filters exclude:
online backends only, shortest queue first, then shortest average wait. Statuses are fetched concurrently
on a small, bounded thread pool, so ranking a dozen backends costs about one round trip.

The faces wrap it: ``HubBraketProvider.least_busy`` and
:func:`qhub_providers.qiskit.least_busy.qiskit_least_busy`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from qhub_providers.api import HubQuantumClient
from qhub_providers.api.errors import ApiError, HubConnectionError, HubError, HubTimeoutError, ParsingError
from qhub_providers.api.models import Backend, BackendStateInfo

__all__ = [
    "ENDPOINT_PROVIDERS",
    "MAX_STATUS_WORKERS",
    "NoMatchingBackendError",
    "RankedBackend",
    "least_busy_backend_id",
    "matches",
    "rank_backends",
]

ENDPOINT_PROVIDERS = frozenset({"IBM"})
"""Hub providers whose least-busy selection the Hub's ``backends/least-busy`` endpoint answers."""
MAX_STATUS_WORKERS = 8
"""Most status requests in flight at once while ranking (a polite load on the Hub)."""

_ONLINE = "ONLINE"
_SIMULATOR = "SIMULATOR"
# Failures of the endpoint after which ranking ourselves still makes sense (not a missing credential).
_ENDPOINT_FAILURES = (ApiError, HubConnectionError, HubTimeoutError, ParsingError)

_log = logging.getLogger(__name__)


class NoMatchingBackendError(HubError, ValueError):
    """No backend satisfies the least-busy criteria (provider, qubits, status, filters)."""


@dataclass(frozen=True)
class RankedBackend:
    """A candidate with the load the Hub reported for it."""

    backend_id: str
    status: str
    queue_size: int
    queue_avg_time: int | None

    def sort_key(self) -> tuple[int, float, str]:
        """Shortest queue first, then shortest average wait (unknown waits last), then id for stability."""
        wait = math.inf if self.queue_avg_time is None else float(self.queue_avg_time)
        return (self.queue_size, wait, self.backend_id)


def _normalised(provider: str) -> str:
    return provider.strip().upper().replace("-", "_")


def matches(
    record: Backend,
    *,
    provider: str | None = None,
    min_num_qubits: int | None = None,
    simulator: bool | None = False,
) -> bool:
    """Whether ``record`` passes the static criteria (no request is made).

    ``provider`` matches the Hub provider (``AWS``, ``IBM`` ...) or the hardware provider (``IONQ``,
    ``RIGETTI`` ...), case-insensitive; ``simulator`` ``True``/``False`` keeps only simulators/QPUs and
    ``None`` keeps both.
    """
    if record.id is None:
        return False
    if provider is not None:
        wanted = _normalised(provider)
        owners = {_normalised(str(value)) for value in (record.provider, record.hardware_provider) if value}
        if wanted not in owners:
            return False
    if min_num_qubits is not None:
        configuration = record.configuration
        qubits = configuration.qubit_count if configuration else None
        if qubits is None or qubits < min_num_qubits:
            return False
    return simulator is None or (str(record.type) == _SIMULATOR) == simulator


def rank_backends(
    client: HubQuantumClient,
    backend_ids: Sequence[str],
    *,
    operational: bool = True,
    max_workers: int = MAX_STATUS_WORKERS,
) -> list[RankedBackend]:
    """The backends ordered from least to most busy, their statuses fetched concurrently.

    With ``operational`` only ONLINE backends are kept (PAUSED, OFFLINE, RETIRED and UNKNOWN ones are
    dropped). A backend whose status cannot be fetched is left out; if none can be fetched at all, the
    first failure is raised, so a broken connection is not mistaken for "nothing matches".
    """
    if not backend_ids:
        return []

    def fetch(backend_id: str) -> BackendStateInfo | HubError:
        try:
            return client.backends.get_backend_status(backend_id)
        except _ENDPOINT_FAILURES as exc:
            return exc

    workers = max(1, min(max_workers, len(backend_ids)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="qhub-least-busy") as pool:
        answers = list(pool.map(fetch, backend_ids))
    failures = [answer for answer in answers if isinstance(answer, HubError)]
    if len(failures) == len(answers):
        raise failures[0]
    ranked: list[RankedBackend] = []
    for backend_id, answer in zip(backend_ids, answers, strict=True):
        if isinstance(answer, HubError):
            _log.debug("least busy: leaving out %s, its status failed: %s", backend_id, answer)
            continue
        status = str(answer.status or "UNKNOWN")
        if operational and status != _ONLINE:
            continue
        ranked.append(RankedBackend(backend_id, status, int(answer.queue_size or 0), answer.queue_avg_time))
    return sorted(ranked, key=RankedBackend.sort_key)


def _from_endpoint(
    client: HubQuantumClient, provider: str, min_num_qubits: int | None, allowed: set[str]
) -> str | None:
    """The endpoint's choice if it gave one the caller's criteria allow, else ``None`` (rank instead)."""
    try:
        record = client.backends.get_least_busy_backend(provider=provider, min_qubits=min_num_qubits)
    except _ENDPOINT_FAILURES as exc:
        _log.debug("least busy: the Hub's endpoint failed (%s); ranking the candidates instead", exc)
        return None
    if record.id in allowed:
        return record.id
    # The endpoint knows only provider and qubits; a simulator flag or predicate may exclude its answer.
    _log.debug("least busy: the endpoint chose %s, which the filters exclude; ranking instead", record.id)
    return None


def least_busy_backend_id(
    client: HubQuantumClient,
    candidates: Sequence[Backend],
    *,
    provider: str | None = None,
    min_num_qubits: int | None = None,
    operational: bool = True,
    simulator: bool | None = False,
    predicate: Callable[[Backend], bool] | None = None,
) -> str | None:
    """The id of the least busy backend among ``candidates``, or ``None`` when none qualifies.

    Args:
        client: The REST client to ask for statuses (and the least-busy endpoint).
        candidates: Backend records to choose from (e.g. those a face can drive).
        provider: Hub or hardware provider to keep (``IBM``, ``AWS``, ``IONQ`` ...); for IBM the Hub's
            least-busy endpoint is asked first.
        min_num_qubits: Fewest qubits a backend must have.
        operational: Keep only backends that are ONLINE (default); ``False`` ranks every backend
            whatever its status.
        simulator: ``False`` (default) keeps QPUs, ``True`` simulators, ``None`` both.
        predicate: Called with each remaining record; ``False`` drops it. Called before any status is
            fetched, so it may be as slow as it likes without holding requests open.
    """
    kept = [
        record
        for record in candidates
        if matches(record, provider=provider, min_num_qubits=min_num_qubits, simulator=simulator)
    ]
    if predicate is not None:
        kept = [record for record in kept if predicate(record)]
    ids = list(dict.fromkeys(str(record.id) for record in kept))
    if not ids:
        return None
    # The endpoint ranks ONLINE backends only, so its answer is right only when that is what was asked.
    if provider is not None and _normalised(provider) in ENDPOINT_PROVIDERS and operational:
        chosen = _from_endpoint(client, _normalised(provider), min_num_qubits, set(ids))
        if chosen is not None:
            return chosen
    ranked = rank_backends(client, ids, operational=operational)
    return ranked[0].backend_id if ranked else None
