"""The NumPy path that turns a Hub result document into a ``GateModelQuantumTaskResult`` gives exactly what
Braket's own parsing gives, on real results from the local Hub."""

from __future__ import annotations

import copy
import json
from typing import Any

import numpy as np
import pytest
from braket.circuits import Circuit, Observable
from braket.tasks import GateModelQuantumTaskResult
from pydantic.v1 import ValidationError

from qhub_providers.api import HubQuantumClient
from qhub_providers.braket import HubBraketDevice
from qhub_providers.braket.task import _sampled_gate_model_result, braket_result


def _braket_own(document: dict[str, Any]) -> GateModelQuantumTaskResult:
    """What Braket itself makes of the same document."""
    return GateModelQuantumTaskResult.from_string(json.dumps(document))


def _assert_same(fast: GateModelQuantumTaskResult, own: GateModelQuantumTaskResult) -> None:
    assert fast.measurement_counts == own.measurement_counts
    # Same keys in the same order (first occurrence), plain int values.
    assert list(fast.measurement_counts.items()) == list(own.measurement_counts.items())
    assert all(type(count) is int for count in fast.measurement_counts.values())
    assert fast.measurement_probabilities == own.measurement_probabilities
    assert list(fast.measurement_probabilities) == list(own.measurement_probabilities)
    np.testing.assert_array_equal(fast.measurements, own.measurements)
    assert fast.measurements.dtype == own.measurements.dtype
    assert fast.measured_qubits == own.measured_qubits
    # The task fills in what AWS reports and the Hub's document leaves out (the task's id, the device ARN,
    # times, device parameters); everything else is Braket's own reading.
    filled = {"id", "deviceId", "createdAt", "endedAt", "deviceParameters"}
    assert fast.task_metadata.dict(exclude=filled) == own.task_metadata.dict(exclude=filled)
    assert fast.additional_metadata == own.additional_metadata
    assert len(fast.values) == len(own.values)
    for mine, theirs in zip(fast.values, own.values, strict=True):
        np.testing.assert_array_equal(np.asarray(mine), np.asarray(theirs))
    assert [rt.type for rt in fast.result_types] == [rt.type for rt in own.result_types]
    assert fast.measurements_copied_from_device is own.measurements_copied_from_device is True
    assert fast.measurement_counts_copied_from_device is own.measurement_counts_copied_from_device
    assert fast.outputs == own.outputs


@pytest.fixture(scope="module")
def scrambled(sv1: HubBraketDevice, client: HubQuantumClient) -> tuple[dict[str, Any], Any]:
    """A real 4-qubit result with many distinct outcomes: its raw document and the task's result."""
    circuit = Circuit().h(0).h(1).cnot(1, 2).ry(3, 0.7).cnot(0, 3)
    task = sv1.run(circuit, shots=3000)
    result = task.result()
    document = client.jobs.get_job_result(task.id)
    assert isinstance(document, dict)
    return document, result


def test_task_result_counts_match_braket_own_computation(scrambled: tuple[dict[str, Any], Any]) -> None:
    document, result = scrambled
    assert _sampled_gate_model_result(document) is not None  # the fast path is the one taken
    own = _braket_own(document)
    _assert_same(result, own)
    assert len(result.measurement_counts) > 4
    assert sum(result.measurement_counts.values()) == 3000


def test_result_types_are_computed_from_the_measurements_as_braket_does(
    sv1: HubBraketDevice, client: HubQuantumClient
) -> None:
    circuit = Circuit().h(0).cnot(0, 1).rx(2, 1.1)
    circuit.expectation(Observable.Z(), target=[2]).probability(target=[0, 1]).variance(Observable.Z(), [1])
    task = sv1.run(circuit, shots=500)
    result = task.result()
    document = client.jobs.get_job_result(task.id)
    assert _sampled_gate_model_result(document) is not None
    _assert_same(result, _braket_own(document))
    assert len(result.values) == 3
    assert result.get_value_by_result_type(circuit.result_types[0]) == pytest.approx(
        _braket_own(document).values[0]
    )


def test_wide_rows_are_counted_like_braket(scrambled: tuple[dict[str, Any], Any]) -> None:
    # 70 measured qubits do not fit one 64-bit code per shot: the row-wise path must agree too.
    document = copy.deepcopy(scrambled[0])
    document["measurements"] = [row * 17 + row[:2] for row in document["measurements"]]
    document["measuredQubits"] = list(range(70))
    fast = braket_result(document)
    _assert_same(fast, _braket_own(document))


@pytest.mark.parametrize(
    "bad_rows",
    [[[0, 1], [1, 2]], [[0, 1], [1]], [[0, 1], [1, -1]]],
    ids=["not a bit", "ragged", "negative"],
)
def test_invalid_measurements_get_braket_own_error(
    scrambled: tuple[dict[str, Any], Any], bad_rows: list[list[int]]
) -> None:
    document = copy.deepcopy(scrambled[0])
    document["measurements"] = bad_rows
    document["measuredQubits"] = [0, 1]
    assert _sampled_gate_model_result(document) is None
    with pytest.raises(Exception) as theirs:
        _braket_own(document)
    with pytest.raises(type(theirs.value)):
        braket_result(document)
    if bad_rows[1] != [1]:
        assert isinstance(theirs.value, ValidationError)  # a bit out of range is a schema error


def test_the_document_is_left_as_it_was(scrambled: tuple[dict[str, Any], Any]) -> None:
    document = scrambled[0]
    before = json.dumps(document, sort_keys=True)
    braket_result(document)
    assert json.dumps(document, sort_keys=True) == before
