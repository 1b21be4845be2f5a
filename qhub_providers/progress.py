"""Progress of long waits: how many jobs have finished out of how many, and their statuses, on stderr.

Every wait of the package (a Qiskit job, many Qiskit jobs, a Braket batch, a session's jobs, the command
line's ``run``) reports through one :class:`WaitProgress`. It is silent unless asked: a caller passes
``progress=True``, or the environment variable ``QHUB_PROGRESS`` is ``1`` (``0`` turns progress off, also
where it would otherwise show, such as the command line in a terminal). So scripts and logs stay clean.

When shown, tqdm draws the bar (the ``qiskit``, ``braket`` and ``emulator`` extras install it): a widget in
a notebook that has ipywidgets, otherwise a text bar on stderr. Without tqdm a plain one-line display on
stderr takes its place.

>>> with WaitProgress(3, label="3 jobs", progress=True) as shown:  # doctest: +SKIP
...     shown.update("job-1", "RUNNING")
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import IO, Any, Protocol, Self

from qhub_providers.api.models import TERMINAL_JOB_STATUSES

__all__ = ["PROGRESS_ENV", "WaitProgress", "progress_from_env", "progress_wanted"]

PROGRESS_ENV = "QHUB_PROGRESS"
"""The environment variable that turns progress on (``1``, ``true``, ``yes``, ``on``) or off (``0`` ...)."""

_ON = frozenset({"1", "true", "yes", "on"})
_OFF = frozenset({"0", "false", "no", "off"})

# Statuses in the order a job goes through them, so the counts read like a pipeline (Hub statuses and
# Braket states); any other status follows, alphabetically.
_LIFECYCLE = (
    "UNKNOWN",
    "CREATED",
    "INITIALIZING",
    "PENDING",
    "QUEUED",
    "RUNNING",
    "CANCELLING",
    "COMPLETED",
    "FAILED",
    "CANCELLED",
    "ABORTED",
    "DETACHED",
)
_BAR_FORMAT = "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}{postfix}]"
_TEXT_BAR_WIDTH = 20
_REFRESH_SECONDS = 1.0


def progress_from_env() -> bool | None:
    """What ``QHUB_PROGRESS`` asks for: ``True``, ``False``, or ``None`` when it is unset or unclear."""
    value = os.environ.get(PROGRESS_ENV, "").strip().lower()
    if value in _ON:
        return True
    if value in _OFF:
        return False
    return None


def progress_wanted(progress: bool | None, *, default: bool = False) -> bool:
    """Whether a wait shows progress: the caller's choice if given, else the environment, else ``default``."""
    if progress is not None:
        return bool(progress)
    from_env = progress_from_env()
    return default if from_env is None else from_env


class _Display(Protocol):
    def show(self, finished: int, total: int, postfix: str) -> None: ...

    def close(self) -> None: ...


class WaitProgress:
    """The progress of one wait for ``total`` jobs, shown only when wanted (see :func:`progress_wanted`).

    Report each job's status with :meth:`update` (from any thread); a job whose status is in ``final``
    counts as finished. The display shows ``finished/total`` and the status (one job) or the number of
    jobs per status (several). Use it as a context manager, or call :meth:`close` when the wait ends.

    Args:
        total: The number of jobs waited for (it may change later, see :meth:`set_total`).
        label: What is waited for, e.g. ``"job 1a2b3c4d on aws.sim.sv1"``.
        progress: ``True``/``False`` to show or hide; ``None`` leaves it to ``QHUB_PROGRESS`` and ``default``.
        default: Whether to show when neither the caller nor the environment says.
        final: The statuses that end a job.
        unit: What a job is called in the display (``"job"``, ``"task"``).
        stream: Where the text goes; stderr (as it is when the display opens) by default.
    """

    def __init__(
        self,
        total: int,
        *,
        label: str = "waiting",
        progress: bool | None = None,
        default: bool = False,
        final: Iterable[str] = TERMINAL_JOB_STATUSES,
        unit: str = "job",
        stream: IO[str] | None = None,
    ) -> None:
        self.total = max(0, int(total))
        self.label = label
        self.final = frozenset(final)
        self._statuses: dict[str, str] = {}
        self._lock = threading.Lock()
        self._shown: tuple[int, int, str] | None = None
        self._drawn_at = 0.0
        self._display: _Display | None = None
        if progress_wanted(progress, default=default):
            self._display = _open_display(label, self.total, unit, stream or sys.stderr)

    @property
    def enabled(self) -> bool:
        """Whether anything is being shown."""
        return self._display is not None

    @property
    def finished(self) -> int:
        """How many of the jobs reported so far are in a final status."""
        with self._lock:
            return self._finished()

    def update(self, key: str, status: str) -> None:
        """Record the status of the job ``key`` (its id, or its place in a batch) and redraw if it changed."""
        with self._lock:
            self._statuses[key] = str(status)
            self._redraw()

    def update_all(self, statuses: Mapping[str, str], total: int | None = None) -> None:
        """Record the statuses of several jobs (and a new ``total``, if given) and redraw once."""
        with self._lock:
            if total is not None:
                self.total = max(0, int(total))
            self._statuses.update({key: str(status) for key, status in statuses.items()})
            self._redraw()

    def set_total(self, total: int) -> None:
        """Change the number of jobs waited for (a session gains jobs while it is waited for)."""
        with self._lock:
            self.total = max(0, int(total))
            self._redraw()

    def close(self) -> None:
        """Leave the last state on screen and end the line; later updates are recorded but not drawn."""
        with self._lock:
            display, self._display = self._display, None
        if display is not None:
            display.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------------------------

    def _finished(self) -> int:
        return sum(1 for status in self._statuses.values() if status in self.final)

    def _postfix(self) -> str:
        if self.total <= 1 and len(self._statuses) <= 1:
            return next(iter(self._statuses.values()), "")
        counts = Counter(self._statuses.values())
        order = {status: index for index, status in enumerate(_LIFECYCLE)}
        ranked = sorted(counts, key=lambda status: (order.get(status, len(order)), status))
        return " ".join(f"{status}={counts[status]}" for status in ranked)

    def _redraw(self) -> None:
        # Called with the lock held. Draws on a change, and otherwise at most once a second so the elapsed
        # time moves on during a long wait without flooding a log with identical lines.
        if self._display is None:
            return
        state = (self._finished(), max(self.total, len(self._statuses)), self._postfix())
        now = time.monotonic()
        if state != self._shown or now - self._drawn_at >= _REFRESH_SECONDS:
            self._shown = state
            self._drawn_at = now
            self._display.show(*state)


