"""The provider and its devices: a data-driven list, Braket capabilities, status, topology, queue."""

from __future__ import annotations

from datetime import UTC, datetime, time

import networkx as nx
import pytest
from braket.device_schema import DeviceCapabilities, DeviceExecutionWindow, ExecutionDay
from braket.device_schema.ionq import IonqDeviceCapabilities
from braket.device_schema.quera import QueraDeviceCapabilities
from braket.device_schema.rigetti.rigetti_device_capabilities_v2 import RigettiDeviceCapabilities
from braket.device_schema.simulators import GateModelSimulatorDeviceCapabilities
from braket.devices import Device

from qhub_providers.api import HubQuantumClient
from qhub_providers.braket import HubBraketDevice, HubBraketProvider
from qhub_providers.braket.windows import in_execution_window
from qhub_providers.emulator import LocalHub

BRAKET_FORMATS = {"BRAKET_OPEN_QASM_V3", "BRAKET_AHS_PROGRAM"}


def test_devices_are_every_hub_backend_taking_braket_programs(
    provider: HubBraketProvider, client: HubQuantumClient
) -> None:
    expected = sorted(
        str(backend.id)
        for backend in client.backends.get_backends()
        if BRAKET_FORMATS & {str(f) for f in backend.configuration.supported_input_formats or []}
    )
    devices = provider.devices()
    assert [device.id for device in devices] == expected
    assert {"aws.sim.sv1", "aws.sim.dm1", "aws.ionq.forte", "aws.rigetti.cepheus", "aws.quera.aquila"} <= set(
        expected
    )
    assert all(isinstance(device, Device) for device in devices)


def test_device_filters_work_like_get_devices(provider: HubBraketProvider) -> None:
    assert [d.id for d in provider.devices(types="SIMULATOR")] == ["aws.sim.dm1", "aws.sim.sv1"]
    assert {d.id for d in provider.devices(provider_names=["ionq"])} == {
        "aws.ionq.forte",
        "aws.ionq.forte.enterprise",
    }
    assert [d.id for d in provider.devices(names="SV1")] == ["aws.sim.sv1"]
    assert [d.id for d in provider.devices(ids=["aws.quera.aquila"], statuses="ONLINE")] == [
        "aws.quera.aquila"
    ]
    assert provider.devices(statuses="RETIRED") == []


def test_get_device_refuses_backends_without_braket_programs(provider: HubBraketProvider) -> None:
    with pytest.raises(ValueError, match="QISKIT_QPY"):
        provider.get_device("ibm.qpu.fez")
    with pytest.raises(ValueError, match=r"no backend 'aws\.sim\.nowhere'"):
        provider.get_device("aws.sim.nowhere")


def test_a_device_can_be_built_from_its_id_like_aws_device(hub: LocalHub) -> None:
    device = HubBraketDevice("aws.ionq.forte", access_token=hub.token, base_url=hub.base_url)
    assert (device.id, device.name, device.type, device.provider_name) == (
        "aws.ionq.forte",
        "Forte-1",
        "QPU",
        "IONQ",
    )
    assert device.arn.startswith("arn:aws:braket")


@pytest.mark.parametrize(
    ("device_id", "capabilities"),
    [
        ("aws.sim.sv1", GateModelSimulatorDeviceCapabilities),
        ("aws.ionq.forte", IonqDeviceCapabilities),
        ("aws.rigetti.cepheus", RigettiDeviceCapabilities),
        ("aws.quera.aquila", QueraDeviceCapabilities),
    ],
)
def test_properties_are_braket_capabilities(
    provider: HubBraketProvider, device_id: str, capabilities: type[DeviceCapabilities]
) -> None:
    device = provider.get_device(device_id)
    properties = device.properties
    assert isinstance(properties, capabilities)
    assert device.properties is properties  # cached
    device.refresh_metadata()
    assert device.properties is not properties
    assert device.properties.service.shotsRange == properties.service.shotsRange


def test_topology_graph_follows_the_hub_configuration(provider: HubBraketProvider) -> None:
    cepheus = provider.get_device("aws.rigetti.cepheus")
    graph = cepheus.topology_graph
    connectivity = cepheus.properties.paradigm.connectivity.connectivityGraph
    assert isinstance(graph, nx.DiGraph)
    assert set(graph.edges) == {(int(q), int(n)) for q, ns in connectivity.items() for n in ns}
    forte = provider.get_device("aws.ionq.forte").topology_graph
    assert forte.number_of_nodes() == 36
    assert forte.number_of_edges() == 36 * 35
    assert provider.get_device("aws.sim.sv1").topology_graph is None
    assert provider.get_device("aws.quera.aquila").topology_graph is None


def test_status_and_availability_follow_the_hub(
    admin_hub: LocalHub, admin_provider: HubBraketProvider
) -> None:
    device = admin_provider.get_device("aws.sim.sv1")  # its execution window is the whole day
    assert device.status == "ONLINE"
    assert device.is_available
    try:
        for hub_status, braket_status in [
            ("PAUSED", "OFFLINE"),
            ("OFFLINE", "OFFLINE"),
            ("RETIRED", "RETIRED"),
        ]:
            admin_hub.admin.set_backend("aws.sim.sv1", status=hub_status)
            assert device.status == braket_status
            assert not device.is_available
    finally:
        admin_hub.admin.set_backend("aws.sim.sv1", status="ONLINE")


def test_queue_depth_reports_the_hub_queue(admin_hub: LocalHub, admin_provider: HubBraketProvider) -> None:
    from braket.aws.queue_information import QueueDepthInfo, QueueType

    device = admin_provider.get_device("aws.ionq.forte.enterprise")
    try:
        admin_hub.admin.set_backend("aws.ionq.forte.enterprise", queue_size=7)
        depth = device.queue_depth()
        assert isinstance(depth, QueueDepthInfo)
        assert depth.quantum_tasks[QueueType.NORMAL] == "7"
    finally:
        admin_hub.admin.set_backend("aws.ionq.forte.enterprise", queue_size=0)


def _window(day: ExecutionDay, start: str, end: str) -> DeviceExecutionWindow:
    return DeviceExecutionWindow(
        executionDay=day, windowStartHour=time.fromisoformat(start), windowEndHour=time.fromisoformat(end)
    )


def test_execution_windows_cover_whole_minutes_and_midnight() -> None:
    whole_day = [_window(ExecutionDay.EVERYDAY, "00:00", "23:59")]
    assert in_execution_window(whole_day, datetime(2026, 5, 4, 23, 59, 45, tzinfo=UTC))
    overnight = [_window(ExecutionDay.MONDAY, "15:00", "03:00")]  # Rigetti-style, across midnight
    monday_evening = datetime(2026, 5, 4, 16, 0, tzinfo=UTC)  # 2026-05-04 is a Monday
    assert in_execution_window(overnight, monday_evening)
    assert in_execution_window(overnight, datetime(2026, 5, 5, 2, 30, tzinfo=UTC))  # Tuesday morning
    assert not in_execution_window(overnight, datetime(2026, 5, 4, 2, 30, tzinfo=UTC))  # Monday morning
    assert not in_execution_window(overnight, datetime(2026, 5, 4, 12, 0, tzinfo=UTC))
    weekdays = [_window(ExecutionDay.WEEKDAYS, "09:00", "17:00")]
    assert not in_execution_window(weekdays, datetime(2026, 5, 9, 10, 0, tzinfo=UTC))  # Saturday
