"""The IonQ circuit JSON runner (``IONQ_CIRCUIT_V1``, e.g. ``azure.ionq.simulator``).

The input is IonQ's circuit document ``{"gateset": "qis" | "native", "qubits": n, "circuit": [...]}``.
Each gate names itself with ``gate`` (or ``type``, as the Hub's schema spells it) and acts on
``targets`` (``target`` for one qubit), optionally under ``controls``:

* ``qis``: ``x y z h s si t ti v vi not`` (several targets apply the gate to each), ``rx ry rz``
  with ``rotation`` in radians, ``cnot``, ``swap``, ``xx yy zz`` with ``rotation`` in radians, and
  ``pauliexp`` (``terms``, ``coefficients``, ``time``: ``exp(-i time sum_k c_k P_k)`` where
  ``terms[k][i]`` acts on ``targets[i]``).
* ``native``: ``gpi gpi2`` with ``phase``, ``ms`` with ``phases`` and ``angle`` (default 0.25),
  ``zz`` with ``angle``; phases and angles in turns.

IonQ circuits hold no measurements: every qubit is measured, and the simulator answers with exact
probabilities ``{"histogram": {"<int>": p}}`` where the integer has qubit 0 as its least significant
bit (a QPU backend with a calibration answers with noisy shot frequencies instead). A ``meas_map``
in ``input_params`` (a JSON string, as qhub-quantum sends it) only tells the client how to read that
histogram; it is validated, not applied.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qiskit import QuantumCircuit
from qiskit.circuit import Gate
from qiskit.circuit.library import (
    HGate,
    PauliEvolutionGate,
    RXGate,
    RXXGate,
    RYGate,
    RYYGate,
    RZGate,
    RZZGate,
    SdgGate,
    SGate,
    SwapGate,
    SXdgGate,
    SXGate,
    TdgGate,
    TGate,
    XGate,
    YGate,
    ZGate,
)
from qiskit.quantum_info import SparsePauliOp

from qhub_providers.emulator.runners.base import Execution, InvalidJobInput
from qhub_providers.emulator.runners.circuits import (
    check_qubit_count,
    check_shots,
    check_simulable,
    normalized_qasm_input,
    probabilities,
    require_int,
    require_list,
    require_mapping,
    require_number,
    require_str,
    sample_bits,
)
from qhub_providers.emulator.runners.noise import noise_model
from qhub_providers.emulator.runners.samples import counts_bitstrings, probabilities_pub

if TYPE_CHECKING:
    from qhub_providers.emulator.catalog.spec import BackendSpec

__all__ = ["IonqJob", "IonqRunner"]

_FIXED_ONE_QUBIT: dict[str, Callable[[], Gate]] = {
    "x": XGate,
    "not": XGate,
    "y": YGate,
    "z": ZGate,
    "h": HGate,
    "s": SGate,
    "si": SdgGate,
    "t": TGate,
    "ti": TdgGate,
    "v": SXGate,
    "vi": SXdgGate,
}
_ROTATIONS: dict[str, Callable[[float], Gate]] = {"rx": RXGate, "ry": RYGate, "rz": RZGate}
_TWO_QUBIT_ROTATIONS: dict[str, Callable[[float], Gate]] = {"xx": RXXGate, "yy": RYYGate, "zz": RZZGate}
_NATIVE = ("gpi", "gpi2", "ms", "zz")
_TURN = 2 * math.pi


@dataclass(frozen=True)
class IonqJob:
    """A validated IonQ job: the decoded circuit (no measurements) and what to run it with."""

    spec: BackendSpec
    circuit: QuantumCircuit
    shots: int


class IonqRunner:
    """Simulates IonQ circuit JSON with Aer and answers with IonQ's probability histogram."""

    def prepare(self, spec: BackendSpec, job_input: Any, input_params: dict[str, Any], shots: int) -> IonqJob:
        """Decode and validate the IonQ circuit document; raise :class:`InvalidJobInput` if it cannot run."""
        count = check_shots(spec, shots)
        body = require_mapping(job_input, "input")
        gateset = body.get("gateset", "qis")
        if gateset not in ("qis", "native"):
            raise InvalidJobInput(f'input.gateset must be "qis" or "native", got {gateset!r}', status=400)
        num_qubits = require_int(body.get("qubits"), "input.qubits", minimum=1)
        check_qubit_count(spec, num_qubits, "input.qubits")
        _check_registers(body.get("registers"), num_qubits)
        _check_meas_map((input_params or {}).get("meas_map"), num_qubits)

        circuit = QuantumCircuit(num_qubits)
        decoder = _Decoder(circuit, native=gateset == "native")
        for index, item in enumerate(require_list(body.get("circuit"), "input.circuit")):
            decoder.apply(require_mapping(item, f"input.circuit[{index}]"), f"input.circuit[{index}]")
        check_simulable(circuit, "input.circuit")
        return IonqJob(spec=spec, circuit=circuit, shots=count)

    def execute(self, prepared: IonqJob, *, seed: int, noise: dict[str, Any] | None) -> Execution:
        """Exact probabilities over all qubits; on a QPU with a calibration, noisy shot frequencies."""
        model = noise_model(prepared.spec, noise)
        width = prepared.circuit.num_qubits
        if model is None:
            outcome = probabilities(prepared.circuit)
        else:
            # A QPU's histogram is what its shots saw, readout errors included.
            measured = prepared.circuit.copy()
            measured.measure_all()
            (bits,) = sample_bits([measured], prepared.shots, seed=seed, noise_model=model)
            counts = counts_bitstrings(bits)
            outcome = {int(key, 2): n / prepared.shots for key, n in counts.items()}
        histogram = {str(state): p for state, p in outcome.items()}
        keyed = {format(state, f"0{width}b"): p for state, p in outcome.items()}
        return Execution(
            native_result={"histogram": histogram},
            normalized={"pubs": [probabilities_pub(0, keyed, qubits=width)]},
            memory=None,
        )

    def normalized_input(self, prepared: IonqJob) -> dict[str, Any]:
        """The circuit as OpenQASM 2, with the measurement of every qubit IonQ performs made explicit."""
        measured = prepared.circuit.copy()
        measured.measure_all()
        return normalized_qasm_input([measured], [prepared.shots])


