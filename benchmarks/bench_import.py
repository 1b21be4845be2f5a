"""Import cost: wall time and peak memory of importing qhub-providers, against the SDKs it wraps.

Each statement runs in fresh interpreters, round-robin, so every import starts cold in memory (but with
compiled bytecode on disk, as a user's second run would). Baselines: an empty interpreter, the client's
own dependencies (httpx, pydantic), and the two SDKs the faces wrap (``import qiskit``,
``import braket.circuits``).
It also checks, from ``sys.modules`` in the child, that the REST client loads neither SDK, that the Qiskit
face loads no Braket module and that the Braket face loads no Qiskit module; it exits non-zero if one does.

Run alone: ``.venv/bin/python -m benchmarks.bench_import [--quick]``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from benchmarks.common import BenchResult, ChildRun, median, ms, parse_quick, ratio, report, run_fresh, times

BASELINE = "python -c pass"
BRAKET_BASES = "import braket.circuits, braket.devices, braket.tasks"
QISKIT_FLOOR = "import qiskit, httpx, pydantic"
QISKIT_PROVIDER = "from qhub_providers.qiskit import HubQiskitProvider"
# The face's public names load on first use; this loads them all (backend, job, primitives, sessions,
# formats), so the whole face's cost stays visible and its Braket isolation is checked on all of it.
QISKIT_WHOLE = "from qhub_providers.qiskit import *"
# (label, statement); the first is the baseline every ratio divides by.
STATEMENTS: list[tuple[str, str]] = [
    (BASELINE, "pass"),
    ("import httpx, pydantic", "import httpx, pydantic"),
    ("import qhub_providers", "import qhub_providers"),
    ("import qhub_providers.api", "import qhub_providers.api"),
    ("import qhub_providers.qiskit", "import qhub_providers.qiskit"),
    ("import qhub_providers.braket", "import qhub_providers.braket"),
    ("from qhub_providers.emulator import LocalHub", "from qhub_providers.emulator import LocalHub"),
    ("import qiskit", "import qiskit"),
    ("import braket.circuits", "import braket.circuits"),
    # The floor of the Qiskit face: the SDK it wraps plus the client's own dependencies.
    (QISKIT_FLOOR, QISKIT_FLOOR),
    (QISKIT_PROVIDER, QISKIT_PROVIDER),
    (QISKIT_WHOLE, QISKIT_WHOLE),
    # What the Braket face cannot avoid: the Braket base classes it subclasses (braket.tasks loads boto3).
    (BRAKET_BASES, BRAKET_BASES),
]
CLIENT = "import qhub_providers.api"
TARGET_SECONDS = 0.100
# Each face against the SDK it wraps: at most 10 % slower and 10 % more memory.
FACES = {
    "import qhub_providers.qiskit": "import qiskit",
    "import qhub_providers.braket": "import braket.circuits",
}
FACE_LIMIT = 1.10
# Near the floor of the chosen dependencies, measured side by side in the same run.
FLOORS = {CLIENT: ("import httpx, pydantic", 1.3), QISKIT_PROVIDER: (QISKIT_FLOOR, 1.15)}
# Which SDKs a statement must not load: a Qiskit user never pays for Braket and the reverse.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    CLIENT: ("qiskit", "braket"),
    "import qhub_providers.qiskit": ("braket",),
    QISKIT_WHOLE: ("braket",),
    "import qhub_providers.braket": ("qiskit",),
}


def sdk_modules(modules: Sequence[str], prefixes: tuple[str, ...] = ("qiskit", "braket")) -> list[str]:
    """The modules among ``modules`` whose top-level package starts with one of ``prefixes``."""
    return [name for name in modules if name.split(".")[0].startswith(prefixes)]


def measure(repeats: int, *, warmup: bool = True) -> dict[str, list[ChildRun]]:
    """``repeats`` fresh-interpreter runs of every statement, after one untimed warm-up run of each."""
    for _, statement in STATEMENTS if warmup else ():
        run_fresh(statement)  # writes bytecode caches and warms the file cache
    runs: dict[str, list[ChildRun]] = {label: [] for label, _ in STATEMENTS}
    for _ in range(repeats):
        for label, statement in STATEMENTS:
            runs[label].append(run_fresh(statement))
    return runs


def run(quick: bool = False) -> list[BenchResult]:
    """Measure the imports and return the result table."""
    repeats = 5 if quick else 9
    # --quick skips the warm-up round: a cold first run is one sample of five, and the median drops it.
    runs = measure(repeats, warmup=not quick)
    base_wall = median([r.wall for r in runs[BASELINE]])
    base_rss = median([r.max_rss_kib for r in runs[BASELINE]])

    result = BenchResult(
        name="import",
        title=f"Import cost (median of {repeats} fresh interpreters; baseline `{BASELINE}`)",
        columns=["statement", "process wall", "x baseline", "statement alone", "peak RSS", "x baseline RSS"],
        chart_label=f"process wall time, x `{BASELINE}`",
    )
    for label, _ in STATEMENTS:
        wall = median([r.wall for r in runs[label]])
        alone = median([r.statement for r in runs[label]])
        rss = median([r.max_rss_kib for r in runs[label]])
        result.rows.append(
            [
                f"`{label}`",
                ms(wall),
                times(ratio(wall, base_wall)),
                ms(alone),
                f"{rss / 1024:.1f} MiB",
                times(ratio(rss, base_rss)),
            ]
        )
        result.chart[label] = ratio(wall, base_wall)
        result.figures[label] = {
            "wall_s": [r.wall for r in runs[label]],
            "statement_s": [r.statement for r in runs[label]],
            "max_rss_kib": [r.max_rss_kib for r in runs[label]],
            "vm_hwm_kib": [r.vm_hwm_kib for r in runs[label]],
            "median_wall_s": wall,
            "median_statement_s": alone,
            "median_max_rss_kib": rss,
            "wall_ratio": ratio(wall, base_wall),
            "rss_ratio": ratio(rss, base_rss),
        }

    # Isolation: each statement is run once more, listing sys.modules after it.
    leaks: dict[str, list[str]] = {}
    for statement, prefixes in FORBIDDEN.items():
        leaks[statement] = sdk_modules(run_fresh(statement, list_modules=True).modules, prefixes)
        loaded = leaks[statement]
        result.check(
            f"`{statement}` loads no {' and no '.join(p.capitalize() for p in prefixes)} module",
            "none" if not loaded else f"{len(loaded)}: {', '.join(loaded[:4])}…",
            not loaded,
        )
    result.figures["sdk_leaks"] = leaks
    result.figures["client_sdk_modules"] = leaks[CLIENT]

    client = result.figures[CLIENT]
    result.figures["target_s"] = TARGET_SECONDS
    result.check(
        f"`{CLIENT}` under {ms(TARGET_SECONDS)} (statement alone)",
        ms(client["median_statement_s"]),
        client["median_statement_s"] < TARGET_SECONDS,
    )
    for face, sdk in FACES.items():
        mine, theirs = result.figures[face], result.figures[sdk]
        time_ratio = ratio(mine["median_statement_s"], theirs["median_statement_s"])
        rss_ratio = ratio(mine["median_max_rss_kib"], theirs["median_max_rss_kib"])
        result.figures[face]["vs_sdk"] = {"sdk": sdk, "time_ratio": time_ratio, "rss_ratio": rss_ratio}
        result.check(
            f"`{face}` time within 10% of `{sdk}` (statement alone)",
            f"{ms(mine['median_statement_s'])} vs {ms(theirs['median_statement_s'])}: {times(time_ratio)}",
            time_ratio <= FACE_LIMIT,
        )
        result.check(
            f"`{face}` peak memory within 10% of `{sdk}`",
            f"{mine['median_max_rss_kib'] / 1024:.1f} vs {theirs['median_max_rss_kib'] / 1024:.1f} MiB: "
            f"{times(rss_ratio)}",
            rss_ratio <= FACE_LIMIT,
        )
    for mine_label, (floor_label, limit) in FLOORS.items():
        mine, floor = result.figures[mine_label], result.figures[floor_label]
        floor_ratio = ratio(mine["median_statement_s"], floor["median_statement_s"])
        result.figures[mine_label]["vs_floor"] = {"floor": floor_label, "time_ratio": floor_ratio}
        result.check(
            f"`{mine_label}` within {limit}x of `{floor_label}` (statement alone)",
            f"{ms(mine['median_statement_s'])} vs {ms(floor['median_statement_s'])}: {times(floor_ratio)}",
            floor_ratio <= limit,
        )
    bases = result.figures[BRAKET_BASES]["median_statement_s"]
    face = result.figures["import qhub_providers.braket"]["median_statement_s"]
    result.notes += [
        f"`{BRAKET_BASES}` (the Braket classes the face subclasses; `braket.tasks` imports boto3) takes "
        f"{ms(bases)}: the Braket face is {times(ratio(face, bases))} of that.",
        f"Whole process for `{CLIENT}`: {ms(client['median_wall_s'])} (interpreter start-up included).",
        "Process wall = interpreter start to exit, timed by the parent; statement alone = the import, "
        "timed inside the child; peak RSS = the child's `ru_maxrss`.",
    ]
    return [result]


def main(argv: Sequence[str] | None = None) -> int:
    """Run this benchmark alone and print its table."""
    quick = parse_quick(argv, "Import time and memory of qhub-providers against its baselines.")
    results = run(quick)
    report(results, quick=quick)
    leaked = any(results[0].figures["sdk_leaks"].values())
    return 1 if leaked else 0


if __name__ == "__main__":
    sys.exit(main())
