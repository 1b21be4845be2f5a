"""Least-busy selection from the Qiskit face, steered by the local Hub's admin controls."""

from __future__ import annotations

import time

import pytest
from qiskit.providers.exceptions import QiskitBackendNotFoundError

from qhub_providers.emulator import LocalHub
from qhub_providers.qiskit import HubBackend, HubQiskitProvider
from qhub_providers.qiskit.least_busy import qiskit_least_busy

from .conftest import RequestLog

IBM_BACKENDS = ("ibm.qpu.fez", "ibm.qpu.marrakesh", "ibm.qpu.kingston", "ibm.qpu.aachen")
ENDPOINT = "backends/least-busy"


def ibm_queues(hub: LocalHub, fez: int, marrakesh: int, kingston: int, aachen: int) -> None:
    for name, size in zip(IBM_BACKENDS, (fez, marrakesh, kingston, aachen), strict=True):
        hub.admin.set_backend(name, queue_size=size)


def test_ibm_takes_the_hubs_least_busy_endpoint(
    hub: LocalHub, qiskit_provider: HubQiskitProvider, log: RequestLog
) -> None:
    ibm_queues(hub, fez=7, marrakesh=5, kingston=9, aachen=1)
    log.clear()
    chosen = qiskit_least_busy(qiskit_provider, provider="IBM")
    assert isinstance(chosen, HubBackend)
    assert chosen.name == "ibm.qpu.aachen"
    assert log.count(ENDPOINT) == 1
    assert log.count("/status") == 0  # one request, no ranking

    hub.admin.set_backend("ibm.qpu.aachen", queue_size=20)
    assert qiskit_least_busy(qiskit_provider, provider="ibm").name == "ibm.qpu.marrakesh"


def test_ibm_skips_paused_and_offline_backends(hub: LocalHub, qiskit_provider: HubQiskitProvider) -> None:
    ibm_queues(hub, fez=7, marrakesh=1, kingston=9, aachen=0)
    hub.admin.set_backend("ibm.qpu.aachen", status="PAUSED")
    hub.admin.set_backend("ibm.qpu.marrakesh", status="OFFLINE")
    assert qiskit_least_busy(qiskit_provider, provider="IBM").name == "ibm.qpu.fez"


@pytest.mark.parametrize("fault", ["error", "drop_before"])
def test_ibm_ranks_itself_when_the_endpoint_fails(
    fault: str, hub: LocalHub, qiskit_provider: HubQiskitProvider, log: RequestLog
) -> None:
    ibm_queues(hub, fez=7, marrakesh=5, kingston=9, aachen=2)
    hub.admin.set_backend("ibm.qpu.aachen", status="PAUSED")
    log.clear()
    # The next request (the endpoint's) fails: a 5xx answer, or a connection cut before any answer.
    hub.set_faults(rate=0.9, kinds=[fault], max_faults=1, seed=0)
    chosen = qiskit_least_busy(qiskit_provider, provider="IBM")
    assert hub.faults is not None
    assert hub.faults.stats()["injected"][fault] == 1
    assert chosen.name == "ibm.qpu.marrakesh"
    assert log.paths[0].endswith(ENDPOINT)
    assert log.count("/status") == len(IBM_BACKENDS)


def test_a_filter_the_endpoint_cannot_express_falls_back_to_ranking(
    hub: LocalHub, qiskit_provider: HubQiskitProvider, log: RequestLog
) -> None:
    ibm_queues(hub, fez=7, marrakesh=5, kingston=9, aachen=1)
    log.clear()
    chosen = qiskit_least_busy(qiskit_provider, provider="IBM", filters=lambda b: b.name != "ibm.qpu.aachen")
    assert chosen.name == "ibm.qpu.marrakesh"
    assert log.count(ENDPOINT) == 1  # asked, answered aachen, which the filter excludes
    assert log.count("/status") == 3


def test_other_providers_are_ranked_without_the_endpoint(
    hub: LocalHub, qiskit_provider: HubQiskitProvider, log: RequestLog
) -> None:
    log.clear()
    assert qiskit_least_busy(qiskit_provider, provider="IQM").name == "iqm.qpu.garnet"
    hub.admin.set_backend("iqm.qpu.garnet", queue_size=10)
    assert qiskit_least_busy(qiskit_provider, provider="iqm").name == "iqm.qpu.emerald"
    assert log.count(ENDPOINT) == 0


