"""Per-shot bits to the common shapes: little-endian bitstring counts and Qiskit hex memory.

Every runner ends with a 2-D array of measured bits, one row per shot and one column per classical bit
(column ``i`` is clbit ``i``). These helpers turn it into the normalized views. Bitstrings put clbit 0
rightmost, as Qiskit does.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import numpy.typing as npt


def _shot_values(bits: npt.NDArray[Any]) -> npt.NDArray[Any] | list[int]:
    num_clbits = bits.shape[1]
    if num_clbits <= 63:
        weights = np.left_shift(np.uint64(1), np.arange(num_clbits, dtype=np.uint64))
        values: npt.NDArray[Any] = (bits.astype(np.uint64) * weights).sum(axis=1, dtype=np.uint64)
        return values
    # Wider registers do not fit a machine word; fall back to Python integers.
    return [int("".join("1" if b else "0" for b in row[::-1]) or "0", 2) for row in bits]


def shuffled_shots(shots: npt.NDArray[Any], rng: np.random.Generator) -> npt.NDArray[Any]:
    """``shots`` (one row per shot) in a random order drawn from ``rng``; the counts stay the same.

    A device records independent shots, so its per-shot memory comes in no particular order. Simulators
    may hand shots back ordered instead: Aer's shot branching (the noisy state-vector trajectories) returns
    them grouped per trajectory, each group sorted by outcome, and counts drawn at once (a multinomial)
    and expanded by repetition come grouped by outcome. Per-shot bits pass through here before they become
    memory (:func:`.circuits.sample_bits` for every Aer-backed runner, the analog runner for its counts),
    with a generator seeded from the job's seed: the order is random, and the same for the same seed.
    """
    shots = np.asarray(shots)
    return shots[rng.permutation(len(shots))]


def memory_hex(bits: npt.NDArray[Any]) -> list[str]:
    """Per-shot Qiskit hex strings (``"0x5"``) from a ``(shots, num_clbits)`` bit array."""
    bits = np.asarray(bits)
    if bits.ndim != 2:
        raise ValueError("bits must be a 2-D array (shots, clbits)")
    return [hex(int(v)) for v in _shot_values(bits)]


def counts_bitstrings(bits: npt.NDArray[Any]) -> dict[str, int]:
    """Counts keyed by little-endian bitstrings (clbit 0 rightmost), padded to the classical width."""
    bits = np.asarray(bits)
    if bits.ndim != 2:
        raise ValueError("bits must be a 2-D array (shots, clbits)")
    width = bits.shape[1]
    tally = Counter(int(v) for v in _shot_values(bits))
    return {format(value, f"0{width}b") if width else "": n for value, n in sorted(tally.items())}


def counts_pub(
    index: int, counts: dict[str, int], *, shots: int, qubits: int, name: str | None = None
) -> dict[str, Any]:
    """A ``counts`` entry of the normalized result."""
    pub: dict[str, Any] = {
        "type": "counts",
        "index": index,
        "key_format": "bitstring",
        "counts": counts,
        "shots": shots,
        "qubits": qubits,
    }
    if name is not None:
        pub["name"] = name
    return pub


def probabilities_pub(
    index: int, probabilities: dict[str, float], *, qubits: int, name: str | None = None
) -> dict[str, Any]:
    """A ``probabilities`` entry of the normalized result (keys little-endian bitstrings)."""
    pub: dict[str, Any] = {
        "type": "probabilities",
        "index": index,
        "key_format": "bitstring",
        "probabilities": probabilities,
        "qubits": qubits,
        "truncated": False,
    }
    if name is not None:
        pub["name"] = name
    return pub


def memory_view(memory: list[str], *, qubits: int) -> dict[str, Any]:
    """The ``NormalizedMemoryResult`` JSON."""
    return {"memory": memory, "qubits": qubits, "shots": len(memory)}
