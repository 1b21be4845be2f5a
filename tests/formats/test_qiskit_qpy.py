"""The IBM format (QISKIT_QPY): sampler and estimator jobs end to end against the local Hub, and
cross-checks of our Runtime JSON codec against qiskit_ibm_runtime's own encoder and decoder.

IBM backends are QPUs: the local Hub simulates them with the calibration's noise, so distributions are
compared with generous bounds and deterministic circuits are judged by their dominant outcome.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import math
import zlib
from collections import Counter
from typing import Any

import numpy as np
import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.circuit import Parameter
from qiskit.primitives import BackendSamplerV2
from qiskit.primitives.containers import BitArray, DataBin, PrimitiveResult, PubResult, SamplerPubResult
from qiskit.quantum_info import SparsePauliOp, Statevector
from qiskit.transpiler import CouplingMap, generate_preset_pass_manager
from qiskit_aer import AerSimulator
from qiskit_ibm_runtime import RuntimeDecoder, RuntimeEncoder

from qhub_providers.api import HubQuantumClient
from qhub_providers.formats import qiskit_qpy, runtime_json
from qhub_providers.formats.base import (
    BackendFacts,
    ClassicalLayout,
    FormatError,
    layout_of,
    without_metadata,
)
from tests.formats.conftest import facts, run_encoded

BACKEND = "ibm.qpu.fez"
SHOTS = 2000


# ------------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def fez(client: HubQuantumClient) -> BackendFacts:
    return facts(client, BACKEND)


@pytest.fixture(scope="module")
def isa(client: HubQuantumClient) -> Any:
    """Transpiles to the backend's ISA with a pass manager built from ``GET backends/{id}/config``."""
    configuration = client.backends.get_backend_config(BACKEND)["config"]
    manager = generate_preset_pass_manager(
        optimization_level=1,
        basis_gates=configuration["basis_gates"],
        coupling_map=CouplingMap(configuration["coupling_map"]),
        seed_transpiler=11,
    )
    return manager.run


def _run(client: HubQuantumClient, fez: BackendFacts, circuits: list[Any], **options: Any) -> Any:
    encoded = qiskit_qpy.encode(circuits, fez, **options)
    outcome = run_encoded(client, BACKEND, encoded)
    samples = qiskit_qpy.decode(outcome["result"], encoded.layouts, encoded.shots)
    return encoded, outcome, samples


def _frequencies(counts: dict[int, int]) -> dict[int, float]:
    total = sum(counts.values())
    return {value: n / total for value, n in counts.items()}


def _distance(measured: dict[int, float], expected: dict[int, float]) -> float:
    keys = set(measured) | set(expected)
    return 0.5 * sum(abs(measured.get(k, 0.0) - expected.get(k, 0.0)) for k in keys)


def _ideal(circuit: QuantumCircuit) -> dict[int, float]:
    """Exact outcome probabilities of a circuit whose measurements are all final, qubit q into clbit c."""
    unitary = circuit.remove_final_measurements(inplace=False)
    probabilities = Statevector(unitary).probabilities_dict()
    pairs = layout_of(circuit).measured
    expected: dict[int, float] = Counter()
    for key, p in probabilities.items():
        bits = key[::-1]  # qubit 0 first
        value = sum(1 << clbit for qubit, clbit in pairs if bits[qubit] == "1")
        expected[value] += p
    return dict(expected)


def _dominant(counts: dict[int, int]) -> int:
    return max(counts, key=lambda value: counts[value])


# ---------------------------------------------------------------------------------- sampler end to end


