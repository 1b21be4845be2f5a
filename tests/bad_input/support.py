"""Hypothesis strategies for bad input: arbitrary JSON, junk values, and mutations of a real document.

A *mutation* takes a document the system really produced (a job result, an API answer, a request body)
and breaks it the way real breakage looks: a key missing, a value of the wrong type or ``null``, a list cut
short, an extra key, a number far out of range, text where a number was. Starting from a real document
keeps most of the structure intact, so the code under test gets past its first checks and the fault lands
deep inside it, where a bare ``KeyError`` or ``TypeError`` would otherwise slip out.
"""

from __future__ import annotations

import copy
import json
import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

Path = tuple[str | int, ...]

RESULT_BACKENDS = (
    "aws.sim.sv1",
    "ibm.qpu.fez",
    "azure.ionq.simulator",
    "iqm.qpu.garnet",
    "aqt.sim.ideal",
    "kipu.sim.qsim",
    "qudora.sim.xg1",
)
"""One backend per result shape the format modules decode (OpenQASM 2 has two: Kipu's and QUDORA's)."""


EXAMPLES_SCALE = float(os.environ.get("QHUB_BAD_INPUT_SCALE", "1"))
"""Multiplies every test's number of examples: ``QHUB_BAD_INPUT_SCALE=20`` hunts deeper on a free machine."""


def bounded(max_examples: int) -> settings:
    """Hypothesis settings for a bounded, reproducible property test: derandomized (the same examples on
    every run and machine), no example database, no deadline (a busy CI machine is slow, never wrong)."""
    return settings(
        max_examples=max(1, round(max_examples * EXAMPLES_SCALE)),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


HUGE_NUMBERS = (10**30, -(10**30), 2**63, 2**64 + 1, 1e308, -1e308, 10**400)
"""Numbers beyond every fixed-width integer and, for the last one, beyond a float."""

AWKWARD_TEXT = ("", " ", "null", "0x", "🧪", "é\u0301", "\u202e", "a" * 300, "../..", "%2F", "\\u0000")


def json_scalars() -> st.SearchStrategy[Any]:
    """JSON leaves, including the awkward ones: huge integers, NaN and infinities (Python's ``json``
    reads and writes them), unicode and empty text."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.sampled_from(HUGE_NUMBERS),
        st.floats(),
        st.text(max_size=12),
        st.sampled_from(AWKWARD_TEXT),
    )


def json_values(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """Arbitrary JSON documents (objects, arrays, nested junk)."""
    return st.recursive(
        json_scalars(),
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(st.text(max_size=8), children, max_size=4),
        ),
        max_leaves=max_leaves,
    )


def junk() -> st.SearchStrategy[Any]:
    """A value to put where something else was expected."""
    return st.one_of(
        json_scalars(),
        st.lists(json_scalars(), max_size=3),
        st.dictionaries(st.text(max_size=5), json_scalars(), max_size=2),
    )


def paths(document: Any, prefix: Path = ()) -> list[Path]:
    """Every position in a JSON document, the root first."""
    found = [prefix]
    if isinstance(document, dict):
        for key, value in document.items():
            found += paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += paths(value, (*prefix, index))
    return found


def _get(document: Any, path: Path) -> Any:
    for step in path:
        document = document[step]
    return document


def _set(document: Any, path: Path, value: Any) -> Any:
    """``document`` with the value at ``path`` replaced (the root itself when ``path`` is empty)."""
    if not path:
        return value
    _get(document, path[:-1])[path[-1]] = value
    return document


MUTATIONS = ("junk", "null", "delete", "truncate", "empty", "extra_key", "extend", "wrap", "as_text")


@st.composite
def _mutate_once(draw: st.DrawFn, document: Any) -> Any:
    path = draw(st.sampled_from(paths(document)))
    node = _get(document, path)
    kind = draw(st.sampled_from(MUTATIONS))
    if kind == "delete" and path:
        parent = _get(document, path[:-1])
        del parent[path[-1]]
        return document
    if kind == "truncate" and isinstance(node, list | str) and node:
        return _set(document, path, node[: draw(st.integers(0, len(node) - 1))])
    if kind == "empty" and isinstance(node, list | dict | str):
        return _set(document, path, type(node)())
    if kind == "extra_key" and isinstance(node, dict):
        node[draw(st.text(max_size=10))] = draw(junk())
        return document
    if kind == "extend" and isinstance(node, list):
        node.append(draw(junk()) if draw(st.booleans()) or not node else copy.deepcopy(node[-1]))
        return document
    if kind == "wrap":
        return _set(document, path, [node])
    if kind == "as_text":
        return _set(document, path, json.dumps(node))
    if kind == "null":
        return _set(document, path, None)
    return _set(document, path, draw(junk()))


@st.composite
def mutations(draw: st.DrawFn, document: Any, max_mutations: int = 3) -> Any:
    """``document`` (left unchanged) broken in one to ``max_mutations`` places."""
    broken = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, max_mutations))):
        broken = draw(_mutate_once(broken))
    return broken


def bad_json(document: Any) -> st.SearchStrategy[Any]:
    """What a broken producer may send instead of ``document``: a mutation of it, or any JSON at all."""
    return st.one_of(mutations(document), mutations(document), json_values())


@st.composite
def truncated_text(draw: st.DrawFn, document: Any) -> str:
    """The JSON text of ``document`` cut off somewhere (as by a connection that broke mid-answer)."""
    text = json.dumps(document)
    return text[: draw(st.integers(0, max(len(text) - 1, 0)))]
