"""``HubBraketProvider``: the Hub's backends that take Braket programs, as Braket devices."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import Enum
from typing import TYPE_CHECKING, Any

from qhub_providers._connect import connect
from qhub_providers.api.models import Backend
from qhub_providers.braket.device import HubBraketDevice, resolve_backend, takes_braket_programs
from qhub_providers.least_busy import NoMatchingBackendError, least_busy_backend_id

if TYPE_CHECKING:
    from qhub_providers.api import HubQuantumClient

__all__ = ["HubBraketProvider"]


def _wanted(values: Iterable[Any] | str | None) -> set[str] | None:
    """A filter as a set of upper-cased values (an enum member counts by its value, as Braket's
    ``Devices.Amazon.SV1`` or ``AwsDeviceType.QPU``); None means no filter."""
    if values is None:
        return None
    if isinstance(values, str | Enum):
        values = [values]
    return {str(value.value if isinstance(value, Enum) else value).upper() for value in values}


# What ``devices(order_by=...)`` sorts by: AwsDevice.get_devices's keys, and the Hub id.
_ORDER_KEYS: dict[str, Callable[[HubBraketDevice], str]] = {
    "id": lambda device: device.id,
    "name": lambda device: device.name,
    "arn": lambda device: device.arn,
    "type": lambda device: device.type,
    "provider_name": lambda device: device.provider_name,
    "status": lambda device: device.status,
}


class HubBraketProvider:
    """Entry point of the Braket face: ``HubBraketProvider().get_device("aws.sim.sv1")``.

    The device list is read from the Hub: every backend whose configuration lists ``BRAKET_OPEN_QASM_V3`` or
    ``BRAKET_AHS_PROGRAM`` among its input formats is a device, so a new Hub backend of either format works
    without a new release.

    Args:
        access_token: Hub access token; else ``KQH_PERSONAL_ACCESS_TOKEN`` (and the other token variables),
            else the qhubctl configuration.
        organization_id: Organization to act in; else ``KQH_ORGANIZATION_ID`` ..., else the configuration.
        base_url: Quantum API root; else ``QHUB_QUANTUM_BASE_URL``, else the public Hub.
        client: A ready :class:`~qhub_providers.api.HubQuantumClient` instead of the three above.
    """

    def __init__(
        self,
        access_token: str | None = None,
        organization_id: str | None = None,
        base_url: str | None = None,
        client: HubQuantumClient | None = None,
    ) -> None:
        self._client = connect(access_token, organization_id, base_url, client)

    @property
    def client(self) -> HubQuantumClient:
        """The REST client the devices and tasks of this provider use."""
        return self._client

    def devices(
        self,
        arns: Iterable[Any] | str | None = None,
        names: Iterable[str] | str | None = None,
        types: Iterable[Any] | str | None = None,
        statuses: Iterable[str] | str | None = None,
        provider_names: Iterable[str] | str | None = None,
        order_by: str = "id",
        *,
        ids: Iterable[Any] | str | None = None,
    ) -> list[HubBraketDevice]:
        """The Hub's Braket devices, filtered and ordered like ``AwsDevice.get_devices``.

        Args:
            arns: Device ARNs (``Devices.Amazon.SV1`` ...); Hub ids are accepted too.
            names: Device names (``SV1``, ``Forte-1`` ...).
            types: ``QPU`` and/or ``SIMULATOR`` (strings or ``AwsDeviceType`` members).
            statuses: ``ONLINE``, ``OFFLINE`` and/or ``RETIRED`` (asks the Hub for each device's status).
            provider_names: Hardware providers (``IONQ``, ``RIGETTI``, ``QUERA``, ``AWS`` ...).
            order_by: ``id`` (default), ``name``, ``arn``, ``type``, ``provider_name`` or ``status``.
            ids: Hub backend ids (``aws.sim.sv1`` ...); ARNs are accepted too.

        Filters compare without regard to case.
        """
        if order_by not in _ORDER_KEYS:
            raise ValueError(f"order_by must be one of {', '.join(_ORDER_KEYS)}, got {order_by!r}")
        named = {*(_wanted(arns) or set()), *(_wanted(ids) or set())}
        wanted_ids = named if arns is not None or ids is not None else None
        wanted_names = _wanted(names)
        wanted_types, wanted_statuses, wanted_providers = (
            _wanted(types),
            _wanted(statuses),
            _wanted(provider_names),
        )
        found = []
        for backend in self._client.backends.get_backends():
            if not takes_braket_programs(backend):
                continue
            device = HubBraketDevice._from_backend(backend, self._client)
            if wanted_ids is not None and not {device.id.upper(), device.arn.upper()} & wanted_ids:
                continue
            if wanted_names is not None and device.name.upper() not in wanted_names:
                continue
            if wanted_types is not None and device.type not in wanted_types:
                continue
            if wanted_providers is not None and device.provider_name.upper() not in wanted_providers:
                continue
            if wanted_statuses is not None and device.status not in wanted_statuses:
                continue
            found.append(device)
        return sorted(found, key=lambda device: (_ORDER_KEYS[order_by](device), device.id))

    def get_device(self, device_id: Any) -> HubBraketDevice:
        """The device of a Hub backend id (``aws.sim.sv1``) or of a device ARN (``Devices.Amazon.SV1``,
        ``device.arn``); ``ValueError`` when there is no such backend or it takes no Braket programs."""
        return HubBraketDevice._from_backend(resolve_backend(self._client, device_id), self._client)

    def least_busy(
        self,
        provider: str | None = None,
        min_num_qubits: int | None = None,
        filters: Callable[[HubBraketDevice], bool] | None = None,
        operational: bool = True,
        simulator: bool | None = False,
    ) -> HubBraketDevice:
        """The least busy device that meets the criteria: online, shortest queue, then shortest average wait.

        Args:
            provider: Hub provider (``AWS`` ...) or hardware provider (``IONQ``, ``RIGETTI``, ``QUERA``
                ...), case-insensitive.
            min_num_qubits: Fewest qubits (atom sites for analog devices) the device must have.
            filters: A predicate on each :class:`HubBraketDevice`; ``False`` leaves the device out.
            operational: Only ONLINE devices (default); ``False`` ranks every device whatever its status.
            simulator: ``False`` (default) keeps QPUs, ``True`` simulators, ``None`` both.

        Raises:
            NoMatchingBackendError: (a ``ValueError``) when no device meets the criteria.
        """
        records = [record for record in self._client.backends.get_backends() if takes_braket_programs(record)]
        devices: dict[str, HubBraketDevice] = {}

        def device_of(record: Backend) -> HubBraketDevice:
            key = str(record.id)
            if key not in devices:
                devices[key] = HubBraketDevice._from_backend(record, self._client)
            return devices[key]

        predicate: Callable[[Backend], bool] | None = None
        if filters is not None:
            user_filter = filters

            def predicate(record: Backend) -> bool:
                return bool(user_filter(device_of(record)))

        chosen = least_busy_backend_id(
            self._client,
            records,
            provider=provider,
            min_num_qubits=min_num_qubits,
            operational=operational,
            simulator=simulator,
            predicate=predicate,
        )
        if chosen is None:
            criteria = _criteria(provider, min_num_qubits, filters, operational, simulator)
            raise NoMatchingBackendError(
                f"No Braket device of the Hub matches the criteria ({criteria}); "
                "HubBraketProvider().devices() lists them all."
            )
        return device_of(next(record for record in records if record.id == chosen))

    def __repr__(self) -> str:
        return f"HubBraketProvider(base_url={self._client.base_url!r})"


def _criteria(
    provider: str | None,
    min_num_qubits: int | None,
    filters: Callable[[HubBraketDevice], bool] | None,
    operational: bool,
    simulator: bool | None,
) -> str:
    """The least-busy criteria in words, for the error when nothing matches."""
    parts = []
    if provider is not None:
        parts.append(f"provider {provider!r}")
    if min_num_qubits is not None:
        parts.append(f"at least {min_num_qubits} qubits")
    if simulator is not None:
        parts.append("simulators" if simulator else "QPUs only")
    if operational:
        parts.append("ONLINE")
    if filters is not None:
        parts.append("your filters")
    return ", ".join(parts) or "none"