def test_bell_and_ghz_match_exact_probabilities(
    client: HubQuantumClient, fez: BackendFacts, isa: Any
) -> None:
    bell = QuantumCircuit(2, 2, name="bell")
    bell.h(0)
    bell.cx(0, 1)
    bell.measure([0, 1], [0, 1])
    ghz = QuantumCircuit(3, 3, name="ghz")
    ghz.h(0)
    ghz.cx(0, 1)
    ghz.cx(1, 2)
    ghz.measure([0, 1, 2], [0, 1, 2])
    encoded, _, samples = _run(client, fez, [isa(bell), isa(ghz)], shots=SHOTS, seed_simulator=5)
    assert encoded.shots == 2 * SHOTS
    assert [s.shots for s in samples] == [SHOTS, SHOTS]
    assert [len(s.values or []) for s in samples] == [SHOTS, SHOTS]
    for circuit, sample in zip((bell, ghz), samples, strict=True):
        measured = _frequencies(sample.outcome_counts())
        assert _distance(measured, _ideal(circuit)) < 0.12, measured
        top = circuit.num_clbits and (1 << circuit.num_clbits) - 1
        assert measured.get(0, 0) > 0.4
        assert measured.get(top, 0) > 0.4


def test_asymmetric_bit_order_and_remapped_clbits(
    client: HubQuantumClient, fez: BackendFacts, isa: Any
) -> None:
    # X on qubit 2 only, measured into clbit 0: the value is 1, not 4.
    only_two = QuantumCircuit(3, 3, name="x2_to_c0")
    only_two.x(2)
    only_two.measure(2, 0)
    only_two.measure(0, 1)
    only_two.measure(1, 2)
    # Remapped: qubit 2 -> clbit 0, qubit 0 -> clbit 1, with X on qubit 0: value 2 (binary 10).
    remapped = QuantumCircuit(3, 2, name="remapped")
    remapped.x(0)
    remapped.measure(2, 0)
    remapped.measure(0, 1)
    _, _, samples = _run(client, fez, [isa(only_two), isa(remapped)], shots=500)
    assert _dominant(samples[0].outcome_counts()) == 1
    assert _frequencies(samples[0].outcome_counts())[1] > 0.85
    assert _dominant(samples[1].outcome_counts()) == 2
    assert _frequencies(samples[1].outcome_counts())[2] > 0.85


def test_partial_measurement_leaves_unwritten_clbits_zero(
    client: HubQuantumClient, fez: BackendFacts, isa: Any
) -> None:
    circuit = QuantumCircuit(3, 3, name="partial")
    circuit.x(0)
    circuit.x(1)
    circuit.h(2)
    circuit.measure(1, 1)  # only qubit 1 is read; clbits 0 and 2 are never written
    _, _, samples = _run(client, fez, [isa(circuit)], shots=500)
    counts = samples[0].outcome_counts()
    assert set(counts) <= {0, 2}
    assert _frequencies(counts)[2] > 0.85


def test_two_registers_join_first_register_least_significant(
    client: HubQuantumClient, fez: BackendFacts, isa: Any
) -> None:
    circuit = QuantumCircuit(QuantumRegister(3, "q"), ClassicalRegister(1, "a"), ClassicalRegister(2, "b"))
    circuit.x(0)
    circuit.x(2)
    circuit.measure(0, 0)  # a[0] = 1
    circuit.measure(1, 1)  # b[0] = 0
    circuit.measure(2, 2)  # b[1] = 1
    encoded, outcome, samples = _run(client, fez, [isa(circuit)], shots=500)
    assert encoded.layouts[0].creg_sizes == (("a", 1), ("b", 2))
    assert _dominant(samples[0].outcome_counts()) == 0b101
    registers = qiskit_qpy.decode_sampler_bitarrays(outcome["result"])[0]
    assert list(registers) == ["a", "b"]
    array, num_bits = registers["b"]
    assert num_bits == 2
    assert array.shape == (500, 1)
    assert _dominant(Counter(BitArray(array, num_bits).get_int_counts())) == 0b10


