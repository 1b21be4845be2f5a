"""The local Hub's backend catalog: records, provider-native configurations and calibrations."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from itertools import combinations, pairwise
from types import SimpleNamespace
from typing import Any

import pytest
from qiskit.circuit.library import get_standard_gate_name_mapping

from qhub_providers.api.models import Backend, CalibrationResponse, Configuration, Documentation
from qhub_providers.emulator.catalog import get_spec, load_catalog
from qhub_providers.emulator.catalog.calibration import EPOCH, calibration_times
from qhub_providers.emulator.catalog.spec import BackendSpec

CATALOG = load_catalog()
ALL_IDS = sorted(CATALOG)
# The Hub's calibrations are gate-based or QuEra's; a photonic QPU has none.
QPU_IDS = sorted(i for i, s in CATALOG.items() if not s.is_simulator and s.record["technology"] != "PHOTONIC")
GATE_QPU_IDS = [i for i in QPU_IDS if i != "aws.quera.aquila"]
IBM_IDS = ["ibm.qpu.aachen", "ibm.qpu.fez", "ibm.qpu.kingston", "ibm.qpu.marrakesh"]
AWS_CAPABILITIES = {
    "aws.sim.sv1": "GateModelSimulatorDeviceCapabilities",
    "aws.sim.dm1": "GateModelSimulatorDeviceCapabilities",
    "aws.ionq.forte": "IonqDeviceCapabilities",
    "aws.ionq.forte.enterprise": "IonqDeviceCapabilities",
    "aws.rigetti.cepheus": "RigettiDeviceCapabilities",
    "aws.quera.aquila": "QueraDeviceCapabilities",
}
STANDARD_GATES = get_standard_gate_name_mapping()
NON_GATE_INSTRUCTIONS = {"measure", "barrier", "reset", "delay"}
NOON = datetime(2025, 6, 15, 12, 30, tzinfo=UTC)


def undirected(pairs: Any) -> set[tuple[int, int]]:
    return {(min(a, b), max(a, b)) for a, b in pairs}


# --- the catalog as a whole -----------------------------------------------------------------------


def test_the_catalog_offers_every_backend_family_the_hub_serves() -> None:
    expected = {
        *AWS_CAPABILITIES,
        *IBM_IDS,
        "iqm.qpu.garnet",
        "iqm.qpu.emerald",
        "azure.ionq.simulator",
        "qudora.sim.xg1",
        "kipu.sim.qsim",
        "aqt.sim.ideal",
        "aqt.qpu.ibex",
        "quandela.qpu.belenos",
    }
    assert expected <= set(CATALOG)
    assert all(spec.id == backend_id for backend_id, spec in CATALOG.items())


def test_catalog_is_built_once_and_unknown_ids_are_none() -> None:
    again = load_catalog()
    assert again == CATALOG
    assert all(again[i] is CATALOG[i] for i in CATALOG)
    again.clear()  # the caller's copy, not the cache
    assert get_spec("ibm.qpu.fez") is CATALOG["ibm.qpu.fez"]
    assert get_spec("nobody.qpu.nothing") is None


def test_loading_the_catalog_needs_neither_qiskit_nor_braket() -> None:
    # Speed is measured by benchmarks/, not asserted here; what a test can hold is the import footprint.
    script = (
        "import sys\n"
        "from qhub_providers.emulator.catalog import load_catalog\n"
        "load_catalog()\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'qiskit', 'braket', 'qiskit_aer'}))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


# --- records --------------------------------------------------------------------------------------


def _no_unknown_fields(model: Any) -> None:
    # The wire models keep unknown fields; a misspelt key in the catalog would land here.
    assert not model.model_extra, f"{type(model).__name__} has unexpected fields {sorted(model.model_extra)}"


@pytest.mark.parametrize("backend_id", ALL_IDS)
def test_every_record_parses_as_a_hub_backend_and_agrees_with_its_spec(backend_id: str) -> None:
    spec = CATALOG[backend_id]
    backend = Backend.model_validate(spec.record)
    _no_unknown_fields(backend)
    assert isinstance(backend.documentation, Documentation)
    _no_unknown_fields(backend.documentation)
    config = backend.configuration
    assert isinstance(config, Configuration)
    _no_unknown_fields(config)

    assert backend.id == backend_id
    assert backend.provider == spec.provider
    assert backend.type == ("SIMULATOR" if spec.is_simulator else "QPU")
    assert backend.has_calibration is (spec.calibration_at is not None)
    assert backend.queue_size is None
    assert backend.updated_at is None
    assert backend.availability
    assert all(w.granularity and w.start and w.end for w in backend.availability)
    assert backend.documentation.description
    assert backend.documentation.sdks
    assert config.qubit_count == spec.num_qubits
    assert config.qubits is not None
    assert [q.id for q in config.qubits] == [str(i) for i in range(spec.num_qubits)]
    assert config.shots_range is not None
    assert (config.shots_range.min, config.shots_range.max) == (spec.shots_min, spec.shots_max)
    assert config.total_shots_range is not None
    assert config.total_shots_range.max is not None
    assert config.total_shots_range.max >= spec.shots_max
    assert config.max_pubs_per_job == spec.max_pubs_per_job
    assert config.supported_input_formats == list(spec.input_formats)
    assert set(config.instructions or []) <= NON_GATE_INSTRUCTIONS
    assert config.operations == config.instructions
    natives = {g.name for g in config.gates or [] if g.native_gate}
    assert natives == set(spec.basis_gates)


@pytest.mark.parametrize("backend_id", ALL_IDS)
def test_gate_names_are_qiskit_standard_gates(backend_id: str) -> None:
    spec = CATALOG[backend_id]
    assert set(spec.basis_gates) <= set(STANDARD_GATES)
    assert not set(spec.basis_gates) & NON_GATE_INSTRUCTIONS
    gate_names = [g["name"] for g in spec.record["configuration"].get("gates", [])]
    assert set(gate_names) <= set(STANDARD_GATES)


@pytest.mark.parametrize("backend_id", ALL_IDS)
def test_connectivity_graph_is_symmetric_and_matches_the_coupling_map(backend_id: str) -> None:
    spec = CATALOG[backend_id]
    connectivity = spec.record["configuration"].get("connectivity")
    if connectivity is None:  # analog and photonic devices have no gate couplings
        assert not spec.basis_gates
        return
    if spec.coupling_map is None:
        assert connectivity == {"fully_connected": True}
        return
    graph = connectivity["graph"]
    assert connectivity["fully_connected"] is False
    assert set(graph) == {str(q) for q in range(spec.num_qubits)}
    edges = {(int(a), int(b)) for a, neighbours in graph.items() for b in neighbours}
    assert all(isinstance(b, str) for neighbours in graph.values() for b in neighbours)
    assert edges == {(b, a) for a, b in edges}, "graph is not symmetric"
    assert edges == set(spec.coupling_map)
    assert all(a != b and 0 <= a < spec.num_qubits for a, b in edges)


def test_sessions_runners_and_formats_follow_the_backend_families() -> None:
    sessions = {i for i, s in CATALOG.items() if s.supports_sessions}
    assert sessions == {i for i in CATALOG if i.split(".")[0] in {"aws", "ibm", "iqm", "aqt"}}
    expected = {
        "aws.sim.sv1": ("braket_qasm3", "BRAKET_OPEN_QASM_V3"),
        "aws.rigetti.cepheus": ("braket_qasm3", "BRAKET_OPEN_QASM_V3"),
        "aws.quera.aquila": ("braket_ahs", "BRAKET_AHS_PROGRAM"),
        "ibm.qpu.fez": ("qiskit_qpy", "QISKIT_QPY"),
        "iqm.qpu.garnet": ("iqm", "IQM_JOB_INPUT_V1"),
        "azure.ionq.simulator": ("ionq", "IONQ_CIRCUIT_V1"),
        "qudora.sim.xg1": ("qasm2", "OPEN_QASM_V2"),
        "kipu.sim.qsim": ("qasm2", "OPEN_QASM_V2"),
        "aqt.qpu.ibex": ("aqt", "AQT_JOB_INPUT_V1"),
        "quandela.qpu.belenos": ("perceval", "PERCEVAL"),
    }
    for backend_id, (runner, input_format) in expected.items():
        assert (CATALOG[backend_id].runner, CATALOG[backend_id].input_formats) == (runner, (input_format,))
    assert CATALOG["azure.ionq.simulator"].record["configuration"]["output_format"] == "IONQ_RESULT_V1"
    # Braket program sets: the simulators and gate QPUs take several programs per job.
    for backend_id in ("aws.sim.sv1", "aws.sim.dm1", "aws.ionq.forte", "aws.rigetti.cepheus"):
        assert CATALOG[backend_id].max_pubs_per_job > 1


def test_photonic_belenos_is_simulated_not_refused() -> None:
    spec = CATALOG["quandela.qpu.belenos"]
    assert spec.refuse_jobs is None
    assert spec.runner == "perceval"
    assert spec.record["technology"] == "PHOTONIC"
    assert spec.record["configuration"]["photonic_properties"]["max_modes"] == 24
    assert [sdk["type"] for sdk in spec.record["documentation"]["sdks"]] == ["PERCEVAL"]


def test_ibm_queues_differ_so_least_busy_is_well_defined() -> None:
    queues = [CATALOG[i].initial_queue_size for i in IBM_IDS]
    assert len(set(queues)) == len(queues)
    assert all(CATALOG[i].initial_status == "ONLINE" and CATALOG[i].queue_avg_time > 0 for i in IBM_IDS)


def test_generic_backends_serve_their_configuration_as_native_config() -> None:
    for backend_id in (
        "azure.ionq.simulator",
        "qudora.sim.xg1",
        "kipu.sim.qsim",
        "aqt.sim.ideal",
        "aqt.qpu.ibex",
    ):
        spec = CATALOG[backend_id]
        assert spec.native_config == spec.record["configuration"]
        assert spec.native_config is not spec.record["configuration"]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@pytest.mark.parametrize("backend_id", ALL_IDS)
def test_records_link_public_pages_and_no_local_paths(backend_id: str) -> None:
    spec = CATALOG[backend_id]
    docs = spec.record["documentation"]
    urls = [docs["url"], docs["status_url"], *(sdk["url"] for sdk in docs["sdks"])]
    assert all(url.startswith("https://") for url in urls)
    for text in _strings([spec.record, spec.native_config]):
        assert not text.startswith(("/", "file:")), text
        assert "127.0.0.1" not in text
        assert "localhost" not in text


def test_records_are_plain_json() -> None:
    for spec in CATALOG.values():
        assert json.loads(json.dumps(spec.record)) == spec.record
        assert json.loads(json.dumps(spec.native_config)) == spec.native_config


# --- Amazon Braket ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("backend_id", "schema_class"), sorted(AWS_CAPABILITIES.items()))
def test_aws_configs_parse_with_the_braket_device_schemas(backend_id: str, schema_class: str) -> None:
    from braket.schema_common import BraketSchemaBase

    spec = CATALOG[backend_id]
    capabilities = BraketSchemaBase.parse_raw_schema(json.dumps(spec.native_config))
    assert type(capabilities).__name__ == schema_class
    assert capabilities.service.shotsRange[1] == spec.shots_max
    assert capabilities.paradigm.qubitCount == spec.num_qubits
    if backend_id == "aws.quera.aquila":
        assert "braket.ir.ahs.program" in capabilities.action
        return
    program = capabilities.action["braket.ir.openqasm.program"]
    assert {"cnot", "h", "rz"} <= set(program.supportedOperations)
    assert {"Sample", "Expectation", "Probability"} <= {r.name for r in program.supportedResultTypes}
    program_set = capabilities.action["braket.ir.openqasm.program_set"]
    assert program_set.maximumExecutables == spec.max_pubs_per_job
    assert program_set.maximumTotalShots == spec.record["configuration"]["total_shots_range"]["max"]


@pytest.mark.parametrize("backend_id", ["aws.ionq.forte", "aws.ionq.forte.enterprise", "aws.rigetti.cepheus"])
def test_braket_qpu_capabilities_match_the_catalog_and_the_calibration(backend_id: str) -> None:
    from braket.schema_common import BraketSchemaBase

    spec = CATALOG[backend_id]
    capabilities = BraketSchemaBase.parse_raw_schema(json.dumps(spec.native_config))
    paradigm = capabilities.paradigm
    assert paradigm.nativeGateSet
    if spec.coupling_map is None:
        assert paradigm.connectivity.fullyConnected
    else:
        graph = paradigm.connectivity.connectivityGraph
        assert {(int(a), int(b)) for a, ns in graph.items() for b in ns} == set(spec.coupling_map)

    assert spec.calibration_at is not None
    calibration = spec.calibration_at(capabilities.service.updatedAt.replace(tzinfo=UTC))
    assert calibration is not None
    qubits = calibration["calibration"]["qubits"]
    pairs = {tuple(p["qubits"]): p["gates"] for p in calibration["calibration"]["qubit_pairs"]}
    standardized = capabilities.standardized
    if standardized.braketSchemaHeader.version == "1":  # Rigetti: per qubit and per coupler
        for q, props in standardized.oneQubitProperties.items():
            rb = props.oneQubitFidelity[0].fidelity
            assert rb == pytest.approx(1 - qubits[int(q)]["gates"]["rx"]["error"])
            assert props.T1.value == pytest.approx(qubits[int(q)]["t1_us"] * 1e-6)
        for key, props in standardized.twoQubitProperties.items():
            a, b = map(int, key.split("-"))
            assert props.twoQubitGateFidelity[0].fidelity == pytest.approx(1 - pairs[(a, b)]["cz"]["error"])
    else:  # IonQ: per-qubit one-qubit fidelities and device averages
        for q, props in standardized.oneQubitProperties.items():
            assert props.oneQubitFidelity[0].fidelity == pytest.approx(
                1 - qubits[int(q)]["gates"]["r"]["error"]
            )
        mean_two_qubit = sum(g["rzz"]["error"] for g in pairs.values()) / len(pairs)
        assert standardized.twoQubitGateFidelity[0].fidelity == pytest.approx(1 - mean_two_qubit)


def test_aquila_capabilities_are_enough_to_discretize_an_ahs_program() -> None:
    from braket.ahs.analog_hamiltonian_simulation import AnalogHamiltonianSimulation
    from braket.ahs.atom_arrangement import AtomArrangement
    from braket.ahs.driving_field import DrivingField
    from braket.device_schema.quera import QueraDeviceCapabilities
    from braket.timings.time_series import TimeSeries

    capabilities = QueraDeviceCapabilities.parse_raw(json.dumps(CATALOG["aws.quera.aquila"].native_config))
    register = AtomArrangement()
    register.add((0.0, 0.0))
    register.add((5.5e-6, 0.0))
    amplitude = TimeSeries().put(0.0, 0.0).put(1e-7, 1.5e7).put(3.9e-6, 1.5e7).put(4e-6, 0.0)
    detuning = TimeSeries().put(0.0, -1e7).put(4e-6, 1e7)
    phase = TimeSeries().put(0.0, 0.0).put(4e-6, 0.0)
    program = AnalogHamiltonianSimulation(
        register=register, hamiltonian=DrivingField(amplitude=amplitude, detuning=detuning, phase=phase)
    )
    discretized = program.discretize(SimpleNamespace(properties=capabilities))
    assert len(discretized.to_ir().setup.ahs_register.sites) == 2


# --- IBM ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend_id", IBM_IDS)
def test_ibm_config_converts_to_a_qiskit_target(backend_id: str) -> None:
    from qiskit import QuantumCircuit, transpile
    from qiskit_ibm_runtime.models import BackendConfiguration, BackendProperties
    from qiskit_ibm_runtime.utils.backend_converter import convert_to_target
    from qiskit_ibm_runtime.utils.backend_decoder import (
        configuration_from_server_data,
        properties_from_server_data,
    )

    spec = CATALOG[backend_id]
    served = json.loads(json.dumps(spec.native_config))  # what a client reads off the wire
    target = convert_to_target(
        BackendConfiguration.from_dict(copy.deepcopy(served["config"])),
        BackendProperties.from_dict(copy.deepcopy(served["properties"])),
    )
    # The route qhub-quantum takes: the server-data decoders, which also parse the dates.
    configuration = configuration_from_server_data(copy.deepcopy(served["config"]))
    assert configuration is not None, "qiskit-ibm-runtime rejected the configuration"
    runtime_target = convert_to_target(
        configuration, properties_from_server_data(copy.deepcopy(served["properties"]))
    )

    for t in (target, runtime_target):
        assert t.num_qubits == spec.num_qubits == 156
        assert {*spec.basis_gates, "measure", "delay", "reset"} <= set(t.operation_names)
        assert set(t["cz"]) == set(spec.coupling_map or ())
    calibration = spec.calibration_at(datetime.fromisoformat(served["properties"]["last_update_date"]))
    assert calibration is not None
    pairs = {tuple(p["qubits"]): p["gates"]["cz"] for p in calibration["calibration"]["qubit_pairs"]}
    for (a, b), props in runtime_target["cz"].items():
        assert props.error == pytest.approx(pairs[(min(a, b), max(a, b))]["error"])
    qubit = calibration["calibration"]["qubits"][7]
    assert runtime_target.qubit_properties[7].t1 == pytest.approx(qubit["t1_us"] * 1e-6)
    assert runtime_target["measure"][(7,)].error == pytest.approx(qubit["readout_error"])

    ghz = QuantumCircuit(3)
    ghz.h(0)
    ghz.cx(0, 1)
    ghz.cx(1, 2)
    ghz.measure_all()
    isa = transpile(ghz, target=runtime_target, seed_transpiler=7)
    assert set(isa.count_ops()) <= {*spec.basis_gates, "measure", "barrier"}


def test_ibm_lattice_is_heavy_hex_like() -> None:
    spec = CATALOG["ibm.qpu.fez"]
    edges = undirected(spec.coupling_map or ())
    degree = dict.fromkeys(range(spec.num_qubits), 0)
    for a, b in edges:
        degree[a] += 1
        degree[b] += 1
    assert len(edges) == 176
    assert max(degree.values()) == 3
    assert min(degree.values()) == 1
    assert spec.native_config["config"]["coupling_map"] == [list(e) for e in spec.coupling_map or ()]


# --- IQM ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("backend_id", "num_qubits", "couplers"), [("iqm.qpu.garnet", 20, 30), ("iqm.qpu.emerald", 54, None)]
)
def test_iqm_architecture_is_consistent(backend_id: str, num_qubits: int, couplers: int | None) -> None:
    spec = CATALOG[backend_id]
    architecture = spec.native_config
    names = [f"QB{i}" for i in range(1, num_qubits + 1)]
    assert architecture["qubits"] == names
    assert str(uuid.UUID(architecture["calibration_set_id"])) == architecture["calibration_set_id"]
    assert architecture["computational_resonators"] == []
    for operation in ("prx", "cz", "measure"):
        gate = architecture["gates"][operation]
        assert gate["default_implementation"] in gate["implementations"]
        for implementation in gate["implementations"].values():
            assert all(set(locus) <= set(names) for locus in implementation["loci"])
    loci: dict[str, list[list[str]]] = {}
    for operation in ("prx", "cz", "measure"):
        gate = architecture["gates"][operation]
        loci[operation] = gate["implementations"][gate["default_implementation"]]["loci"]
    assert loci["prx"] == loci["measure"] == [[n] for n in names]
    cz_pairs = {(names.index(a), names.index(b)) for a, b in loci["cz"]}
    assert cz_pairs == undirected(spec.coupling_map or ())
    if couplers is not None:
        assert len(cz_pairs) == couplers
    assert set(spec.basis_gates) == {"r", "cz"}


def test_garnet_has_the_real_chips_couplers() -> None:
    architecture = CATALOG["iqm.qpu.garnet"].native_config
    cz = {frozenset(locus) for locus in architecture["gates"]["cz"]["implementations"]["tgss"]["loci"]}
    for a, b in [(1, 2), (1, 4), (3, 8), (7, 12), (14, 18), (16, 20), (19, 20)]:
        assert frozenset({f"QB{a}", f"QB{b}"}) in cz
    assert frozenset({"QB1", "QB3"}) not in cz
    assert frozenset({"QB17", "QB20"}) not in cz


# --- calibrations ---------------------------------------------------------------------------------


@pytest.mark.parametrize("backend_id", ALL_IDS)
def test_only_qpus_have_calibrations(backend_id: str) -> None:
    spec = CATALOG[backend_id]
    has = spec.calibration_at is not None
    assert has == (backend_id in QPU_IDS)
    assert (spec.calibration_times is not None) == has


@pytest.mark.parametrize("backend_id", QPU_IDS)
def test_calibrations_parse_and_follow_the_daily_schedule(backend_id: str) -> None:
    spec = CATALOG[backend_id]
    assert spec.calibration_at is not None
    assert spec.calibration_at(EPOCH - timedelta(seconds=1)) is None
    assert spec.calibration_at(datetime(2024, 6, 1, tzinfo=UTC)) is None
    first = spec.calibration_at(EPOCH)
    assert first is not None
    assert first["calibrated_at"] == "2025-01-01T00:00:00Z"
    at_noon = spec.calibration_at(NOON)
    assert at_noon is not None
    assert at_noon["calibrated_at"] == "2025-06-15T00:00:00Z"
    assert at_noon["backend_id"] == backend_id
    # A naive instant is UTC, and any instant of the same day gives the same snapshot.
    assert spec.calibration_at(NOON.replace(tzinfo=None)) == at_noon
    assert spec.calibration_at(datetime(2025, 6, 15, 23, 59, 59, tzinfo=UTC)) == at_noon
    response = CalibrationResponse.model_validate(at_noon)
    assert response.calibrated_at == datetime(2025, 6, 15, tzinfo=UTC)
    expected_type = "quera_aquila" if backend_id == "aws.quera.aquila" else "gate_based"
    assert response.calibration.type == expected_type


@pytest.mark.parametrize("backend_id", QPU_IDS)
def test_calibrations_are_deterministic_and_vary_per_snapshot(backend_id: str) -> None:
    spec = CATALOG[backend_id]
    assert spec.calibration_at is not None
    today = spec.calibration_at(NOON)
    assert today == spec.calibration_at(NOON)
    assert today is not spec.calibration_at(NOON)  # callers get their own copy to edit
    tomorrow = spec.calibration_at(NOON + timedelta(days=1))
    assert tomorrow is not None
    assert today is not None
    assert tomorrow["calibration"] != today["calibration"]


def test_calibrations_do_not_depend_on_the_process_hash_seed() -> None:
    script = (
        "import json, datetime\n"
        "from qhub_providers.emulator.catalog import get_spec\n"
        "t = datetime.datetime(2025, 6, 15, 12, 30, tzinfo=datetime.UTC)\n"
        "print(json.dumps([get_spec(i).calibration_at(t) for i in ('ibm.qpu.fez', 'aws.quera.aquila')]))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env)
    here = [CATALOG[i].calibration_at(NOON) for i in ("ibm.qpu.fez", "aws.quera.aquila")]
    assert json.loads(run.stdout) == here


def _ranges(spec: BackendSpec) -> dict[str, tuple[float, float]]:
    if spec.record["technology"] == "SUPERCONDUCTING":
        return {"t1": (100, 300), "readout": (0.01, 0.03), "1q": (2e-4, 1e-3), "2q": (3e-3, 1e-2)}
    if spec.id == "aqt.qpu.ibex":
        return {"t1": (1e6, 1.2e6), "readout": (2e-3, 1e-2), "1q": (1e-4, 5e-4), "2q": (8e-3, 1.8e-2)}
    return {"t1": (1e7, 1e8), "readout": (3e-3, 8e-3), "1q": (5e-5, 2e-4), "2q": (3e-3, 8e-3)}


def within(value: float, bounds: tuple[float, float]) -> bool:
    # Figures are published to six significant digits, so a value clamped to a bound may round past it.
    return bounds[0] * (1 - 1e-5) <= value <= bounds[1] * (1 + 1e-5)


@pytest.mark.parametrize("backend_id", GATE_QPU_IDS)
def test_gate_based_calibrations_are_realistic_and_keyed_by_basis_gates(backend_id: str) -> None:
    spec = CATALOG[backend_id]
    assert spec.calibration_at is not None
    calibration = spec.calibration_at(NOON)
    assert calibration is not None
    body = calibration["calibration"]
    ranges = _ranges(spec)
    one_qubit = {g for g in spec.basis_gates if STANDARD_GATES[g].num_qubits == 1}
    two_qubit = {g for g in spec.basis_gates if STANDARD_GATES[g].num_qubits == 2}
    assert two_qubit, "every gate QPU has an entangling basis gate"

    qubits = body["qubits"]
    assert [q["qubit"] for q in qubits] == list(range(spec.num_qubits))
    t1s = [q["t1_us"] for q in qubits]
    assert len(set(t1s)) > spec.num_qubits // 2, "qubits should differ from each other"
    for q in qubits:
        assert q["operational"] is True
        assert set(q["gates"]) == one_qubit
        assert within(q["t1_us"], ranges["t1"])
        assert 0 < q["t2_us"] <= 2 * q["t1_us"]
        assert within(q["readout_error"], ranges["readout"])
        physical = [g for name, g in q["gates"].items() if name != "rz"]
        assert physical
        assert all(within(g["error"], ranges["1q"]) for g in physical)
        assert all(g["operational"] and g["length_ns"] > 0 for g in physical)

    pairs = body["qubit_pairs"]
    pair_qubits = [tuple(p["qubits"]) for p in pairs]
    assert all(a < b for a, b in pair_qubits)
    if spec.coupling_map is None:
        assert set(pair_qubits) == set(combinations(range(spec.num_qubits), 2))
    else:
        assert set(pair_qubits) == undirected(spec.coupling_map)
    assert len(pair_qubits) == len(set(pair_qubits))
    for pair in pairs:
        assert set(pair["gates"]) == two_qubit
        assert all(within(g["error"], ranges["2q"]) for g in pair["gates"].values())

    medians = body["medians"]
    assert set(medians["gates"]) == one_qubit | two_qubit
    assert sorted(t1s)[len(t1s) // 2 - 1] <= medians["t1_us"] <= sorted(t1s)[len(t1s) // 2]
    if backend_id.startswith("iqm."):
        assert [q["name"] for q in qubits[:2]] == ["QB1", "QB2"]


@pytest.mark.parametrize("backend_id", GATE_QPU_IDS)
def test_gate_based_calibration_makes_a_valid_aer_noise_model(backend_id: str) -> None:
    from qiskit_aer.noise import NoiseModel, ReadoutError, depolarizing_error, thermal_relaxation_error

    spec = CATALOG[backend_id]
    assert spec.calibration_at is not None
    calibration = spec.calibration_at(NOON)
    assert calibration is not None
    body = calibration["calibration"]
    model = NoiseModel(basis_gates=list(spec.basis_gates))
    # Aer validates every channel: T2 <= 2 T1, probabilities in range, stochastic readout matrices.
    for q in body["qubits"][:10]:
        for name, gate in q["gates"].items():
            relaxation = thermal_relaxation_error(q["t1_us"] * 1e3, q["t2_us"] * 1e3, gate["length_ns"])
            model.add_quantum_error(
                depolarizing_error(gate["error"], 1).compose(relaxation), name, [q["qubit"]]
            )
        p10, p01 = q["prob_meas1_prep0"], q["prob_meas0_prep1"]
        model.add_readout_error(ReadoutError([[1 - p10, p10], [p01, 1 - p01]]), [q["qubit"]])
    for pair in body["qubit_pairs"][:10]:
        for name, gate in pair["gates"].items():
            model.add_quantum_error(depolarizing_error(gate["error"], 2), name, pair["qubits"])
    assert set(model.noise_instructions) >= {g for g in spec.basis_gates if g != "id"} - {"rz"}


def test_aquila_calibration_carries_lattice_rydberg_and_performance() -> None:
    spec = CATALOG["aws.quera.aquila"]
    assert spec.calibration_at is not None
    today, tomorrow = spec.calibration_at(NOON), spec.calibration_at(NOON + timedelta(days=1))
    assert today is not None
    assert tomorrow is not None
    body = today["calibration"]
    assert body["type"] == "quera_aquila"
    assert body["lattice"]["geometry"]["numberSitesMax"] == 256
    assert body["rydberg"]["rydbergGlobal"]["timeMax"] == pytest.approx(4e-6)
    assert tomorrow["calibration"]["lattice"] == body["lattice"]
    assert tomorrow["calibration"]["performance"] != body["performance"]
    lattice_errors = body["performance"]["lattice"]
    assert all(0 <= v <= 1 for k, v in lattice_errors.items() if k.endswith(("Typical", "Worst")))


def test_calibration_history_instants_lie_in_the_interval() -> None:
    start = datetime(2025, 3, 10, 7, 15, tzinfo=UTC)
    end = datetime(2025, 3, 20, 0, 0, tzinfo=UTC)
    instants = calibration_times(start, end)
    assert instants[0] == datetime(2025, 3, 11, tzinfo=UTC)
    assert instants[-1] == end
    assert all(start <= t <= end for t in instants)
    assert all(b - a == timedelta(days=1) for a, b in pairwise(instants))
    # Before the epoch there is nothing; an interval reaching across it starts at the epoch.
    assert calibration_times(datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 12, 31, tzinfo=UTC)) == []
    assert calibration_times(datetime(2024, 12, 30, tzinfo=UTC), datetime(2025, 1, 2, 1, tzinfo=UTC)) == [
        EPOCH,
        EPOCH + timedelta(days=1),
    ]
    assert calibration_times(end, start) == []
    # An instant with an offset is compared in UTC: 01:00+01:00 is midnight UTC, 01:00+02:00 is not.
    cet_one_am = datetime(2025, 3, 11, 1, 0, tzinfo=timezone(timedelta(hours=1)))
    assert calibration_times(cet_one_am, cet_one_am) == [datetime(2025, 3, 11, tzinfo=UTC)]
    eet_one_am = datetime(2025, 3, 11, 1, 0, tzinfo=timezone(timedelta(hours=2)))
    assert calibration_times(eet_one_am, eet_one_am) == []
    for backend_id in QPU_IDS:
        times = CATALOG[backend_id].calibration_times
        assert times is not None
        assert times(start, end) == instants
        snapshots = [CATALOG[backend_id].calibration_at(t) for t in instants]
        assert [s["calibrated_at"] for s in snapshots if s] == [
            t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in instants
        ]
