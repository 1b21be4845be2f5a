"""Per-format simulators of the local Hub, found by the runner key of a backend spec.

Runner modules import their simulators (Qiskit, Aer, Braket) at module level, so they are imported only
when the first job of their format arrives: the local Hub starts fast.
"""

from __future__ import annotations

import importlib
import threading

from qhub_providers.emulator.runners.base import Execution, InvalidJobInput, Runner

__all__ = ["Execution", "InvalidJobInput", "Runner", "get_runner"]

_RUNNERS: dict[str, tuple[str, str]] = {
    "braket_qasm3": ("braket_qasm", "BraketQasmRunner"),
    "braket_ahs": ("braket_ahs", "BraketAhsRunner"),
    "ionq": ("ionq", "IonqRunner"),
    "iqm": ("iqm", "IqmRunner"),
    "aqt": ("aqt", "AqtRunner"),
    "qasm2": ("qasm2", "Qasm2Runner"),
    "qiskit_qpy": ("qiskit_qpy", "QiskitQpyRunner"),
    "perceval": ("perceval", "PercevalRunner"),
}
_instances: dict[str, Runner] = {}
_lock = threading.Lock()


def get_runner(key: str) -> Runner:
    """The runner registered under ``key`` (one shared instance per key)."""
    with _lock:
        runner = _instances.get(key)
        if runner is None:
            if key not in _RUNNERS:
                raise KeyError(f"no runner '{key}'; known: {sorted(_RUNNERS)}")
            module_name, class_name = _RUNNERS[key]
            module = importlib.import_module(f"{__name__}.{module_name}")
            runner = getattr(module, class_name)()
            _instances[key] = runner
        return runner