def test_register_joining_agrees_with_backend_sampler_v2(
    client: HubQuantumClient, fez: BackendFacts, isa: Any
) -> None:
    circuit = QuantumCircuit(
        QuantumRegister(4, "q"), ClassicalRegister(2, "low"), ClassicalRegister(2, "high")
    )
    circuit.x(1)
    circuit.x(2)
    circuit.measure([0, 1, 2, 3], [0, 1, 2, 3])
    reference = BackendSamplerV2(backend=AerSimulator(seed_simulator=3)).run([circuit], shots=50).result()[0]
    joined = reference.join_data().get_int_counts()
    assert list(joined) == [0b0110]
    _, _, samples = _run(client, fez, [isa(circuit)], shots=400)
    assert _dominant(samples[0].outcome_counts()) == 0b0110


def test_multi_circuit_job_keeps_circuit_order(client: HubQuantumClient, fez: BackendFacts, isa: Any) -> None:
    circuits = []
    for value in (1, 2, 3):
        circuit = QuantumCircuit(2, 2, name=f"value_{value}")
        for qubit in range(2):
            if value >> qubit & 1:
                circuit.x(qubit)
        circuit.measure([0, 1], [0, 1])
        circuits.append(isa(circuit))
    encoded, outcome, samples = _run(client, fez, circuits, shots=300)
    assert encoded.shots == 900
    assert [len(pub) for pub in outcome["input"]["pubs"]] == [3, 3, 3]
    assert [_dominant(s.outcome_counts()) for s in samples] == [1, 2, 3]


def test_bound_parameters_run_and_unbound_are_refused(
    client: HubQuantumClient, fez: BackendFacts, isa: Any
) -> None:
    theta = Parameter("theta")
    circuit = QuantumCircuit(1, 1, name="rotation")
    circuit.ry(theta, 0)
    circuit.measure(0, 0)
    transpiled = isa(circuit)
    with pytest.raises(FormatError, match=r"unbound parameters \(theta\).*assign_parameters"):
        qiskit_qpy.encode([transpiled], fez)
    _, _, samples = _run(client, fez, [transpiled.assign_parameters({theta: math.pi})], shots=400)
    assert _frequencies(samples[0].outcome_counts())[1] > 0.85


def test_non_isa_circuits_are_refused_with_the_fix(fez: BackendFacts, isa: Any) -> None:
    hadamard = QuantumCircuit(2, 2, name="not_isa")
    hadamard.h(0)
    with pytest.raises(FormatError, match=r"gate 'h' on qubit\(s\) \[0\] is not native.*transpile"):
        qiskit_qpy.encode([hadamard], fez)
    far_apart = QuantumCircuit(fez.num_qubits)
    far_apart.cz(0, fez.num_qubits - 1)
    with pytest.raises(FormatError, match=r"not coupled on backend ibm\.qpu\.fez.*transpile"):
        qiskit_qpy.encode([far_apart], fez)
    too_wide = QuantumCircuit(fez.num_qubits + 1)
    with pytest.raises(FormatError, match=r"157 qubits but backend ibm\.qpu\.fez has 156"):
        qiskit_qpy.encode([too_wide], fez)
    # The ISA rendering of the same circuit goes through.
    assert qiskit_qpy.encode([isa(hadamard)], fez).input["pubs"]


def test_job_limits_and_options(fez: BackendFacts) -> None:
    circuit = QuantumCircuit(1, 1, name="one")
    circuit.x(0)
    circuit.measure(0, 0)
    with pytest.raises(FormatError, match="at most 2 circuits"):
        qiskit_qpy.encode([circuit] * 3, dataclasses.replace(fez, max_circuits=2))
    with pytest.raises(FormatError, match="at least one circuit"):
        qiskit_qpy.encode([], fez)
    with pytest.raises(FormatError, match="shots must be between 1 and 100000"):
        qiskit_qpy.encode([circuit], fez, shots=100_001)
    with pytest.raises(FormatError, match=r"unknown option.*optimization_level"):
        qiskit_qpy.encode([circuit], fez, optimization_level=3)
    with pytest.raises(FormatError, match="log_level must be one of"):
        qiskit_qpy.encode([circuit], fez, log_level="chatty")
    encoded = qiskit_qpy.encode(
        [circuit, circuit],
        fez,
        shots=123,
        memory=True,
        max_execution_time=60,
        log_level="INFO",
        runtime_options={"dynamical_decoupling": {"enable": True}},
    )
    assert encoded.input_format == "QISKIT_QPY"
    assert encoded.input_params == {"program_id": "sampler", "max_execution_time": 60, "log_level": "info"}
    assert encoded.shots == 246
    assert encoded.input["version"] == 2
    assert encoded.input["support_qiskit"] is True
    assert encoded.input["options"] == {"default_shots": 123, "dynamical_decoupling": {"enable": True}}
    assert [pub[1:] for pub in encoded.input["pubs"]] == [[None, 123], [None, 123]]
    json.dumps(encoded.input)  # plain JSON, ready for the wire


