"""What every benchmark shares: timing helpers, fresh-interpreter runs, and the result writer.

Figures are printed as ratios against a baseline measured in the same run, because absolute times on
shared machines drift from one run to the next while ratios taken side by side mostly do not.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"

# The job every benchmark submits: a Bell pair in OpenQASM 2 on the Kipu simulator, 100 shots.
BELL_QASM2 = (
    'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncreg c[2];\nh q[0];\ncx q[0],q[1];\nmeasure q -> c;\n'
)
KIPU_BACKEND = "kipu.sim.qsim"
SHOTS = 100
# The tag prefix HubQuantumClient.create_job puts on a job; bare-httpx baselines send the same tag.
CLIENT_TOKEN_TAG = "qhub-providers-token:"
TERMINAL = frozenset({"COMPLETED", "FAILED", "CANCELLED", "ABORTED", "DETACHED"})


# --------------------------------------------------------------------------------------------- timing


def repeat(fn: Callable[[], object], n: int, *, warmup: int = 0) -> list[float]:
    """Seconds taken by each of ``n`` calls of ``fn``, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def interleave(fns: dict[str, Callable[[], object]], n: int, *, warmup: int = 1) -> dict[str, list[float]]:
    """Time each function ``n`` times, taking turns, so a slow spell of the machine hits all alike.

    The order of the turns flips every round, so none of them always runs right after another.
    """
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    forward = list(fns.items())
    for round_ in range(n):
        for name, fn in forward if round_ % 2 == 0 else forward[::-1]:
            started = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - started)
    return samples


def median(samples: Sequence[float]) -> float:
    """The median of the samples."""
    return float(statistics.median(samples))


def percentile(samples: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100), interpolated linearly between the nearest ranks."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * q / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Summary:
    """Order statistics of a list of durations in seconds."""

    n: int
    median: float
    p50: float
    p99: float
    mean: float
    min: float
    max: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Summary:
        """Summarize the samples."""
        return cls(
            n=len(samples),
            median=median(samples),
            p50=percentile(samples, 50),
            p99=percentile(samples, 99),
            mean=statistics.fmean(samples),
            min=min(samples),
            max=max(samples),
        )


def ratio(value: float, baseline: float) -> float:
    """``value / baseline``; infinity when the baseline is zero."""
    return value / baseline if baseline else math.inf


