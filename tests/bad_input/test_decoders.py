"""Result decoders fed broken results: a clear ``FormatError`` naming the format, never a bare KeyError.

Each case starts from a result the local Hub really produced for a Bell circuit and breaks it (a key
missing, a value of the wrong type, a list cut short, the JSON text cut off ...). A decoder may accept a
harmless change (an extra key); what it returns then must still be well-formed samples.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from qhub_providers import formats
from qhub_providers.formats import qiskit_qpy, runtime_json
from qhub_providers.formats.base import ExperimentSamples, FormatError

from .conftest import RealRun
from .support import RESULT_BACKENDS, bad_json, bounded, truncated_text

EXAMPLES = 60


def broken_results(document: Any) -> st.SearchStrategy[Any]:
    """A broken version of a result: mutated JSON, any JSON, or its JSON text cut off."""
    return st.one_of(bad_json(document), truncated_text(document))


def attempt(read: Callable[[], Any]) -> tuple[Any, FormatError | None]:
    """What ``read`` returns, or the ``FormatError`` it raises (any other exception escapes: a failure)."""
    try:
        return read(), None
    except FormatError as error:
        return None, error


def check_names(error: FormatError | None, name: str) -> None:
    assert error is None or name in str(error), f"the message does not name {name}: {error}"


def check_well_formed(samples: list[ExperimentSamples], run: RealRun) -> None:
    """What a decoder returns must fit the circuits: one entry per circuit, outcomes within its clbits."""
    assert len(samples) == len(run.layouts)
    for sample, layout in zip(samples, run.layouts, strict=True):
        assert isinstance(sample, ExperimentSamples)
        assert isinstance(sample.shots, int)
        assert sample.shots >= 0
        outcomes = set(sample.outcome_counts()) | set(sample.probabilities or {})
        assert all(0 <= outcome < 1 << layout.memory_slots for outcome in outcomes), outcomes


@pytest.mark.parametrize("backend_id", RESULT_BACKENDS)
def test_real_results_decode(real_runs: dict[str, RealRun], backend_id: str) -> None:
    """The starting point of every broken result below is itself readable."""
    run = real_runs[backend_id]
    samples = formats.decode_result(
        run.input_format, run.result, run.layouts, run.shots, seed=3, backend_id=backend_id
    )
    check_well_formed(samples, run)
    counts = samples[0].outcome_counts() or {k: 1 for k, p in (samples[0].probabilities or {}).items() if p}
    assert counts
    assert set(counts) <= {0b00, 0b11, 0b01, 0b10}


@pytest.mark.parametrize("backend_id", RESULT_BACKENDS)
def test_broken_results_raise_format_error(real_runs: dict[str, RealRun], backend_id: str) -> None:
    run = real_runs[backend_id]

    @bounded(EXAMPLES)
    @given(broken=broken_results(run.result))
    def decode_broken(broken: Any) -> None:
        note(f"broken: {broken!r}")
        samples, error = attempt(
            lambda: formats.decode_result(
                run.input_format, broken, run.layouts, run.shots, seed=3, backend_id=backend_id
            )
        )
        check_names(error, run.input_format)
        if error is None:
            check_well_formed(samples, run)

    decode_broken()


@pytest.mark.parametrize("backend_id", RESULT_BACKENDS)
def test_broken_inputs_raise_format_error(real_runs: dict[str, RealRun], backend_id: str) -> None:
    """Layouts are read back from the stored input when a job is retrieved: a broken input is refused
    clearly too."""
    run = real_runs[backend_id]
    module = formats.format_module(run.input_format)

    @bounded(EXAMPLES // 2)
    @given(
        broken=bad_json(run.job_input),
        params=st.one_of(st.just(run.input_params), bad_json(run.input_params)),
    )
    def read_broken(broken: Any, params: Any) -> None:
        note(f"broken: {broken!r}, params: {params!r}")
        _, error = attempt(lambda: module.layouts(broken, params if isinstance(params, dict) else None))
        check_names(error, run.input_format)

    read_broken()


def test_broken_sampler_results_raise_format_error(real_runs: dict[str, RealRun]) -> None:
    """The primitives read the Qiskit Runtime result through ``decode_sampler_bitarrays``."""
    run = real_runs["ibm.qpu.fez"]
    assert qiskit_qpy.decode_sampler_bitarrays(run.result)

    @bounded(EXAMPLES)
    @given(broken=broken_results(run.result))
    def decode_broken(broken: Any) -> None:
        note(f"broken: {broken!r}")
        check_names(attempt(lambda: qiskit_qpy.decode_sampler_bitarrays(broken))[1], qiskit_qpy.INPUT_FORMAT)

    decode_broken()


def test_broken_runtime_documents_raise_format_error(real_runs: dict[str, RealRun]) -> None:
    """The Runtime JSON reader on its own, as the primitives and the Qiskit face use it."""
    document = real_runs["ibm.qpu.fez"].result
    assert runtime_json.decode_primitive_result(document).pub_results

    @bounded(EXAMPLES)
    @given(broken=broken_results(document))
    def decode_broken(broken: Any) -> None:
        note(f"broken: {broken!r}")
        _, error = attempt(lambda: runtime_json.decode_primitive_result(broken))
        check_names(error, runtime_json.FORMAT_NAME)

    decode_broken()
