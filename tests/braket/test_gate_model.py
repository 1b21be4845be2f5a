"""Gate-model programs on the Hub's Braket devices, checked against Braket's own local simulator."""

from __future__ import annotations

import math

import numpy as np
import pytest
from braket.circuits import Circuit, FreeParameter, Gate, Observable, QubitSet
from braket.devices import LocalSimulator
from braket.ir.openqasm import Program
from braket.pulse import Frame, Port, PulseSequence
from braket.tasks import GateModelQuantumTaskResult

from qhub_providers.api import ApiError, HubQuantumClient
from qhub_providers.braket import HubBraketDevice, HubBraketProvider, HubQuantumTask
from qhub_providers.braket.programs import to_hub_job_input

from .support import total_variation

SHOTS = 1000


@pytest.fixture(scope="module")
def local() -> LocalSimulator:
    return LocalSimulator("braket_sv")


# DM1 warns that a noise-free circuit would run faster on a state vector; that is the point of the test.
@pytest.mark.filterwarnings("ignore:You are running a noise-free circuit")
@pytest.mark.parametrize("device_id", ["aws.sim.sv1", "aws.sim.dm1", "aws.ionq.forte", "aws.rigetti.cepheus"])
@pytest.mark.parametrize("circuit_name", ["bell", "ghz"])
def test_bell_and_ghz_agree_with_the_local_simulator(
    provider: HubBraketProvider,
    local: LocalSimulator,
    device_id: str,
    circuit_name: str,
    request: pytest.FixtureRequest,
) -> None:
    circuit: Circuit = request.getfixturevalue(circuit_name)
    task = provider.get_device(device_id).run(circuit, shots=SHOTS)
    assert isinstance(task, HubQuantumTask)
    result = task.result()
    assert isinstance(result, GateModelQuantumTaskResult)
    assert task.state() == "COMPLETED"
    assert sum(result.measurement_counts.values()) == SHOTS
    assert list(result.measured_qubits) == list(range(circuit.qubit_count))
    expected = local.run(circuit, shots=SHOTS).result().measurement_counts
    # Simulators only differ by sampling; the QPUs add their calibration's few-percent noise.
    bound = 0.1 if device_id.startswith("aws.sim") else 0.15
    assert total_variation(result.measurement_counts, expected) < bound


def test_counts_keep_braket_bit_order_for_partial_measurement(sv1: HubBraketDevice) -> None:
    circuit = Circuit().x(0).h(1).x(2).measure([0, 2])
    result = sv1.run(circuit, shots=100).result()
    assert list(result.measured_qubits) == [0, 2]
    assert result.measurement_counts == {"11": 100}
    flipped = sv1.run(Circuit().x(0).h(1).i(2).measure([0, 2]), shots=100).result()
    assert flipped.measurement_counts == {"10": 100}


def test_free_parameters_take_their_values_from_inputs(sv1: HubBraketDevice) -> None:
    theta = FreeParameter("theta")
    circuit = Circuit().rx(0, theta).cnot(0, 1)
    assert sv1.run(circuit, shots=50, inputs={"theta": math.pi}).result().measurement_counts == {"11": 50}
    # The third positional argument is inputs, as in Device.run and AwsDevice.run.
    assert sv1.run(circuit, 50, {"theta": 0.0}).result().measurement_counts == {"00": 50}
    half = sv1.run(circuit, shots=400, inputs={"theta": math.pi / 2}).result().measurement_counts
    assert set(half) == {"00", "11"}
    assert 120 < half["11"] < 280


def test_unbound_parameters_are_refused_before_submission(sv1: HubBraketDevice) -> None:
    circuit = Circuit().rx(0, FreeParameter("alpha")).ry(1, FreeParameter("beta"))
    with pytest.raises(ValueError, match="alpha, beta"):
        sv1.run(circuit, shots=10, inputs={"gamma": 1.0})


def test_openqasm_program_inputs_merge_with_the_call_inputs(sv1: HubBraketDevice) -> None:
    source = """OPENQASM 3.0;
input float a;
input float b;
bit[2] c;
qubit[2] q;
rx(a) q[0];
rx(b) q[1];
c = measure q;"""
    program = Program(source=source, inputs={"a": math.pi, "b": 0.0})
    assert sv1.run(program, shots=40).result().measurement_counts == {"10": 40}
    # The call's value for b wins over the program's; a stays the program's.
    assert sv1.run(program, shots=40, inputs={"b": math.pi}).result().measurement_counts == {"11": 40}


def test_shots_zero_gives_exact_result_types_on_sv1(sv1: HubBraketDevice, local: LocalSimulator) -> None:
    # SV1 offers amplitudes, not the whole state vector (that is the local simulator's alone).
    circuit = Circuit().h(0).cnot(0, 1).amplitude(["00", "11"]).probability()
    circuit.expectation(Observable.Z() @ Observable.Z(), target=[0, 1])
    result = sv1.run(circuit).result()  # simulators default to shots=0, as AwsDevice does
    expected = local.run(circuit, shots=0).result()
    assert result.task_metadata.shots == 0
    assert result.values[0] == pytest.approx(expected.values[0])
    np.testing.assert_allclose(result.values[1], [0.5, 0.0, 0.0, 0.5], atol=1e-9)
    assert result.values[2] == pytest.approx(1.0)