def test_loose_clbits_and_aliased_registers_come_back_on_their_clbits(
    client: HubQuantumClient, fez: BackendFacts, isa: Any
) -> None:
    # IBM's sampler returns data per register: loose clbits travel in a register of their own, and an
    # aliasing register's bits land on the clbits they alias.
    from qiskit.circuit import Clbit

    shared = ClassicalRegister(2, "c")
    alias = ClassicalRegister(bits=[shared[1]], name="alias")
    loose = Clbit()
    circuit = QuantumCircuit(QuantumRegister(2, "q"), shared, alias, [loose], name="layouts")
    circuit.x(1)
    circuit.measure(0, shared[0])
    circuit.measure(1, shared[1])
    circuit.measure(1, loose)
    encoded = qiskit_qpy.encode([isa(circuit)], fez, shots=40)
    assert encoded.layouts[0].creg_sizes == (("c", 2), ("alias", 1))
    assert encoded.layouts[0].memory_slots == 3
    outcome = run_encoded(client, BACKEND, encoded)
    recovered = qiskit_qpy.layouts(outcome["input"], dict(outcome["job"].input_params or {}))
    assert [without_metadata(x) for x in recovered] == [without_metadata(x) for x in encoded.layouts]
    (samples,) = qiskit_qpy.decode(outcome["result"], recovered, encoded.shots)
    counts = samples.outcome_counts()
    assert max(counts, key=counts.__getitem__) == 0b110  # clbits 1 and 2 read qubit 1


def test_layouts_come_back_from_the_stored_input(
    client: HubQuantumClient, fez: BackendFacts, isa: Any
) -> None:
    first = QuantumCircuit(
        QuantumRegister(3, "q"),
        ClassicalRegister(2, "meas"),
        ClassicalRegister(1, "flag"),
        name="first",
        metadata={"experiment": "layouts", "angles": np.array([0.5, 1.5])},
    )
    first.x(1)
    first.measure(2, 0)
    first.measure(1, 2)
    second = QuantumCircuit(2, 1, name="second")
    second.measure(1, 0)
    encoded = qiskit_qpy.encode([isa(first), isa(second)], fez, shots=50)
    outcome = run_encoded(client, BACKEND, encoded)
    stored_params = dict(outcome["job"].input_params or {})
    recovered = qiskit_qpy.layouts(outcome["input"], stored_params)

    def bare(layout: ClassicalLayout) -> ClassicalLayout:
        return dataclasses.replace(layout, metadata={})

    assert [bare(layout) for layout in recovered] == [bare(layout) for layout in encoded.layouts]
    assert recovered[0].creg_sizes == (("meas", 2), ("flag", 1))
    assert recovered[0].metadata["experiment"] == "layouts"
    np.testing.assert_array_equal(recovered[0].metadata["angles"], [0.5, 1.5])
    # The same from the JSON text, and from the Hub's {"qasm": "<text>"} view of a string input.
    text = json.dumps(outcome["input"])
    assert [bare(x) for x in qiskit_qpy.layouts(text, {})] == [bare(x) for x in recovered]
    assert [bare(x) for x in qiskit_qpy.layouts({"qasm": text}, {})] == [bare(x) for x in recovered]
    with pytest.raises(FormatError, match="QISKIT_QPY"):
        qiskit_qpy.layouts({"pubs": [[{"__type__": "QuantumCircuit", "__value__": "bm90IHFweQ=="}]]}, {})
    with pytest.raises(FormatError, match="no PUBs"):
        qiskit_qpy.layouts({"options": {}}, {})


