"""A workaround, in the local Hub only, for controlled gates in Braket's local simulators on wide states.

``amazon-braket-default-simulator`` applies a gate with a ``ctrl @`` or ``negctrl @`` modifier to the slice
of the state where the controls hold. From 11 axes on (11 qubits of a state vector, 6 of a density matrix)
it runs numba kernels that flatten their input with ``reshape`` and index it as a whole state of
``2**ndim`` amplitudes. A slice along a control axis is neither contiguous nor that large: numba refuses it
with a ``TypingError`` (``LocalSimulator("braket_sv")`` fails the same way on ``ctrl @ x q[10], q[0];`` in
an 11-qubit program), and handing the kernels a contiguous copy would make them index past its end.

:func:`patch_controlled_gates` makes the simulators apply such a gate the way Braket's density-matrix
simulator already applies its right-hand factor: as one uncontrolled matrix over controls and targets,
built with Braket's own ``controlled_matrix`` (first control most significant). The state is then whole and
contiguous, which every kernel handles. The wrapper is installed once per process on the modules that call
``multiply_matrix``.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["patch_controlled_gates"]

# The modules that look ``multiply_matrix`` up by name when simulating gates.
_CALLERS = (
    "braket.default_simulator.linalg_utils",
    "braket.default_simulator.simulation_strategies.single_operation_strategy",
    "braket.default_simulator.density_matrix_simulation",
)
_MARK = "_qhub_uncontrolled"
_lock = threading.Lock()


def patch_controlled_gates() -> None:
    """Make Braket's local simulators apply every controlled gate as one matrix (idempotent)."""
    import importlib

    from braket.default_simulator import linalg_utils

    with _lock:
        original = linalg_utils.multiply_matrix
        wrapped = original if getattr(original, _MARK, False) else _uncontrolled(original)
        for name in _CALLERS:
            module = importlib.import_module(name)
            if getattr(module, "multiply_matrix", None) is original:
                setattr(module, "multiply_matrix", wrapped)  # noqa: B010 (a module attribute mypy cannot see)


def _uncontrolled(multiply_matrix: Callable[..., Any]) -> Callable[..., Any]:
    from braket.default_simulator.linalg_utils import controlled_matrix

    @functools.wraps(multiply_matrix)
    def multiply(
        state: Any,
        matrix: Any,
        targets: tuple[int, ...],
        controls: tuple[int, ...] | None = (),
        control_state: tuple[int, ...] | None = (),
        out: Any = None,
        dispatcher: Any = None,
        return_swap_info: bool = False,
        gate_type: str | None = None,
    ) -> Any:
        if controls:
            state_bits = tuple(control_state or (1,) * len(controls))
            matrix = controlled_matrix(matrix, state_bits)
            targets = (*controls, *targets)
            # The gate type named the uncontrolled gate; the generic kernels take the controlled matrix.
            controls, control_state, gate_type = (), (), None
        return multiply_matrix(
            state, matrix, targets, controls, control_state, out, dispatcher, return_swap_info, gate_type
        )

    setattr(multiply, _MARK, True)
    return multiply
