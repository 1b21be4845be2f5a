"""Qiskit targets built from what a local Hub serves: every gate-based backend, fetched over REST.

Each target must carry a GHZ circuit through Qiskit's preset transpiler onto coupled qubits, agree with
IBM's own conversion where IBM has one, honour the device's coupling and error figures, and serve
``BackendEstimatorV2``. Broken descriptions must fail with a ``ValueError`` that names the backend.
"""

from __future__ import annotations

import copy
import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from qiskit import QuantumCircuit, transpile
from qiskit.primitives import BackendEstimatorV2
from qiskit.providers import BackendV2, Options
from qiskit.quantum_info import Operator, SparsePauliOp
from qiskit.transpiler import Target, generate_preset_pass_manager
from qiskit_aer import AerSimulator

from qhub_providers.api.models import Backend, CalibrationResponse, GateBasedCalibration
from qhub_providers.emulator import LocalHub
from qhub_providers.qiskit.target import HubTargetInfo, build_target

NOT_GATE_BASED = {"BRAKET_AHS_PROGRAM", "PERCEVAL"}


@dataclass(frozen=True)
class Served:
    """What the local Hub serves about one backend."""

    backend: Backend
    native_config: dict[str, Any]
    calibration: CalibrationResponse | None

    def build(self) -> HubTargetInfo:
        return build_target(self.backend, self.native_config, self.calibration)


@pytest.fixture(scope="module")
def served() -> Iterator[dict[str, Served]]:
    """Every backend of a local Hub, with its native configuration and calibration, by id."""
    with LocalHub() as hub, hub.client(max_retries=0) as client:
        everything = {}
        for backend in client.backends.get_backends():
            assert backend.id is not None
            everything[backend.id] = Served(
                backend,
                client.backends.get_backend_config(backend.id),
                client.backends.get_backend_calibration(backend.id),
            )
        yield everything


@pytest.fixture(scope="module")
def gate_based(served: dict[str, Served]) -> dict[str, Served]:
    formats = {
        backend_id: {str(f) for f in (s.backend.configuration.supported_input_formats or [])}
        for backend_id, s in served.items()
        if s.backend.configuration is not None
    }
    chosen = {i: s for i, s in served.items() if not formats.get(i, set()) & NOT_GATE_BASED}
    # The catalog has every family; a shrunken catalog would make the loops below prove nothing.
    assert {s.backend.provider for s in chosen.values()} >= {"AWS", "IBM", "IQM", "AZURE", "AQT", "KIPU"}
    return chosen


@pytest.fixture(scope="module")
def targets(gate_based: dict[str, Served]) -> dict[str, HubTargetInfo]:
    return {backend_id: s.build() for backend_id, s in gate_based.items()}


def ghz(n: int = 5) -> QuantumCircuit:
    circuit = QuantumCircuit(n)
    circuit.h(0)
    for q in range(n - 1):
        circuit.cx(q, q + 1)
    circuit.measure_all()
    return circuit


def active_part(circuit: QuantumCircuit) -> QuantumCircuit:
    """``circuit`` on only the qubits it touches (same classical bits), small enough to simulate."""
    used = sorted(
        {
            circuit.find_bit(q).index
            for instruction in circuit.data
            if instruction.operation.name != "barrier"
            for q in instruction.qubits
        }
    )
    where = {q: i for i, q in enumerate(used)}
    compact = QuantumCircuit(len(used), circuit.num_clbits)
    for instruction in circuit.data:
        if instruction.operation.name == "barrier":
            continue
        compact.append(
            instruction.operation,
            [where[circuit.find_bit(q).index] for q in instruction.qubits],
            [circuit.find_bit(c).index for c in instruction.clbits],
        )
    return compact


def assert_fits(circuit: QuantumCircuit, target: Target, label: str) -> None:
    """Every instruction is one the target offers on exactly those qubits."""
    coupling = target.build_coupling_map()
    edges = None if coupling is None else set(coupling.get_edges())
    for instruction in circuit.data:
        name = instruction.operation.name
        qargs = tuple(circuit.find_bit(q).index for q in instruction.qubits)
        if name == "barrier":
            continue
        assert target.instruction_supported(name, qargs), f"{label}: {name} on {qargs} not in the target"
        if len(qargs) == 2 and edges is not None:
            assert qargs in edges, f"{label}: {name} on uncoupled pair {qargs}"