class _Decoder:
    """Appends IonQ gate items to a circuit, naming the offending field in every error."""

    def __init__(self, circuit: QuantumCircuit, *, native: bool) -> None:
        self.circuit = circuit
        self.native = native

    def apply(self, item: Mapping[str, Any], where: str) -> None:
        name = self._name(item, where)
        if self.native:
            if name not in _NATIVE:
                raise InvalidJobInput(
                    f"{where}: gate {name!r} is not a native IonQ gate (gpi, gpi2, ms, zz)", status=400
                )
            self._native(name, item, where)
        else:
            self._qis(name, item, where)

    def _name(self, item: Mapping[str, Any], where: str) -> str:
        gate, kind = item.get("gate"), item.get("type")
        if gate is not None and kind is not None and gate != kind:
            raise InvalidJobInput(f"{where}: gate {gate!r} and type {kind!r} disagree", status=400)
        name = gate if gate is not None else kind
        if name is None:
            raise InvalidJobInput(f"{where} needs a gate name in 'gate' (or 'type')", status=400)
        return require_str(name, f"{where}.gate").lower()

    # -- qis ------------------------------------------------------------------------------------------

    def _qis(self, name: str, item: Mapping[str, Any], where: str) -> None:
        targets = self._targets(item, where)
        controls = self._controls(item, where)
        if name == "cnot":
            if not controls:
                raise InvalidJobInput(f"{where}: cnot needs a control qubit in 'controls'", status=400)
            self._controlled(XGate(), controls, self._exactly(targets, 1, name, where), where)
        elif name in _FIXED_ONE_QUBIT or name in _ROTATIONS:
            factory = _FIXED_ONE_QUBIT.get(name)
            gate = factory() if factory is not None else self._rotation_gate(name, item, where)
            if controls:
                self._controlled(gate, controls, self._exactly(targets, 1, name, where), where)
            else:
                self._distinct(targets, where)
                for target in targets:  # IonQ applies a one-qubit gate to each listed target
                    self.circuit.append(gate, [target])
        elif name == "swap":
            self._controlled(SwapGate(), controls, self._exactly(targets, 2, name, where), where)
        elif name in _TWO_QUBIT_ROTATIONS:
            rotation = require_number(item.get("rotation"), f"{where}.rotation")
            gate = _TWO_QUBIT_ROTATIONS[name](rotation)
            self._controlled(gate, controls, self._exactly(targets, 2, name, where), where)
        elif name == "pauliexp":
            if controls:
                raise InvalidJobInput(f"{where}: pauliexp takes no controls", status=400)
            self._pauliexp(item, targets, where)
        else:
            raise InvalidJobInput(f"{where}: unknown IonQ gate {name!r}", status=400)

    def _rotation_gate(self, name: str, item: Mapping[str, Any], where: str) -> Gate:
        return _ROTATIONS[name](require_number(item.get("rotation"), f"{where}.rotation"))

    def _controlled(self, gate: Gate, controls: list[int], targets: list[int], where: str) -> None:
        self._distinct(controls + targets, where)
        operation = gate.control(len(controls)) if controls else gate
        self.circuit.append(operation, controls + targets)

    def _pauliexp(self, item: Mapping[str, Any], targets: list[int], where: str) -> None:
        self._distinct(targets, where)
        terms = require_list(item.get("terms"), f"{where}.terms")
        coefficients = require_list(item.get("coefficients"), f"{where}.coefficients")
        if not terms or len(terms) != len(coefficients):
            raise InvalidJobInput(f"{where}: terms and coefficients must be non-empty and equally long", 400)
        time = require_number(item.get("time"), f"{where}.time")
        labels: list[str] = []
        for k, term in enumerate(terms):
            label = require_str(term, f"{where}.terms[{k}]").upper()
            if len(label) != len(targets) or set(label) - set("IXYZ"):
                raise InvalidJobInput(
                    f"{where}.terms[{k}] must be {len(targets)} letters of I, X, Y, Z (one per target)", 400
                )
            # IonQ writes terms[k][i] for targets[i]; Qiskit labels put qubit 0 rightmost.
            labels.append(label[::-1])
        weights = [require_number(c, f"{where}.coefficients[{k}]") for k, c in enumerate(coefficients)]
        operator = SparsePauliOp(labels, coeffs=weights)
        self.circuit.append(PauliEvolutionGate(operator, time=time), targets)

    # -- native ---------------------------------------------------------------------------------------

    def _native(self, name: str, item: Mapping[str, Any], where: str) -> None:
        if item.get("controls"):
            raise InvalidJobInput(f"{where}: native gates take no controls", status=400)
        targets = self._targets(item, where)
        if name in ("gpi", "gpi2"):
            (target,) = self._exactly(targets, 1, name, where)
            phase = _TURN * require_number(item.get("phase"), f"{where}.phase")
            # GPI(p) and GPI2(p) are the pi and pi/2 rotations about the axis at angle 2*pi*p in the
            # XY plane; Qiskit's R gate is exactly that (GPI up to a global phase).
            self.circuit.r(math.pi if name == "gpi" else math.pi / 2, phase, target)
            return
        first, second = self._exactly(targets, 2, name, where)
        self._distinct([first, second], where)
        if name == "zz":
            angle = require_number(item.get("angle"), f"{where}.angle")
            self.circuit.rzz(_TURN * angle, first, second)  # exp(-i pi angle ZZ)
            return
        phases = require_list(item.get("phases"), f"{where}.phases")
        if len(phases) != 2:
            raise InvalidJobInput(f"{where}.phases must hold two phases", status=400)
        phi0 = _TURN * require_number(phases[0], f"{where}.phases[0]")
        phi1 = _TURN * require_number(phases[1], f"{where}.phases[1]")
        angle = require_number(item.get("angle", 0.25), f"{where}.angle")
        # MS = exp(-i pi angle S0 S1) with S_k = cos(phi_k) X + sin(phi_k) Y = RZ(phi_k) X RZ(-phi_k):
        # rotate both frames, apply XX, rotate back.
        self.circuit.rz(-phi0, first)
        self.circuit.rz(-phi1, second)
        self.circuit.rxx(_TURN * angle, first, second)
        self.circuit.rz(phi0, first)
        self.circuit.rz(phi1, second)

    # -- qubit lists ----------------------------------------------------------------------------------

    def _targets(self, item: Mapping[str, Any], where: str) -> list[int]:
        if "targets" in item:
            return self._qubits(require_list(item["targets"], f"{where}.targets"), f"{where}.targets")
        if "target" in item:
            return self._qubits([item["target"]], f"{where}.target")
        raise InvalidJobInput(f"{where} needs 'targets'", status=400)

    def _controls(self, item: Mapping[str, Any], where: str) -> list[int]:
        if item.get("controls") is not None:
            return self._qubits(require_list(item["controls"], f"{where}.controls"), f"{where}.controls")
        if item.get("control") is not None:
            return self._qubits([item["control"]], f"{where}.control")
        return []

    def _qubits(self, values: list[Any], field: str) -> list[int]:
        size = self.circuit.num_qubits
        qubits = [require_int(value, f"{field}[{k}]") for k, value in enumerate(values)]
        for k, qubit in enumerate(qubits):
            if not 0 <= qubit < size:
                raise InvalidJobInput(
                    f"{field}[{k}]: qubit {qubit} is outside 0..{size - 1} (input.qubits = {size})",
                    status=400,
                )
        return qubits

    @staticmethod
    def _exactly(targets: list[int], count: int, name: str, where: str) -> list[int]:
        if len(targets) != count:
            raise InvalidJobInput(f"{where}: {name} needs {count} target(s), got {len(targets)}", status=400)
        return targets

    @staticmethod
    def _distinct(qubits: list[int], where: str) -> None:
        if len(set(qubits)) != len(qubits):
            raise InvalidJobInput(f"{where}: a qubit appears twice among targets and controls", status=400)


