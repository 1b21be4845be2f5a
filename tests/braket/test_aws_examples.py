"""End-to-end examples in the style of Amazon's Braket notebooks, each judged by Braket's LocalSimulator.

Each test is written as a Braket user would write it for ``AwsDevice``, with only the device construction
changed. Exact quantities (``shots=0``: probabilities, amplitudes, expectations) must agree to rounding;
sampled ones are compared with bounds wide enough never to fail by chance (at least six standard
deviations), or on circuits whose outcome is certain.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from braket.ahs import AnalogHamiltonianSimulation, AtomArrangement, DrivingField
from braket.circuits import Circuit, FreeParameter, Noise, Observable
from braket.circuits.noise_model import GateCriteria, NoiseModel
from braket.circuits.noises import BitFlip, Depolarizing
from braket.devices import Devices, LocalSimulator
from braket.ir.openqasm import Program
from braket.ir.openqasm import ProgramSet as OpenQASMProgramSet
from braket.program_sets import CircuitBinding, ProgramSet
from braket.tasks import GateModelQuantumTaskResult, ProgramSetQuantumTaskResult
from braket.timings import TimeSeries

from qhub_providers.braket import HubBraketProvider, HubQuantumTask

from .support import total_variation


@pytest.fixture(scope="module")
def local() -> LocalSimulator:
    return LocalSimulator()


@pytest.fixture(scope="module")
def local_dm() -> LocalSimulator:
    return LocalSimulator("braket_dm")


def _tvd_bound(shots: int) -> float:
    """A total-variation distance two samples of ``shots`` from the same few-outcome distribution exceed
    with negligible probability (well over six standard deviations of each outcome's frequency)."""
    return 6.0 / math.sqrt(shots)


# -- getting started -------------------------------------------------------------------------------------


def test_getting_started_bell_pair(provider: HubBraketProvider, local: LocalSimulator) -> None:
    device = provider.get_device(Devices.Amazon.SV1)  # the one changed line: AwsDevice(...) -> get_device
    bell = Circuit().h(0).cnot(control=0, target=1)
    task = device.run(bell, shots=400)
    result = task.result()
    counts = result.measurement_counts
    assert set(counts) <= {"00", "11"}
    assert total_variation(counts, local.run(bell, shots=400).result().measurement_counts) < _tvd_bound(400)
    assert result.task_metadata.deviceId == device.arn
    assert task.state() == "COMPLETED"
    assert device.properties.paradigm.qubitCount >= 2


def test_getting_started_exact_probabilities(provider: HubBraketProvider, local: LocalSimulator) -> None:
    device = provider.get_device(Devices.Amazon.SV1)
    circuit = Circuit().h(0).ry(1, 0.4).cnot(0, 2).probability().amplitude(["000", "101", "011"])
    result = device.run(circuit, shots=0).result()
    expected = local.run(circuit, shots=0).result()
    np.testing.assert_allclose(result.values[0], expected.values[0], atol=1e-12)
    for state, amplitude in expected.values[1].items():
        assert result.values[1][state] == pytest.approx(amplitude, abs=1e-12)


# -- the anatomy of a task and its result (deep dive) -------------------------------------------------------


def test_deep_dive_result_anatomy(provider: HubBraketProvider, local: LocalSimulator) -> None:
    device = provider.get_device(Devices.IonQ.Forte1)
    circuit = Circuit().x(0).x(2).cnot(2, 1)
    task = device.run(circuit, shots=100)
    result = task.result()
    assert task.state() in HubQuantumTask.RESULTS_READY_STATES
    assert isinstance(result, GateModelQuantumTaskResult)
    assert result.measurements.shape == (100, 3)
    assert result.measured_qubits == [0, 1, 2]
    assert result.task_metadata.deviceParameters.paradigmParameters.qubitCount == 3
    assert result.task_metadata.shots == 100
    # A QPU with calibration noise: most shots still land on the one outcome of the ideal circuit.
    ideal = local.run(circuit, shots=100).result().measurement_counts
    assert ideal == {"111": 100}
    assert result.measurement_counts.most_common(1)[0][0] == "111"
    metadata = task.metadata()
    assert (metadata["status"], metadata["deviceArn"]) == ("COMPLETED", device.arn)
    assert task.queue_position().queue_position is None


# -- noise --------------------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:You are running a noise-free circuit")
def test_noise_on_dm1_is_exact(provider: HubBraketProvider, local_dm: LocalSimulator) -> None:
    dm1 = provider.get_device(Devices.Amazon.DM1)
    circuit = Circuit().x(0).h(1).cnot(1, 2)
    circuit.bit_flip(0, probability=0.1).depolarizing(2, probability=0.05)
    circuit.apply_readout_noise(Noise.BitFlip(probability=0.02), target_qubits=[1])
    circuit.probability().expectation(Observable.Z() @ Observable.Z(), target=[1, 2])
    result = dm1.run(circuit, shots=0).result()
    expected = local_dm.run(circuit, shots=0).result()
    np.testing.assert_allclose(result.values[0], expected.values[0], atol=1e-12)
    assert result.values[1] == pytest.approx(expected.values[1], abs=1e-12)


@pytest.mark.filterwarnings("ignore:You are running a noise-free circuit")
def test_noise_model_applied_before_running(provider: HubBraketProvider, local_dm: LocalSimulator) -> None:
    model = NoiseModel().add_noise(BitFlip(0.2), GateCriteria()).add_noise(Depolarizing(0.1), GateCriteria())
    noisy = model.apply(Circuit().x(0).cnot(0, 1))
    dm1 = provider.get_device(Devices.Amazon.DM1)
    counts = dm1.run(noisy, shots=500).result().measurement_counts
    expected = local_dm.run(noisy, shots=500).result().measurement_counts
    assert total_variation(counts, expected) < _tvd_bound(500)


# -- verbatim compilation ----------------------------------------------------------------------------------


def test_verbatim_box_runs_as_written(provider: HubBraketProvider, local: LocalSimulator) -> None:
    device = provider.get_device(Devices.IonQ.Forte1)
    native = device.properties.paradigm.nativeGateSet
    assert "gpi" in [gate.lower() for gate in native]
    # gpi(0) is an X up to phase: a verbatim box of two of them on qubit 0 and one on qubit 1.
    circuit = Circuit().add_verbatim_box(Circuit().gpi(0, 0.0).gpi(0, 0.0).gpi(1, 0.0))
    result = device.run(circuit, shots=100, disable_qubit_rewiring=True).result()
    assert local.run(circuit, shots=100).result().measurement_counts == {"01": 100}
    assert result.measurement_counts.most_common(1)[0][0] == "01"


# -- parametric circuits ------------------------------------------------------------------------------------


def test_parametric_circuit_exact_expectations(provider: HubBraketProvider, local: LocalSimulator) -> None:
    theta, phi = FreeParameter("theta"), FreeParameter("phi")
    circuit = Circuit().rx(0, theta).ry(1, phi).cnot(0, 1)
    circuit.expectation(Observable.Z() @ Observable.Z(), target=[0, 1])
    device = provider.get_device(Devices.Amazon.SV1)
    for values in ({"theta": 0.3, "phi": 1.1}, {"theta": 2.0, "phi": -0.4}):
        mine = device.run(circuit, shots=0, inputs=values).result().values[0]
        assert mine == pytest.approx(local.run(circuit, shots=0, inputs=values).result().values[0], abs=1e-12)
    bound = circuit.make_bound_circuit({"theta": 0.3, "phi": 1.1})
    # CNOT carries Z@Z back to Z on qubit 1, so only phi counts.
    assert device.run(bound, shots=0).result().values[0] == pytest.approx(math.cos(1.1), abs=1e-12)


def test_parametric_sweep_with_run_batch(provider: HubBraketProvider) -> None:
    theta = FreeParameter("theta")
    circuit = Circuit().rx(0, theta).cnot(0, 1)
    device = provider.get_device(Devices.Amazon.SV1)
    angles = [0.0, math.pi]
    batch = device.run_batch(circuit, shots=30, inputs=[{"theta": angle} for angle in angles])
    assert [result.measurement_counts for result in batch.results()] == [{"00": 30}, {"11": 30}]


def test_adjoint_gradient_is_refused_where_it_cannot_be_computed(provider: HubBraketProvider) -> None:
    """AWS's SV1 computes AdjointGradient; Braket's local simulator, which the local Hub runs, cannot. So the
    local Hub's SV1 does not list it, and the face refuses before sending rather than return a bare
    expectation value as if it were the gradient."""
    theta = FreeParameter("theta")
    circuit = Circuit().rx(0, theta).adjoint_gradient(Observable.Z(), target=[0], parameters=[theta])
    for device in (Devices.Amazon.DM1, Devices.Amazon.SV1):
        with pytest.raises(ValueError, match=r"does not compute the AdjointGradient.*parameter-shift"):
            provider.get_device(device).run(circuit, shots=0, inputs={"theta": 0.5})


# -- OpenQASM --------------------------------------------------------------------------------------------


GHZ_QASM = """OPENQASM 3.0;
input float alpha;
qubit[3] q;
bit[3] c;
h q[0];
cnot q[0], q[1];
cnot q[1], q[2];
rz(alpha) q[2];
c = measure q;
"""


def test_openqasm_program_with_inputs(provider: HubBraketProvider, local: LocalSimulator) -> None:
    device = provider.get_device(Devices.Amazon.SV1)
    program = Program(source=GHZ_QASM, inputs={"alpha": 0.25})
    counts = device.run(program, shots=300).result().measurement_counts
    assert set(counts) <= {"000", "111"}
    expected = local.run(program, shots=300).result().measurement_counts
    assert total_variation(counts, expected) < _tvd_bound(300)


def test_openqasm_result_pragmas_are_exact(provider: HubBraketProvider, local: LocalSimulator) -> None:
    source = "\n".join(
        [
            "OPENQASM 3.0;",
            "qubit[2] q;",
            "h q[0];",
            "rx(0.7) q[1];",
            "cnot q[0], q[1];",
            "#pragma braket result probability",
            "#pragma braket result expectation x(q[0]) @ z(q[1])",
        ]
    )
    program = Program(source=source)
    result = provider.get_device(Devices.Amazon.SV1).run(program, shots=0).result()
    expected = local.run(program, shots=0).result()
    np.testing.assert_allclose(result.values[0], expected.values[0], atol=1e-12)
    assert result.values[1] == pytest.approx(expected.values[1], abs=1e-12)


# -- program sets ------------------------------------------------------------------------------------------


def test_program_set_of_circuits_and_bindings(provider: HubBraketProvider, local: LocalSimulator) -> None:
    theta = FreeParameter("theta")
    rotation = Circuit().rx(0, theta).cnot(0, 1)
    program_set = ProgramSet(
        [
            Circuit().x(0).x(1),
            CircuitBinding(
                rotation,
                input_sets={"theta": [0.0, math.pi]},
                observables=[Observable.Z(0) @ Observable.Z(1), Observable.Z(0)],
            ),
        ],
        shots_per_executable=40,
    )
    device = provider.get_device(Devices.Amazon.SV1)
    result = device.run(program_set).result()
    expected = local.run(program_set).result()
    assert isinstance(result, ProgramSetQuantumTaskResult)
    assert [len(entry) for entry in result.entries] == [len(entry) for entry in expected.entries] == [1, 4]
    assert result[0][0].counts == expected[0][0].counts == {"11": 40}
    # Z@Z is +1 at both angles; Z on qubit 0 is +1 at theta=0 and -1 at theta=pi: certain outcomes.
    mine = [result[1][index].expectation for index in range(4)]
    assert mine == [expected[1][index].expectation for index in range(4)] == [1.0, 1.0, 1.0, -1.0]
    assert result.task_metadata.requestedShots == 200
    assert device.run(program_set).result().task_metadata.deviceId == device.arn


def test_program_set_expectations_agree_statistically(
    provider: HubBraketProvider, local: LocalSimulator
) -> None:
    theta = FreeParameter("theta")
    circuit = Circuit().ry(0, theta).cnot(0, 1)
    terms = (Observable.Z(0) @ Observable.Z(1), Observable.X(0))
    hamiltonian = 0.5 * terms[0] + 0.3 * terms[1]
    angles = (0.4, 1.3)
    binding = CircuitBinding(circuit, input_sets={"theta": list(angles)}, observables=hamiltonian)
    program_set = ProgramSet(binding)
    device = provider.get_device(Devices.Amazon.SV1)
    result = device.run(program_set, shots=4 * 400).result()
    for index, angle in enumerate(angles):
        exact_circuit = circuit.make_bound_circuit({"theta": angle})
        for term in terms:
            exact_circuit.expectation(term)
        zz, x = local.run(exact_circuit, shots=0).result().values
        # Each term is a mean of 400 samples of +-1 (sd <= 0.05); the weighted sum's sd is under 0.03.
        assert result.entries[0].expectation(index) == pytest.approx(0.5 * zz + 0.3 * x, abs=0.2)


def test_a_serialised_program_set_runs_as_on_aws(provider: HubBraketProvider, local: LocalSimulator) -> None:
    source = "OPENQASM 3.0;\ninput float phi;\nqubit[1] q;\nbit[1] b;\nrx(phi) q[0];\nb[0] = measure q[0];"
    serialised = OpenQASMProgramSet(
        programs=[
            Program(source=source, inputs={"phi": [0.0, math.pi]}),
            Program(source=GHZ_QASM.replace("input float alpha;\n", "").replace("rz(alpha)", "rz(0.5)")),
        ]
    )
    result = provider.get_device(Devices.Amazon.SV1).run(serialised, shots=3 * 20).result()
    expected = local.run(serialised, shots=3 * 20).result()
    assert [len(entry) for entry in result.entries] == [len(entry) for entry in expected.entries] == [2, 1]
    assert (
        [entry.counts for entry in result[0]]
        == [entry.counts for entry in expected[0]]
        == [{"0": 20}, {"1": 20}]
    )
    assert set(result[1][0].counts) <= {"000", "111"}


def test_program_sets_run_in_batches(provider: HubBraketProvider) -> None:
    theta = FreeParameter("theta")
    program_set = ProgramSet(
        [Circuit().x(0), CircuitBinding(Circuit().rx(0, theta), input_sets={"theta": [0.0, math.pi]})],
        shots_per_executable=10,
    )
    results = provider.get_device(Devices.Amazon.SV1).run_batch([program_set, program_set]).results()
    for result in results:
        assert [len(entry) for entry in result.entries] == [1, 2]
        assert [result[1][index].counts for index in range(2)] == [{"0": 10}, {"1": 10}]


def test_program_set_refusals_say_what_to_do(provider: HubBraketProvider) -> None:
    program_set = ProgramSet([Circuit().h(0), Circuit().x(0)], shots_per_executable=10)
    with pytest.raises(ValueError, match="multiple of it"):
        provider.get_device(Devices.Amazon.SV1).run(program_set, shots=15)
    with pytest.raises(ValueError, match="program sets"):
        provider.get_device(Devices.QuEra.Aquila).run(program_set)
    four = ProgramSet([Circuit().h(0)] * 4)
    with pytest.raises(ValueError, match=r"shots=240000 exceeds .*program_set\.split"):
        provider.get_device(Devices.Amazon.SV1).run(four, shots=4 * 60_000)
    with pytest.raises(ValueError, match="Give the shots"):
        provider.get_device(Devices.Amazon.SV1).run(ProgramSet([Circuit().h(0)]))


# -- analog Hamiltonian simulation -----------------------------------------------------------------------


def test_ahs_pi_pulse_excites_one_atom(provider: HubBraketProvider) -> None:
    register = AtomArrangement().add((0.0, 0.0))
    omega, ramp = 2.0e6, 1.0e-7
    duration = round(math.pi / omega + ramp, 9)  # pulse area pi: the atom ends in the Rydberg state
    amplitude = TimeSeries().put(0.0, 0.0).put(ramp, omega).put(duration - ramp, omega).put(duration, 0.0)
    zero = TimeSeries().put(0.0, 0.0).put(duration, 0.0)
    program = AnalogHamiltonianSimulation(
        register=register, hamiltonian=DrivingField(amplitude=amplitude, detuning=zero, phase=zero)
    )
    aquila = provider.get_device(Devices.QuEra.Aquila)
    task = aquila.run(program.discretize(aquila), shots=200)
    result = task.result()
    assert (result.task_metadata.id, result.task_metadata.deviceId) == (task.id, aquila.arn)
    expected = LocalSimulator("braket_ahs").run(program, shots=200).result()
    mine, theirs = result.get_avg_density(), expected.get_avg_density()
    assert len(mine) == 1
    assert theirs[0] > 0.95
    # The local Aquila adds preparation and detection errors of a few percent; 200 shots add sd 0.03.
    assert abs(mine[0] - theirs[0]) < 0.25


def test_a_program_set_task_reconnected_by_id_keeps_its_programs(provider: HubBraketProvider) -> None:
    theta = FreeParameter("theta")
    program_set = ProgramSet(
        [Circuit().x(0), CircuitBinding(Circuit().rx(0, theta), input_sets={"theta": [0.0, math.pi]})],
        shots_per_executable=10,
    )
    task = provider.get_device(Devices.Amazon.SV1).run(program_set, tags={"run": "sweep"})
    again = HubQuantumTask(task.id, client=provider.client)
    result = again.result()
    assert [len(entry) for entry in result.entries] == [1, 2]
    assert [entry.inputs for entry in result[1]] == [{"theta": 0.0}, {"theta": math.pi}]
    assert [entry.counts for entry in result[1]] == [{"0": 10}, {"1": 10}]
    assert again.metadata()["tags"] == {"run": "sweep"}
    assert again.metadata()["actionMetadata"]["actionType"] == "braket.ir.openqasm.program_set"
