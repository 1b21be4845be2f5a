"""The members Amazon's examples use, with AWS's signatures and shapes, judged by the installed Braket SDK."""

from __future__ import annotations

import inspect
import logging
import warnings

import numpy as np
import pytest
from braket.aws import AwsDevice, AwsDeviceType, AwsQuantumTask
from braket.aws.queue_information import QuantumTaskQueueInfo, QueueType
from braket.circuits import Circuit, FreeParameter, Observable
from braket.device_schema import DeviceActionType
from braket.devices import Devices

from qhub_providers.api import ApiError, HubQuantumClient
from qhub_providers.braket import HubBraketDevice, HubBraketProvider, HubQuantumTask, call_args
from qhub_providers.braket.task import GradientMissingError, _check_gradient, braket_result
from qhub_providers.emulator import LocalHub

# AwsDevice.run's own parameters that are not the task specification or the catch-alls.
_RUN_PARAMETERS = [
    name
    for name, parameter in inspect.signature(AwsDevice.run).parameters.items()
    if name not in {"self", "task_specification"} and parameter.kind is parameter.POSITIONAL_OR_KEYWORD
]


@pytest.fixture
def fresh_s3_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    """The S3 warning comes once per process; each test that looks for it starts afresh."""
    monkeypatch.setattr(call_args, "_s3_warned", False)


# -- devices by ARN ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arn", "hub_id"),
    [
        (Devices.Amazon.SV1, "aws.sim.sv1"),
        (Devices.Amazon.DM1, "aws.sim.dm1"),
        (Devices.IonQ.Forte1, "aws.ionq.forte"),
        (Devices.QuEra.Aquila, "aws.quera.aquila"),
    ],
)
def test_devices_are_found_by_their_aws_arn(
    provider: HubBraketProvider, arn: Devices.Amazon, hub_id: str
) -> None:
    device = provider.get_device(arn)
    assert device.id == hub_id
    assert device.arn == arn.value
    assert provider.get_device(device.arn) == device  # device.arn names the device it came from
    assert [d.id for d in provider.devices(ids=[arn.value])] == [hub_id]
    assert [d.id for d in provider.devices(arns=[arn])] == [hub_id]


def test_a_device_is_built_from_its_arn(hub: LocalHub) -> None:
    device = HubBraketDevice(Devices.Amazon.SV1, access_token=hub.token, base_url=hub.base_url)
    assert device.id == "aws.sim.sv1"


def test_an_unknown_arn_names_the_hub_devices(provider: HubBraketProvider) -> None:
    with pytest.raises(ValueError, match=r"No Hub backend has the ARN .*Aspen-M-3.*aws\.sim\.sv1"):
        provider.get_device("arn:aws:braket:us-west-1::device/qpu/rigetti/Aspen-M-3")


def test_devices_are_ordered_as_asked(provider: HubBraketProvider) -> None:
    by_name = provider.devices(order_by="name")
    assert [d.name for d in by_name] == sorted(d.name for d in by_name)
    by_provider = provider.devices(types=[AwsDeviceType.QPU], order_by="provider_name")
    assert {d.type for d in by_provider} == {"QPU"}
    assert [d.provider_name for d in by_provider] == sorted(d.provider_name for d in by_provider)
    with pytest.raises(ValueError, match="order_by"):
        provider.devices(order_by="price")


# -- run and run_batch arguments ---------------------------------------------------------------------------


def test_every_parameter_of_aws_device_run_is_accepted_by_keyword(
    sv1: HubBraketDevice, bell: Circuit
) -> None:
    defaults = {name: inspect.signature(AwsDevice.run).parameters[name].default for name in _RUN_PARAMETERS}
    defaults["shots"] = 10
    result = sv1.run(bell, **defaults).result()
    assert sum(result.measurement_counts.values()) == 10


def test_the_developer_guide_call_with_an_s3_folder_runs_and_warns_once(
    sv1: HubBraketDevice, bell: Circuit, fresh_s3_warning: None
) -> None:
    folder = ("amazon-braket-my-bucket", "results")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        task = sv1.run(bell, folder, shots=20)
        batch = sv1.run_batch([bell, bell], folder, shots=20)
    assert [str(w.message) for w in caught if "S3" in str(w.message)] == [
        "The S3 destination folder is ignored: the Hub keeps each task's result itself and task.result() "
        "fetches it. Nothing is written to S3."
    ]
    assert sum(task.result().measurement_counts.values()) == 20
    assert [sum(r.measurement_counts.values()) for r in batch.results()] == [20, 20]