def _open_display(label: str, total: int, unit: str, stream: IO[str]) -> _Display:
    bar_class, in_notebook = _tqdm_bar_class()
    if bar_class is None:
        return _LineDisplay(label, total, unit, stream)
    return _TqdmDisplay(bar_class, label, total, unit, stream, in_notebook)


def _tqdm_bar_class() -> tuple[Any, bool]:
    """tqdm's bar class (``None`` without tqdm) and whether it is the notebook widget."""
    try:
        # The package itself first: a missing (or blocked) tqdm must not be masked by a cached submodule.
        importlib.import_module("tqdm")
        if _in_notebook() and _widgets_available():
            from tqdm.notebook import tqdm as notebook_bar

            return notebook_bar, True
        from tqdm.std import tqdm as text_bar
    except ImportError:
        return None, False
    return text_bar, False


def _in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (IPython in a terminal draws text bars like any console)."""
    ipython = sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    shell = get_ipython() if callable(get_ipython) else None
    config = getattr(shell, "config", None)
    try:
        return config is not None and "IPKernelApp" in config
    except TypeError:
        return False


def _widgets_available() -> bool:
    # Without ipywidgets tqdm's notebook bar only warns ("IProgress not found") and draws nothing useful.
    try:
        return importlib.util.find_spec("ipywidgets") is not None
    except (ImportError, ValueError):
        return False


class _TqdmDisplay:
    def __init__(
        self, bar_class: Any, label: str, total: int, unit: str, stream: IO[str], in_notebook: bool
    ) -> None:
        options: dict[str, Any] = {"desc": label, "total": total, "unit": unit, "leave": True}
        if not in_notebook:
            options.update(file=stream, bar_format=_BAR_FORMAT, dynamic_ncols=True)
        self._bar = bar_class(**options)

    def show(self, finished: int, total: int, postfix: str) -> None:
        bar = self._bar
        if bar.total != total:
            bar.reset(total=total)
        # Set, not add: a retried batch entry can go back from finished to queued.
        bar.n = finished
        bar.set_postfix_str(postfix, refresh=False)
        bar.refresh()

    def close(self) -> None:
        self._bar.close()


class _LineDisplay:
    """One line on the stream, redrawn in place: ``label: 40%|########            | 2/5 [3.1s, ...]``."""

    def __init__(self, label: str, total: int, unit: str, stream: IO[str]) -> None:
        self._label = label
        self._stream = stream
        self._started = time.monotonic()
        self._width = 0
        self._drawn = False
        self._last = (0, total, "")

    def show(self, finished: int, total: int, postfix: str) -> None:
        self._last = (finished, total, postfix)
        fraction = finished / total if total else 1.0
        filled = round(_TEXT_BAR_WIDTH * fraction)
        bar = "#" * filled + " " * (_TEXT_BAR_WIDTH - filled)
        elapsed = time.monotonic() - self._started
        details = f"{elapsed:.1f}s, {postfix}" if postfix else f"{elapsed:.1f}s"
        text = f"{self._label}: {fraction * 100:3.0f}%|{bar}| {finished}/{total} [{details}]"
        # Pad to the previous width so a shorter line wipes the end of a longer one.
        self._stream.write("\r" + text.ljust(self._width))
        self._stream.flush()
        self._width = len(text)
        self._drawn = True

    def close(self) -> None:
        if not self._drawn:
            self.show(*self._last)
        self._stream.write("\n")
        self._stream.flush()
