"""Moving measured qubits' bits onto classical bits: what the IonQ and AQT decoders share.

Both providers answer with outcomes over *all* qubits (qubit ``q`` = bit ``q`` of an integer state); a
circuit's result is over its classical bits, clbit ``c`` holding the bit of the qubit last measured into it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from qhub_providers.formats.base import ClassicalLayout, FormatError

Sources = list[tuple[int, int]]
"""``(clbit, qubit)`` pairs, one per clbit a measurement writes, by clbit."""


def clbit_sources(layout: ClassicalLayout) -> Sources:
    """The qubit each measured clbit reads: the last measurement into a clbit wins."""
    source: dict[int, int] = {}
    for qubit, clbit in layout.measured:
        if not 0 <= clbit < layout.memory_slots:
            raise FormatError(f"layout of '{layout.name}' measures into clbit {clbit} it does not have")
        source[clbit] = qubit
    return sorted(source.items())


def remap(state: int, sources: Sources) -> int:
    """The clbit value of one all-qubit state (any width: Python integers)."""
    value = 0
    for clbit, qubit in sources:
        value |= ((state >> qubit) & 1) << clbit
    return value


def marginal(
    states: npt.NDArray[np.uint64] | list[int], weights: npt.NDArray[np.float64], sources: Sources
) -> dict[int, float]:
    """Sum the weights of all-qubit states by their clbit value.

    ``states`` is a ``uint64`` array when every state fits a machine word (vectorised), else a list of
    Python integers.
    """
    if len(states) == 0:
        return {}
    if isinstance(states, np.ndarray) and all(clbit < 64 for clbit, _ in sources):
        values = np.zeros(len(states), dtype=np.uint64)
        for clbit, qubit in sources:
            if qubit < 64:  # a qubit beyond the widest state reads 0
                values |= ((states >> np.uint64(qubit)) & np.uint64(1)) << np.uint64(clbit)
        unique, inverse = np.unique(values, return_inverse=True)
        sums = np.bincount(inverse.ravel(), weights=weights, minlength=len(unique))
        return {int(v): float(w) for v, w in zip(unique.tolist(), sums.tolist(), strict=True)}
    tally: dict[int, float] = {}
    for state, weight in zip(states, weights.tolist(), strict=True):
        value = remap(int(state), sources)
        tally[value] = tally.get(value, 0.0) + weight
    return tally
