"""Our IQM encoder and the local Hub's IQM reader, judged by IQM's own client.

iqm-client (release 36, with its Qiskit converter) pins an older pydantic and Qiskit than this project, so
it lives in a side venv that ``scripts/test.sh`` builds (``scripts/_iqm_referee_venv.sh``) and names in
``QHUB_IQM_REFEREE_PYTHON``. ``iqm_referee.py`` runs there once for this module, every question in one batch.

* Encoder: random circuits, transpiled by the Qiskit face for Garnet and Emerald, written by our encoder
  and by IQM's converter (``serialize_instructions``, what ``IQMBackend.serialize_circuit`` calls) agree
  on operations, loci, angles (radians in both) and measurement keys. Accepted difference: the circuit's
  ``metadata`` (ours records the classical registers, IQM's copies the circuit's own metadata).
* Our whole job input (circuits plus run options) is read by IQM's run-request model and passes
  iqm-client's validation against the backend's architecture.
* Reader: a corpus of run requests (our encoder's, IQM's converter's, and broken variants) goes to IQM's
  models and, over HTTP, to a local Hub. Where IQM refuses, the Hub refuses (400/422); where IQM accepts,
  the Hub runs the job and its counts agree with Aer on IQM's own Qiskit reading of the circuit
  (``deserialize_instructions``). This Hub serves Garnet and Emerald without their calibration
  (noiseless), so the bound is statistical only. The known differences are listed in ``DIFFERENCES``,
  each with its reason; any other difference fails.
"""

from __future__ import annotations

import base64
import io
import json
import math
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, qpy, transpile
from qiskit.circuit.library import get_standard_gate_name_mapping
from qiskit.quantum_info import Statevector
from qiskit_aer import AerSimulator

from qhub_providers.api import HubQuantumClient
from qhub_providers.api.models import TERMINAL_JOB_STATUSES
from qhub_providers.emulator import LocalHub
from qhub_providers.formats import iqm
from qhub_providers.formats.base import EncodedJob
from qhub_providers.qiskit import HubQiskitProvider

PYTHON = os.environ.get("QHUB_IQM_REFEREE_PYTHON")
pytestmark = pytest.mark.skipif(
    not PYTHON,
    reason="QHUB_IQM_REFEREE_PYTHON is unset: scripts/test.sh builds iqm-client's side venv and sets it",
)

REFEREE = Path(__file__).with_name("iqm_referee.py")
GARNET, EMERALD = "iqm.qpu.garnet", "iqm.qpu.emerald"
RANDOM = {GARNET: 20, EMERALD: 10}
SHOTS = 2000
REFERENCE_SHOTS = 20_000
QPY_VERSION = 13
"""Written by our Qiskit, read by the side venv's (iqm-client's Qiskit extra needs Qiskit < 2.2)."""
FORMAT = "IQM_JOB_INPUT_V1"

DIFFERENCES: dict[str, tuple[str, str]] = {
    "turns-form": (
        "hub-runs",
        "prx in turns (angle_t, phase_t) is the Hub's published job schema and IQM's older form; "
        "iqm-client 36 knows only radians (angle, phase)",
    ),
    "turns-form-cc-prx": ("hub-runs", "as turns-form, for cc_prx"),
    "angle-nan": (
        "hub-refuses",
        "IQM's models take NaN as a float; no device runs a rotation by NaN, so the Hub refuses at once",
    ),
    "angle-infinity": ("hub-refuses", "as angle-nan, for Infinity"),
    "measure-no-qubit": (
        "hub-refuses",
        "IQM's operation table lets measure act on any number of components, none included; the Hub "
        "refuses a measurement that measures nothing",
    ),
    "cc-prx-unknown-feedback": (
        "hub-refuses",
        "iqm-client does not check that a feedback_key was measured (IQM's server compiler does); "
        "the Hub refuses at once",
    ),
    "qir-program": (
        "hub-refuses",
        "IQM's run request may carry a QIR program; the local Hub does not run QIR",
    ),
}
"""Cases where the Hub's verdict differs from iqm-client's on purpose: (direction, reason)."""


# -- the referee -------------------------------------------------------------------------------------