# --- every backend ------------------------------------------------------------------------------------


def test_every_gate_based_backend_gets_a_target_of_its_kind(
    gate_based: dict[str, Served], targets: dict[str, HubTargetInfo]
) -> None:
    expected_kind = {"AWS": "braket", "IBM": "ibm", "IQM": "iqm"}
    for backend_id, info in targets.items():
        backend = gate_based[backend_id].backend
        assert info.kind == expected_kind.get(str(backend.provider), "generic"), backend_id
        assert info.target.num_qubits == backend.configuration.qubit_count, backend_id  # type: ignore[union-attr]
        assert info.simulator == (str(backend.type) == "SIMULATOR"), backend_id
        assert "measure" in info.target.operation_names, backend_id
        assert set(info.native_gates) <= set(info.target.operation_names), backend_id
        if info.coupling_map is not None:
            assert all(a != b for a, b in info.coupling_map.get_edges()), f"{backend_id}: self-loop"


def test_ghz_transpiles_onto_coupled_qubits_and_still_makes_ghz(targets: dict[str, HubTargetInfo]) -> None:
    simulator = AerSimulator(seed_simulator=11)
    for backend_id, info in targets.items():
        isa = transpile(ghz(), target=info.target, optimization_level=1, seed_transpiler=7)
        assert_fits(isa, info.target, backend_id)
        counts = simulator.run(active_part(isa), shots=200).result().get_counts()
        assert set(counts) == {"00000", "11111"}, f"{backend_id}: {counts}"


def test_preset_pass_manager_accepts_every_target(targets: dict[str, HubTargetInfo]) -> None:
    for backend_id, info in targets.items():
        manager = generate_preset_pass_manager(optimization_level=1, target=info.target, seed_transpiler=3)
        assert_fits(manager.run(ghz(3)), info.target, backend_id)


class TargetOnlyBackend(BackendV2):
    """The least a ``BackendV2`` needs: a target, and a ``run`` that checks fit before simulating."""

    def __init__(self, target: Target) -> None:
        super().__init__(name="target-only")
        self._target = target

    @property
    def target(self) -> Target:
        return self._target

    @property
    def max_circuits(self) -> None:
        return None

    @classmethod
    def _default_options(cls) -> Options:
        return Options(shots=1024, seed_simulator=None, memory=False)

    def run(self, run_input: Any, **options: Any) -> Any:
        circuits = [run_input] if isinstance(run_input, QuantumCircuit) else list(run_input)
        for circuit in circuits:
            # The estimator's own basis changes (H, S†) must have been rewritten into the target's gates.
            assert_fits(circuit, self._target, "estimator circuit")
        return AerSimulator().run([active_part(c) for c in circuits], **options)


def test_backend_estimator_measures_bell_correlations_on_every_target(
    targets: dict[str, HubTargetInfo],
) -> None:
    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    observables = SparsePauliOp(["XX", "YY", "ZZ"])
    for backend_id, info in targets.items():
        estimator = BackendEstimatorV2(
            backend=TargetOnlyBackend(info.target), options={"default_precision": 0.05, "seed_simulator": 5}
        )
        isa = transpile(bell, target=info.target, optimization_level=1, seed_transpiler=2)
        laid_out = [observable.apply_layout(isa.layout) for observable in observables]
        values = estimator.run([(isa, laid_out)]).result()[0].data.evs
        assert list(values) == pytest.approx([1.0, -1.0, 1.0], abs=1e-9), backend_id


# --- IBM --------------------------------------------------------------------------------------------


