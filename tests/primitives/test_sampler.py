"""``SamplerV2`` on IBM (native sampler jobs) and non-IBM backends, against exact distributions."""

from __future__ import annotations

import time

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.primitives import PrimitiveResult, SamplerPubResult, StatevectorSampler

from qhub_providers.api import HubQuantumClient
from qhub_providers.emulator import LocalHub
from qhub_providers.qiskit import (
    CircuitNotSupportedError,
    HubBackend,
    HubJobTimeoutError,
    HubQiskitProvider,
    JobCancelledError,
)
from qhub_providers.qiskit.primitives import BACKEND_DEFAULT_SHOTS, SamplerOptions, SamplerV2
from qhub_providers.sessions import Batch, SessionError

from .support import IBM, SEED, entangler, exact_probabilities, fit, tolerance, two_registers


def probabilities(counts: dict[str, int], shots: int) -> np.ndarray:
    """Outcome frequencies indexed by the outcome as an integer (two bits)."""
    return np.array([counts.get(format(value, "02b"), 0) / shots for value in range(4)])


def test_a_parameter_sweep_keeps_its_shape_and_matches_the_exact_distribution(backend: HubBackend) -> None:
    values = np.array(
        [[[0.0, 0.0], [np.pi / 3, 0.4], [np.pi / 2, 1.0]], [[np.pi, 0.0], [2.0, -1.2], [2.6, 2.0]]]
    )
    shots = 2000
    job = SamplerV2(mode=backend, options={"seed_simulator": SEED}).run(
        [(fit(entangler(), backend), values)], shots=shots
    )
    result = job.result(timeout=120)

    assert isinstance(result, PrimitiveResult)
    pub = result[0]
    assert isinstance(pub, SamplerPubResult)
    assert pub.data.c.shape == (2, 3)
    assert pub.data.c.num_shots == shots
    assert pub.metadata["shots"] == shots
    exact = exact_probabilities(values)
    bound = tolerance(backend, simulator=0.05, noisy=0.12)
    for index in np.ndindex(2, 3):
        measured = probabilities(pub.data.c.get_counts(index), shots)
        assert np.abs(measured - exact[index]).max() < bound, (index, measured, exact[index])


def test_numbers_agree_with_the_statevector_sampler(backend: HubBackend) -> None:
    bell = QuantumCircuit(2, 2)
    bell.h(0)
    bell.cx(0, 1)
    bell.measure([0, 1], [0, 1])
    shots = 2000
    ours = SamplerV2(mode=backend, options={"seed_simulator": SEED}).run([fit(bell, backend)], shots=shots)
    reference = StatevectorSampler(seed=SEED).run([bell], shots=shots).result()[0].data.c.get_counts()

    counts = ours.result(timeout=120)[0].data.c.get_counts()
    assert sum(counts.values()) == shots
    bound = tolerance(backend, simulator=0.05, noisy=0.12)
    for outcome in ("00", "01", "10", "11"):
        assert abs(counts.get(outcome, 0) - reference.get(outcome, 0)) / shots < bound, (counts, reference)


def test_several_pubs_with_their_own_shots_and_registers(backend: HubBackend) -> None:
    registers = fit(two_registers(), backend)
    bound = fit(entangler(), backend).assign_parameters([0.0, 0.0])  # always |00>, up to noise
    job = SamplerV2(mode=backend, options={"seed_simulator": SEED}).run(
        [(registers, None, 300), bound], shots=200
    )
    first, second = job.result(timeout=120)

    assert list(first.data) == ["alpha", "beta"]  # the circuit's register order, which join_data follows
    assert (first.data.alpha.num_bits, first.data.beta.num_bits) == (1, 2)
    assert first.data.alpha.num_shots == 300
    assert second.data.c.num_shots == 200
    joined = first.join_data().get_counts()
    # alpha = 1 (clbit 0), beta = 10 (clbits 1, 2): joined bitstring beta+alpha = "101".
    assert max(joined, key=joined.__getitem__) == "101"
    assert joined["101"] / 300 > tolerance(backend, simulator=0.999, noisy=0.8)
    top = second.data.c.get_counts()
    assert top.get("00", 0) / 200 > tolerance(backend, simulator=0.999, noisy=0.8)


def test_default_shots_follow_the_service_and_the_options(backend: HubBackend) -> None:
    circuit = fit(entangler(), backend).assign_parameters([0.5, 0.0])
    expected = 4096 if backend.name == IBM else BACKEND_DEFAULT_SHOTS
    assert SamplerV2(mode=backend).run([circuit]).result(timeout=120)[0].data.c.num_shots == expected

    sampler = SamplerV2(mode=backend, options=SamplerOptions(default_shots=50))
    assert sampler.run([circuit]).result(timeout=120)[0].data.c.num_shots == 50
    sampler.options.default_shots = 70
    assert sampler.run([circuit]).result(timeout=120)[0].data.c.num_shots == 70


