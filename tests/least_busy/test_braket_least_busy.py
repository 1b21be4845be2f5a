"""``HubBraketProvider.least_busy``, steered by the local Hub's admin controls.

The Braket devices of the catalog: the simulators aws.sim.sv1 (34 qubits) and aws.sim.dm1 (17), idle; the
QPUs aws.ionq.forte.enterprise (queue 2), aws.rigetti.cepheus (3), aws.quera.aquila (4, analog) and
aws.ionq.forte (6).
"""

from __future__ import annotations

import pytest

from qhub_providers.braket import HubBraketDevice, HubBraketProvider
from qhub_providers.emulator import LocalHub
from qhub_providers.least_busy import NoMatchingBackendError

from .conftest import RequestLog


def test_the_shortest_queue_wins_and_follows_the_admin_controls(
    hub: LocalHub, braket_provider: HubBraketProvider, log: RequestLog
) -> None:
    chosen = braket_provider.least_busy()
    assert isinstance(chosen, HubBraketDevice)
    assert chosen.id == "aws.ionq.forte.enterprise"
    hub.admin.set_backend("aws.ionq.forte.enterprise", queue_size=5)
    assert braket_provider.least_busy().id == "aws.rigetti.cepheus"
    assert log.count("backends/least-busy") == 0  # the Hub's endpoint is for IBM only


def test_paused_and_offline_devices_are_skipped(hub: LocalHub, braket_provider: HubBraketProvider) -> None:
    hub.admin.set_backend("aws.ionq.forte.enterprise", status="PAUSED")
    hub.admin.set_backend("aws.rigetti.cepheus", status="OFFLINE")
    assert braket_provider.least_busy().id == "aws.quera.aquila"
    assert braket_provider.least_busy(operational=False).id == "aws.ionq.forte.enterprise"


def test_provider_names_hub_or_hardware_provider(hub: LocalHub, braket_provider: HubBraketProvider) -> None:
    assert braket_provider.least_busy(provider="ionq").id == "aws.ionq.forte.enterprise"
    hub.admin.set_backend("aws.ionq.forte.enterprise", status="PAUSED")
    assert braket_provider.least_busy(provider="IONQ").id == "aws.ionq.forte"
    assert braket_provider.least_busy(provider="AWS").id == "aws.rigetti.cepheus"


def test_filters_see_devices_and_qubits_and_simulators_narrow_the_choice(
    braket_provider: HubBraketProvider,
) -> None:
    analog = braket_provider.least_busy(filters=lambda device: "BRAKET_AHS_PROGRAM" in device.input_formats)
    assert analog.id == "aws.quera.aquila"
    # Both simulators are idle: the id decides; only SV1 has 20 qubits or more.
    assert braket_provider.least_busy(simulator=True).id == "aws.sim.dm1"
    assert braket_provider.least_busy(simulator=True, min_num_qubits=20).id == "aws.sim.sv1"


def test_nothing_matching_is_a_clear_error(hub: LocalHub, braket_provider: HubBraketProvider) -> None:
    with pytest.raises(NoMatchingBackendError, match="provider 'IBM'"):
        braket_provider.least_busy(provider="IBM")
    for device_id in ("aws.sim.sv1", "aws.sim.dm1"):
        hub.admin.set_backend(device_id, status="OFFLINE")
    with pytest.raises(ValueError, match="ONLINE"):
        braket_provider.least_busy(simulator=True)