def wait_until(predicate: Callable[[], bool], *, timeout: float, interval: float = 0.005) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` seconds pass; returns whether it held."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True


# ------------------------------------------------------------------------------------ fresh processes


@dataclass(frozen=True)
class ChildRun:
    """One run of a statement in a fresh interpreter."""

    wall: float
    """Seconds from starting the interpreter to its exit, measured by the parent."""
    statement: float
    """Seconds the statement itself took inside the child."""
    max_rss_kib: int
    """Peak resident set size of the child, ``getrusage(RUSAGE_SELF).ru_maxrss`` in KiB."""
    vm_hwm_kib: int = -1
    """The same peak as the kernel keeps it for the child's own address space (``VmHWM``; -1 off Linux)."""
    modules: tuple[str, ...] = ()
    """Names in ``sys.modules`` after the statement (only when asked for)."""


# Runs in the child. Only builtin modules are imported before the statement, so they do not lower its cost;
# a first compile() is done before the clock starts because it carries a one-off set-up cost of its own.
_CHILD = """\
import sys, time
_code = compile({statement!r}, "<benchmark>", "exec")
_t0 = time.perf_counter()
exec(_code)
_dt = time.perf_counter() - _t0
import resource
_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if sys.platform == "darwin":
    _rss //= 1024
_hwm = -1
try:
    with open("/proc/self/status") as _f:
        _hwm = next((int(_l.split()[1]) for _l in _f if _l.startswith("VmHWM:")), -1)
except OSError:
    pass
print("@@", repr(_dt), _rss, _hwm)
if {list_modules!r}:
    print("@@modules", *sorted(sys.modules))
"""

# ru_maxrss survives execve: a child spawned straight from this process would report this process's own
# peak (the benchmark's, hundreds of MiB once the local Hub has run). Started by a small shell that waits
# for it (no `exec`), the child inherits only the shell's peak of a few MiB, below any interpreter's own.
_SHELL = shutil.which("sh")
_VIA_SHELL = '"$0" -c "$1"; exit $?'


def run_fresh(statement: str, *, list_modules: bool = False, timeout: float = 60.0) -> ChildRun:
    """Run ``statement`` in a new interpreter (this one's executable, from the repository root)."""
    code = _CHILD.format(statement=statement, list_modules=list_modules)
    command = [_SHELL, "-c", _VIA_SHELL, sys.executable, code] if _SHELL else [sys.executable, "-c", code]
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{statement!r} failed in a fresh interpreter:\n{done.stderr.strip()}")
    seconds, rss, hwm = 0.0, 0, -1
    modules: tuple[str, ...] = ()
    for line in done.stdout.splitlines():
        if line.startswith("@@modules"):
            modules = tuple(line.split()[1:])
        elif line.startswith("@@ "):
            _, dt, kib, peak = line.split()
            seconds, rss, hwm = float(dt), int(kib), int(peak)
    return ChildRun(wall=wall, statement=seconds, max_rss_kib=rss, vm_hwm_kib=hwm, modules=modules)


# --------------------------------------------------------------------------------- a Hub of its own


# Runs in the Hub's process: serve until the parent closes our stdin (or dies, which closes it too).
_SERVE = """\
import sys
from qhub_providers.emulator import LocalHub
with LocalHub(workers={workers!r}, db={db!r}) as hub:
    print(hub.base_url, hub.token, flush=True)
    sys.stdin.read()
"""


class HubProcess:
    """A local Hub in a process of its own, on 127.0.0.1, for as long as the ``with`` block lasts.

    Load generators in the benchmark's process then do not compete with the Hub for one interpreter lock,
    as they would with an in-process ``LocalHub``; on two cores each side gets roughly one.
    """

    def __init__(self, *, workers: int = 2, start_timeout: float = 60.0, db: str | None = None) -> None:
        self.workers = workers
        self.db = db
        """The Hub's database file (``None``: in memory, as ``LocalHub()`` has it)."""
        self.start_timeout = start_timeout
        self.base_url = ""
        self.token = ""
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> HubProcess:
        self._process = subprocess.Popen(
            [sys.executable, "-c", _SERVE.format(workers=self.workers, db=self.db)],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        # readline() blocks; the Hub prints its address as soon as it answers, well within the timeout.
        line = self._process.stdout.readline().split()
        if len(line) != 2:
            self.__exit__()
            raise RuntimeError("the local Hub process did not start")
        self.base_url, self.token = line
        return self

    @property
    def pid(self) -> int:
        """The Hub process's id (while the ``with`` block lasts)."""
        assert self._process is not None
        return self._process.pid

    def __exit__(self, *exc: object) -> None:
        process, self._process = self._process, None
        if process is not None:
            stop_hub_process(process)


def stop_hub_process(process: subprocess.Popen[str]) -> None:
    """End a local Hub started as a child process: closing its stdin asks it to stop; killed after 15 s."""
    if process.stdin is not None:
        process.stdin.close()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
    if process.stdout is not None:
        process.stdout.close()


# --------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Target:
    """One speed target (listed in benchmarks/README.md) and how this run fared against it."""

    target: str
    measured: str
    met: bool


@dataclass
class BenchResult:
    """The figures of one benchmark: a table for people, every number for machines.

    ``rows`` are formatted cells under ``columns``; ``figures`` keeps the raw measurements (seconds,
    counts, ratios) that the table was made from; ``chart`` maps a label to the ratio drawn as a bar.
    """

    name: str
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    chart: dict[str, float] = field(default_factory=dict)
    chart_label: str = "ratio to baseline"
    notes: list[str] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    """The targets (benchmarks/README.md) this benchmark checks, each met or missed in this run."""

    def check(self, target: str, measured: str, met: bool) -> None:
        """Record whether a target was met, with the figure it was judged on."""
        self.targets.append(Target(target=target, measured=measured, met=bool(met)))

    def markdown(self) -> str:
        """The result as a Markdown section: heading, table, notes."""
        lines = [f"### {self.title}", ""]
        lines.append("| " + " | ".join(self.columns) + " |")
        lines.append("|" + "|".join("---" for _ in self.columns) + "|")
        lines.extend("| " + " | ".join(row) + " |" for row in self.rows)
        if self.targets:
            lines += ["", "| target | measured | |", "|---|---|---|"]
            lines.extend(
                f"| {t.target} | {t.measured} | {'met' if t.met else '**missed**'} |" for t in self.targets
            )
        if self.notes:
            lines.append("")
            lines.extend(f"- {note}" for note in self.notes)
        return "\n".join(lines) + "\n"


def environment(quick: bool) -> dict[str, Any]:
    """Where and how the figures were taken (no paths, no user names)."""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(terse=True),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        # How busy the machine was: figures taken beside other work drift, ratios less so.
        "load_average_1min": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        "load_average_1_5_15min": [round(x, 2) for x in os.getloadavg()]
        if hasattr(os, "getloadavg")
        else None,
        "quick": quick,
        "taken_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def write_result(result: BenchResult, *, quick: bool) -> list[Path]:
    """Save ``results/<name>.json`` (every figure), ``results/<name>.md`` (the table) and, when matplotlib
    is installed, ``results/<name>.png`` (a bar chart of the ratios). Returns the files written."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    env = environment(quick)
    as_json = RESULTS_DIR / f"{result.name}.json"
    as_json.write_text(json.dumps({"environment": env, **asdict(result)}, indent=2, default=str) + "\n")
    as_md = RESULTS_DIR / f"{result.name}.md"
    header = (
        f"<!-- {env['taken_at']}, Python {env['python']}, {env['cpus']} CPUs, "
        f"load average {env['load_average_1min']}, quick={quick} -->\n\n"
    )
    as_md.write_text(header + result.markdown())
    written = [as_json, as_md]
    chart = _bar_chart(result, RESULTS_DIR / f"{result.name}.png")
    if chart is not None:
        written.append(chart)
    return written


def _bar_chart(result: BenchResult, target: Path) -> Path | None:
    """A small horizontal bar chart of ``result.chart``; nothing when matplotlib is not installed."""
    if not result.chart:
        return None
    try:
        import matplotlib  # type: ignore[import-not-found, unused-ignore]

        matplotlib.use("Agg")  # files only, never a window
        import matplotlib.pyplot as plt  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    labels = [label.replace("`", "") for label in result.chart]
    values = list(result.chart.values())
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(labels) + 1.6))
    ax.barh(labels, values, color="#4c72b0")
    ax.axvline(1.0, color="#888888", linewidth=1, linestyle="--")  # the baseline
    ax.set_xlim(0, max([*values, 1.0]) * 1.2)  # room for the value labels
    ax.invert_yaxis()
    ax.set_xlabel(result.chart_label.replace("`", ""))
    ax.set_title(textwrap.fill(result.title.replace("`", ""), 80), fontsize=9)
    for y, value in enumerate(values):
        ax.annotate(f"{value:.2f}x", (value, y), xytext=(3, 0), textcoords="offset points", va="center")
    fig.tight_layout()
    fig.savefig(target, dpi=100)
    plt.close(fig)
    return target


def report(results: Sequence[BenchResult], *, quick: bool) -> None:
    """Print each result's table and save its files."""
    for result in results:
        print(result.markdown())
        files = write_result(result, quick=quick)
        shown = ", ".join(str(path.relative_to(REPO_ROOT)) for path in files)
        print(f"(saved {shown})\n")


# ------------------------------------------------------------------------------------------ formatting


def ms(seconds: float) -> str:
    """Seconds shown as milliseconds."""
    return f"{seconds * 1e3:.1f} ms"


def us(seconds: float) -> str:
    """Seconds shown as microseconds."""
    return f"{seconds * 1e6:.0f} µs"


def times(value: float) -> str:
    """A ratio shown as ``1.23x``."""
    return f"{value:.2f}x"


def verdict(value: float, limit: float) -> str:
    """``met`` when ``value`` is at most ``limit``, else ``missed``."""
    return "met" if value <= limit else "missed"


# ------------------------------------------------------------------------------------------ entry point


def parse_quick(argv: Sequence[str] | None, description: str) -> bool:
    """Parse the command line of a benchmark: only ``--quick``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="smaller counts, for a fast check")
    return bool(parser.parse_args(argv).quick)