def test_qasm_rendering_is_accepted_by_the_hub(client: HubQuantumClient, fez: BackendFacts, isa: Any) -> None:
    circuit = QuantumCircuit(2, 2, name="rendered")
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure([0, 1], [0, 1])
    transpiled = isa(circuit)
    rendering = qiskit_qpy.qasm_rendering([transpiled])
    assert rendering is not None
    assert rendering["format"] == "openqasm.v3"
    assert rendering["programs"][0]["name"] == "rendered"
    assert rendering["programs"][0]["qasm"].startswith("OPENQASM 3")
    encoded = qiskit_qpy.encode([transpiled], fez, shots=10)
    job = client.jobs.create_job(
        backend_id=BACKEND,
        shots=encoded.shots,
        input=encoded.input,
        input_format=encoded.input_format,
        input_params=encoded.input_params,
        qasm=rendering,
    )
    assert job.id is not None
    # Neither QPY nor the OpenQASM 3 exporter can write an annotation without a serializer.
    assert qiskit_qpy.qasm_rendering([transpiled, _annotated_box()]) is None


# ----------------------------------------------------------------------------- the QPY and JSON codec


def _qpy_header_version(tagged: dict[str, Any]) -> int:
    data = zlib.decompress(base64.b64decode(tagged["__value__"]))
    assert data[:6] == b"QISKIT"
    return data[6]


def test_circuits_are_written_at_ibms_qpy_version(fez: BackendFacts) -> None:
    from qiskit import qpy

    circuit = QuantumCircuit(1, 1)
    circuit.x(0)
    circuit.measure(0, 0)
    encoded = qiskit_qpy.encode([circuit], fez)
    version = _qpy_header_version(encoded.input["pubs"][0][0])
    assert version == min(qpy.QPY_VERSION, 17) == runtime_json.qpy_version()


def _annotated_box() -> QuantumCircuit:
    """A circuit with a box annotation of a namespace nobody has a serializer for."""
    from qiskit.circuit import annotation

    class Note(annotation.Annotation):
        namespace = "test.note"

    boxed = QuantumCircuit(1, 1, name="boxed")
    with boxed.box(annotations=[Note()]):
        boxed.x(0)
    boxed.measure(0, 0)
    return boxed


def test_circuits_qpy_cannot_write_are_refused() -> None:
    # A backend without a native configuration: no ISA check, so the circuit reaches the QPY writer.
    bare_backend = BackendFacts("ibm.test.bare", num_qubits=5, max_circuits=5)
    boxed = _annotated_box()
    with pytest.raises(FormatError, match="circuit 0: circuit 'boxed' cannot be written as QPY version 17"):
        qiskit_qpy.encode([boxed], bare_backend)
    strange = QuantumCircuit(1, 1, name="strange", metadata={"handle": object()})
    with pytest.raises(FormatError, match="metadata must be JSON-serialisable"):
        qiskit_qpy.encode([strange], bare_backend)


def test_ibm_runtime_decoder_reads_our_sampler_input(fez: BackendFacts, isa: Any) -> None:
    circuits = []
    for name in ("alpha", "beta"):
        circuit = QuantumCircuit(
            QuantumRegister(2, "q"), ClassicalRegister(2, "c"), name=name, metadata={"tag": name}
        )
        circuit.h(0)
        circuit.cx(0, 1)
        circuit.measure([0, 1], [0, 1])
        circuits.append(isa(circuit))
    encoded = qiskit_qpy.encode(circuits, fez, shots=77, seed_simulator=9)
    decoded = json.loads(json.dumps(encoded.input), cls=RuntimeDecoder)
    assert decoded["version"] == 2
    assert decoded["options"] == {"default_shots": 77, "simulator": {"seed_simulator": 9}}
    for (circuit, values, shots), original in zip(decoded["pubs"], circuits, strict=True):
        assert circuit == original
        assert circuit.name == original.name
        assert circuit.metadata == original.metadata
        assert values is None
        assert shots == 77


