"""One gate table per input format: the Qiskit gates each format can write, under the format's own name.

The encoders write gates from these tables, and the Qiskit targets (:mod:`qhub_providers.qiskit.targets`)
offer only gates found here, so a target never claims a gate its backend's encoder would refuse. The
local Hub keeps its own tables, taken from the devices' data; it never reads these.

Each table maps a Qiskit standard gate name to the format's name for a gate with the same matrix,
parameters (in the same order and units, before any conversion the encoder documents) and qubit order.
``None`` for a format means "every Qiskit gate": the circuit travels as Qiskit itself serialises it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "AQT",
    "BRAKET",
    "GATE_TABLES",
    "IONQ",
    "IQM",
    "QASM2",
    "braket_to_qiskit",
    "qiskit_gates",
]

BRAKET: Mapping[str, str] = MappingProxyType(
    {
        "h": "h",
        "x": "x",
        "y": "y",
        "z": "z",
        "s": "s",
        "sdg": "si",
        "t": "t",
        "tdg": "ti",
        "sx": "v",
        "sxdg": "vi",
        "rx": "rx",
        "ry": "ry",
        "rz": "rz",
        "p": "phaseshift",
        "cx": "cnot",
        "cy": "cy",
        "cz": "cz",
        "csx": "cv",
        "swap": "swap",
        "iswap": "iswap",
        "ccx": "ccnot",
        "cswap": "cswap",
        "cp": "cphaseshift",
        "rxx": "xx",
        "ryy": "yy",
        "rzz": "zz",
        "ecr": "ecr",
        "id": "i",
        "u": "U",
        "r": "prx",
    }
)
"""Amazon Braket's OpenQASM 3 dialect (``BRAKET_OPEN_QASM_V3``). Braket's ``U`` is OpenQASM's ``U``
(Qiskit's ``u``), its ``prx`` is Qiskit's ``r`` and its ``cv`` (controlled V, V being the square root of
X) is Qiskit's ``csx``. Braket gates without an exact Qiskit twin (``gpi``, ``gpi2``, ``ms``, ``xy``,
``pswap``, ``cphaseshift00`` ...) are not here."""

IONQ: Mapping[str, str] = MappingProxyType(
    {
        "h": "h",
        "x": "x",
        "y": "y",
        "z": "z",
        "s": "s",
        "sdg": "si",
        "t": "t",
        "tdg": "ti",
        "sx": "v",
        "sxdg": "vi",
        "rx": "rx",
        "ry": "ry",
        "rz": "rz",
        "cx": "cnot",
        "swap": "swap",
        "rxx": "xx",
        "ryy": "yy",
        "rzz": "zz",
    }
)
"""IonQ's QIS gate set (``IONQ_CIRCUIT_V1``, ``"gateset": "qis"``); rotations carry ``rotation`` in
radians."""

AQT: Mapping[str, str] = MappingProxyType({"r": "R", "rz": "RZ", "rxx": "RXX"})
"""AQT's operations (``AQT_JOB_INPUT_V1``); the encoder gives their angles in units of pi."""

IQM: Mapping[str, str] = MappingProxyType({"r": "prx", "cz": "cz"})
"""IQM's native operations (``IQM_JOB_INPUT_V1``): ``prx`` is Qiskit's ``r`` (same angle and phase)."""

QASM2: Mapping[str, str] = MappingProxyType(
    {
        name: name
        for name in (
            "u3", "u2", "u1", "u0", "u", "p", "cx", "id", "x", "y", "z", "h", "s", "sdg", "t", "tdg", "rx",
            "ry", "rz", "sx", "sxdg", "cz", "cy", "swap", "ch", "ccx", "cswap", "crx", "cry", "crz", "cu1",
            "cp", "cu3", "csx", "cu", "rxx", "rzz", "rccx", "rc3x", "c3x", "c3sx", "c4x",
        )
    }
)  # fmt: skip
"""Gates of OpenQASM 2's ``qelib1.inc`` as Qiskit names them (``OPEN_QASM_V2``): the simulators know them
without a definition in the program."""

GATE_TABLES: Mapping[str, Mapping[str, str] | None] = MappingProxyType(
    {
        "BRAKET_OPEN_QASM_V3": BRAKET,
        "IONQ_CIRCUIT_V1": IONQ,
        "AQT_JOB_INPUT_V1": AQT,
        "IQM_JOB_INPUT_V1": IQM,
        "OPEN_QASM_V2": QASM2,
        # QPY carries any Qiskit circuit; what the device runs is the IBM configuration's business.
        "QISKIT_QPY": None,
    }
)
"""Every input format's table, by the Hub's name of the format."""

_BRAKET_TO_QISKIT = MappingProxyType({braket.lower(): qiskit for qiskit, braket in BRAKET.items()})


def qiskit_gates(input_format: str) -> frozenset[str] | None:
    """The Qiskit gate names ``input_format`` can write; ``None`` when it writes any (or is unknown)."""
    table = GATE_TABLES.get(input_format)
    return None if table is None else frozenset(table)


def braket_to_qiskit(braket_name: str) -> str | None:
    """The Qiskit name of a Braket gate (any case), or ``None`` when the table has no exact twin."""
    return _BRAKET_TO_QISKIT.get(braket_name.strip().lower())
