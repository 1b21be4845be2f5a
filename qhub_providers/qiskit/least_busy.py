"""``least_busy`` for the Qiskit face, with IBM Runtime's shape and error.

>>> backend = qiskit_least_busy(provider, min_num_qubits=5)       # doctest: +SKIP
>>> backend = qiskit_least_busy(provider, provider="IBM", filters=lambda b: "fez" not in b.name)  # +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from qiskit.providers.exceptions import QiskitBackendNotFoundError

from qhub_providers.api.models import Backend
from qhub_providers.least_busy import least_busy_backend_id

if TYPE_CHECKING:
    from qhub_providers.qiskit.backend import HubBackend
    from qhub_providers.qiskit.provider import HubQiskitProvider

__all__ = ["NO_MATCH_MESSAGE", "qiskit_least_busy"]

NO_MATCH_MESSAGE = "No backend matches the criteria."
"""IBM Runtime's message when ``least_busy`` finds nothing, kept word for word for code that matches it."""


def qiskit_least_busy(
    provider_obj: HubQiskitProvider,
    provider: str | None = None,
    min_num_qubits: int | None = None,
    filters: Callable[[HubBackend], bool] | None = None,
    operational: bool = True,
    simulator: bool | None = False,
) -> HubBackend:
    """The least busy backend that takes Qiskit circuits and meets the criteria.

    Args:
        provider_obj: The :class:`~qhub_providers.qiskit.HubQiskitProvider` whose backends to consider.
        provider: Hub provider (``IBM``, ``AWS`` ...) or hardware provider (``IONQ`` ...); for IBM the
            Hub's least-busy endpoint is asked first.
        min_num_qubits: Fewest qubits the backend must have.
        filters: A predicate on each :class:`~qhub_providers.qiskit.HubBackend`, as in IBM Runtime.
        operational: Only ONLINE backends (default); ``False`` ranks every backend whatever its status.
        simulator: ``False`` (default, as IBM's typical call) keeps QPUs, ``True`` simulators, ``None`` both.

    Raises:
        QiskitBackendNotFoundError: ``"No backend matches the criteria."`` when nothing qualifies.
    """
    by_id = {backend.name: backend for backend in provider_obj.backends()}
    predicate: Callable[[Backend], bool] | None = None
    if filters is not None:
        user_filter = filters

        def predicate(record: Backend) -> bool:
            return bool(user_filter(by_id[str(record.id)]))

    chosen = least_busy_backend_id(
        provider_obj.client,
        [backend.record for backend in by_id.values()],
        provider=provider,
        min_num_qubits=min_num_qubits,
        operational=operational,
        simulator=simulator,
        predicate=predicate,
    )
    if chosen is None:
        raise QiskitBackendNotFoundError(NO_MATCH_MESSAGE)
    return by_id[chosen]