def test_our_encoding_matches_what_ibm_runtime_encodes() -> None:
    # Same PUBs through both encoders, read back by IBM's decoder: equal circuits and values.
    theta = Parameter("theta")
    circuit = QuantumCircuit(1, 1, name="sweep")
    circuit.ry(theta, 0)
    circuit.measure(0, 0)
    sweep = np.array([[0.0], [math.pi / 2], [math.pi]])
    backend = BackendFacts("ibm.test.bare", num_qubits=1, max_circuits=3)
    ours = qiskit_qpy.encode_sampler([(circuit, sweep, 40)], backend, shots=10)
    from qiskit.primitives.containers.sampler_pub import SamplerPub

    theirs = json.dumps({"pubs": [SamplerPub.coerce((circuit, sweep, 40))]}, cls=RuntimeEncoder)
    ours_decoded = json.loads(json.dumps(ours.input), cls=RuntimeDecoder)["pubs"][0]
    theirs_decoded = json.loads(theirs, cls=RuntimeDecoder)["pubs"][0]
    assert ours_decoded[0] == theirs_decoded[0]
    np.testing.assert_array_equal(ours_decoded[1], theirs_decoded[1])
    assert ours_decoded[2] == theirs_decoded[2] == 40
    assert ours.shots == 40


def _bits_little_endian(bits: BitArray) -> np.ndarray:
    """Per shot, the register's bits with bit 0 first."""
    return bits.to_bool_array(order="little").reshape(-1, bits.num_bits)


def test_we_read_results_encoded_by_ibm_runtime() -> None:
    rng = np.random.default_rng(1)
    shots = 64
    low = BitArray.from_bool_array(rng.integers(0, 2, (shots, 3)).astype(bool), order="little")
    wide = BitArray.from_bool_array(rng.integers(0, 2, (shots, 70)).astype(bool), order="little")
    narrow = BitArray.from_bool_array(rng.integers(0, 2, (shots, 2)).astype(bool), order="little")
    two_bytes = BitArray.from_bool_array(rng.integers(0, 2, (shots, 12)).astype(bool), order="little")
    result = PrimitiveResult(
        [
            SamplerPubResult(DataBin(low=low, high=narrow), metadata={"circuit_metadata": {"k": 1}}),
            SamplerPubResult(DataBin(small=low, big=wide), metadata={}),
            SamplerPubResult(DataBin(twelve=two_bytes, two=narrow), metadata={}),
        ],
        metadata={"version": 2},
    )
    text = json.dumps(result, cls=RuntimeEncoder)
    layouts = [
        ClassicalLayout("first", (("low", 3), ("high", 2))),
        ClassicalLayout("second", (("small", 3), ("big", 70))),
        ClassicalLayout("third", (("twelve", 12), ("two", 2))),
    ]
    samples = qiskit_qpy.decode(json.loads(text), layouts, 3 * shots)
    for sample, registers in zip(samples, ((low, narrow), (low, wide), (two_bytes, narrow)), strict=True):
        joined = np.concatenate([_bits_little_endian(bits) for bits in registers], axis=1)
        expected = [sum(1 << i for i, bit in enumerate(row) if bit) for row in joined]
        assert sample.shots == shots
        assert sample.values == expected
    # BitArray.concatenate_bits is what SamplerPubResult.join_data uses: first register least significant.
    joined = BitArray.concatenate_bits([low, narrow])
    assert samples[0].values == [int(v) for v in joined.to_bool_array(order="little") @ (1 << np.arange(5))]
    arrays = qiskit_qpy.decode_sampler_bitarrays(text)
    assert list(arrays[1]) == ["small", "big"]
    assert BitArray(*arrays[1]["big"]) == wide