def test_shots_zero_without_result_types_is_refused_like_aws(sv1: HubBraketDevice, bell: Circuit) -> None:
    with pytest.raises(ValueError, match="shots=0"):
        sv1.run(bell)


def test_shots_zero_is_refused_where_the_device_needs_shots(provider: HubBraketProvider) -> None:
    forte = provider.get_device("aws.ionq.forte")
    with pytest.raises(ValueError, match=r"shots=0 .* not available on aws.ionq.forte"):
        forte.run(Circuit().h(0).state_vector(), shots=0)
    with pytest.raises(ValueError, match=r"outside the range \[10, 100000\]"):
        provider.get_device("aws.rigetti.cepheus").run(Circuit().h(0), shots=5)


def test_qpus_default_to_a_thousand_shots(provider: HubBraketProvider, bell: Circuit) -> None:
    result = provider.get_device("aws.ionq.forte.enterprise").run(bell).result()
    assert result.task_metadata.shots == 1000
    assert sum(result.measurement_counts.values()) == 1000


def test_the_job_carries_name_tags_and_the_braket_sdk(
    sv1: HubBraketDevice, client: HubQuantumClient, bell: Circuit
) -> None:
    task = sv1.run(bell, shots=10, tags={"project": "bell"}, name="bell-check")
    job = client.jobs.get_job(task.id)
    assert job.name == "bell-check"
    assert "project=bell" in (job.tags or [])
    assert str(job.sdk_provider) == "BRAKET"
    assert job.input_params == {"disable_qubit_rewiring": False}
    assert task.metadata()["tags"] == {"project": "bell"}  # a dict, as AwsQuantumTask.metadata() gives
    list_tagged = sv1.run(bell, shots=10, tags=["alpha", "beta"])
    assert {"alpha", "beta"} <= set(client.jobs.get_job(list_tagged.id).tags or [])


def test_disabling_rewiring_sends_physical_qubits(
    provider: HubBraketProvider, client: HubQuantumClient
) -> None:
    forte = provider.get_device("aws.ionq.forte")
    task = forte.run(Circuit().h(0).cnot(0, 1), shots=100, disable_qubit_rewiring=True)
    assert "cnot $0, $1;" in client.jobs.get_job_input(task.id)["qasm"]
    assert client.jobs.get_job(task.id).input_params == {"disable_qubit_rewiring": True}
    assert set(task.result().measurement_counts) <= {"00", "11", "01", "10"}
    # On a device with sparse coupling the Hub holds the program to the device's own qubit pairs.
    with pytest.raises(ApiError, match="not coupled"):
        provider.get_device("aws.rigetti.cepheus").run(
            Circuit().h(0).cnot(0, 5), shots=100, disable_qubit_rewiring=True
        )


def test_verbatim_boxes_reach_the_hub(sv1: HubBraketDevice, client: HubQuantumClient) -> None:
    circuit = Circuit().add_verbatim_box(Circuit().x(0).cnot(0, 1))
    task = sv1.run(circuit, shots=20)
    source = client.jobs.get_job_input(task.id)["qasm"]
    assert "#pragma braket verbatim" in source
    assert "cnot $0, $1;" in source
    assert task.result().measurement_counts == {"11": 20}


def test_gate_definitions_are_serialised_as_braket_does(sv1: HubBraketDevice) -> None:
    frame = Frame("q0_drive", Port("q0_port", dt=1e-9), 5e9)
    calibration = {(Gate.H(), QubitSet(0)): PulseSequence().delay(frame, 1e-8)}
    job_input = to_hub_job_input(Circuit().h(0), shots=10, gate_definitions=calibration)
    assert isinstance(job_input.input, str)
    assert "defcal h $0" in job_input.input
    # The local Hub's simulator has no pulse level: its refusal arrives as the Hub's own error.
    with pytest.raises(ApiError, match="not valid OpenQASM 3"):
        sv1.run(Circuit().h(0), shots=10, gate_definitions=calibration)
    with pytest.raises(ValueError, match="gate_definitions apply to a Circuit only"):
        sv1.run(Program(source="OPENQASM 3.0;\nqubit[1] q;\nh q[0];"), shots=10, gate_definitions=calibration)


def test_unknown_arguments_are_clear_errors(sv1: HubBraketDevice, bell: Circuit) -> None:
    with pytest.raises(TypeError, match="typo_option"):
        sv1.run(bell, shots=10, typo_option=1)
    with pytest.raises(TypeError, match="positional"):
        sv1.run(bell, 10, None, 42)
    with pytest.raises(TypeError, match="shots must be an integer"):
        sv1.run(bell, shots="ten")
    with pytest.raises(TypeError, match="tags"):
        sv1.run(bell, shots=10, tags="not-a-dict")


def test_programs_of_the_wrong_kind_are_refused(provider: HubBraketProvider, sv1: HubBraketDevice) -> None:
    with pytest.raises(ValueError, match=r"aws\.quera\.aquila takes BRAKET_AHS_PROGRAM"):
        provider.get_device("aws.quera.aquila").run(Circuit().h(0), shots=10)
    with pytest.raises(TypeError, match="cannot run a dict"):
        sv1.run({"qasm": "OPENQASM 3.0;"}, shots=10)