def test_ibm_target_matches_qiskit_ibm_runtime_conversion(
    gate_based: dict[str, Served], targets: dict[str, HubTargetInfo]
) -> None:
    from qiskit_ibm_runtime.utils.backend_converter import convert_to_target
    from qiskit_ibm_runtime.utils.backend_decoder import (
        configuration_from_server_data,
        properties_from_server_data,
    )

    backend_id = "ibm.qpu.fez"
    native = gate_based[backend_id].native_config
    reference = convert_to_target(
        configuration_from_server_data(copy.deepcopy(native["config"])),
        properties_from_server_data(copy.deepcopy(native["properties"])),
    )
    ours = targets[backend_id].target
    assert ours.num_qubits == reference.num_qubits == 156
    assert set(ours.build_coupling_map().get_edges()) == set(reference.build_coupling_map().get_edges())
    assert set(ours.operation_names) - {"barrier"} == set(reference.operation_names)
    assert ours.dt == reference.dt
    edge = next(iter(reference["cz"]))
    for name, qargs in [("sx", (0,)), ("x", (17,)), ("cz", edge), ("measure", (5,)), ("rz", (3,))]:
        theirs, mine = reference[name][qargs], ours[name][qargs]
        assert theirs is not None, (name, qargs)
        assert mine is not None, (name, qargs)
        assert (mine.error, mine.duration) == (theirs.error, theirs.duration), (name, qargs)
    assert mine.error is not None  # the comparison above compared real figures, not two Nones
    for q in (0, 42, 155):
        theirs_q, mine_q = reference.qubit_properties[q], ours.qubit_properties[q]
        assert (mine_q.t1, mine_q.t2, mine_q.frequency) == (theirs_q.t1, theirs_q.t2, theirs_q.frequency)


def _ibm_documents(**config_changes: Any) -> dict[str, Any]:
    """A two-qubit IBM-style description, without properties."""
    config = {
        "backend_name": "ibm_tiny",
        "n_qubits": 2,
        "basis_gates": ["cz", "id", "rz", "sx", "x", "rx", "rzz"],
        "gates": [],
        "coupling_map": [[0, 1], [1, 0]],
        "supported_instructions": ["cz", "id", "rz", "sx", "x", "rx", "rzz", "measure", "delay", "if_else"],
        "dt": 0.5,
    } | config_changes
    return {"config": config, "properties": None}


def _ibm_backend(backend_id: str = "ibm.qpu.tiny") -> Backend:
    return Backend.model_validate({"id": backend_id, "provider": "IBM", "type": "QPU"})


def test_ibm_fractional_gates_stay_out_unless_asked_for() -> None:
    plain = build_target(_ibm_backend(), _ibm_documents(), None).target
    assert {"rx", "rzz"}.isdisjoint(plain.operation_names)
    assert "if_else" in plain.operation_names
    assert plain.dt == pytest.approx(0.5e-9)

    fractional = build_target(_ibm_backend(), _ibm_documents(), None, include_fractional_gates=True).target
    assert {"rx", "rzz"} <= set(fractional.operation_names)
    # IBM cannot mix fractional gates and dynamic circuits in one job.
    assert "if_else" not in fractional.operation_names


@pytest.mark.parametrize("theta", [0.3, 1.2, 2.5, -0.4, -2.9, 7.0])
def test_fractional_rzz_angles_are_folded_into_ibm_range(theta: float) -> None:
    target = build_target(_ibm_backend(), _ibm_documents(), None, include_fractional_gates=True).target
    circuit = QuantumCircuit(2)
    circuit.rzz(theta, 0, 1)
    isa = transpile(circuit, target=target, optimization_level=1, seed_transpiler=1)
    angles = [float(i.operation.params[0]) for i in isa.data if i.operation.name == "rzz"]
    assert all(-1e-9 <= a <= math.pi / 2 + 1e-9 for a in angles), angles
    assert Operator.from_circuit(isa).equiv(Operator(circuit))


def test_ibm_faulty_qubit_is_left_out(gate_based: dict[str, Served]) -> None:
    served = gate_based["ibm.qpu.fez"]
    native = copy.deepcopy(served.native_config)
    native["properties"]["qubits"][3].append({"name": "operational", "value": 0, "unit": "", "date": "2025"})
    target = build_target(served.backend, native, None).target
    assert not any(3 in qargs for qargs in target.qargs or [] if qargs is not None)
    isa = transpile(ghz(), target=target, optimization_level=1, seed_transpiler=4)
    assert_fits(isa, target, "fez without qubit 3")


# --- IQM --------------------------------------------------------------------------------------------


