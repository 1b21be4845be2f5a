"""The local Hub's IBM runner: Qiskit Runtime primitive jobs in, Runtime-encoded results out.

Inputs are built with qiskit_ibm_runtime's own ``RuntimeEncoder`` and results are read back with its
``RuntimeDecoder``, so our codec is checked against the real one on both sides.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from qiskit import ClassicalRegister, QuantumCircuit, transpile
from qiskit.circuit import Parameter
from qiskit.primitives import StatevectorEstimator
from qiskit.primitives.containers import PrimitiveResult
from qiskit.primitives.containers.estimator_pub import EstimatorPub
from qiskit.primitives.containers.sampler_pub import SamplerPub
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler import CouplingMap, Target
from qiskit_ibm_runtime import RuntimeDecoder, RuntimeEncoder

from qhub_providers.emulator.catalog.spec import BackendSpec
from qhub_providers.emulator.runners.base import InvalidJobInput
from qhub_providers.emulator.runners.qiskit_qpy import QiskitQpyRunner
from qhub_providers.emulator.runners.runtime_json import decode_runtime_value

BASIS = ("cz", "id", "rz", "sx", "x")


def make_spec(num_qubits: int = 4, *, is_simulator: bool = True, max_pubs: int = 5) -> BackendSpec:
    line = tuple((q, q + 1) for q in range(num_qubits - 1)) + tuple((q + 1, q) for q in range(num_qubits - 1))
    return BackendSpec(
        id="ibm.test.line",
        provider="IBM",
        record={},
        native_config={},
        runner="qiskit_qpy",
        input_formats=("QISKIT_QPY",),
        num_qubits=num_qubits,
        is_simulator=is_simulator,
        shots_min=1,
        shots_max=100_000,
        max_pubs_per_job=max_pubs,
        basis_gates=BASIS,
        coupling_map=line,
    )


def isa(circuit: QuantumCircuit, spec: BackendSpec, layout: list[int] | None = None) -> QuantumCircuit:
    """``circuit`` transpiled for a Target built from ``spec``."""
    assert spec.coupling_map is not None
    target = Target.from_configuration(
        basis_gates=[*spec.basis_gates, "measure"],
        num_qubits=spec.num_qubits,
        coupling_map=CouplingMap([list(pair) for pair in spec.coupling_map]),
    )
    return transpile(circuit, target=target, initial_layout=layout, seed_transpiler=11, optimization_level=1)


def bell(measure: bool = True) -> QuantumCircuit:
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    if measure:
        circuit.measure_all()
    return circuit


def runtime_input(pubs: list[Any], **extra: Any) -> dict[str, Any]:
    """The job input a Qiskit Runtime primitive sends, as JSON parsed from the official encoder."""
    body = {"pubs": pubs, "options": {}, "version": 2, "support_qiskit": True, **extra}
    return json.loads(json.dumps(body, cls=RuntimeEncoder))  # type: ignore[no-any-return]


def decoded(native_result: Any) -> PrimitiveResult:
    result = json.loads(json.dumps(native_result), cls=RuntimeDecoder)
    assert isinstance(result, PrimitiveResult)
    return result


def run(
    spec: BackendSpec,
    job_input: dict[str, Any],
    program: str = "sampler",
    *,
    shots: int = 1000,
    seed: int = 7,
    noise: dict[str, Any] | None = None,
) -> tuple[Any, Any]:
    runner = QiskitQpyRunner()
    prepared = runner.prepare(spec, job_input, {"program_id": program}, shots)
    return prepared, runner.execute(prepared, seed=seed, noise=noise)


def calibration(
    num_qubits: int, *, readout: dict[int, float], two_qubit_error: float = 0.0
) -> dict[str, Any]:
    """A gate-based calibration: per-qubit readout errors, one two-qubit error for every pair."""
    return {
        "type": "gate_based",
        "medians": {"gates": {}},
        "qubits": [
            {"qubit": q, "operational": True, "readout_error": readout.get(q, 0.0), "gates": {}}
            for q in range(num_qubits)
        ],
        "qubit_pairs": [
            {"qubits": [q, q + 1], "gates": {"cz": {"operational": True, "error": two_qubit_error}}}
            for q in range(num_qubits - 1)
        ],
    }


# ------------------------------------------------------------------------------------------- sampler


def test_bell_sampler_decodes_to_a_primitive_result_with_correlated_bits() -> None:
    spec = make_spec()
    job_input = runtime_input([SamplerPub.coerce((isa(bell(), spec), None, 1000))])

    _, execution = run(spec, job_input)

    result = decoded(execution.native_result)
    counts = result[0].data.meas.get_counts()
    assert set(counts) == {"00", "11"}
    assert sum(counts.values()) == 1000
    assert 350 < counts["00"] < 650
    assert execution.normalized == {
        "pubs": [
            {
                "type": "counts",
                "index": 0,
                "key_format": "bitstring",
                "counts": dict(sorted(counts.items())),
                "shots": 1000,
                "qubits": 2,
            }
        ]
    }
    memory = execution.memory
    assert memory is not None
    assert memory["shots"] == 1000
    assert set(memory["memory"]) == {"0x0", "0x3"}
    assert memory["memory"].count("0x3") == counts["11"]


def test_qhub_quantum_wire_shape_with_null_parameters_and_job_level_shots() -> None:
    spec = make_spec()
    encoded = json.loads(json.dumps(isa(bell(), spec), cls=RuntimeEncoder))
    job_input = {"pubs": [[encoded, None]], "options": {}, "version": 2, "support_qiskit": True}

    _, execution = run(spec, job_input, shots=300)

    result = decoded(execution.native_result)
    assert result[0].data.meas.num_shots == 300


def test_two_pubs_keep_their_own_shot_counts() -> None:
    spec = make_spec()
    ghz = QuantumCircuit(3)
    ghz.x(0)
    ghz.cx(0, 1)
    ghz.cx(1, 2)
    ghz.measure_all()
    job_input = runtime_input(
        [SamplerPub.coerce((isa(bell(), spec), None, 100)), SamplerPub.coerce((isa(ghz, spec), None, 300))]
    )

    _, execution = run(spec, job_input, shots=400)

    result = decoded(execution.native_result)
    assert len(result) == 2
    assert result[0].data.meas.num_shots == 100
    assert result[1].data.meas.get_counts() == {"111": 300}
    assert [pub["shots"] for pub in execution.normalized["pubs"]] == [100, 300]
    assert execution.memory is None  # per-shot memory only for a single PUB
    spans = result.metadata["execution"]["execution_spans"]
    assert spans.pub_idxs == [0, 1]


def test_parameter_sweep_gives_one_bit_array_per_parameter_set() -> None:
    spec = make_spec()
    theta = Parameter("theta")
    rotation = QuantumCircuit(1, 1)
    rotation.rx(theta, 0)
    rotation.measure(0, 0)
    sweep = [[0.0], [np.pi], [np.pi / 2]]
    job_input = runtime_input([SamplerPub.coerce((isa(rotation, spec, [2]), sweep, 400))])

    prepared, execution = run(spec, job_input)

    bits = decoded(execution.native_result)[0].data.c
    assert bits.shape == (3,)
    assert bits.get_counts(0) == {"0": 400}
    assert bits.get_counts(1) == {"1": 400}
    assert 120 < bits.get_counts(2).get("1", 0) < 280
    # The normalized view sums over the sweep, as BitArray.get_counts() does.
    assert execution.normalized["pubs"][0]["shots"] == 1200
    normalized_input = QiskitQpyRunner().normalized_input(prepared)
    assert normalized_input["format"] == "openqasm.v3"
    assert np.allclose(normalized_input["pubs"][0]["parameter_values"], sweep)
    assert normalized_input["pubs"][0]["qasm"].startswith("OPENQASM 3.0;")


def test_several_registers_join_first_register_rightmost() -> None:
    spec = make_spec()
    circuit = QuantumCircuit(2)
    circuit.x(1)
    first, second = ClassicalRegister(1, "first"), ClassicalRegister(1, "second")
    circuit.add_register(first)
    circuit.add_register(second)
    circuit.measure(0, first[0])
    circuit.measure(1, second[0])
    job_input = runtime_input([SamplerPub.coerce((isa(circuit, spec, [0, 1]), None, 50))])

    _, execution = run(spec, job_input)

    data = decoded(execution.native_result)[0].data
    assert data.first.get_counts() == {"0": 50}
    assert data.second.get_counts() == {"1": 50}
    assert execution.normalized["pubs"][0]["counts"] == {"10": 50}
    assert execution.memory is None  # memory needs a single register


def test_same_seed_same_counts_and_another_seed_other_counts() -> None:
    spec = make_spec()
    job_input = runtime_input([SamplerPub.coerce((isa(bell(), spec), None, 2000))])

    first = decoded(run(spec, job_input, seed=3)[1].native_result)[0].data.meas
    again = decoded(run(spec, job_input, seed=3)[1].native_result)[0].data.meas
    other = decoded(run(spec, job_input, seed=4)[1].native_result)[0].data.meas

    assert np.array_equal(first.array, again.array)
    assert not np.array_equal(first.array, other.array)


def test_options_default_shots_apply_to_pubs_without_shots() -> None:
    spec = make_spec()
    job_input = runtime_input([SamplerPub.coerce(isa(bell(), spec))])
    job_input["pubs"][0][2] = None
    job_input["options"] = {"default_shots": 123}

    _, execution = run(spec, job_input)

    assert decoded(execution.native_result)[0].data.meas.num_shots == 123


# ----------------------------------------------------------------------------------------- estimator


def test_estimator_bell_correlations() -> None:
    spec = make_spec()
    circuit = isa(bell(measure=False), spec, [1, 2])
    observables = [SparsePauliOp(label).apply_layout(circuit.layout) for label in ("ZZ", "XX", "YY", "ZI")]
    job_input = runtime_input([EstimatorPub.coerce((circuit, observables))])

    _, execution = run(spec, job_input, "estimator")

    pub = decoded(execution.native_result)[0]
    assert pub.data.evs == pytest.approx([1.0, 1.0, -1.0, 0.0], abs=0.1)
    assert pub.data.stds.shape == (4,)
    assert pub.metadata["target_precision"] == pytest.approx(0.015625)
    view = execution.normalized["pubs"][0]
    assert view["type"] == "expectation_values"
    assert view["shape"] == [4]
    assert view["values"] == pytest.approx([1.0, 1.0, -1.0, 0.0], abs=0.1)
    assert execution.memory is None


def test_estimator_accepts_sparse_pauli_op_strings_and_broadcasts_parameters() -> None:
    spec = make_spec()
    theta = Parameter("theta")
    rotation = QuantumCircuit(1)
    rotation.ry(theta, 0)
    circuit = isa(rotation, spec, [0])
    width = circuit.num_qubits
    z_label = "I" * (width - 1) + "Z"
    x_operator = SparsePauliOp("I" * (width - 1) + "X")
    encoded = json.loads(json.dumps(circuit, cls=RuntimeEncoder))
    observables = [[json.loads(json.dumps(x_operator, cls=RuntimeEncoder))], [z_label]]  # shape (2, 1)
    job_input = {"pubs": [[encoded, observables, [[0.0], [np.pi / 2]], 0.01]], "version": 2}

    _, execution = run(spec, job_input, "estimator")

    evs = decoded(execution.native_result)[0].data.evs
    assert evs.shape == (2, 2)  # observables (2, 1) broadcast with parameter sets (2,)
    assert evs == pytest.approx(np.array([[0.0, 1.0], [1.0, 0.0]]), abs=0.05)


def test_estimator_observables_on_idle_qubits_of_a_wide_device() -> None:
    spec = make_spec(156)
    flip = QuantumCircuit(1)
    flip.x(0)
    circuit = isa(flip, spec, [7])

    def label(letters: dict[int, str]) -> str:
        return "".join(letters.get(q, "I") for q in reversed(range(156)))

    observables = [
        label({7: "Z"}),  # the flipped qubit: -1
        label({7: "Z", 150: "Z"}),  # Z on an idle qubit in |0> keeps the value
        {label({7: "Z", 150: "X"}): 1.0, label({}): 0.25},  # X on an idle qubit zeroes its term
    ]
    job_input = runtime_input([EstimatorPub.coerce((circuit, observables))])

    _, execution = run(spec, job_input, "estimator")

    assert decoded(execution.native_result)[0].data.evs == pytest.approx([-1.0, -1.0, 0.25])


def test_x_or_y_on_an_idle_qubit_agrees_with_the_statevector_estimator() -> None:
    # Every term of "XI" and "YZ" has X or Y on the idle qubit: nothing of them is left on the simulated
    # qubits, and their value is exactly 0 (they used to be refused as empty observables).
    spec = make_spec(6)
    theta = Parameter("theta")
    circuit = QuantumCircuit(2)
    circuit.ry(theta, 0)
    labels = ("XI", "YZ", "ZX", "ZI", "IX", "IZ")
    observables = [[SparsePauliOp(label)] for label in labels]  # shape (6, 1)
    sweep = [[0.3], [np.pi / 2]]  # shape (2,): broadcast to (6, 2)
    transpiled = isa(circuit, spec, [1, 2])
    laid_out = [[SparsePauliOp(label).apply_layout(transpiled.layout)] for label in labels]
    job_input = runtime_input([EstimatorPub.coerce((transpiled, laid_out, sweep))])

    _, execution = run(spec, job_input, "estimator")

    expected = StatevectorEstimator().run([(circuit, observables, sweep)]).result()[0].data.evs
    evs = decoded(execution.native_result)[0].data.evs
    assert evs.shape == (6, 2)
    assert evs == pytest.approx(expected, abs=1e-9)
    assert evs[0] == pytest.approx([0.0, 0.0])
    assert evs[1] == pytest.approx([0.0, 0.0])


# ------------------------------------------------------------------------------------- noisy devices


def test_qpu_noise_follows_the_physical_qubit_on_a_wide_device() -> None:
    spec = make_spec(156, is_simulator=False)
    flip = QuantumCircuit(1, 1)
    flip.x(0)
    flip.measure(0, 0)
    pubs = [
        SamplerPub.coerce((isa(flip, spec, [120]), None, 2000)),
        SamplerPub.coerce((isa(flip, spec, [121]), None, 2000)),
    ]
    noise = calibration(156, readout={120: 0.3})

    _, execution = run(spec, runtime_input(pubs), shots=4000, noise=noise)

    noisy, clean = (pub.data.c.get_counts() for pub in decoded(execution.native_result))
    assert 450 < noisy.get("0", 0) < 750  # the 30 % readout error of device qubit 120
    assert clean == {"1": 2000}


def test_simulator_ignores_calibration_noise() -> None:
    spec = make_spec(is_simulator=True)
    job_input = runtime_input([SamplerPub.coerce((isa(bell(), spec), None, 1000))])

    _, execution = run(spec, job_input, noise=calibration(4, readout={0: 0.4, 1: 0.4}))

    assert set(decoded(execution.native_result)[0].data.meas.get_counts()) == {"00", "11"}


def test_noisy_estimator_reports_precision_and_is_not_exact() -> None:
    spec = make_spec(is_simulator=False)
    circuit = isa(bell(measure=False), spec, [0, 1])
    observables = [SparsePauliOp("ZZ").apply_layout(circuit.layout)]
    job_input = runtime_input([EstimatorPub.coerce((circuit, observables, None, 0.02))])

    _, execution = run(spec, job_input, "estimator", noise=calibration(4, readout={}, two_qubit_error=0.05))

    pub = decoded(execution.native_result)[0]
    assert 0.8 < pub.data.evs[0] < 0.99
    assert pub.data.stds[0] == pytest.approx(0.02)


# ------------------------------------------------------------------------------------------- refusals


def refusal(spec: BackendSpec, job_input: Any, program: str = "sampler") -> InvalidJobInput:
    with pytest.raises(InvalidJobInput) as caught:
        QiskitQpyRunner().prepare(spec, job_input, {"program_id": program}, 1000)
    return caught.value


def test_non_isa_circuit_is_refused_with_a_transpile_hint() -> None:
    spec = make_spec()
    error = refusal(spec, runtime_input([SamplerPub.coerce((bell(), None, 100))]))
    assert error.status == 422
    assert "'h'" in error.message
    assert "transpile" in error.message


def test_two_qubit_gate_on_uncoupled_pair_is_refused() -> None:
    spec = make_spec()
    circuit = QuantumCircuit(4)
    circuit.cz(0, 3)
    circuit.measure_all()
    error = refusal(spec, runtime_input([SamplerPub.coerce((circuit, None, 100))]))
    assert error.status == 422
    assert "[0, 3]" in error.message
    assert "transpile" in error.message


def test_garbage_qpy_is_a_bad_request() -> None:
    spec = make_spec()
    garbage = {"__type__": "QuantumCircuit", "__value__": "bm90IHFweSBhdCBhbGw="}
    error = refusal(spec, {"pubs": [[garbage, None, 100]], "version": 2})
    assert error.status == 400
    assert "PUB 0" in error.message
    assert "QuantumCircuit" in error.message


def test_wider_circuit_than_the_device_is_refused() -> None:
    spec = make_spec(4)
    circuit = QuantumCircuit(5)
    circuit.measure_all()
    error = refusal(spec, runtime_input([SamplerPub.coerce((circuit, None, 100))]))
    assert error.status == 422
    assert "5 qubits" in error.message


def test_unbound_parameters_are_refused() -> None:
    spec = make_spec()
    theta = Parameter("theta")
    circuit = QuantumCircuit(1, 1)
    circuit.rz(theta, 0)
    circuit.measure(0, 0)
    encoded = json.loads(json.dumps(isa(circuit, spec), cls=RuntimeEncoder))
    error = refusal(spec, {"pubs": [[encoded, None, 100]], "version": 2})
    assert error.status == 422
    assert "theta" in error.message


def test_unknown_program_is_refused_naming_the_allowed_ones() -> None:
    spec = make_spec()
    error = refusal(spec, runtime_input([SamplerPub.coerce((isa(bell(), spec), None, 100))]), "executor")
    assert error.status == 422
    assert "'sampler'" in error.message
    assert "'estimator'" in error.message


def test_too_many_pubs_are_refused() -> None:
    spec = make_spec(max_pubs=1)
    pub = SamplerPub.coerce((isa(bell(), spec), None, 100))
    error = refusal(spec, runtime_input([pub, pub]))
    assert error.status == 422
    assert "at most 1" in error.message


# ---------------------------------------------------------------------------------------------- codec


def test_a_payload_the_official_decoder_cannot_read_is_a_400_with_its_reason() -> None:
    # Not QPY: IBM's RuntimeDecoder judges the payload, and its reason reaches the client.
    broken = {"__type__": "QuantumCircuit", "__value__": "bm90IHFweQ=="}
    error = refusal(make_spec(), runtime_input([[broken, None, 10]]))
    assert error.status == 400
    assert "cannot decode the circuit" in error.message


def test_settings_objects_outside_qiskits_operators_are_not_rebuilt() -> None:
    # The decoder rebuilds classes from their settings only for qiskit.quantum_info operators: a job
    # cannot make the local Hub import and call an arbitrary class.
    payload = {
        "__type__": "settings",
        "__module__": "os",
        "__class__": "system",
        "__value__": {"command": "x"},
    }
    assert decode_runtime_value(payload) == payload
