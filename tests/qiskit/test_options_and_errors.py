"""Backend options: defaults within the backend's shot range, validators, run-time overrides, loud warnings
for options the backend does not know, ``memory``, ``seed_simulator`` and the Hub job's tags and name."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from qiskit import QuantumCircuit

from qhub_providers.api import HubQuantumClient
from qhub_providers.api.resources.jobs import CLIENT_TOKEN_PREFIX
from qhub_providers.emulator import LocalHub
from qhub_providers.qiskit import HubBackend, HubQiskitProvider

from .support import FAMILIES, fit, job_count

SIMULATORS = tuple(i for i in FAMILIES if ".sim." in i or i.endswith(".simulator"))


def uniform(width: int = 4) -> QuantumCircuit:
    """Every outcome equally likely: two runs agree shot by shot only if they were seeded alike."""
    circuit = QuantumCircuit(width, width, name="uniform")
    circuit.h(range(width))
    circuit.measure(range(width), range(width))
    return circuit


def shot_range(backend: HubBackend) -> tuple[int, int]:
    configuration = backend.record.configuration
    assert configuration is not None
    assert configuration.shots_range is not None
    return int(configuration.shots_range.min or 1), int(configuration.shots_range.max or 0)


def test_defaults_lie_within_the_backends_shot_range(backend: HubBackend) -> None:
    low, high = shot_range(backend)
    options = backend.options
    assert low <= options.shots <= high
    assert options.memory is False
    assert options.seed_simulator is None


def test_set_options_validates_shots(provider: HubQiskitProvider) -> None:
    backend = HubBackend(provider, provider.get_backend("aqt.sim.ideal").record, provider.client)
    low, high = shot_range(backend)
    assert (low, high) == (1, 2000)
    with pytest.raises(ValueError, match="shots"):
        backend.set_options(shots=high + 1)
    with pytest.raises(ValueError, match="shots"):
        backend.set_options(shots=0)
    backend.set_options(shots=high)
    assert backend.options.shots == high
    with pytest.raises(AttributeError):
        backend.set_options(shot=5)  # a misspelt option is refused by name, as everywhere in Qiskit


def test_set_options_are_what_run_sends(provider: HubQiskitProvider, client: HubQuantumClient) -> None:
    backend = HubBackend(provider, provider.get_backend("kipu.sim.qsim").record, provider.client)
    backend.set_options(shots=321, memory=True)
    job = backend.run(fit(uniform(), backend))
    assert client.jobs.get_job(job.job_id()).shots == 321
    assert len(job.result(timeout=60).get_memory()) == 321


@pytest.mark.parametrize("shots", [0, -5, 100_001, 2.5, "100", True])
def test_run_refuses_shots_out_of_range_before_any_job(
    provider: HubQiskitProvider, hub: LocalHub, shots: object
) -> None:
    backend = provider.get_backend("kipu.sim.qsim")  # 1 to 100000 shots
    before = job_count(hub)
    with pytest.raises(ValueError, match=r"shots must be an integer between 1 and 100000 on kipu\.sim\.qsim"):
        backend.run(fit(uniform(), backend), shots=shots)
    assert job_count(hub) == before


def test_run_takes_numpy_integers_and_none_means_the_default(
    provider: HubQiskitProvider, client: HubQuantumClient
) -> None:
    backend = provider.get_backend("kipu.sim.qsim")
    job = backend.run(fit(uniform(), backend), shots=np.int64(77))
    assert client.jobs.get_job(job.job_id()).shots == 77
    job = backend.run(fit(uniform(), backend), shots=None)
    assert client.jobs.get_job(job.job_id()).shots == backend.options.shots


def test_an_unknown_run_option_warns_and_is_not_sent(
    provider: HubQiskitProvider, client: HubQuantumClient
) -> None:
    backend = provider.get_backend("qudora.sim.xg1")
    with pytest.warns(UserWarning, match=r"ignores unknown run options \['optimisation_level'\]"):
        job = backend.run(fit(uniform(), backend), shots=20, optimisation_level=3)
    record = client.jobs.get_job(job.job_id())
    assert "optimisation_level" not in (record.input_params or {})
    assert sum(job.result(timeout=60).get_counts().values()) == 20


def test_known_options_never_warn(backend: HubBackend) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        job = backend.run(fit(uniform(2), backend), shots=20, memory=True, seed_simulator=3)
    assert len(job.result(timeout=120).get_memory()) == 20


def test_memory_gives_one_entry_per_shot(provider: HubQiskitProvider) -> None:
    backend = provider.get_backend("azure.ionq.simulator")  # returns probabilities: memory is sampled
    result = backend.run(fit(uniform(3), backend), shots=200, memory=True, seed_simulator=5).result(
        timeout=60
    )
    memory = result.get_memory()
    assert len(memory) == 200
    assert all(len(shot) == 3 for shot in memory)
    assert len(set(memory)) == 8


@pytest.mark.parametrize("backend_id", SIMULATORS)
def test_seed_simulator_makes_runs_reproducible(provider: HubQiskitProvider, backend_id: str) -> None:
    backend = provider.get_backend(backend_id)
    isa = fit(uniform(), backend)

    def memory(seed: int) -> list[str]:
        result = backend.run(isa, shots=64, memory=True, seed_simulator=seed).result(timeout=120)
        return list(result.get_memory())

    first = memory(11)
    assert memory(11) == first
    assert memory(12) != first  # 64 shots of 16 equally likely outcomes never repeat by chance


@pytest.mark.parametrize("backend_id", ["aqt.qpu.ibex"])
def test_consecutive_seeds_give_unrelated_shots_on_noisy_backends(
    provider: HubQiskitProvider, backend_id: str
) -> None:
    """Simulators that seed shot i with seed + i make seeds 42, 43 and 44 repeat each other's shots but
    for one, so a sweep run with consecutive seeds would get near-identical histograms. A non-Clifford
    circuit, so the simulation samples a state rather than stabilizer frames."""
    backend = provider.get_backend(backend_id)
    circuit = QuantumCircuit(4)
    circuit.h(range(4))
    circuit.rz(0.3, 0)
    circuit.measure_all()
    isa = fit(circuit, backend)
    runs = [
        backend.run(isa, shots=200, seed_simulator=seed).result(timeout=120).get_counts()
        for seed in (42, 43, 44)
    ]
    for first, second in ((runs[0], runs[1]), (runs[1], runs[2])):
        # Two independent 200-shot histograms of 16 near-equally likely outcomes differ by about 60 shots
        # in L1; the shifted-seed ones differed by 2.
        distance = sum(abs(first.get(key, 0) - second.get(key, 0)) for key in set(first) | set(second))
        assert distance > 20, (first, second)


def test_tags_and_job_name_reach_the_hub(provider: HubQiskitProvider, client: HubQuantumClient) -> None:
    backend = provider.get_backend("kipu.sim.qsim")
    job = backend.run(fit(uniform(2), backend), shots=10, tags=["sweep", "run-7"], job_name="sweep point 7")
    record = client.jobs.get_job(job.job_id())
    assert record.name == "sweep point 7"
    assert [t for t in record.tags or [] if not t.startswith(CLIENT_TOKEN_PREFIX)] == ["sweep", "run-7"]
    assert job.tags == ["sweep", "run-7"]  # the REST client's retry token is not the user's business
    assert "tags" not in (record.input_params or {})
    assert str(record.sdk_provider) == "QISKIT"


def test_a_circuit_that_does_not_fit_is_a_qiskit_error(provider: HubQiskitProvider) -> None:
    from qiskit.exceptions import QiskitError

    from qhub_providers.qiskit import CircuitNotSupportedError

    backend = provider.get_backend("aqt.sim.ideal")
    circuit = QuantumCircuit(2)
    circuit.cx(0, 1)  # not an AQT gate
    with pytest.raises(QiskitError, match="transpile") as caught:
        backend.run(circuit)
    assert isinstance(caught.value, CircuitNotSupportedError)
    assert isinstance(caught.value, ValueError)