def test_iqm_qubit_names_follow_the_architecture(
    gate_based: dict[str, Served], targets: dict[str, HubTargetInfo]
) -> None:
    served, info = gate_based["iqm.qpu.garnet"], targets["iqm.qpu.garnet"]
    architecture = served.native_config
    assert info.qubit_names == tuple(architecture["qubits"])
    assert info.qubit_names[0] == "QB1"
    index = {name: i for i, name in enumerate(info.qubit_names)}
    cz_loci = [
        locus for impl in architecture["gates"]["cz"]["implementations"].values() for locus in impl["loci"]
    ]
    expected = {(index[a], index[b]) for a, b in cz_loci} | {(index[b], index[a]) for a, b in cz_loci}
    assert set(info.target["cz"]) == expected
    assert set(info.coupling_map.get_edges()) == expected  # type: ignore[union-attr]
    assert {"r", "cz"} <= set(info.target.operation_names)


def test_iqm_errors_come_from_the_calibration(
    gate_based: dict[str, Served], targets: dict[str, HubTargetInfo]
) -> None:
    served, target = gate_based["iqm.qpu.garnet"], targets["iqm.qpu.garnet"].target
    assert served.calibration is not None
    calibration = served.calibration.calibration
    assert isinstance(calibration, GateBasedCalibration)
    qb1 = next(q for q in calibration.qubits if q.name == "QB1")
    assert target["r"][(0,)].error == qb1.gates["r"].error
    assert target["measure"][(0,)].error == qb1.readout_error
    assert target.qubit_properties[0].t1 == pytest.approx(qb1.t1_us * 1e-6)  # type: ignore[operator]
    pair = calibration.qubit_pairs[0]
    a, b = pair.qubits
    assert target["cz"][(a, b)].error == target["cz"][(b, a)].error == pair.gates["cz"].error


def test_iqm_without_calibration_still_targets_the_loci(gate_based: dict[str, Served]) -> None:
    served = gate_based["iqm.qpu.emerald"]
    info = build_target(served.backend, served.native_config, None)
    assert all(props is None for props in info.target["cz"].values())
    assert_fits(
        transpile(ghz(), target=info.target, optimization_level=1, seed_transpiler=1), info.target, ""
    )


def test_iqm_architecture_with_loci_listed_directly() -> None:
    backend = Backend.model_validate({"id": "iqm.qpu.small", "provider": "IQM", "type": "QPU"})
    architecture = {
        "qubits": ["QB1", "QB2", "QB3"],
        "gates": {
            "prx": {"loci": [["QB1"], ["QB2"], ["QB3"]]},
            "cz": {"loci": [["QB1", "QB2"], ["QB2", "QB3"]]},
            "measure": {"loci": [["QB1"], ["QB2"], ["QB3"]]},
            "move": {"loci": []},
        },
    }
    info = build_target(backend, architecture, None)
    assert info.kind == "iqm"
    assert set(info.coupling_map.get_edges()) == {(0, 1), (1, 0), (1, 2), (2, 1)}  # type: ignore[union-attr]


# --- AWS --------------------------------------------------------------------------------------------


def test_rigetti_target_honours_the_connectivity_graph_and_carries_errors(
    gate_based: dict[str, Served], targets: dict[str, HubTargetInfo]
) -> None:
    capabilities = gate_based["aws.rigetti.cepheus"].native_config
    info = targets["aws.rigetti.cepheus"]
    graph = capabilities["paradigm"]["connectivity"]["connectivityGraph"]
    edges = {(int(a), int(b)) for a, ns in graph.items() for b in ns}
    assert set(info.coupling_map.get_edges()) == edges | {(b, a) for a, b in edges}  # type: ignore[union-attr]
    assert len(edges) < 36 * 35  # a lattice, not all-to-all
    two_qubit = capabilities["standardized"]["twoQubitProperties"]
    key, entry = next(iter(two_qubit.items()))
    a, b = (int(x) for x in key.split("-"))
    fidelity = entry["twoQubitGateFidelity"][0]["fidelity"]
    assert info.target["cz"][(a, b)].error == pytest.approx(1 - fidelity)
    assert info.target["cz"][(b, a)].error == pytest.approx(1 - fidelity)
    readout = next(
        f["fidelity"]
        for f in capabilities["standardized"]["oneQubitProperties"]["0"]["oneQubitFidelity"]
        if f["fidelityType"]["name"] == "READOUT"
    )
    assert info.target["measure"][(0,)].error == pytest.approx(1 - readout)
    assert info.target.qubit_properties[0].t1 is not None
    assert set(info.native_gates) == {"rx", "rz", "cz"}