def test_equal_queues_go_to_the_shorter_average_wait(
    hub: LocalHub, qiskit_provider: HubQiskitProvider
) -> None:
    for name, size, wait in (
        ("aws.ionq.forte", 2, 100),
        ("aws.ionq.forte.enterprise", 2, 480),
        ("aws.rigetti.cepheus", 2, 180),
    ):
        hub.admin.set_backend(name, queue_size=size, queue_avg_time=wait)
    assert qiskit_least_busy(qiskit_provider, provider="AWS").name == "aws.ionq.forte"
    hub.admin.set_backend("aws.ionq.forte", queue_avg_time=900)
    assert qiskit_least_busy(qiskit_provider, provider="AWS").name == "aws.rigetti.cepheus"


def test_paused_and_offline_backends_are_skipped_across_providers(
    hub: LocalHub, qiskit_provider: HubQiskitProvider
) -> None:
    # Among every QPU that takes circuits, the two shortest queues (2 each) are aqt.qpu.ibex and
    # aws.ionq.forte.enterprise; then ibm.qpu.marrakesh and aws.rigetti.cepheus (3 each), of which
    # marrakesh has the shorter average wait (135 s against 180 s).
    assert qiskit_least_busy(qiskit_provider).name == "aqt.qpu.ibex"
    hub.admin.set_backend("aqt.qpu.ibex", status="PAUSED")
    hub.admin.set_backend("aws.ionq.forte.enterprise", status="OFFLINE")
    assert qiskit_least_busy(qiskit_provider).name == "ibm.qpu.marrakesh"
    # Not asking for operational backends ranks the paused one again.
    assert qiskit_least_busy(qiskit_provider, operational=False).name == "aqt.qpu.ibex"


def test_simulator_and_qubit_criteria(hub: LocalHub, qiskit_provider: HubQiskitProvider) -> None:
    # Simulators of at least 30 qubits: aws.sim.sv1 (34) and kipu.sim.qsim (30), both idle: the id decides.
    assert qiskit_least_busy(qiskit_provider, simulator=True, min_num_qubits=30).name == "aws.sim.sv1"
    hub.admin.set_backend("aws.sim.sv1", queue_size=1)
    assert qiskit_least_busy(qiskit_provider, simulator=True, min_num_qubits=30).name == "kipu.sim.qsim"
    # With simulator=None a simulator can win over every QPU.
    assert qiskit_least_busy(qiskit_provider, simulator=None).name == "aqt.sim.ideal"
    # Only IBM's devices have 100 qubits or more (and take circuits).
    assert qiskit_least_busy(qiskit_provider, min_num_qubits=100).name == "ibm.qpu.marrakesh"


def test_nothing_matching_raises_qiskits_error(hub: LocalHub, qiskit_provider: HubQiskitProvider) -> None:
    with pytest.raises(QiskitBackendNotFoundError) as too_wide:
        qiskit_least_busy(qiskit_provider, min_num_qubits=10_000)
    assert too_wide.value.message == "No backend matches the criteria."  # IBM Runtime's words
    for name in IBM_BACKENDS:
        hub.admin.set_backend(name, status="PAUSED")
    # The endpoint answers 404 (no online IBM backend); ranking finds none either.
    with pytest.raises(QiskitBackendNotFoundError) as all_paused:
        qiskit_least_busy(qiskit_provider, provider="IBM")
    assert all_paused.value.message == "No backend matches the criteria."


def test_statuses_are_fetched_concurrently(hub: LocalHub, qiskit_provider: HubQiskitProvider) -> None:
    seconds = 0.5
    hub.set_faults(rate=0.9, kinds=["slow"], slow_seconds=seconds, max_faults=1000, seed=0)
    started = time.monotonic()
    qiskit_least_busy(qiskit_provider, simulator=None)
    elapsed = time.monotonic() - started
    assert hub.faults is not None
    slowed = hub.faults.stats()["injected"]["slow"]
    assert slowed >= 8
    # One after the other, the slowed requests alone would take slowed * 0.5 s.
    assert elapsed < slowed * seconds / 3, (elapsed, slowed)
