"""``HubQiskitProvider``: the Hub's gate-based backends for Qiskit, listed from what the Hub says."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from qiskit.providers.exceptions import QiskitBackendNotFoundError

from qhub_providers._connect import connect
from qhub_providers.api import HubQuantumClient, NotFoundError

# The backend, job, target and format modules load when the first backend is built (see ``_face``):
# ``from qhub_providers.qiskit import HubQiskitProvider`` should cost little more than Qiskit itself.
if TYPE_CHECKING:
    from qhub_providers.api.models import Backend
    from qhub_providers.qiskit.backend import HubBackend
    from qhub_providers.qiskit.job import HubJob
    from qhub_providers.qiskit.primitives import HubPrimitiveJob


class HubQiskitProvider:
    """Entry point of the Qiskit face.

    Credentials as the REST client resolves them: explicit arguments, else ``KQH_PERSONAL_ACCESS_TOKEN``
    (and friends), ``KQH_ORGANIZATION_ID``, ``QHUB_QUANTUM_BASE_URL``, else the qhubctl config file. Or pass
    a ready ``client`` (e.g. ``LocalHub().client()``).
    """

    def __init__(
        self,
        access_token: str | None = None,
        organization_id: str | None = None,
        base_url: str | None = None,
        client: HubQuantumClient | None = None,
    ) -> None:
        self._client = connect(access_token, organization_id, base_url, client)
        self._backends: dict[str, HubBackend] | None = None

    def __repr__(self) -> str:
        return f"HubQiskitProvider(base_url={self._client.base_url!r})"

    @property
    def client(self) -> HubQuantumClient:
        """The REST client this provider uses."""
        return self._client

    def _catalog(self) -> dict[str, HubBackend]:
        from qhub_providers.qiskit.backend import HubBackend

        if self._backends is None:
            backends: dict[str, HubBackend] = {}
            for record in self._client.backends.get_backends():
                if record.id and _takes_circuits(record):
                    backends[record.id] = HubBackend(self, record, self._client)
            self._backends = backends
        return self._backends

    def refresh(self) -> None:
        """Forget the cached backend list (and each backend's cached metadata)."""
        self._backends = None

    def backends(
        self,
        name: str | None = None,
        provider: str | None = None,
        filters: Callable[[HubBackend], bool] | None = None,
        **kwargs: Any,
    ) -> list[HubBackend]:
        """Every backend that takes Qiskit circuits, optionally filtered.

        Keyword filters: ``operational`` (asks each backend's status), ``simulator``, ``min_num_qubits``;
        ``provider`` is the Hub provider (``AWS``, ``IBM`` ...); ``filters`` is a predicate.
        """
        known = {"operational", "simulator", "min_num_qubits"}
        unknown = set(kwargs) - known
        if unknown:
            raise TypeError(f"unknown backend filters {sorted(unknown)}; use {sorted(known)} or filters=")
        out = []
        for backend in self._catalog().values():
            if name is not None and backend.name != name:
                continue
            if provider is not None and backend.provider_name.upper() != provider.upper().replace("-", "_"):
                continue
            if "simulator" in kwargs and backend.is_simulator != bool(kwargs["simulator"]):
                continue
            configuration = backend.record.configuration
            qubits = int(configuration.qubit_count or 0) if configuration else 0
            if kwargs.get("min_num_qubits") is not None and qubits < int(kwargs["min_num_qubits"]):
                continue
            if "operational" in kwargs and backend.status().operational != bool(kwargs["operational"]):
                continue
            if filters is not None and not filters(backend):
                continue
            out.append(backend)
        return out

    def get_backend(self, name: str) -> HubBackend:
        """The backend with this Hub id (e.g. ``aws.sim.sv1``)."""
        from qhub_providers.qiskit.backend import HubBackend

        backend = self._catalog().get(name)
        if backend is not None:
            return backend
        try:
            record = self._client.backends.get_backend(name)
        except NotFoundError:
            raise QiskitBackendNotFoundError(f"the Hub has no backend '{name}'") from None
        if not _takes_circuits(record):
            raise QiskitBackendNotFoundError(_no_circuits_message(name, record))
        backend = HubBackend(self, record, self._client)
        self._catalog()[name] = backend
        return backend

    def backend(self, name: str) -> HubBackend:
        """Alias of :meth:`get_backend` (IBM Runtime's spelling)."""
        return self.get_backend(name)

    def least_busy(
        self,
        min_num_qubits: int | None = None,
        filters: Callable[[HubBackend], bool] | None = None,
        *,
        provider: str | None = None,
        operational: bool = True,
        simulator: bool | None = False,
    ) -> HubBackend:
        """The online backend with the shortest queue that meets the criteria (IBM Runtime's semantics).

        For IBM the Hub's least-busy endpoint answers; otherwise, or when it fails, backends are ranked by
        queue length and then average wait. Raises ``QiskitBackendNotFoundError`` when nothing matches.
        """
        from qhub_providers.qiskit.least_busy import qiskit_least_busy

        return qiskit_least_busy(
            self,
            provider=provider,
            min_num_qubits=min_num_qubits,
            filters=filters,
            operational=operational,
            simulator=simulator,
        )

    def retrieve_job(self, job_id: str) -> HubJob:
        """A job submitted earlier (by this or another process), ready for ``status()`` and ``result()``."""
        from qhub_providers.qiskit.job import HubJob

        record = self._client.jobs.get_job(job_id)
        if record.backend_id is None:
            raise ValueError(f"job {job_id} names no backend")
        backend = self.get_backend(record.backend_id)
        return HubJob(backend, job_id, client=self._client, record=record, memory=True)

    def job(self, job_id: str) -> HubJob | HubPrimitiveJob[Any]:
        """A job by id, of the kind that made it: a ``SamplerV2`` / ``EstimatorV2`` run (by the id its
        primitive job reported, on any backend) comes back as a primitive job whose ``result()`` is the
        ``PrimitiveResult``, as with ``QiskitRuntimeService.job(job_id)``; any other job as a
        :class:`HubJob` (see :meth:`retrieve_job`)."""
        from qhub_providers.qiskit.job import HubJob
        from qhub_providers.qiskit.retrieval import primitive_job

        record = self._client.jobs.get_job(job_id)
        if record.backend_id is None:
            raise ValueError(f"job {job_id} names no backend")
        backend = self.get_backend(record.backend_id)
        found = primitive_job(backend, record)
        if found is not None:
            return found
        return HubJob(backend, job_id, client=self._client, record=record, memory=True)

    def jobs(self, *, page_size: int = 50) -> Iterator[HubJob]:
        """Your jobs on Qiskit backends, newest first, fetched lazily page by page."""
        from qhub_providers.qiskit.job import HubJob

        for record in self._client.jobs.iter_jobs(size=page_size):
            if record.id is None or record.backend_id is None:
                continue
            try:
                backend = self.get_backend(record.backend_id)
            except QiskitBackendNotFoundError:
                continue
            yield HubJob(backend, record.id, client=self._client, record=record, memory=True)


def _no_circuits_message(name: str, record: Backend) -> str:
    """Why a backend cannot be used from Qiskit, naming the formats it takes and where to go instead."""
    formats = (
        [str(f) for f in (record.configuration.supported_input_formats or [])] if record.configuration else []
    )
    takes = ", ".join(formats) if formats else "no input format"
    hint = ""
    if any(f.startswith("BRAKET_") for f in formats):
        hint = "; use the Braket face (qhub_providers.braket.HubBraketProvider) for it"
    return f"backend '{name}' takes {takes}, not Qiskit circuits{hint}"


def _takes_circuits(record: Backend) -> bool:
    from qhub_providers.formats import format_for

    configuration = record.configuration
    return configuration is not None and format_for(configuration.supported_input_formats or []) is not None
