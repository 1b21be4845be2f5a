"""The README's demo runs against the embedded local Hub and shows every family's Bell counts."""

from __future__ import annotations

import re

import pytest

from qhub_providers import demo


def test_demo_runs_every_family_and_a_session(capsys: pytest.CaptureFixture[str]) -> None:
    assert demo.main() == 0
    out = capsys.readouterr().out
    for backend_id, _, _ in demo.RUNS:
        assert re.search(rf"{re.escape(backend_id)}\s+.*COMPLETED", out), backend_id
    # Every Bell histogram is dominated by 00 and 11.
    counts = [(k, int(v)) for k, v in re.findall(r"^\s+(\d\d) #*\s+(\d+)$", out, flags=re.M)]
    correlated = sum(v for k, v in counts if k in {"00", "11"})
    assert correlated > 0.95 * sum(v for _, v in counts)
    assert "session status: CLOSED, jobs in it: 3" in out
    assert "KQH_PERSONAL_ACCESS_TOKEN" in out
