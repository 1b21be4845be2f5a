"""Primitive jobs found again by id, as ``QiskitRuntimeService.job(job_id).result()`` finds them: on every
kind of backend the primitive job's id is a Hub job's, and ``provider.job(job_id)`` in a fresh provider
gives back the same ``PrimitiveResult``."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.exceptions import QiskitError
from qiskit.quantum_info import SparsePauliOp

from qhub_providers.api import HubQuantumClient
from qhub_providers.qiskit import (
    EstimatorV2,
    HubJob,
    HubJobError,
    HubPrimitiveJob,
    HubQiskitProvider,
    SamplerV2,
)

from .support import IBM, SEED, THETA, entangler, fit

BACKENDS = (IBM, "aws.sim.sv1", "aqt.sim.ideal")
"""Native (IBM), delegated, and delegated with its shots split over several jobs."""


def _fresh(client: HubQuantumClient) -> HubQiskitProvider:
    """A provider that never saw the submission (as in another process)."""
    return HubQiskitProvider(client=client)


@pytest.mark.parametrize("backend_id", BACKENDS)
def test_sampler_run_comes_back_by_id(
    provider: HubQiskitProvider, client: HubQuantumClient, backend_id: str
) -> None:
    backend = provider.get_backend(backend_id)
    sweep = np.array([[0.0, 0.0], [np.pi, 0.0], [np.pi / 2, 0.3]])
    job = SamplerV2(mode=backend, options={"seed_simulator": SEED}).run(
        [(fit(entangler(), backend), sweep)], shots=3000
    )
    first = job.result(timeout=180)
    assert client.jobs.get_job(job.job_id()).id == job.job_id()  # the Hub knows the id
    again = _fresh(client).job(job.job_id())
    assert isinstance(again, HubPrimitiveJob)
    assert again.program == "sampler"
    assert again.status() == "DONE"
    second = again.result(timeout=180)
    assert second[0].data.c.shape == first[0].data.c.shape == (3,)
    for index in np.ndindex(3):
        assert second[0].data.c[index].get_counts() == first[0].data.c[index].get_counts()


@pytest.mark.parametrize("backend_id", BACKENDS)
def test_estimator_run_comes_back_by_id(
    provider: HubQiskitProvider, client: HubQuantumClient, backend_id: str
) -> None:
    backend = provider.get_backend(backend_id)
    isa = fit(entangler(measure=False), backend)
    observables = [SparsePauliOp(label).apply_layout(isa.layout) for label in ("ZZ", "XX", "ZI")]
    job = EstimatorV2(mode=backend, options={"seed_simulator": SEED}).run(
        [(isa, observables, [np.pi / 3, 0.2])]
    )
    first = job.result(timeout=180)
    again = _fresh(client).job(job.job_id())
    assert isinstance(again, HubPrimitiveJob)
    assert again.program == "estimator"
    second = again.result(timeout=180)
    np.testing.assert_allclose(second[0].data.evs, first[0].data.evs)
    np.testing.assert_allclose(second[0].data.stds, first[0].data.stds)


def test_any_hub_job_of_a_split_run_finds_the_whole_run(
    provider: HubQiskitProvider, client: HubQuantumClient
) -> None:
    backend = provider.get_backend("aqt.sim.ideal")  # 4500 shots: three jobs
    circuit = QuantumCircuit(1, 1)
    circuit.x(0)
    circuit.measure(0, 0)
    job = SamplerV2(mode=backend).run([fit(circuit, backend)], shots=4500)
    job.result(timeout=180)
    last = job.hub_jobs()[-1].job_id()
    again = _fresh(client).job(last)
    assert again.result(timeout=180)[0].data.c.get_counts() == {"1": 4500}


def test_backend_run_jobs_still_come_back_as_hub_jobs(
    provider: HubQiskitProvider, client: HubQuantumClient
) -> None:
    backend = provider.get_backend("kipu.sim.qsim")
    circuit = entangler().assign_parameters({THETA: 0.0, **dict.fromkeys(entangler().parameters, 0.0)})
    job = backend.run(fit(circuit, backend), shots=20)
    job.result(timeout=120)
    again = _fresh(client).job(job.job_id())
    assert isinstance(again, HubJob)
    assert again.result(timeout=120).get_counts() == {"00": 20}


def test_an_estimator_job_read_as_counts_says_so(
    provider: HubQiskitProvider, client: HubQuantumClient
) -> None:
    backend = provider.get_backend(IBM)
    isa = fit(entangler(measure=False), backend)
    job = EstimatorV2(mode=backend).run([(isa, SparsePauliOp("ZZ").apply_layout(isa.layout), [0.0, 0.0])])
    job.result(timeout=120)
    with pytest.raises(HubJobError, match="estimator job") as caught:
        _fresh(client).retrieve_job(job.job_id()).result(timeout=120)
    assert isinstance(caught.value, QiskitError)