def test_local_simulator_order_is_read_too(sv1: HubBraketDevice) -> None:
    circuit = Circuit().rx(0, FreeParameter("theta")).cnot(0, 1)
    assert sv1.run(circuit, 12, {"theta": np.pi}).result().measurement_counts == {"11": 12}
    results = sv1.run_batch([circuit, circuit], 8, 2, [{"theta": 0.0}, {"theta": np.pi}]).results()
    assert [r.measurement_counts for r in results] == [{"00": 8}, {"11": 8}]
    with pytest.raises(TypeError, match="multiple values for argument 'shots'"):
        sv1.run(circuit, 12, shots=12)


def test_the_task_logs_to_the_logger_given_to_run(
    paused_sv1: HubBraketDevice, bell: Circuit, caplog: pytest.LogCaptureFixture
) -> None:
    mine = logging.getLogger("my.notebook")
    task = paused_sv1.run(bell, shots=10, poll_timeout_seconds=0.2, poll_interval_seconds=0.05, logger=mine)
    with caplog.at_level(logging.WARNING, logger="my.notebook"):
        assert task.result() is None
    assert [record.name for record in caplog.records] == ["my.notebook"]
    task.cancel()


def test_aws_only_options_are_refused_with_the_way_around(sv1: HubBraketDevice, bell: Circuit) -> None:
    with pytest.raises(ValueError, match=r"no Braket reservations.*Session"):
        sv1.run(bell, shots=10, reservation_arn="arn:aws:braket:us-east-1:1:reservation/x")
    with pytest.raises(ValueError, match="experimental capabilities"):
        sv1.run(bell, shots=10, experimental_capabilities="ALL")
    with pytest.raises(ValueError, match="errorMitigation"):
        sv1.run(bell, shots=10, device_parameters={"errorMitigation": [{"type": "debias"}]})


def test_device_parameters_may_disable_rewiring(
    provider: HubBraketProvider, client: HubQuantumClient
) -> None:
    forte = provider.get_device("aws.ionq.forte")
    parameters = {"paradigmParameters": {"qubitCount": 2, "disableQubitRewiring": True}}
    task = forte.run(Circuit().h(0).cnot(0, 1), shots=10, device_parameters=parameters)
    assert client.jobs.get_job(task.id).input_params == {"disable_qubit_rewiring": True}
    assert task.result().task_metadata.deviceParameters.paradigmParameters.disableQubitRewiring is True


# -- the task --------------------------------------------------------------------------------------------


def test_the_task_class_has_aws_quantum_task_constants() -> None:
    for name in (
        "TERMINAL_STATES",
        "NO_RESULT_TERMINAL_STATES",
        "RESULTS_READY_STATES",
        "DEFAULT_RESULTS_POLL_TIMEOUT",
        "DEFAULT_RESULTS_POLL_INTERVAL",
    ):
        assert getattr(HubQuantumTask, name) == getattr(AwsQuantumTask, name), name


def test_task_metadata_of_a_result_names_the_task_and_the_device(
    sv1: HubBraketDevice, client: HubQuantumClient
) -> None:
    circuit = Circuit().h(0).cnot(0, 1).cnot(1, 2)
    task = sv1.run(circuit, shots=10)
    metadata = task.result().task_metadata
    assert metadata.id == task.id
    assert metadata.deviceId == sv1.arn
    assert metadata.deviceParameters.paradigmParameters.qubitCount == 3
    assert metadata.createdAt <= metadata.endedAt
    assert metadata.createdAt.endswith("Z")
    again = HubQuantumTask(arn=metadata.id, client=client)  # reconnecting by the result's id works
    assert again.state() == "COMPLETED"
    assert again.result().measurement_counts == task.result().measurement_counts


