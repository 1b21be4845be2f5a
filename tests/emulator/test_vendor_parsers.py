"""The local Hub reads each format with the vendor's own tooling where one exists, and accepts the
official SDKs' wire forms; it never reads through our own client-side formats or faces."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from typing import Any

import pytest

from qhub_providers.api import HubQuantumClient
from qhub_providers.api.errors import BadRequestError, UnprocessableEntityError

from .hub_support import wait_for_status

# Run-request options as qhub-quantum's vendored IQM client sends them: every one present, unset ones null.
IQM_NULL_OPTIONS = {
    "calibration_set_id": None,
    "qubit_mapping": None,
    "custom_settings": None,
    "max_circuit_duration_over_t2": None,
    "heralding_mode": None,
    "move_validation_mode": None,
    "move_gate_frame_tracking_mode": None,
    "active_reset_cycles": None,
    "dd_mode": None,
    "dd_strategy": None,
}


def iqm_circuit(prx_args: list[dict[str, float]]) -> dict[str, Any]:
    """X on QB1 then CZ-based CNOT onto QB2, measured: prx rotations given in one wire form."""
    first, minus_y, plus_y = prx_args
    instructions = [
        {"name": "prx", "locus": ["QB1"], "args": first, "implementation": None},
        {"name": "prx", "locus": ["QB2"], "args": minus_y, "implementation": None},
        {"name": "cz", "locus": ["QB1", "QB2"], "args": {}, "implementation": None},
        {"name": "prx", "locus": ["QB2"], "args": plus_y, "implementation": None},
        {"name": "measure", "locus": ["QB1", "QB2"], "args": {"key": "m"}, "implementation": None},
    ]
    return {"name": "cnot", "instructions": instructions, "metadata": None}


TURNS = [
    {"angle_t": 0.5, "phase_t": 0.0},
    {"angle_t": 0.25, "phase_t": 0.75},
    {"angle_t": 0.25, "phase_t": 0.25},
]
RADIANS = [
    {"angle": math.pi, "phase": 0.0},
    {"angle": math.pi / 2, "phase": 3 * math.pi / 2},
    {"angle": math.pi / 2, "phase": math.pi / 2},
]


def iqm_counts(client: HubQuantumClient, args: list[dict[str, float]]) -> dict[str, int]:
    job = client.jobs.create_job(
        backend_id="iqm.qpu.garnet",
        shots=200,
        input={"circuits": [iqm_circuit(args)]},
        input_format="IQM_JOB_INPUT_V1",
        input_params=IQM_NULL_OPTIONS,
    )
    assert wait_for_status(client, str(job.id)) == "COMPLETED"
    (entry,) = client.jobs.get_job_result(str(job.id))["measurement_counts"]
    assert entry["measurement_keys"] == ["m"]
    counts: dict[str, int] = entry["counts"]
    return counts


@pytest.mark.parametrize("form", ["turns", "radians"])
def test_iqm_prx_in_either_wire_form_flips_both_qubits(org_client: HubQuantumClient, form: str) -> None:
    # angle_t/phase_t in turns (the Hub's schema) and angle/phase in radians (iqm-client's own
    # serializer) are the same rotation: X on QB1, then a CNOT sets QB2 too.
    counts = iqm_counts(org_client, TURNS if form == "turns" else RADIANS)
    assert counts.get("11", 0) / sum(counts.values()) > 0.8  # Garnet's calibration noise blurs a little


def test_iqm_prx_mixing_both_forms_in_one_instruction_is_refused(org_client: HubQuantumClient) -> None:
    mixed = [{"angle": math.pi, "phase_t": 0.0}, *RADIANS[1:]]
    with pytest.raises(BadRequestError, match="mixes angle_t/phase_t"):
        org_client.jobs.create_job(
            backend_id="iqm.qpu.garnet", shots=10, input={"circuits": [iqm_circuit(mixed)]}
        )


def test_aqt_jobs_are_judged_by_aqts_own_api_model(org_client: HubQuantumClient) -> None:
    circuit = {
        "repetitions": 50,
        "number_of_qubits": 2,
        "quantum_circuit": [
            {"operation": "R", "qubit": 0, "theta": 1.0, "phi": 0.0},
            {"operation": "MEASURE"},
            {"operation": "RZ", "qubit": 1, "phi": 0.5},
        ],
    }
    body = {"job_type": "quantum_circuit", "label": None, "payload": {"circuits": [circuit]}}
    with pytest.raises(BadRequestError, match="Need exactly one `MEASURE` operation at the end"):
        org_client.jobs.create_job(backend_id="aqt.sim.ideal", shots=50, input=body)
    circuit["quantum_circuit"] = circuit["quantum_circuit"][:2]
    job = org_client.jobs.create_job(backend_id="aqt.sim.ideal", shots=50, input=body)
    assert wait_for_status(org_client, str(job.id)) == "COMPLETED"
    assert org_client.jobs.get_job_result(str(job.id))["counts"] == {"01": 50}


def test_the_emulator_never_imports_our_formats_or_faces() -> None:
    # Every emulator module, runners included: a client-side encoding bug must be caught, not mirrored.
    script = (
        "import importlib, pkgutil, sys\n"
        "import qhub_providers.emulator as e, qhub_providers.emulator.runners as r\n"
        "import qhub_providers.emulator.catalog as c\n"
        "for package in (e, r, c):\n"
        "    for info in pkgutil.iter_modules(package.__path__):\n"
        "        importlib.import_module(f'{package.__name__}.{info.name}')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[:2] in (['qhub_providers', 'formats'],"
        " ['qhub_providers', 'qiskit'], ['qhub_providers', 'braket'])))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


# --- Quandela: Perceval reads and simulates the experiment --------------------------------------------


def perceval_payload(command: str, photons: list[int], **extra: Any) -> dict[str, Any]:
    """What Perceval's remote processor sends for a Hong-Ou-Mandel experiment on a beam splitter."""
    import perceval as pcvl
    from perceval.runtime.payload_generator import PayloadGenerator

    experiment = pcvl.Experiment(pcvl.BS())
    experiment.with_input(pcvl.BasicState(photons))
    data: dict[str, Any] = PayloadGenerator.generate_payload(
        command, experiment, None, "qpu:belenos", **extra
    )
    return data


