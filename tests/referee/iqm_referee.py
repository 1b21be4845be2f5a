"""IQM's own client as a referee; run ONLY by the side venv's python (``scripts/_iqm_referee_venv.sh``).

iqm-client pins an older pydantic and Qiskit than qhub-providers, so this program lives in a venv of its
own and imports nothing of qhub_providers. It reads one JSON batch on stdin and answers one JSON document
on stdout; the tests in ``test_iqm_referee.py`` call it once per module.

Request::

    {
      "architectures": {"<backend id>": <the backend's config: an IQM dynamic quantum architecture>},
      "convert": [{"id", "architecture", "qpy": <base64 QPY of Qiskit circuits>, "shots"}],
      "judge": [{"id", "architecture", "request": <an IQM run request as JSON text>}]
    }

Answer::

    {
      "versions": {"iqm-client", "qiskit", "pydantic"},
      "architectures": {"<id>": {"ok": true} | {"ok": false, "error"}},
      "convert": {"<id>": {"ok": true, "circuits": [<IQM circuit JSON as iqm-client sends it>],
                            "verdict": <as for judge, of the whole batch>,
                            "each": [{"accepted", "error"} of each circuit alone]} | {"ok": false, "error"}},
      "judge": {"<id>": <verdict>}
    }

A verdict is ``{"accepted": bool, "stage", "error", "legacy", "circuits", "readings"}``:

* ``stage`` names the first check that refused: ``model`` (the run-request model ``CircuitJobDefinition``
  that iqm-client serializes and IQM's server reads), ``circuit`` (iqm-client's static validation against
  its table of quantum operations), ``qubit_mapping`` or ``architecture`` (its validation against the
  backend's dynamic quantum architecture, as ``IQMClient.create_circuit_job_definition`` does);
* ``legacy`` is true when the model read a circuit in the old format (``qubits`` instead of ``locus``),
  which IQM's server model still reads and converts (``_Circuit.to_cpc_type``); the circuit is then
  validated in its converted form;
* ``circuits`` are the circuits as IQM's model reads them, serialized back to JSON (its normal form);
* ``readings`` (accepted requests only) are IQM's own Qiskit reading of each circuit
  (``deserialize_instructions``) as base64 QPY, with the clbit each measurement key writes, or
  ``{"error"}`` when IQM's reader cannot read the circuit back (e.g. measurement keys that are not
  Qiskit-style ``<register>_<size>_<index>_<bit>``).
"""

from __future__ import annotations

import base64
import importlib
import importlib.util
import io
import json
import sys
import traceback
import types
import warnings
from importlib.metadata import version
from typing import Any

from iqm.iqm_client.models import _SUPPORTED_OPERATIONS, validate_circuit
from iqm.iqm_client.validation import validate_circuit_instructions, validate_qubit_mapping
from iqm.pulse import Circuit, CircuitOperation
from iqm.station_control.interface.models import CircuitJobDefinition, DynamicQuantumArchitecture
from iqm.station_control.interface.models.circuit import _Circuit
from qiskit import qpy
from qiskit.circuit.library import UnitaryGate


def _converter() -> types.ModuleType:
    """IQM's Qiskit converter, ``iqm.qiskit_iqm.qiskit_to_iqm``, imported without running its package's
    ``__init__``: that builds five fake backends with noise models (several seconds) the converter never
    uses. The converter's own code and its imports are IQM's, unchanged."""
    spec = importlib.util.find_spec("iqm.qiskit_iqm")
    assert spec is not None
    assert spec.submodule_search_locations is not None
    package = types.ModuleType("iqm.qiskit_iqm")
    package.__path__ = list(spec.submodule_search_locations)
    sys.modules.setdefault("iqm.qiskit_iqm", package)
    return importlib.import_module("iqm.qiskit_iqm.qiskit_to_iqm")


_qiskit_to_iqm = _converter()
MeasurementKey = _qiskit_to_iqm.MeasurementKey
deserialize_instructions = _qiskit_to_iqm.deserialize_instructions
serialize_instructions = _qiskit_to_iqm.serialize_instructions

