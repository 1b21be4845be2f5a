"""Qubit layouts of the catalog's QPUs, as undirected edge lists over 0-based qubit indices.

An edge ``(a, b)`` always has ``a < b``; :func:`directed` gives both directions, which is what
``BackendSpec.coupling_map`` and IBM's ``coupling_map`` hold. ``None`` stands for all-to-all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

Edge = tuple[int, int]


def _edge(a: int, b: int) -> Edge:
    return (a, b) if a < b else (b, a)


def square_lattice(row_spans: Sequence[tuple[int, int]]) -> tuple[int, tuple[Edge, ...]]:
    """Qubits on the sites of a square grid, numbered row by row, coupled to their grid neighbours.

    Row ``r`` occupies the columns ``start <= c < stop`` of ``row_spans[r]``. Ragged rows describe the
    diamond-shaped IQM chips as well as plain rectangles. Returns the qubit count and the edges.
    """
    index: dict[tuple[int, int], int] = {}
    for row, (start, stop) in enumerate(row_spans):
        for col in range(start, stop):
            index[(row, col)] = len(index)
    edges: set[Edge] = set()
    for (row, col), qubit in index.items():
        for neighbour in ((row, col + 1), (row + 1, col)):
            if neighbour in index:
                edges.add(_edge(qubit, index[neighbour]))
    return len(index), tuple(sorted(edges))


def grid(rows: int, cols: int) -> tuple[int, tuple[Edge, ...]]:
    """A full ``rows`` x ``cols`` square lattice."""
    return square_lattice([(0, cols)] * rows)


def heavy_hex_rows(rows: int = 8, row_length: int = 16) -> tuple[int, tuple[Edge, ...]]:
    """IBM's Heron r2 layout: lines of qubits joined by bridge qubits every fourth column.

    Between consecutive lines there is one bridge qubit per four columns, numbered after the line
    above it; the bridge columns alternate between ``3, 7, 11, …`` and ``1, 5, 9, …``. With the
    defaults this gives the 156-qubit, 176-coupler lattice of ibm_fez and its siblings.
    """
    edges: set[Edge] = set()
    count = 0
    previous_line: int | None = None
    bridge_start = 0
    for line in range(rows):
        line_start = count
        count += row_length
        edges.update(_edge(line_start + i, line_start + i + 1) for i in range(row_length - 1))
        if previous_line is not None:
            first_column = 3 if (line - 1) % 2 == 0 else 1
            for k, col in enumerate(range(first_column, row_length, 4)):
                edges.add(_edge(previous_line + col, bridge_start + k))
                edges.add(_edge(line_start + col, bridge_start + k))
        if line < rows - 1:
            bridge_start = count
            count += len(range(3 if line % 2 == 0 else 1, row_length, 4))
        previous_line = line_start
    return count, tuple(sorted(edges))


def directed(edges: Iterable[Edge]) -> tuple[Edge, ...]:
    """Both directions of every edge, sorted."""
    return tuple(sorted({pair for a, b in edges for pair in ((a, b), (b, a))}))


def adjacency(num_qubits: int, edges: Iterable[Edge]) -> dict[str, list[str]]:
    """The Hub's ``connectivity.graph``: string qubit ids to the sorted string ids of their neighbours."""
    neighbours: dict[int, set[int]] = {q: set() for q in range(num_qubits)}
    for a, b in edges:
        neighbours[a].add(b)
        neighbours[b].add(a)
    return {str(q): [str(n) for n in sorted(ns)] for q, ns in neighbours.items()}