def test_metadata_has_the_keys_aws_code_reads(sv1: HubBraketDevice, bell: Circuit) -> None:
    task = sv1.run(bell, shots=10, tags={"project": "shapes", "owner": "me"})
    task.result()
    metadata = task.metadata()
    assert metadata["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert metadata["tags"] == {"project": "shapes", "owner": "me"}
    assert metadata["deviceArn"] == sv1.arn
    assert metadata["quantumTaskArn"] == task.id
    assert metadata["queueInfo"]["queuePriority"] == "Normal"
    assert task.action_type is DeviceActionType.OPENQASM


def test_queue_position_says_the_hub_reports_none(paused_sv1: HubBraketDevice, bell: Circuit) -> None:
    task = paused_sv1.run(bell, shots=10)
    try:
        info = task.queue_position()
        assert isinstance(info, QuantumTaskQueueInfo)
        assert (info.queue_type, info.queue_position) == (QueueType.NORMAL, None)
        assert "queue_depth()" in (info.message or "")
    finally:
        task.cancel()


def test_an_aws_session_is_refused_with_what_to_pass_instead(client: HubQuantumClient) -> None:
    with pytest.raises(TypeError, match="access_token"):
        HubQuantumTask("some-id", object(), client=client)


# -- result values ---------------------------------------------------------------------------------------


def test_result_values_are_numpy_as_from_the_local_simulator(sv1: HubBraketDevice) -> None:
    sampled = sv1.run(Circuit().h(0).cnot(0, 1).sample(Observable.Z(), target=[0]).probability(), shots=20)
    samples, probabilities = sampled.result().values
    assert isinstance(samples, np.ndarray)
    assert samples.shape == (20,)
    assert samples.sum() in range(-20, 21, 2)  # the NumPy call a notebook makes
    assert isinstance(probabilities, np.ndarray)
    exact = sv1.run(Circuit().h(0).cnot(0, 1).amplitude(["00", "11"]), shots=0).result()
    assert all(isinstance(value, np.complex128) for value in exact.values[0].values())
    assert exact.values[0]["11"] == pytest.approx(2**-0.5)


# -- what the local Hub's emulator does not do yet (reported; the face passes on what the Hub gives) -------


def test_a_gate_the_device_does_not_list_is_refused(provider: HubBraketProvider) -> None:
    forte = provider.get_device(Devices.IonQ.Forte1)
    supported = forte.properties.action[DeviceActionType.OPENQASM].supportedOperations
    assert "ecr" not in supported
    with pytest.raises(ApiError):
        forte.run(Circuit().ecr(0, 1), shots=10).result()


def test_rigetti_results_carry_the_compiled_program(provider: HubBraketProvider) -> None:
    cepheus = provider.get_device("aws.rigetti.cepheus")
    metadata = cepheus.run(Circuit().h(0).cnot(0, 1), shots=10).result().additional_metadata
    assert metadata.rigettiMetadata is not None
    assert metadata.rigettiMetadata.compiledProgram


def test_get_devices_is_a_static_method_as_on_aws_device(hub: LocalHub) -> None:
    found = HubBraketDevice.get_devices(
        provider_names=["IONQ"], types=["QPU"], access_token=hub.token, base_url=hub.base_url
    )
    assert [device.name for device in found] == ["Forte-1", "Forte-Enterprise-1"]


def test_a_gradient_in_the_hubs_result_is_surfaced_as_braket_does(
    sv1: HubBraketDevice, client: HubQuantumClient
) -> None:
    """Once the Hub answers an AdjointGradient (a real SV1 document, its result type filled in as the Braket
    service fills it), the result reads as on AWS: a dict with the expectation and the gradient."""
    theta = FreeParameter("theta")
    circuit = Circuit().rx(0, theta).adjoint_gradient(Observable.Z(), target=[0], parameters=[theta])
    plain = sv1.run(Circuit().rx(0, 0.5).expectation(Observable.Z(), target=[0]), shots=0)
    plain.result()
    document = client.jobs.get_job_result(plain.id)
    document["resultTypes"] = [
        {
            "type": {
                "type": "adjoint_gradient",
                "observable": ["z"],
                "targets": [[0]],
                "parameters": ["theta"],
            },
            "value": {"expectation": 0.8775825618903728, "gradient": {"theta": -0.479425538604203}},
        }
    ]
    result = braket_result(document, task_id=plain.id, task_specification=circuit)
    _check_gradient(result, circuit, plain.id)  # a gradient is there: nothing to refuse
    assert result.values[0] == {
        "expectation": pytest.approx(0.8775825618903728),
        "gradient": {"theta": pytest.approx(-0.479425538604203)},
    }
    document["resultTypes"] = [
        {"type": {"type": "expectation", "observable": ["z"], "targets": [0]}, "value": 0.8775825618903728}
    ]
    with pytest.raises(GradientMissingError, match="parameter-shift"):
        _check_gradient(braket_result(document, task_specification=circuit), circuit, plain.id)