def ask_referee(request: dict[str, Any]) -> dict[str, Any]:
    """One run of the referee in the side venv."""
    assert PYTHON is not None
    # QHUB_IQM_REFEREE_DUMP=<file> keeps the batch, to run the referee on it by hand.
    if os.environ.get("QHUB_IQM_REFEREE_DUMP"):
        Path(os.environ["QHUB_IQM_REFEREE_DUMP"]).write_text(json.dumps(request))
    done = subprocess.run(
        [PYTHON, str(REFEREE)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, f"the referee failed:\n{done.stderr[-4000:]}"
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def qpy_text(circuits: list[QuantumCircuit]) -> str:
    buffer = io.BytesIO()
    qpy.dump(circuits, buffer, version=QPY_VERSION)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def request_text(body: dict[str, Any]) -> str:
    """A run request as JSON text; Python's json writes NaN and Infinity as those tokens."""
    return json.dumps({**body, "shots": SHOTS})


# -- random circuits ---------------------------------------------------------------------------------

_LIBRARY = get_standard_gate_name_mapping()
_GATES = ("h", "x", "y", "z", "s", "sdg", "t", "sx", "rx", "ry", "rz", "p", "u", "cx", "cz", "swap", "rzz")


def random_circuit(seed: int) -> QuantumCircuit:
    """A few qubits, random gates with random angles, every qubit measured into a shuffled clbit of one of
    two registers (so measurement keys name both registers)."""
    rng = np.random.default_rng(seed)
    width = 2 + seed % 3
    first = ClassicalRegister(width - 1, "alpha")
    second = ClassicalRegister(1, "beta")
    circuit = QuantumCircuit(QuantumRegister(width, "q"), first, second, name=f"random-{seed}")
    for _ in range(6 + 2 * width):
        template = _LIBRARY[str(rng.choice(_GATES))]
        if template.num_qubits > width:
            continue
        gate = type(template)(*rng.uniform(-math.pi, math.pi, size=len(template.params)).tolist())
        circuit.append(gate, rng.choice(width, size=gate.num_qubits, replace=False).tolist())
    circuit.measure(range(width), rng.permutation(width).tolist())
    return circuit


# -- the corpus --------------------------------------------------------------------------------------


def _prx(qubit: str, angle: float, phase: float) -> dict[str, Any]:
    return {"name": "prx", "locus": [qubit], "args": {"angle": angle, "phase": phase}}


def _measure(qubit: str, key: str, **args: Any) -> dict[str, Any]:
    return {"name": "measure", "locus": [qubit], "args": {"key": key, **args}}


def base_circuit(name: str = "base") -> dict[str, Any]:
    """A valid Garnet circuit (QB1 and QB2 are coupled) with Qiskit-style measurement keys."""
    return {
        "name": name,
        "instructions": [
            _prx("QB1", 1.1, 0.3),
            _prx("QB2", 2.0, -0.7),
            {"name": "cz", "locus": ["QB1", "QB2"], "args": {}},
            _prx("QB2", 0.9, 1.2),
            _measure("QB1", "c_2_0_0"),
            _measure("QB2", "c_2_0_1"),
        ],
    }


def _mutant(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    circuit = base_circuit()
    change(circuit)
    return {"circuits": [circuit]}


def _set(index: int, **fields: Any) -> Callable[[dict[str, Any]], None]:
    def change(circuit: dict[str, Any]) -> None:
        circuit["instructions"][index].update(fields)

    return change


def _args(index: int, **args: Any) -> Callable[[dict[str, Any]], None]:
    def change(circuit: dict[str, Any]) -> None:
        circuit["instructions"][index]["args"].update(args)

    return change


def _drop(index: int, *names: str, where: str = "") -> Callable[[dict[str, Any]], None]:
    def change(circuit: dict[str, Any]) -> None:
        target = circuit["instructions"][index]
        for name in names:
            (target[where] if where else target).pop(name)

    return change


def _insert(index: int, *instructions: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def change(circuit: dict[str, Any]) -> None:
        circuit["instructions"][index:index] = list(instructions)

    return change


def _legacy(circuit: dict[str, Any]) -> None:
    for instruction in circuit["instructions"]:
        instruction["qubits"] = instruction.pop("locus")


def _turns(circuit: dict[str, Any]) -> None:
    for instruction in circuit["instructions"]:
        if instruction["name"] == "prx":
            args = instruction["args"]
            instruction["args"] = {
                "angle_t": args["angle"] / (2 * math.pi),
                "phase_t": args["phase"] / (2 * math.pi),
            }


def _gate(name: str, **args: float) -> dict[str, Any]:
    return {"name": name, "locus": ["QB1"], "args": args}


def _single(*instructions: dict[str, Any]) -> dict[str, Any]:
    """A one-qubit circuit on QB1, measured at the end."""
    return {"circuits": [{"name": "one", "instructions": [*instructions, _measure("QB1", "c_1_0_0")]}]}


def _mix(circuit: dict[str, Any]) -> None:
    """prx with its angle in radians and its phase in turns."""
    args = circuit["instructions"][0]["args"]
    args["phase_t"] = args.pop("phase") / (2 * math.pi)


def _feedback(angle_form: dict[str, Any], key: str = "c_2_0_0") -> Callable[[dict[str, Any]], None]:
    """QB1 measured with feedback, then a cc_prx on QB2 conditioned on it."""

    def change(circuit: dict[str, Any]) -> None:
        circuit["instructions"] = [
            _prx("QB1", math.pi, 0.0),
            _measure("QB1", "c_2_0_0", feedback_key="c_2_0_0"),
            {
                "name": "cc_prx",
                "locus": ["QB2"],
                "args": {**angle_form, "feedback_qubit": "QB1", "feedback_key": key},
            },
            _measure("QB2", "c_2_0_1"),
        ]

    return change


def _mapped(mapping: list[dict[str, str]], names: dict[str, str]) -> dict[str, Any]:
    circuit = base_circuit()
    for instruction in circuit["instructions"]:
        instruction["locus"] = [names.get(q, q) for q in instruction["locus"]]
    return {"circuits": [circuit], "qubit_mapping": mapping}


def corpus() -> dict[str, tuple[str, dict[str, Any]]]:
    """Hand-made run requests: id -> (backend, body)."""
    half_pi = math.pi / 2
    mapping = [{"logical_name": "a", "physical_name": "QB1"}, {"logical_name": "b", "physical_name": "QB2"}]
    ab = {"QB1": "a", "QB2": "b"}
    cases: dict[str, dict[str, Any]] = {
        "base": {"circuits": [base_circuit()]},
        "two-circuits-one-name": {"circuits": [base_circuit("same"), base_circuit("same")]},
        "legacy-qubits-field": _mutant(_legacy),
        "implementation-given": _mutant(_set(0, implementation="drag_gaussian")),
        "implementation-null": _mutant(_set(0, implementation=None)),
        "metadata-null": {"circuits": [{**base_circuit(), "metadata": None}]},
        "cz-reversed": _mutant(_set(2, locus=["QB2", "QB1"])),
        "measure-two-qubits": _mutant(
            lambda c: c["instructions"].__setitem__(
                slice(4, 6), [{"name": "measure", "locus": ["QB2", "QB1"], "args": {"key": "both"}}]
            )
        ),
        "barrier": _mutant(_insert(3, {"name": "barrier", "locus": ["QB1", "QB2"], "args": {}})),
        "barrier-no-qubit": _mutant(_insert(3, {"name": "barrier", "locus": [], "args": {}})),
        "delay": _mutant(_insert(3, {"name": "delay", "locus": ["QB1"], "args": {"duration": 4e-8}})),
        "reset": _mutant(
            _insert(0, _prx("QB1", math.pi, 0.0), {"name": "reset", "locus": ["QB1"], "args": {}})
        ),
        # Each one-qubit gate between rotations that make its sign and its axis show in the counts.
        "rz": _single(_prx("QB1", half_pi, 0.0), _gate("rz", angle=0.8), _prx("QB1", half_pi, half_pi)),
        "sx": _single(_prx("QB1", half_pi, 0.0), _gate("sx")),
        "u": _single(
            _prx("QB1", half_pi, half_pi), _gate("u", theta=0.7, phi=-1.3, lam=2.1), _prx("QB1", 1.0, 0.0)
        ),
        "cc-prx": _mutant(_feedback({"angle": math.pi, "phase": half_pi})),
        "qubit-mapping": _mapped(mapping, ab),
        "run-options": {
            "circuits": [base_circuit()],
            "heralding_mode": "zeros",
            "dd_mode": "enabled",
            "move_validation_mode": "allow_prx",
            "move_gate_frame_tracking_mode": "no_detuning_correction",
            "max_circuit_duration_over_t2": 0.0,
            "active_reset_cycles": 1,
        },
        # What IQM refuses (and what the Hub refuses although IQM does not, see DIFFERENCES).
        "turns-form": _mutant(_turns),
        "turns-form-cc-prx": _mutant(_feedback({"angle_t": 0.5, "phase_t": 0.25})),
        "mixed-forms": _mutant(_mix),
        "unknown-operation": _mutant(_set(0, name="hadamard")),
        "alias-phased-rx": _mutant(_set(0, name="phased_rx")),
        "alias-measurement": _mutant(_set(4, name="measurement")),
        "move-on-garnet": _mutant(_insert(0, {"name": "move", "locus": ["QB1", "QB2"], "args": {}})),
        "measure-fidelity": _mutant(_set(4, name="measure_fidelity")),
        "no-locus": _mutant(_drop(0, "locus")),
        "locus-as-text": _mutant(_set(0, locus="QB1")),
        "locus-repeated": _mutant(_set(2, locus=["QB1", "QB1"])),
        "prx-two-qubits": _mutant(_set(0, locus=["QB1", "QB2"])),
        "cz-uncoupled": _mutant(_set(2, locus=["QB1", "QB20"])),
        "no-such-qubit": _mutant(_set(0, locus=["QB99"])),
        "not-a-qubit-name": _mutant(_set(0, locus=["alice"])),
        "missing-phase": _mutant(_drop(0, "phase", where="args")),
        "extra-argument": _mutant(_args(0, detuning=0.1)),
        "cz-with-argument": _mutant(_args(2, angle=0.1)),
        "angle-as-text": _mutant(_args(0, angle="1.1")),
        "angle-integer": _mutant(_args(0, angle=1)),
        "angle-boolean": _mutant(_args(0, angle=True)),
        "angle-null": _mutant(_args(0, angle=None)),
        "angle-nan": _mutant(_args(0, angle=float("nan"))),
        "angle-infinity": _mutant(_args(0, angle=float("inf"))),
        "delay-integer": _mutant(_insert(3, {"name": "delay", "locus": ["QB1"], "args": {"duration": 1}})),
        "rz-integer": _mutant(_insert(3, {"name": "rz", "locus": ["QB2"], "args": {"angle": 1}})),
        "measure-no-key": _mutant(_drop(4, "key", where="args")),
        "key-not-text": _mutant(_args(4, key=5)),
        "keys-repeated": _mutant(_args(5, key="c_2_0_0")),
        "measure-no-qubit": _mutant(_set(4, locus=[])),
        "cc-prx-unknown-feedback": _mutant(_feedback({"angle": math.pi, "phase": 0.0}, key="never")),
        "implementation-unknown": _mutant(_set(0, implementation="bogus")),
        "implementation-empty": _mutant(_set(0, implementation="")),
        "no-instructions": {"circuits": [{"name": "empty", "instructions": []}]},
        "no-circuits": {"circuits": []},
        "name-empty": {"circuits": [{**base_circuit(), "name": ""}]},
        "name-missing": {"circuits": [{k: v for k, v in base_circuit().items() if k != "name"}]},
        "name-not-text": {"circuits": [{**base_circuit(), "name": 7}]},
        "instructions-not-a-list": {"circuits": [{"name": "x", "instructions": {"name": "prx"}}]},
        "qir-program": {"circuits": ["%Qubit = type opaque"]},
        "mapping-misses-a-qubit": _mapped(mapping[:1], ab),
        "mapping-unknown-physical": _mapped([*mapping, {"logical_name": "z", "physical_name": "QB99"}], ab),
        "mapping-not-injective": _mapped([*mapping, {"logical_name": "c", "physical_name": "QB1"}], ab),
        "heralding-unknown": {"circuits": [base_circuit()], "heralding_mode": "sometimes"},
        "dd-mode-unknown": {"circuits": [base_circuit()], "dd_mode": "maybe"},
    }
    return {name: (GARNET, body) for name, body in cases.items()}


# -- the local Hub -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalHub]:
    """A local Hub serving Garnet and Emerald as the built-in catalog does, minus the calibration (so their
    jobs run without noise)."""
    data = resources.files("qhub_providers.emulator.catalog") / "data" / "iqm.json"
    catalog = json.loads(data.read_text(encoding="utf-8"))
    for entry in catalog["backends"]:
        entry.get("emulation", {}).pop("calibration", None)
    path = tmp_path_factory.mktemp("catalog") / "iqm-noiseless.json"
    path.write_text(json.dumps(catalog), encoding="utf-8")
    with LocalHub(catalog=path) as local:
        yield local


@pytest.fixture(scope="module")
def client(hub: LocalHub) -> Iterator[HubQuantumClient]:
    with hub.client(max_retries=0) as rest:
        yield rest


@dataclass
class HubAnswer:
    """What the Hub answered to one job: the HTTP status of the submission, and for a job it took, its
    final status and native result."""

    status_code: int
    message: str = ""
    job_status: str | None = None
    result: Any = None

    @property
    def runs(self) -> bool:
        return self.job_status == "COMPLETED"


def submit_all(
    hub: LocalHub, client: HubQuantumClient, bodies: dict[str, tuple[str, str]]
) -> dict[str, HubAnswer]:
    """Send every job (raw JSON text, so NaN and integers arrive as written), then wait for them all."""
    answers: dict[str, HubAnswer] = {}
    pending: dict[str, str] = {}
    headers = {"X-Auth-Token": hub.token, "content-type": "application/json"}
    with httpx.Client(base_url=hub.base_url + "/", headers=headers, timeout=30.0) as http:
        for name, (backend, body) in bodies.items():
            text = (
                f'{{"name": {json.dumps(name)}, "backend_id": "{backend}", "shots": {SHOTS}, '
                f'"input_format": "{FORMAT}", "input": {body}}}'
            )
            reply = http.post("jobs", content=text)
            answers[name] = HubAnswer(reply.status_code, reply.text[:500])
            if reply.is_success:
                pending[name] = str(reply.json()["id"])
    deadline = time.monotonic() + 120
    while pending:
        assert time.monotonic() < deadline, f"jobs still running: {sorted(pending)}"
        for name, job_id in list(pending.items()):
            status = str(client.jobs.get_job_status(job_id).status)
            if status in TERMINAL_JOB_STATUSES:
                answers[name].job_status = status
                answers[name].result = client.jobs.get_job_result(job_id)
                del pending[name]
        time.sleep(0.05)
    return answers


# -- one batch for the whole module ------------------------------------------------------------------


@dataclass
class World:
    """Everything the tests look at: our encodings, the referee's answer and the Hub's."""

    encoded: dict[str, EncodedJob] = field(default_factory=dict)
    with_options: EncodedJob | None = None
    edge_cases: EncodedJob | None = None
    referee: dict[str, Any] = field(default_factory=dict)
    hub: dict[str, HubAnswer] = field(default_factory=dict)
    bodies: dict[str, tuple[str, str]] = field(default_factory=dict)


def edge_cases(backend: Any) -> list[QuantumCircuit]:
    """Circuits our encoder writes in ways random circuits do not: nothing to do, a barrier, a delay in
    seconds, a clbit measured twice, a register nothing measures."""
    empty = QuantumCircuit(2, 2, name="empty")
    busy = QuantumCircuit(QuantumRegister(3, "q"), ClassicalRegister(2, "m"), ClassicalRegister(1, "unused"))
    busy.name = "busy"
    busy.h(0)
    busy.barrier()
    busy.delay(80, 1, unit="ns")
    busy.measure(0, 0)
    busy.cx(1, 2)
    busy.measure(2, 0)  # the same clbit again
    busy.measure(1, 1)
    return [transpile(c, backend, seed_transpiler=5) for c in (empty, busy)]


def _wire(encoded: EncodedJob) -> dict[str, Any]:
    """Our job as one IQM run request: the circuits and the run options side by side, as IQM reads them."""
    return {**encoded.input, **encoded.input_params}


@pytest.fixture(scope="module")
def world(hub: LocalHub, client: HubQuantumClient) -> World:
    """Encode, ask the referee (one subprocess for everything), then send every request to the Hub."""
    provider = HubQiskitProvider(client=client)
    world = World()
    architectures: dict[str, Any] = {}
    convert: list[dict[str, Any]] = []
    seed = 0
    for backend_id, count in RANDOM.items():
        backend = provider.get_backend(backend_id)
        architectures[backend_id] = backend.native_config
        circuits = []
        for _ in range(count):
            fitted = transpile(random_circuit(seed), backend, seed_transpiler=seed, optimization_level=1)
            circuits.append(fitted)
            seed += 1
        world.encoded[backend_id] = iqm.encode(circuits, backend._facts(), shots=SHOTS)
        convert.append(
            {"id": backend_id, "architecture": backend_id, "qpy": qpy_text(circuits), "shots": SHOTS}
        )
    garnet = provider.get_backend(GARNET)
    options_circuit = transpile(random_circuit(99), garnet, seed_transpiler=99)
    physical = sorted(
        {
            garnet._facts().qubit_names[options_circuit.find_bit(q).index]
            for i in options_circuit.data
            for q in i.qubits
        }
    )
    world.with_options = iqm.encode(
        [options_circuit],
        garnet._facts(),
        shots=SHOTS,
        calibration_set_id=str(garnet.native_config["calibration_set_id"]),
        qubit_mapping={f"logical-{name}": name for name in physical},
        heralding_mode="zeros",
        dd_mode="disabled",
        max_circuit_duration_over_t2=0.0,
        move_validation_mode="strict",
        move_gate_frame_tracking_mode="full",
        active_reset_cycles=1,
    )
    edges = edge_cases(garnet)
    world.edge_cases = iqm.encode(edges, garnet._facts(), shots=SHOTS)
    # A delay does not cross from this Qiskit's QPY to the side venv's (its unit is lost): IQM's converter
    # gets the circuits without it.
    undelayed = [c.copy_empty_like() for c in edges]
    for source, target in zip(edges, undelayed, strict=True):
        for item in source.data:
            if item.operation.name != "delay":
                target.append(item)
    convert.append({"id": "edge-cases", "architecture": GARNET, "qpy": qpy_text(undelayed), "shots": SHOTS})
    bodies = {f"ours-{b}": (b, json.dumps(_wire(e))) for b, e in world.encoded.items()}
    bodies["ours-edge-cases"] = (GARNET, json.dumps(_wire(world.edge_cases)))
    bodies["ours-with-options"] = (GARNET, json.dumps(_wire(world.with_options)))
    bodies.update({name: (backend, json.dumps(body)) for name, (backend, body) in corpus().items()})
    judge = [
        {"id": name, "architecture": backend, "request": _request(body)}
        for name, (backend, body) in bodies.items()
    ]
    world.referee = ask_referee({"architectures": architectures, "convert": convert, "judge": judge})
    # IQM's converter's own output goes to the Hub too.
    for backend_id in RANDOM:
        converted = world.referee["convert"][backend_id]
        if converted["ok"]:
            bodies[f"iqm-converter-{backend_id}"] = (
                backend_id,
                json.dumps({"circuits": converted["circuits"]}),
            )
    world.bodies = bodies
    world.hub = submit_all(hub, client, bodies)
    return world


def _request(body_text: str) -> str:
    """The run request IQM reads: the body (a JSON object) with the shots, which the Hub takes beside it."""
    return body_text.rstrip()[:-1] + f', "shots": {SHOTS}}}'


# -- the tests ---------------------------------------------------------------------------------------


def _instructions(circuit: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Instructions in a comparable form; a missing ``implementation`` is IQM's ``null``."""
    return [
        (
            item["name"],
            tuple(item["locus"]),
            tuple(sorted(item.get("args", {}).items())),
            item.get("implementation"),
        )
        for item in circuit["instructions"]
    ]


def check_the_backends_configs_are_iqm_architectures(world: World) -> None:
    assert world.referee["versions"]["iqm-client"].startswith("36.")
    assert world.referee["architectures"] == {GARNET: {"ok": True}, EMERALD: {"ok": True}}


def check_our_encoder_writes_what_iqms_converter_writes(world: World) -> None:
    compared = 0
    for backend_id in RANDOM:
        theirs = world.referee["convert"][backend_id]
        assert theirs["ok"], theirs.get("error")
        ours = world.encoded[backend_id].input["circuits"]
        assert len(ours) == len(theirs["circuits"]) == RANDOM[backend_id]
        for mine, iqms in zip(ours, theirs["circuits"], strict=True):
            assert mine["name"] == iqms["name"]
            # Both write r's angles as floats in radians, from the same parameters: equal to the bit.
            assert _instructions(mine) == _instructions(iqms), mine["name"]
            names = {item["name"] for item in mine["instructions"]}
            assert {"prx", "measure"} <= names, mine["name"]
            compared += 1
    assert compared == sum(RANDOM.values())
    assert any(
        item["name"] == "cz" for c in world.encoded[GARNET].input["circuits"] for item in c["instructions"]
    )


def check_our_whole_job_input_passes_iqms_models_and_validation(world: World) -> None:
    for name in [f"ours-{b}" for b in RANDOM] + ["ours-with-options", "ours-edge-cases"]:
        verdict = world.referee["judge"][name]
        assert verdict["accepted"], (name, verdict["stage"], verdict["error"])
        assert not verdict["legacy"]
    # Where our encoder departs from IQM's converter, on purpose: IQM's own client refuses what its
    # converter writes for an empty circuit (no instructions) and for a clbit measured twice (one key
    # twice); ours writes a one-qubit barrier and a fresh key, which it accepts (checked above).
    theirs = world.referee["convert"]["edge-cases"]
    assert theirs["ok"], theirs.get("error")
    assert theirs["circuits"][0]["instructions"] == []
    assert not theirs["verdict"]["accepted"]
    empty, busy = theirs["each"]
    assert "at least one instruction" in empty["error"]
    assert "non-unique measurement key" in busy["error"]
    # IQM's model reads our options, not just the circuits.
    assert world.with_options is not None
    assert world.with_options.input_params["qubit_mapping"]
    assert world.referee["judge"]["ours-with-options"]["circuits"][0]["instructions"][0]["locus"][
        0
    ].startswith("logical-")


def check_the_hub_refuses_what_iqm_refuses_and_runs_what_iqm_accepts(world: World) -> None:
    judged = world.referee["judge"]
    verdicts: dict[str, tuple[bool, bool]] = {}
    for name, answer in world.hub.items():
        verdict = (
            judged[name]
            if name in judged
            else world.referee["convert"][name.removeprefix("iqm-converter-")]["verdict"]
        )
        assert verdict["accepted"] is not None, verdict["error"]
        if not answer.runs:
            # A refusal is a client error with a message, at submission (never a failed job or a 500).
            assert answer.status_code in (400, 422), (name, answer)
        verdicts[name] = (bool(verdict["accepted"]), answer.runs)
    differences = {
        name: "hub-runs" if hub_runs else "hub-refuses"
        for name, (iqm_accepts, hub_runs) in verdicts.items()
        if iqm_accepts != hub_runs
    }
    details = {name: (judged.get(name, {}).get("error"), world.hub[name].message) for name in differences}
    assert differences == {name: direction for name, (direction, _) in DIFFERENCES.items()}, details
    # The corpus exercises both sides.
    assert sum(1 for accepts, _ in verdicts.values() if accepts) >= 15
    assert sum(1 for accepts, _ in verdicts.values() if not accepts) >= 25


def _terminal_only(circuit: QuantumCircuit) -> bool:
    """No reset, no condition, and nothing but barriers after a qubit's measurement."""
    measured: set[Any] = set()
    for item in circuit.data:
        name = item.operation.name
        if name in ("reset", "if_else") or (name != "barrier" and measured & set(item.qubits)):
            return False
        if name == "measure":
            measured |= set(item.qubits)
    return True


def _reference(reading: dict[str, Any], keys: list[str]) -> tuple[dict[str, float], int | None]:
    """The distribution of IQM's Qiskit reading of a circuit over bitstrings of ``keys`` (IQM's order),
    and the shots it was sampled with (``None``: exact, from the state vector of the qubits it uses)."""
    (circuit,) = qpy.load(io.BytesIO(base64.b64decode(reading["qpy"])))
    clbits = [reading["key_clbits"][key] for key in keys]
    if not _terminal_only(circuit):
        counts = AerSimulator(seed_simulator=11).run(circuit, shots=REFERENCE_SHOTS).result().get_counts()
        sampled: dict[str, float] = {}
        for bits, n in counts.items():
            flat = bits.replace(" ", "")[::-1]  # clbit i at position i
            outcome = "".join(flat[c] for c in clbits)
            sampled[outcome] = sampled.get(outcome, 0.0) + n / REFERENCE_SHOTS
        return sampled, REFERENCE_SHOTS
    active = sorted({circuit.find_bit(q).index for item in circuit.data for q in item.qubits})
    compact = QuantumCircuit(len(active))
    qubit_of_clbit: dict[int, int] = {}
    for item in circuit.data:
        qubits = [active.index(circuit.find_bit(q).index) for q in item.qubits]
        if item.operation.name == "measure":
            qubit_of_clbit[circuit.find_bit(item.clbits[0]).index] = qubits[0]
        elif item.operation.name != "barrier":
            compact.append(item.operation, qubits)
    exact: dict[str, float] = {}
    for state, p in enumerate(Statevector(compact).probabilities()):
        if p > 1e-12:
            outcome = "".join(
                str((state >> qubit_of_clbit[c]) & 1) if c in qubit_of_clbit else "0" for c in clbits
            )
            exact[outcome] = exact.get(outcome, 0.0) + float(p)
    return exact, None


def _agree(hub_counts: dict[str, int], reference: tuple[dict[str, float], int | None]) -> list[str]:
    """Outcomes whose frequencies differ by more than five standard deviations (plus two counts)."""
    wanted, sampled = reference
    shots = sum(hub_counts.values())
    problems = []
    for outcome in set(hub_counts) | set(wanted):
        a, b = hub_counts.get(outcome, 0) / shots, wanted.get(outcome, 0.0)
        if sampled:  # two samples: the pooled frequency's spread
            pooled = (hub_counts.get(outcome, 0) + b * sampled) / (shots + sampled)
            sigma = math.sqrt(pooled * (1 - pooled) * (1 / shots + 1 / sampled))
        else:  # an exact probability: a binomial spread around it (none around an impossible outcome)
            sigma = math.sqrt(b * (1 - b) / shots)
        bound = 5 * sigma + 2 / shots
        if abs(a - b) > bound:
            problems.append(f"{outcome}: hub {a:.4f}, IQM's reading {b:.4f}")
    return problems


def check_the_hubs_counts_agree_with_aer_on_iqms_reading(world: World) -> None:
    checked = 0
    for name, answer in world.hub.items():
        if name in world.referee["judge"]:
            verdict = world.referee["judge"][name]
        else:
            verdict = world.referee["convert"][name.removeprefix("iqm-converter-")]["verdict"]
        if not (answer.runs and verdict["accepted"]):
            continue
        entries = answer.result["measurement_counts"]
        assert len(entries) == len(verdict["readings"])
        for index, (entry, reading) in enumerate(zip(entries, verdict["readings"], strict=True)):
            if "error" in reading:
                continue  # IQM's reader reads only Qiskit-style keys back
            assert sum(entry["counts"].values()) == SHOTS
            problems = _agree(entry["counts"], _reference(reading, entry["measurement_keys"]))
            assert not problems, (name, index, problems)
            checked += 1
    # Every random circuit twice (ours and IQM's converter's), and the corpus's runnable circuits.
    assert checked >= 2 * sum(RANDOM.values()) + 10


CHECKS: tuple[Callable[[World], None], ...] = (
    check_the_backends_configs_are_iqm_architectures,
    check_our_encoder_writes_what_iqms_converter_writes,
    check_our_whole_job_input_passes_iqms_models_and_validation,
    check_the_hub_refuses_what_iqm_refuses_and_runs_what_iqm_accepts,
    check_the_hubs_counts_agree_with_aer_on_iqms_reading,
)


def test_iqm_client_referees_our_encoder_and_the_hubs_reader(world: World) -> None:
    """Every check above, each reported on its own. One test, because pytest-xdist builds a module fixture
    on every worker that runs one of the module's tests: this way the referee and the Hub jobs run once."""
    failures = []
    for check in CHECKS:
        try:
            check(world)
        except AssertionError as error:
            failures.append(f"{check.__name__}: {error}")
    assert not failures, "\n\n".join(failures)