def test_ionq_target_is_all_to_all_with_errors(
    gate_based: dict[str, Served], targets: dict[str, HubTargetInfo]
) -> None:
    capabilities = gate_based["aws.ionq.forte"].native_config
    target = targets["aws.ionq.forte"].target
    assert len(target["rzz"]) == 36 * 35
    standardized = capabilities["standardized"]
    two_qubit_error = 1 - standardized["twoQubitGateFidelity"][0]["fidelity"]
    assert target["rzz"][(4, 31)].error == pytest.approx(two_qubit_error)
    one_qubit = standardized["oneQubitProperties"]["7"]["oneQubitFidelity"][0]["fidelity"]
    assert target["rx"][(7,)].error == pytest.approx(1 - one_qubit)
    assert target["measure"][(7,)].error == pytest.approx(1 - standardized["readoutFidelity"][0]["fidelity"])


def test_braket_qpu_with_gaps_in_its_numbering_is_renumbered(gate_based: dict[str, Served]) -> None:
    served = gate_based["aws.rigetti.cepheus"]
    capabilities = copy.deepcopy(served.native_config)
    # Qubits 10, 11 and 40 in a line, as a device with dead qubits numbers them.
    capabilities["paradigm"]["connectivity"]["connectivityGraph"] = {
        "10": ["11"],
        "11": ["10", "40"],
        "40": ["11"],
    }
    capabilities["standardized"] = {
        "oneQubitProperties": {
            "40": {"oneQubitFidelity": [{"fidelityType": {"name": "READOUT"}, "fidelity": 0.9}]}
        },
        "twoQubitProperties": {"11-40": {"twoQubitGateFidelity": [{"gateName": "CZ", "fidelity": 0.95}]}},
    }
    info = build_target(served.backend, capabilities, None)
    assert info.target.num_qubits == 3
    assert info.physical_qubits == (10, 11, 40)
    assert set(info.coupling_map.get_edges()) == {(0, 1), (1, 0), (1, 2), (2, 1)}  # type: ignore[union-attr]
    assert info.target["measure"][(2,)].error == pytest.approx(0.1)
    assert info.target["cz"][(2, 1)].error == pytest.approx(0.05)


def test_braket_qpu_without_standardized_figures_takes_the_hub_calibration(
    gate_based: dict[str, Served],
) -> None:
    served = gate_based["aws.rigetti.cepheus"]
    capabilities = {k: v for k, v in served.native_config.items() if k != "standardized"}
    assert served.calibration is not None
    calibration = served.calibration.calibration
    assert isinstance(calibration, GateBasedCalibration)
    target = build_target(served.backend, capabilities, served.calibration).target
    pair = calibration.qubit_pairs[0]
    a, b = pair.qubits
    assert target["cz"][(b, a)].error == pair.gates["cz"].error
    assert target["measure"][(a,)].error == calibration.qubits[a].readout_error


def test_braket_simulator_target_is_global(targets: dict[str, HubTargetInfo]) -> None:
    info = targets["aws.sim.sv1"]
    assert info.coupling_map is None
    assert {"cx", "sdg", "sx", "rxx", "u", "r", "ccx"} <= set(info.target.operation_names)
    assert "gpi" not in info.target.operation_names


# --- generic ----------------------------------------------------------------------------------------


def _generic_backend(configuration: dict[str, Any], *, kind: str = "QPU") -> Backend:
    return Backend.model_validate(
        {"id": "acme.qpu.one", "provider": "ACME", "type": kind, "configuration": configuration}
    )


def test_generic_target_follows_the_graph_without_self_loops(caplog: pytest.LogCaptureFixture) -> None:
    backend = _generic_backend(
        {
            "gates": [{"name": "cz", "native_gate": True}, {"name": "sx"}, {"name": "rz"}, {"name": "gpi2"}],
            "instructions": None,
            "operations": None,
            "qubit_count": 3,
            "connectivity": {"fully_connected": False, "graph": {"0": ["0", "1"], "1": ["2"], "2": []}},
        }
    )
    with caplog.at_level(logging.DEBUG, logger="qhub_providers.qiskit.target"):
        info = build_target(backend, None, None)
    assert set(info.coupling_map.get_edges()) == {(0, 1), (1, 0), (1, 2), (2, 1)}  # type: ignore[union-attr]
    assert "gpi2" in caplog.text
    assert "measure" in info.target.operation_names  # assumed when neither list is given
    assert info.native_gates == ("cz",)
    assert_fits(transpile(ghz(3), target=info.target, optimization_level=1), info.target, "acme")