def test_belenos_runs_a_perceval_experiment_and_answers_in_perceval_terms(
    org_client: HubQuantumClient,
) -> None:
    from perceval.serialization import deserialize

    envelope = perceval_payload("sample_count", [1, 1], max_shots=400, max_samples=400)
    params = {key: envelope[key] for key in ("pcvl_version", "process_id", "platform_name")}
    job = org_client.jobs.create_job(
        backend_id="quandela.qpu.belenos",
        shots=400,
        input={"value": envelope["payload"], "backendId": "quandela.qpu.belenos"},
        input_format="PERCEVAL",
        input_params=params,
    )
    assert wait_for_status(org_client, str(job.id)) == "COMPLETED"
    native = org_client.jobs.get_job_result(str(job.id))
    result = deserialize(json.loads(native["results"]))
    counts = {str(state): int(n) for state, n in result["results"].items()}
    # Two indistinguishable photons on a balanced beam splitter always leave together (Hong-Ou-Mandel).
    assert set(counts) <= {"|2,0>", "|0,2>"}
    assert sum(counts.values()) == 400
    assert min(counts.values()) > 100


def test_belenos_refuses_what_perceval_cannot_read_or_the_device_cannot_take(
    org_client: HubQuantumClient,
) -> None:
    broken = {"command": "sample_count", "experiment": ":PCVL:zip:not-an-experiment"}
    with pytest.raises(BadRequestError, match="Perceval cannot read the experiment"):
        org_client.jobs.create_job(backend_id="quandela.qpu.belenos", shots=10, input=broken)
    unknown = perceval_payload("probs", [1, 1])["payload"]
    unknown["command"] = "transpile"
    with pytest.raises(BadRequestError, match="command must be one of"):
        org_client.jobs.create_job(backend_id="quandela.qpu.belenos", shots=10, input=unknown)


def test_belenos_refuses_more_photons_than_the_local_hub_simulates(org_client: HubQuantumClient) -> None:
    import perceval as pcvl
    from perceval.runtime.payload_generator import PayloadGenerator

    experiment = pcvl.Experiment(pcvl.Circuit(8))
    experiment.with_input(pcvl.BasicState([1] * 7 + [0]))
    payload = PayloadGenerator.generate_payload("probs", experiment)["payload"]
    with pytest.raises(UnprocessableEntityError, match="simulates at most 6"):
        org_client.jobs.create_job(backend_id="quandela.qpu.belenos", shots=10, input=payload)


# --- IonQ: no vendor parser exists; IonQ's own Qiskit converter writes the input --------------------


def test_ionq_circuits_written_by_qiskit_ionqs_converter_give_qiskits_probabilities(
    org_client: HubQuantumClient,
) -> None:
    # IonQ publishes no parser or schema package, so the local Hub reads IonQ JSON itself; here IonQ's
    # own converter (qiskit-ionq) writes the circuit and Qiskit's Statevector judges the answer.
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import Statevector
    from qiskit_ionq.helpers import qiskit_circ_to_ionq_circ

    circuit = QuantumCircuit(3)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.rx(0.7, 2)
    circuit.ry(1.1, 1)
    circuit.rzz(0.4, 0, 2)
    circuit.sx(0)
    circuit.t(1)
    circuit.swap(1, 2)
    gates, _, _ = qiskit_circ_to_ionq_circ(circuit)
    body = {"gateset": "qis", "qubits": circuit.num_qubits, "circuit": gates}
    job = org_client.jobs.create_job(backend_id="azure.ionq.simulator", shots=100, input=body)
    assert wait_for_status(org_client, str(job.id)) == "COMPLETED"
    histogram = org_client.jobs.get_job_result(str(job.id))["histogram"]
    expected = Statevector(circuit).probabilities()  # index: qubit 0 least significant, as IonQ's keys
    for index, probability in enumerate(expected):
        assert float(histogram.get(str(index), 0.0)) == pytest.approx(probability, abs=1e-9)
