"""``EstimatorV2`` on IBM (native estimator jobs) and non-IBM backends, against Qiskit's exact estimator."""

from __future__ import annotations

import math

import numpy as np
from qiskit import QuantumCircuit
from qiskit.primitives import PrimitiveResult, PubResult, StatevectorEstimator
from qiskit.quantum_info import SparsePauliOp

from qhub_providers.api import HubQuantumClient
from qhub_providers.qiskit import HubBackend, HubQiskitProvider
from qhub_providers.qiskit.primitives import EstimatorOptions, EstimatorV2
from qhub_providers.sessions import Batch

from .support import IBM, SEED, entangler, fit, tolerance

LABELS = ("ZZ", "IZ", "XX", "YI")


def observables_on(backend: HubBackend, isa: object) -> list[list[SparsePauliOp]]:
    """The observables as a (4, 1) column laid out on the backend's qubits, so they broadcast
    against a sweep of shape (1, 3) to a (4, 3) result."""
    layout = getattr(isa, "layout", None)
    return [[SparsePauliOp(label).apply_layout(layout)] for label in LABELS]


def test_expectation_values_agree_with_the_statevector_estimator(backend: HubBackend) -> None:
    values = np.array([[[0.0, 0.0], [1.1, 0.3], [np.pi, 0.0]]])  # shape (1, 3) of (theta, phi)
    circuit = entangler(measure=False)
    isa = fit(circuit, backend)
    precision = 0.02
    estimator = EstimatorV2(mode=backend, options={"seed_simulator": SEED})
    result = estimator.run([(isa, observables_on(backend, isa), values)], precision=precision).result(
        timeout=120
    )
    reference = (
        StatevectorEstimator()
        .run([(circuit, [[SparsePauliOp(label)] for label in LABELS], values)])
        .result()[0]
        .data.evs
    )

    assert isinstance(result, PrimitiveResult)
    pub = result[0]
    assert isinstance(pub, PubResult)
    assert pub.data.evs.shape == pub.data.stds.shape == (4, 3)
    assert pub.metadata["target_precision"] == precision
    bound = tolerance(backend, simulator=5 * precision, noisy=0.25)
    assert np.abs(pub.data.evs - reference).max() < bound, (pub.data.evs, reference)
    assert np.all(pub.data.stds >= 0)
    assert np.all(pub.data.stds <= 2 * precision)


def test_several_pubs_each_with_its_precision_and_shape(backend: HubBackend) -> None:
    isa = fit(entangler(measure=False), backend)
    layout = isa.layout
    zz = SparsePauliOp("ZZ").apply_layout(layout)
    xx_yy = SparsePauliOp(["XX", "YY"], coeffs=[0.5, -0.5]).apply_layout(layout)
    sweep = np.array([[0.0, 0.0], [np.pi / 2, 0.0], [np.pi, 0.0], [np.pi / 2, np.pi / 2]])
    estimator = EstimatorV2(
        mode=backend, options=EstimatorOptions(default_precision=0.03, seed_simulator=SEED)
    )
    first, second = estimator.run([(isa, zz, sweep), (isa, [xx_yy, zz], [0.0, 0.0], 0.05)]).result(
        timeout=120
    )

    assert first.data.evs.shape == (4,)
    assert second.data.evs.shape == (2,)
    assert first.metadata["target_precision"] == 0.03
    assert second.metadata["target_precision"] == 0.05
    exact = (
        StatevectorEstimator()
        .run([(entangler(measure=False), SparsePauliOp("ZZ"), sweep)])
        .result()[0]
        .data.evs
    )
    assert np.abs(first.data.evs - exact).max() < tolerance(backend, simulator=0.15, noisy=0.25)
    # |00>: <ZZ> = 1 and <(XX - YY)/2> = 0.
    assert abs(second.data.evs[1] - 1) < tolerance(backend, simulator=0.25, noisy=0.3)
    assert abs(second.data.evs[0]) < tolerance(backend, simulator=0.25, noisy=0.3)


def test_the_precision_sets_the_cost_the_hub_records(
    provider: HubQiskitProvider, client: HubQuantumClient
) -> None:
    for name in (IBM, "aws.sim.sv1"):
        backend = provider.get_backend(name)
        isa = fit(entangler(measure=False), backend)
        zz = SparsePauliOp("ZZ").apply_layout(isa.layout)
        job = EstimatorV2(mode=backend).run([(isa, zz, [0.4, 0.0])], precision=0.04)
        job.result(timeout=120)
        records = [client.jobs.get_job(hub_job.job_id()) for hub_job in job.hub_jobs()]
        # ceil(1 / 0.04**2) = 625 shots: natively the job's cost estimate, elsewhere the shots run.
        assert [record.shots for record in records] == [math.ceil(1 / 0.04**2)]
        if name == IBM:
            assert records[0].input_params is not None
            assert records[0].input_params["program_id"] == "estimator"


def test_estimator_jobs_of_a_batch_carry_its_session_id(session_backend: HubBackend) -> None:
    isa = fit(entangler(measure=False), session_backend)
    zz = SparsePauliOp("ZZ").apply_layout(isa.layout)
    with Batch(session_backend) as batch:
        job = EstimatorV2(mode=batch).run([(isa, zz, [0.4, 0.0])], precision=0.1)
        job.result(timeout=120)
    assert job.session_id == batch.session_id
    assert {hub_job.session_id for hub_job in job.hub_jobs()} == {batch.session_id}
    assert {hub_job.job_id() for hub_job in job.hub_jobs()} <= {record.id for record in batch.jobs()}


def test_x_on_an_idle_qubit_estimates_zero_on_ibm(provider: HubQiskitProvider) -> None:
    backend = provider.get_backend(IBM)
    circuit = QuantumCircuit(2)
    circuit.h(0)  # qubit 1 stays idle in |0>
    isa = fit(circuit, backend)
    observables = [SparsePauliOp(label).apply_layout(isa.layout) for label in ("XI", "YZ", "ZX")]
    (result,) = (
        EstimatorV2(mode=backend, options={"seed_estimator": SEED})
        .run([(isa, observables)])
        .result(timeout=120)
    )
    np.testing.assert_allclose(result.data.evs, [0.0, 0.0, 0.9], atol=0.15)