def test_generic_qpu_errors_come_from_the_calibration(
    gate_based: dict[str, Served], targets: dict[str, HubTargetInfo]
) -> None:
    served, target = gate_based["aqt.qpu.ibex"], targets["aqt.qpu.ibex"].target
    assert served.calibration is not None
    calibration = served.calibration.calibration
    assert isinstance(calibration, GateBasedCalibration)
    assert target["r"][(2,)].error == calibration.qubits[2].gates["r"].error
    pair = next(p for p in calibration.qubit_pairs if p.qubits == [3, 8])
    assert target["rxx"][(8, 3)].error == pair.gates["rxx"].error
    assert target["measure"][(2,)].error == calibration.qubits[2].readout_error


# --- broken descriptions ----------------------------------------------------------------------------


def _aws_backend() -> Backend:
    return Backend.model_validate({"id": "aws.qpu.broken", "provider": "AWS", "type": "QPU"})


@pytest.mark.parametrize(
    ("backend", "native", "fragment"),
    [
        (_aws_backend(), {"braketSchemaHeader": {"name": "x"}, "paradigm": {"qubitCount": 2}}, "action"),
        (
            _aws_backend(),
            {"braketSchemaHeader": {"name": "x"}, "action": {"braket.ir.ahs.program": {}}},
            "analog",
        ),
        (
            _aws_backend(),
            {
                "braketSchemaHeader": {"name": "x"},
                "action": {"braket.ir.openqasm.program": {"supportedOperations": ["cnot"]}},
                "paradigm": {
                    "qubitCount": 2,
                    "connectivity": {"fullyConnected": False, "connectivityGraph": [1]},
                },
            },
            "connectivityGraph",
        ),
        (_ibm_backend("ibm.qpu.broken"), {"config": {"basis_gates": ["cz"]}, "properties": None}, "n_qubits"),
        (
            _ibm_backend("ibm.qpu.broken"),
            {
                "config": {
                    "n_qubits": 2,
                    "basis_gates": ["cz"],
                    "gates": [{"name": "cz", "coupling_map": [[0, 0]]}],
                },
                "properties": None,
            },
            "repeated qubit",
        ),
        (
            Backend.model_validate({"id": "iqm.qpu.broken", "provider": "IQM", "type": "QPU"}),
            {
                "qubits": ["QB1", "QB2"],
                "gates": {"cz": {"implementations": {"tgss": {"loci": [["QB1", "QB9"]]}}}},
            },
            "QB9",
        ),
        (Backend.model_validate({"id": "acme.qpu.bare", "type": "QPU"}), None, "no configuration"),
        (
            _generic_backend({"gates": None, "instructions": None, "qubit_count": 2}),
            None,
            "Qiskit counterpart",
        ),
        (_generic_backend({"gates": [{"name": "cz"}], "qubit_count": None}), None, "qubit"),
        (
            _generic_backend(
                {"gates": [{"name": "cz"}], "qubit_count": 2, "connectivity": {"graph": {"0": ["7"]}}}
            ),
            None,
            "unknown qubit",
        ),
        (
            _generic_backend({"gates": [{"name": "cz"}], "qubit_count": 2}),
            ["not", "an", "object"],
            "JSON object",
        ),
    ],
)
def test_broken_descriptions_raise_a_value_error_naming_the_backend(
    backend: Backend, native: Any, fragment: str
) -> None:
    with pytest.raises(ValueError, match=r"backend '[^']+'") as caught:
        build_target(backend, native, None)
    assert str(backend.id) in str(caught.value)
    assert fragment in str(caught.value)


def test_analog_backend_of_the_hub_is_refused_clearly(served: dict[str, Served]) -> None:
    aquila = served["aws.quera.aquila"]
    with pytest.raises(ValueError, match=r"aws\.quera\.aquila.*analog"):
        aquila.build()