_READ_BY_IQM = frozenset({"prx", "cc_prx", "cz", "move", "measure", "reset", "barrier", "delay"})

# QPY written by the project's newer Qiskit is read here on purpose (in a version this Qiskit knows).
warnings.filterwarnings("ignore", message="The qiskit version used to generate the provided QPY file")


def _error(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def _qubit_indices(architecture: DynamicQuantumArchitecture) -> dict[str, int]:
    """Component name -> Qiskit index, as ``IQMBackendBase`` numbers them (qubits with prx and measure
    first, then computational resonators)."""
    usable = architecture._require_1q_gates(["measure", "prx"])
    return {name: k for k, name in enumerate(usable.qubits + usable.computational_resonators)}


def _reading(circuit: Circuit, indices: dict[str, int]) -> dict[str, Any]:
    """IQM's Qiskit reading of one circuit, as QPY, and the clbit each measurement key writes.

    IQM's reader (``deserialize_instructions``) knows prx, cc_prx, cz, move, measure, reset, barrier and
    delay. The other operations of IQM's table that have a unitary there (rz, sx, u) are read as a
    ``UnitaryGate`` of that unitary (``QuantumOp.unitary``, IQM's definition of the gate): they go through
    IQM's reader as barriers on their locus, which are then swapped for the unitary.
    """
    try:
        operations = []
        unitaries = []
        for instruction in circuit.instructions:
            op = _SUPPORTED_OPERATIONS.get(instruction.name)
            if instruction.name not in _READ_BY_IQM and op is not None and op.unitary is not None:
                unitaries.append(UnitaryGate(op.unitary(**instruction.args)))
                operations.append(CircuitOperation(name="barrier", locus=instruction.locus, args={}))
            else:
                unitaries.append(None)
                operations.append(instruction)
        read = deserialize_instructions(operations, indices)
        # The k-th barrier of the reading is the k-th barrier written: swap the stand-ins back.
        stand_ins = iter([u for u, o in zip(unitaries, operations, strict=True) if o.name == "barrier"])
        qiskit_circuit = read.copy_empty_like()
        for item in read.data:
            name = item.operation.name
            unitary = next(stand_ins) if name == "barrier" else None
            if unitary is not None:
                qiskit_circuit.append(unitary, item.qubits)
            elif name != "delay":
                # Delays change no ideal counts, and a delay in seconds written by this Qiskit does not
                # load in newer ones: the reading goes without them.
                qiskit_circuit.append(item)
        keys: dict[str, int] = {}
        for instruction in circuit.instructions:
            if instruction.name == "measure":
                key = MeasurementKey.from_string(instruction.args["key"])
                # IQM's reader adds the registers in key-index order, one per index.
                clbit = qiskit_circuit.cregs[key.creg_idx][key.clbit_idx]
                keys[str(key)] = qiskit_circuit.find_bit(clbit).index
        buffer = io.BytesIO()
        qpy.dump(qiskit_circuit, buffer)
        return {"qpy": base64.b64encode(buffer.getvalue()).decode("ascii"), "key_clbits": keys}
    except Exception as error:
        return {"error": _error(error)}


def _verdict(text: str, architecture: DynamicQuantumArchitecture | None) -> dict[str, Any]:
    """What iqm-client makes of one run request (JSON text)."""
    out: dict[str, Any] = {"accepted": False, "stage": "model", "error": None, "legacy": False}
    try:
        definition = CircuitJobDefinition.model_validate_json(text)
    except Exception as error:
        out["error"] = _error(error)
        return out
    circuits: list[Any] = []
    for circuit in definition.circuits:
        if isinstance(circuit, _Circuit):
            out["legacy"] = True
            circuits.append(circuit.to_cpc_type())
        else:
            circuits.append(circuit)
    out["circuits"] = [
        json.loads(CircuitJobDefinition(circuits=[c], shots=1).model_dump_json())["circuits"][0]
        if isinstance(c, Circuit)
        else c
        for c in circuits
    ]
    out["stage"] = "circuit"
    try:
        if not circuits:
            # iqm-client's submit path: IQMBackend refuses an empty batch before the client sees it.
            raise ValueError("Empty list of circuits submitted for execution.")
        for index, circuit in enumerate(circuits):
            if isinstance(circuit, Circuit):
                try:
                    validate_circuit(circuit)
                except ValueError as error:
                    raise ValueError(
                        f"The circuit at index {index} failed the validation: {error}"
                    ) from error
    except Exception as error:
        out["error"] = _error(error)
        return out
    if architecture is None:
        out["stage"] = "architecture"
        out["error"] = "no architecture given"
        return out
    out["stage"] = "qubit_mapping"
    try:
        validate_qubit_mapping(architecture, circuits, definition.qubit_mapping)
        out["stage"] = "architecture"
        validate_circuit_instructions(
            architecture,
            circuits,
            definition.qubit_mapping,
            validate_moves=definition.move_gate_validation,
            must_close_sandwiches=False,
        )
    except Exception as error:
        out["error"] = _error(error)
        return out
    out["accepted"] = True
    out["stage"] = None
    indices = _qubit_indices(architecture)
    if definition.qubit_mapping:
        physical = indices
        indices = {logical: physical[name] for logical, name in definition.qubit_mapping.items()}
    out["readings"] = [_reading(c, indices) if isinstance(c, Circuit) else {"error": "QIR"} for c in circuits]
    return out


def _convert(item: dict[str, Any], architecture: DynamicQuantumArchitecture) -> dict[str, Any]:
    """IQM's Qiskit converter on QPY circuits, as ``IQMBackend.serialize_circuit`` calls it."""
    try:
        circuits = qpy.load(io.BytesIO(base64.b64decode(item["qpy"])))
        names = {k: name for name, k in _qubit_indices(architecture).items()}
        serialized = [
            Circuit(
                name=c.name,
                instructions=tuple(serialize_instructions(c, qubit_index_to_name=names)),
                metadata=dict(c.metadata) if c.metadata else None,
            )
            for c in circuits
        ]
        wire = CircuitJobDefinition(circuits=serialized, shots=int(item.get("shots", 1))).model_dump_json()
    except Exception as error:
        return {"ok": False, "error": _error(error)}
    circuits = json.loads(wire)["circuits"]
    each = []
    for circuit in circuits:  # each circuit alone, so that every refusal is seen
        alone = _verdict(json.dumps({"circuits": [circuit], "shots": 1}), architecture)
        each.append({"accepted": alone["accepted"], "error": alone["error"]})
    return {"ok": True, "circuits": circuits, "verdict": _verdict(wire, architecture), "each": each}


def main() -> None:
    request = json.load(sys.stdin)
    answer: dict[str, Any] = {
        "versions": {name: version(name) for name in ("iqm-client", "qiskit", "pydantic")},
        "architectures": {},
        "convert": {},
        "judge": {},
    }
    architectures: dict[str, DynamicQuantumArchitecture] = {}
    for backend, document in request.get("architectures", {}).items():
        try:
            architectures[backend] = DynamicQuantumArchitecture.model_validate(document)
            answer["architectures"][backend] = {"ok": True}
        except Exception as error:
            answer["architectures"][backend] = {"ok": False, "error": _error(error)}
    for item in request.get("convert", []):
        architecture = architectures.get(item["architecture"])
        if architecture is None:
            answer["convert"][item["id"]] = {"ok": False, "error": "unknown architecture"}
        else:
            answer["convert"][item["id"]] = _convert(item, architecture)
    for item in request.get("judge", []):
        try:
            verdict = _verdict(item["request"], architectures.get(item.get("architecture", "")))
        except Exception:
            verdict = {"accepted": None, "stage": "referee", "error": traceback.format_exc()}
        answer["judge"][item["id"]] = verdict
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