def test_malformed_results_raise_format_errors() -> None:
    bits = BitArray.from_bool_array(np.ones((4, 2), dtype=bool), order="little")
    good = json.loads(json.dumps(PrimitiveResult([SamplerPubResult(DataBin(c=bits))]), cls=RuntimeEncoder))
    layout = [ClassicalLayout("x", (("c", 2),))]
    assert qiskit_qpy.decode(good, layout, 4)[0].values == [3, 3, 3, 3]

    def corrupted(path: list[Any], value: Any) -> dict[str, Any]:
        copy = json.loads(json.dumps(good))
        target = copy
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return copy

    bitarray = ["__value__", "pub_results", 0, "__value__", "data", "__value__", "fields", "c", "__value__"]
    cases: list[tuple[Any, list[ClassicalLayout], str]] = [
        ({}, layout, "expected a Runtime-encoded PrimitiveResult"),
        ("not json {", layout, "not JSON"),
        ([1, 2], layout, "expected a Runtime-encoded PrimitiveResult"),
        ({"reason": "device exploded", "reasonCode": 1517}, layout, "device exploded"),
        (good, layout * 2, r"1 PUB result\(s\) for 2 circuit\(s\)"),
        (good, [ClassicalLayout("x", (("d", 2),))], "no bit array for classical register 'd'"),
        (good, [ClassicalLayout("x", (("c", 3),))], "has 2 bits, the circuit declares 3"),
        (corrupted([*bitarray, "num_bits"], 9), layout, "must hold 2 bytes per shot"),
        (corrupted([*bitarray, "array", "__value__"], "%%%"), layout, "not valid base64"),
        (corrupted([*bitarray, "array", "__value__"], "aGVsbG8="), layout, "not zlib-compressed"),
        (corrupted([*bitarray[:-1]], {"__type__": "BitArray", "__value__": {}}), layout, "cannot decode"),
        (corrupted(["__value__", "pub_results"], "nope"), layout, "pub_results must be a list"),
    ]
    for result, layouts, message in cases:
        with pytest.raises(FormatError, match=message) as caught:
            qiskit_qpy.decode(result, layouts, 4)
        assert "QISKIT_QPY" in str(caught.value)
    with pytest.raises(FormatError, match="is this an estimator result"):
        qiskit_qpy.decode_sampler_bitarrays(
            json.loads(json.dumps(PrimitiveResult([PubResult(DataBin(evs=np.ones(1)))]), cls=RuntimeEncoder))
        )
    with pytest.raises(FormatError, match="is this a sampler result"):
        qiskit_qpy.decode_estimator(good)


def test_decoding_a_million_shots() -> None:
    # Correctness at scale; how fast it is, benchmarks/bench_decode.py measures.
    rng = np.random.default_rng(2)
    shots = 1_000_000
    first = BitArray(rng.integers(0, 256, (shots, 1), dtype=np.uint8), 8)
    second = BitArray(rng.integers(0, 8, (shots, 1), dtype=np.uint8), 3)
    result = _encoded_by_ibm_runtime(PrimitiveResult([SamplerPubResult(DataBin(c=first, d=second))]))
    layouts = [ClassicalLayout("big", (("c", 8), ("d", 3)))]
    samples = qiskit_qpy.decode(result, layouts, shots)
    values = samples[0].values
    assert values is not None
    assert len(values) == shots
    assert values[:3] == [int(first.array[i, 0]) | int(second.array[i, 0]) << 8 for i in range(3)]


def _encoded_by_ibm_runtime(result: PrimitiveResult) -> Any:
    return json.loads(json.dumps(result, cls=RuntimeEncoder))


# ----------------------------------------------------------------------------------- sweeps, estimator


