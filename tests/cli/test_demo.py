"""The README's demo runs against the embedded local Hub and shows every family's Bell counts."""

from __future__ import annotations

import re

import pytest

from qhub_providers import demo


def test_demo_runs_every_family_both_faces_and_a_session(capsys: pytest.CaptureFixture[str]) -> None:
    assert demo.main() == 0
    out = capsys.readouterr().out
    for backend_id, _ in demo.RUNS:
        assert re.search(rf"{re.escape(backend_id)}\s+.*done", out), backend_id
    assert "measurement_counts" in out  # the Braket face ran too
    # Every Bell histogram is dominated by 00 and 11, on the noisy QPUs as well.
    counts = [(k, int(v)) for k, v in re.findall(r"^\s+(\d\d) #*\s+(\d+)$", out, flags=re.M)]
    assert len({k for k, _ in counts}) >= 2
    correlated = sum(v for k, v in counts if k in {"00", "11"})
    assert correlated > 0.95 * sum(v for _, v in counts)
    assert "every job in the session: True" in out
    assert "session status: CLOSED, jobs in it: 3" in out
    assert "KQH_PERSONAL_ACCESS_TOKEN" in out