def _check_registers(registers: Any, num_qubits: int) -> None:
    if registers is None:
        return
    for name, qubits in require_mapping(registers, "input.registers").items():
        for k, qubit in enumerate(require_list(qubits, f"input.registers.{name}")):
            index = require_int(qubit, f"input.registers.{name}[{k}]")
            if not 0 <= index < num_qubits:
                raise InvalidJobInput(
                    f"input.registers.{name}[{k}]: qubit {index} is outside 0..{num_qubits - 1}", status=400
                )


def _check_meas_map(meas_map: Any, num_qubits: int) -> None:
    """qhub-quantum sends ``meas_map`` (clbit -> qubit) JSON-encoded; a plain list is accepted too."""
    if meas_map is None:
        return
    if isinstance(meas_map, str):
        try:
            meas_map = json.loads(meas_map)
        except json.JSONDecodeError as error:
            raise InvalidJobInput(f"input_params.meas_map is not valid JSON: {error}", status=400) from error
    for k, qubit in enumerate(require_list(meas_map, "input_params.meas_map")):
        index = require_int(qubit, f"input_params.meas_map[{k}]")
        if not 0 <= index < num_qubits:
            raise InvalidJobInput(
                f"input_params.meas_map[{k}]: qubit {index} is outside 0..{num_qubits - 1}", status=400
            )
