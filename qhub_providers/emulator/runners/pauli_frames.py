"""Noisy Clifford circuits by Pauli frames: one ideal stabilizer run, then the noise of every shot at once.

A Pauli error in a Clifford circuit stays a Pauli error as the later gates move it along, and at a
measurement in the computational basis only its X part matters: it flips the outcome. So the shots of
a Clifford circuit with Pauli noise are the ideal shots (Aer's stabilizer method samples them in one
run), each XORed with the X part of that shot's accumulated error, its *frame*. Frames of all shots are
bit arrays pushed through the gates together with NumPy, which costs a few array operations per gate
instead of one full simulation per shot. This is exact for Pauli channels, which is why the stabilizer
path of :mod:`.circuits` uses the Pauli twirl of the calibration's channels.

Pauli codes: per qubit two bits, bit 0 the X part and bit 1 the Z part (I=0, X=1, Z=2, Y=3); qubit
``j`` of a channel holds bits ``2j`` and ``2j+1``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

__all__ = ["FRAME_GATES", "FrameProgram"]

FRAME_GATES = frozenset({"id", "x", "y", "z", "h", "s", "sdg", "sx", "sxdg", "cx", "cz", "cy", "swap"})
"""Gates a frame can be pushed through (what Qiskit's Clifford synthesis emits, and a few more)."""


Step = tuple[str, tuple[int, ...], npt.NDArray[np.float64] | int | None]
"""``(gate name | "noise" | "measure" | "reset", qubits, cumulative probabilities | clbit | None)``."""


@dataclass
class FrameProgram:
    """The steps of one circuit that matter to its frames, on ``num_qubits`` compact qubits."""

    num_qubits: int
    steps: list[tuple[str, tuple[int, ...], npt.NDArray[np.float64] | int | None]] = field(
        default_factory=list
    )
    readout: dict[int, tuple[float, float]] = field(default_factory=dict)
    """Per clbit, the readout flips ``(P(1|0), P(0|1))`` of the qubit last measured into it."""

    def gate(self, name: str, qubits: Sequence[int]) -> None:
        self.steps.append((name, tuple(qubits), None))

    def noise(self, probabilities: npt.NDArray[np.float64], qubits: Sequence[int]) -> None:
        """A Pauli channel: ``probabilities[code]`` over the ``4 ** len(qubits)`` Pauli codes."""
        if probabilities[0] < 1.0:
            self.steps.append(("noise", tuple(qubits), np.cumsum(probabilities)))

    def measure(self, qubit: int, clbit: int, flips: tuple[float, float]) -> None:
        self.steps.append(("measure", (qubit,), clbit))
        self.readout[clbit] = flips

    def reset(self, qubit: int) -> None:
        self.steps.append(("reset", (qubit,), None))

    def apply(self, ideal: npt.NDArray[np.uint8], rng: np.random.Generator) -> npt.NDArray[np.uint8]:
        """The noisy shots: ``ideal`` (``(shots, clbits)`` bits of the noiseless circuit) with each
        shot's frame and readout flips applied."""
        shots = ideal.shape[0]
        x = np.zeros((self.num_qubits, shots), dtype=bool)
        z = np.zeros((self.num_qubits, shots), dtype=bool)
        flips = np.zeros((ideal.shape[1], shots), dtype=bool)
        for name, qubits, extra in self.steps:
            if name == "noise":
                assert isinstance(extra, np.ndarray)
                codes = np.searchsorted(extra, rng.random(shots) * extra[-1], side="right")
                codes = np.minimum(codes, len(extra) - 1)
                for j, q in enumerate(qubits):
                    x[q] ^= ((codes >> (2 * j)) & 1).astype(bool)
                    z[q] ^= ((codes >> (2 * j + 1)) & 1).astype(bool)
            elif name == "measure":
                (q,) = qubits
                assert isinstance(extra, int)
                flips[extra] = x[q]
                # The outcome fixes the qubit's Z part: a Z error there no longer matters, and a random
                # one keeps later frames independent of the ideal outcome, as a real measurement does.
                z[q] = rng.random(shots) < 0.5
            elif name == "reset":
                (q,) = qubits
                x[q] = False
                z[q] = rng.random(shots) < 0.5
            else:
                _push(name, qubits, x, z)
        noisy = ideal.astype(bool) ^ flips.T
        for clbit, (up, down) in self.readout.items():
            if up or down:
                column = noisy[:, clbit]
                chance = np.where(column, down, up)
                noisy[:, clbit] = column ^ (rng.random(shots) < chance)
        return noisy.astype(np.uint8)


def _push(name: str, qubits: tuple[int, ...], x: npt.NDArray[np.bool_], z: npt.NDArray[np.bool_]) -> None:
    """Move the frames through one Clifford gate (conjugation, phases dropped)."""
    if name in ("id", "x", "y", "z"):
        return
    if name == "h":
        (q,) = qubits
        x[q], z[q] = z[q].copy(), x[q].copy()
    elif name in ("s", "sdg"):
        (q,) = qubits
        z[q] ^= x[q]
    elif name in ("sx", "sxdg"):
        (q,) = qubits
        x[q] ^= z[q]
    elif name == "cx":
        c, t = qubits
        x[t] ^= x[c]
        z[c] ^= z[t]
    elif name == "cz":
        a, b = qubits
        z[a] ^= x[b]
        z[b] ^= x[a]
    elif name == "cy":
        c, t = qubits
        z[t] ^= x[t]
        x[t] ^= x[c]
        z[c] ^= z[t]
        z[t] ^= x[t]
    elif name == "swap":
        a, b = qubits
        x[[a, b]] = x[[b, a]]
        z[[a, b]] = z[[b, a]]
    else:
        raise ValueError(f"a Pauli frame cannot pass gate {name!r}")
