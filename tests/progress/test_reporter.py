"""``WaitProgress`` on its own: silent unless asked, a tqdm bar when asked, a plain line without tqdm."""

from __future__ import annotations

import io
import sys
import types
import warnings

import pytest

from qhub_providers.progress import PROGRESS_ENV, WaitProgress


def frames(text: str) -> list[str]:
    """The states drawn on a stream, in order (bars redraw in place with a carriage return)."""
    return [frame.strip() for frame in text.replace("\n", "\r").split("\r") if frame.strip()]


def test_silent_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    with WaitProgress(2, label="2 jobs") as shown:
        shown.update("a", "RUNNING")
        shown.update("b", "COMPLETED")
        assert not shown.enabled
        assert shown.finished == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""


def test_bar_shows_finished_of_total_and_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    with WaitProgress(3, label="3 jobs", progress=True) as shown:
        shown.update("a", "PENDING")
        shown.update("b", "RUNNING")
        shown.update("c", "COMPLETED")
        for key in "ab":
            shown.update(key, "COMPLETED")
    captured = capsys.readouterr()
    assert captured.out == ""
    drawn = frames(captured.err)
    assert any("1/3" in frame and "PENDING=1 RUNNING=1 COMPLETED=1" in frame for frame in drawn), drawn
    assert drawn[-1].startswith("3 jobs: 100%")
    assert "3/3" in drawn[-1]
    assert drawn[-1].endswith("COMPLETED=3]")
    assert captured.err.endswith("\n")


def test_one_job_shows_its_status_alone(capsys: pytest.CaptureFixture[str]) -> None:
    with WaitProgress(1, label="job 1a2b", progress=True) as shown:
        shown.update("1a2b", "RUNNING")
        shown.update("1a2b", "FAILED")
    drawn = frames(capsys.readouterr().err)
    assert any(frame.endswith("RUNNING]") and "0/1" in frame for frame in drawn), drawn
    assert "1/1" in drawn[-1]
    assert drawn[-1].endswith("FAILED]")


def test_a_retried_entry_counts_as_unfinished_again() -> None:
    shown = WaitProgress(2)
    shown.update("0", "COMPLETED")
    shown.update("1", "FAILED")
    assert shown.finished == 2
    shown.update("1", "QUEUED")
    assert shown.finished == 1


def test_environment_turns_progress_on_and_off(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(PROGRESS_ENV, "1")
    with WaitProgress(1, label="job") as shown:
        shown.update("j", "COMPLETED")
    assert "1/1" in capsys.readouterr().err
    # "0" silences even a display that would show by default (the command line in a terminal) ...
    monkeypatch.setenv(PROGRESS_ENV, "0")
    with WaitProgress(1, label="job", default=True) as shown:
        shown.update("j", "COMPLETED")
    assert capsys.readouterr().err == ""
    # ... and the caller's own choice wins over the environment.
    with WaitProgress(1, label="job", progress=True) as shown:
        shown.update("j", "COMPLETED")
    assert "1/1" in capsys.readouterr().err


def test_without_tqdm_a_plain_line_takes_its_place(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)  # as if tqdm were not installed
    with WaitProgress(3, label="batch of 3 tasks", progress=True, unit="task") as shown:
        shown.update("0", "QUEUED")
        shown.update("1", "RUNNING")
        shown.update("2", "COMPLETED")
        shown.update_all({"0": "COMPLETED", "1": "COMPLETED"})
    captured = capsys.readouterr()
    assert captured.out == ""
    drawn = frames(captured.err)
    assert any("1/3" in frame and "QUEUED=1 RUNNING=1 COMPLETED=1" in frame for frame in drawn), drawn
    assert drawn[-1].startswith("batch of 3 tasks: 100%|" + "#" * 20 + "| 3/3 [")
    assert drawn[-1].endswith("COMPLETED=3]")
    assert captured.err.endswith("\n")


def test_in_a_notebook_without_ipywidgets_the_text_bar_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    # A Jupyter kernel as IPython reports one; ipywidgets missing.
    kernel = types.SimpleNamespace(config={"IPKernelApp": {}})
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: kernel))
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    stream = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # tqdm's notebook bar would warn "IProgress not found"
        with WaitProgress(1, label="job", progress=True, stream=stream) as shown:
            shown.update("j", "COMPLETED")
    assert "1/1" in frames(stream.getvalue())[-1]