def test_ibm_runs_a_native_sampler_job_and_others_run_circuits(
    provider: HubQiskitProvider, client: HubQuantumClient
) -> None:
    for name, input_format in ((IBM, "QISKIT_QPY"), ("aws.sim.sv1", "BRAKET_OPEN_QASM_V3")):
        backend = provider.get_backend(name)
        values = np.array([[0.1, 0.0], [0.2, 0.0], [0.3, 0.0]])
        job = SamplerV2(mode=backend).run([(fit(entangler(), backend), values)], shots=10)
        job.result(timeout=120)
        records = [client.jobs.get_job(hub_job.job_id()) for hub_job in job.hub_jobs()]
        assert {str(record.input_format) for record in records} == {input_format}
        if name == IBM:
            # One primitive job holds the whole sweep; the Hub counts the PUB's shots.
            assert len(records) == 1
            assert records[0].input_params is not None
            assert records[0].input_params["program_id"] == "sampler"
            assert records[0].shots == 10
        else:
            # Qiskit's backend sampler binds the sweep: three circuits of 10 shots each.
            assert sum(record.shots or 0 for record in records) == 30


def test_jobs_of_a_batch_mode_carry_its_session_id(session_backend: HubBackend) -> None:
    circuit = fit(entangler(), session_backend).assign_parameters([0.5, 0.0])
    with Batch(session_backend) as batch:
        explicit = SamplerV2(mode=batch).run([circuit], shots=20)
        # A primitive on the backend joins the enclosing block, as in IBM Runtime.
        enclosed = SamplerV2(mode=session_backend).run([circuit], shots=20)
        for job in (explicit, enclosed):
            job.result(timeout=120)
    assert explicit.session_id == enclosed.session_id == batch.session_id
    hub_ids = {hub_job.job_id() for job in (explicit, enclosed) for hub_job in job.hub_jobs()}
    assert {hub_job.session_id for job in (explicit, enclosed) for hub_job in job.hub_jobs()} == {
        batch.session_id
    }
    assert hub_ids <= {record.id for record in batch.jobs()}


def test_a_batch_given_as_mode_opens_on_first_use(provider: HubQiskitProvider) -> None:
    backend = provider.get_backend("aws.sim.sv1")
    batch = Batch(backend)
    assert batch.session_id is None
    job = SamplerV2(mode=batch).run([fit(entangler(), backend).assign_parameters([1.0, 0.0])], shots=10)
    job.result(timeout=120)
    assert batch.session_id is not None
    assert job.session_id == batch.session_id
    batch.close()


def test_a_session_of_another_backend_is_refused_in_the_callers_thread(provider: HubQiskitProvider) -> None:
    sv1, fez = provider.get_backend("aws.sim.sv1"), provider.get_backend(IBM)
    with Batch(fez), pytest.raises(SessionError, match=r"aws\.sim\.sv1"):
        SamplerV2(mode=sv1).run([fit(entangler(), sv1).assign_parameters([1.0, 0.0])])


def test_a_circuit_that_does_not_fit_ibm_is_refused_before_submission(
    provider: HubQiskitProvider, hub: LocalHub
) -> None:
    backend = provider.get_backend(IBM)
    before = hub.admin.stats()["jobs"]
    with pytest.raises(CircuitNotSupportedError, match="transpile"):
        SamplerV2(mode=backend).run([entangler().assign_parameters([1.0, 0.0])])
    assert hub.admin.stats()["jobs"] == before


@pytest.mark.parametrize("name", [IBM, "aws.sim.sv1"])
def test_a_queued_run_times_out_then_cancels(name: str, provider: HubQiskitProvider, hub: LocalHub) -> None:
    backend = provider.get_backend(name)
    circuit = fit(entangler(), backend).assign_parameters([1.0, 0.0])
    hub.admin.set_backend(name, queue_delay=30)
    try:
        job = SamplerV2(mode=backend).run([circuit], shots=10)
        with pytest.raises(HubJobTimeoutError):
            job.result(timeout=0.3)
        # Non-IBM runs submit from a worker thread, which on a busy machine may not have submitted yet.
        for _ in range(300):
            if job.hub_jobs():
                break
            time.sleep(0.1)
        assert job.hub_jobs()
        assert not job.in_final_state()
        assert job.cancel()
        with pytest.raises(JobCancelledError):
            job.result(timeout=30)
        assert job.cancelled()
    finally:
        hub.admin.set_backend(name, queue_delay=0)
