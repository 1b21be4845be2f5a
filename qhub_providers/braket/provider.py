"""``HubBraketProvider``: the Hub's backends that take Braket programs, as Braket devices."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from qhub_providers._connect import connect
from qhub_providers.api.errors import NotFoundError
from qhub_providers.braket.device import HubBraketDevice, takes_braket_programs

if TYPE_CHECKING:
    from qhub_providers.api import HubQuantumClient

__all__ = ["HubBraketProvider"]


def _wanted(values: Iterable[str] | str | None) -> set[str] | None:
    """A filter as a set of upper-cased values; None means no filter."""
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    return {value.upper() for value in values}


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
        *,
        ids: Iterable[str] | str | None = None,
        names: Iterable[str] | str | None = None,
        types: Iterable[str] | str | None = None,
        statuses: Iterable[str] | str | None = None,
        provider_names: Iterable[str] | str | None = None,
    ) -> list[HubBraketDevice]:
        """The Hub's Braket devices, ordered by id, optionally filtered like ``AwsDevice.get_devices``.

        Args:
            ids: Hub backend ids (``aws.sim.sv1`` ...).
            names: Device names (``SV1``, ``Forte-1`` ...).
            types: ``QPU`` and/or ``SIMULATOR``.
            statuses: ``ONLINE``, ``OFFLINE`` and/or ``RETIRED`` (asks the Hub for each device's status).
            provider_names: Hardware providers (``IONQ``, ``RIGETTI``, ``QUERA``, ``AWS`` ...).

        Filters compare without regard to case.
        """
        wanted_ids, wanted_names = _wanted(ids), _wanted(names)
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
            if wanted_ids is not None and device.id.upper() not in wanted_ids:
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
        return sorted(found, key=lambda device: device.id)

    def get_device(self, device_id: str) -> HubBraketDevice:
        """The device of a Hub backend id; ``ValueError`` when there is no such backend or it takes no
        Braket programs."""
        try:
            backend = self._client.backends.get_backend(device_id)
        except NotFoundError as missing:
            raise ValueError(
                f"The Hub has no backend {device_id!r}; HubBraketProvider().devices() lists the Braket ones."
            ) from missing
        return HubBraketDevice._from_backend(backend, self._client)

    def __repr__(self) -> str:
        return f"HubBraketProvider(base_url={self._client.base_url!r})"
