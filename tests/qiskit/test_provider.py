"""``HubQiskitProvider``: the backend list comes from the Hub (gate-based ones only), filters work as in
other Qiskit providers, unknown or unusable backends give clear errors, metadata is fetched once, jobs are
listed lazily, and importing the Qiskit face never imports Braket."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from itertools import islice

import pytest
from qiskit import QuantumCircuit
from qiskit.providers.exceptions import QiskitBackendNotFoundError

from qhub_providers.api import HubQuantumClient
from qhub_providers.api.models import Backend
from qhub_providers.emulator import LocalHub
from qhub_providers.qiskit import HubBackend, HubJob, HubQiskitProvider

from .support import NOT_GATE_BASED, RequestLog

OFFLINE = "iqm.qpu.emerald"


@pytest.fixture(scope="module")
def records(client: HubQuantumClient) -> dict[str, Backend]:
    """Every backend the Hub lists, by id (what the provider's answers are checked against)."""
    return {str(record.id): record for record in client.backends.get_backends()}


@pytest.fixture(scope="module")
def gate_based(records: dict[str, Backend]) -> set[str]:
    """Ids of the Hub's backends that take circuits: any input format but analog or photonic programs."""
    out = set()
    for backend_id, record in records.items():
        formats = (
            {str(f) for f in (record.configuration.supported_input_formats or [])}
            if record.configuration
            else set()
        )
        if formats - NOT_GATE_BASED:
            out.add(backend_id)
    return out


def names(backends: list[HubBackend]) -> set[str]:
    return {backend.name for backend in backends}


def test_backends_are_exactly_the_hubs_gate_based_ones(
    provider: HubQiskitProvider, records: dict[str, Backend], gate_based: set[str]
) -> None:
    listed = provider.backends()
    assert names(listed) == gate_based
    assert len(listed) == len(gate_based)  # no duplicates
    assert "aws.quera.aquila" in records
    assert "quandela.qpu.belenos" in records
    assert not {"aws.quera.aquila", "quandela.qpu.belenos"} & names(listed)
    assert all(isinstance(backend, HubBackend) for backend in listed)


def test_filter_by_name_and_provider(provider: HubQiskitProvider, records: dict[str, Backend]) -> None:
    assert names(provider.backends(name="aws.sim.sv1")) == {"aws.sim.sv1"}
    assert provider.backends(name="no.such.backend") == []
    ibm = {i for i, r in records.items() if str(r.provider) == "IBM"}
    assert ibm
    assert names(provider.backends(provider="IBM")) == ibm
    assert names(provider.backends(provider="ibm")) == ibm  # case does not matter
    assert all(b.name.startswith("aqt.") for b in provider.backends(provider="AQT"))


def test_filter_simulators_and_qpus(
    provider: HubQiskitProvider, records: dict[str, Backend], gate_based: set[str]
) -> None:
    simulators = {i for i in gate_based if str(records[i].type) == "SIMULATOR"}
    assert {"aws.sim.sv1", "kipu.sim.qsim", "azure.ionq.simulator"} <= simulators
    assert names(provider.backends(simulator=True)) == simulators
    assert names(provider.backends(simulator=False)) == gate_based - simulators
    aws_qpus = names(provider.backends(provider="AWS", simulator=False))
    assert aws_qpus == {i for i in gate_based - simulators if i.startswith("aws.")}


def test_filter_by_minimum_qubits(
    provider: HubQiskitProvider, records: dict[str, Backend], gate_based: set[str]
) -> None:
    def qubits(backend_id: str) -> int:
        configuration = records[backend_id].configuration
        assert configuration is not None
        return int(configuration.qubit_count or 0)

    big = provider.backends(min_num_qubits=100)
    assert names(big) == {i for i in gate_based if qubits(i) >= 100}
    assert big
    assert all(backend.num_qubits >= 100 for backend in big)
    assert names(provider.backends(min_num_qubits=1)) == gate_based


def test_filter_by_operational(hub: LocalHub, provider: HubQiskitProvider, gate_based: set[str]) -> None:
    hub.admin.set_backend(OFFLINE, status="OFFLINE")
    try:
        assert names(provider.backends(operational=False)) == {OFFLINE}
        assert names(provider.backends(operational=True)) == gate_based - {OFFLINE}
        status = provider.get_backend(OFFLINE).status()
        assert (status.operational, status.status_msg) == (False, "offline")
    finally:
        hub.admin.set_backend(OFFLINE, status="ONLINE")
    status = provider.get_backend(OFFLINE).status()
    assert (status.operational, status.status_msg, status.backend_name) == (True, "active", OFFLINE)
    assert status.pending_jobs >= 0


def test_filter_with_a_predicate(provider: HubQiskitProvider, gate_based: set[str]) -> None:
    chosen = provider.backends(filters=lambda b: b.name.endswith(".simulator") or b.max_circuits >= 300)
    assert names(chosen) == {"azure.ionq.simulator"} | {i for i in gate_based if i.startswith("ibm.")}
    assert provider.backends(filters=lambda b: False) == []


def test_an_unknown_filter_is_a_type_error(provider: HubQiskitProvider) -> None:
    with pytest.raises(TypeError, match="n_qubits"):
        provider.backends(n_qubits=5)


def test_get_backend_by_hub_id(provider: HubQiskitProvider) -> None:
    backend = provider.get_backend("aws.sim.sv1")
    assert backend.name == "aws.sim.sv1"
    assert backend.provider is provider
    assert provider.backend("aws.sim.sv1") is backend  # IBM's spelling, same object


def test_unknown_backend_is_not_found(provider: HubQiskitProvider) -> None:
    with pytest.raises(QiskitBackendNotFoundError, match=r"no backend 'ibm\.qpu\.nowhere'"):
        provider.get_backend("ibm.qpu.nowhere")
    with pytest.raises(QiskitBackendNotFoundError):
        provider.backend("ibm.qpu.nowhere")


@pytest.mark.parametrize(
    ("backend_id", "input_format"),
    [("aws.quera.aquila", "BRAKET_AHS_PROGRAM"), ("quandela.qpu.belenos", "PERCEVAL")],
)
def test_a_backend_that_takes_no_circuits_says_so(
    provider: HubQiskitProvider, backend_id: str, input_format: str
) -> None:
    with pytest.raises(QiskitBackendNotFoundError) as caught:
        provider.get_backend(backend_id)
    message = str(caught.value)
    assert backend_id in message
    assert input_format in message
    assert "JobInputFormat" not in message  # the format's name, not a Python repr
    assert "not Qiskit circuits" in message
    if input_format.startswith("BRAKET_"):
        assert "HubBraketProvider" in message  # where to go instead


def test_metadata_is_fetched_once_and_refresh_drops_it(
    observed: tuple[HubQiskitProvider, RequestLog],
) -> None:
    provider, log = observed
    backend = provider.get_backend("iqm.qpu.garnet")
    assert log.count("GET", "/backends") == 1  # one listing for the whole catalog
    target = backend.target
    assert backend.target is target
    assert backend.num_qubits == target.num_qubits
    assert log.count("GET", "/backends/iqm.qpu.garnet/config") == 1
    assert log.count("GET", "/backends/iqm.qpu.garnet/calibration") == 1
    assert provider.get_backend("iqm.qpu.garnet") is backend
    provider.backends()
    assert log.count("GET", "/backends") == 1

    backend.refresh()
    refreshed = backend.target
    assert refreshed is not target
    assert log.count("GET", "/backends/iqm.qpu.garnet/config") == 2

    provider.refresh()
    again = provider.get_backend("iqm.qpu.garnet")
    assert again is not backend
    assert log.count("GET", "/backends") == 2


def bell() -> QuantumCircuit:
    circuit = QuantumCircuit(2, 2, name="bell")
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure([0, 1], [0, 1])
    return circuit


def test_jobs_are_listed_lazily_newest_first(observed: tuple[HubQiskitProvider, RequestLog]) -> None:
    provider, log = observed
    submitted = []
    for backend_id in (
        "kipu.sim.qsim",
        "qudora.sim.xg1",
        "kipu.sim.qsim",
        "azure.ionq.simulator",
        "kipu.sim.qsim",
    ):
        submitted.append(provider.get_backend(backend_id).run(bell(), shots=10).job_id())
    log.clear()
    listing = provider.jobs(page_size=2)
    assert isinstance(listing, Iterator)
    assert log.requests == []  # nothing is fetched before the first job is asked for
    first = next(listing)
    assert log.count("GET", "/jobs") == 1
    assert first.job_id() == submitted[-1]
    rest = list(listing)
    assert [job.job_id() for job in [first, *rest]] == submitted[::-1]
    assert 3 <= log.count("GET", "/jobs") <= 4  # five jobs in pages of two
    assert all(isinstance(job, HubJob) for job in rest)
    assert {job.backend().name for job in rest} == {"kipu.sim.qsim", "qudora.sim.xg1", "azure.ionq.simulator"}
    assert sum(first.result(timeout=60).get_counts().values()) == 10
    assert [job.job_id() for job in islice(provider.jobs(page_size=50), 2)] == submitted[:-3:-1]


def test_importing_the_qiskit_face_imports_no_braket() -> None:
    code = (
        # every public name, so the modules they load on first use are checked too
        "import sys\nfrom qhub_providers.qiskit import *\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0].startswith('braket'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == ""


def test_importing_the_provider_defers_the_rest_of_the_face() -> None:
    # The backend, job, target, format, primitive and progress modules load when a backend is built or a
    # job runs; importing the provider alone must not pay for them (benchmarks/bench_import.py has figures).
    code = (
        "import sys\nfrom qhub_providers.qiskit import HubQiskitProvider\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith('qhub_providers'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    loaded = set(done.stdout.strip().split(","))
    deferred = {
        "qhub_providers.qiskit.backend",
        "qhub_providers.qiskit.job",
        "qhub_providers.qiskit.primitives",
        "qhub_providers.qiskit.target",
        "qhub_providers.formats",
        "qhub_providers.sessions",
        "qhub_providers.progress",
    }
    assert "qhub_providers.qiskit.provider" in loaded
    assert not loaded & deferred, sorted(loaded & deferred)