def test_sampler_sweep_keeps_its_shape(client: HubQuantumClient, fez: BackendFacts, isa: Any) -> None:
    theta = Parameter("theta")
    circuit = QuantumCircuit(1, 1, name="sweep")
    circuit.ry(theta, 0)
    circuit.measure(0, 0)
    sweep = np.array([[0.0], [math.pi], [0.0]])
    encoded = qiskit_qpy.encode_sampler([(isa(circuit), sweep)], fez, shots=200)
    assert encoded.shots == 200
    outcome = run_encoded(client, BACKEND, encoded)
    [registers] = qiskit_qpy.decode_sampler_bitarrays(outcome["result"])
    array, num_bits = registers["c"]
    assert (array.shape, num_bits) == ((3, 200, 1), 1)
    ones = BitArray(array, num_bits).bitcount().mean(axis=-1)
    assert ones[0] < 0.15
    assert ones[1] > 0.85
    assert ones[2] < 0.15
    with pytest.raises(FormatError, match="not a valid sampler PUB"):
        qiskit_qpy.encode_sampler([isa(circuit)], fez)


def test_estimator_bell_correlations(client: HubQuantumClient, fez: BackendFacts, isa: Any) -> None:
    bell = QuantumCircuit(2, name="bell")
    bell.h(0)
    bell.cx(0, 1)
    transpiled = isa(bell)
    observables = [SparsePauliOp(label).apply_layout(transpiled.layout) for label in ("ZZ", "XX", "ZI")]
    encoded = qiskit_qpy.encode_estimator([(transpiled, observables)], fez, precision=0.02, seed_estimator=4)
    assert encoded.input_params == {"program_id": "estimator"}
    assert encoded.input["options"] == {"default_precision": 0.02, "seed_estimator": 4}
    assert encoded.shots == math.ceil(1 / 0.02**2)
    outcome = run_encoded(client, BACKEND, encoded)
    [pub] = qiskit_qpy.decode_estimator(outcome["result"])
    evs, stds = pub["evs"], pub["stds"]
    assert isinstance(evs, np.ndarray)
    assert isinstance(stds, np.ndarray)
    assert evs.shape == stds.shape == pub["shape"] == (3,)
    assert evs[0] > 0.85
    assert evs[1] > 0.85
    assert abs(evs[2]) < 0.15
    assert isinstance(pub["metadata"], dict)


def test_estimator_input_round_trips_through_ibm_runtime(fez: BackendFacts, isa: Any) -> None:
    theta = Parameter("theta")
    circuit = QuantumCircuit(2, name="ansatz")
    circuit.ry(theta, 0)
    circuit.cx(0, 1)
    transpiled = isa(circuit)
    observable = SparsePauliOp.from_list([("ZZ", 1.0), ("XI", 0.5)]).apply_layout(transpiled.layout)
    values = np.array([[0.1], [0.2]])
    encoded = qiskit_qpy.encode_estimator([(transpiled, observable, values, 0.05)], fez)
    assert encoded.input["options"] == {}
    assert encoded.shots == 400
    [pub] = json.loads(json.dumps(encoded.input), cls=RuntimeDecoder)["pubs"]
    assert pub[0] == transpiled
    labels = pub[1]
    assert {label.replace("I", ""): coefficient for label, coefficient in labels.items()} == {
        "ZZ": 1.0,
        "X": 0.5,
    }
    np.testing.assert_array_equal(pub[2], values)
    assert pub[3] == 0.05


def test_estimator_results_encoded_by_ibm_runtime_decode() -> None:
    data = DataBin(
        evs=np.array([0.5, -0.25]),
        stds=np.array([0.01, 0.02]),
        ensemble_standard_error=np.array([0.01, 0.02]),
        shape=(2,),
    )
    text = json.dumps(
        PrimitiveResult([PubResult(data, metadata={"target_precision": 0.01})]), cls=RuntimeEncoder
    )
    [pub] = qiskit_qpy.decode_estimator(text)
    np.testing.assert_array_equal(pub["evs"], [0.5, -0.25])
    np.testing.assert_array_equal(pub["stds"], [0.01, 0.02])
    np.testing.assert_array_equal(pub["ensemble_standard_error"], [0.01, 0.02])
    assert pub["metadata"] == {"target_precision": 0.01}
    assert pub["shape"] == (2,)
