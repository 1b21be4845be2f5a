"""Import cost: wall time and peak memory of importing qhub-providers, against its dependencies.

Each statement runs in fresh interpreters, round-robin, so every import starts cold in memory (but with
compiled bytecode on disk, as a user's second run would). Baselines: an empty interpreter, the client's own
dependencies (httpx, pydantic), and the two SDKs users come from (Qiskit, Braket). It also checks that
the REST client loads no Qiskit and no Braket module.

Run alone: ``.venv/bin/python -m benchmarks.bench_import [--quick]``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from benchmarks.common import BenchResult, ChildRun, median, ms, parse_quick, ratio, report, run_fresh, times

BASELINE = "python -c pass"
# (label, statement); the first is the baseline every ratio divides by.
STATEMENTS: list[tuple[str, str]] = [
    (BASELINE, "pass"),
    ("import httpx, pydantic", "import httpx, pydantic"),
    ("import qhub_providers", "import qhub_providers"),
    ("import qhub_providers.api", "import qhub_providers.api"),
    ("from qhub_providers.emulator import LocalHub", "from qhub_providers.emulator import LocalHub"),
    ("import qiskit", "import qiskit"),
    ("import braket.circuits", "import braket.circuits"),
]
CLIENT = "import qhub_providers.api"
TARGET_SECONDS = 0.100
FORBIDDEN_PREFIXES = ("qiskit", "braket")


def sdk_modules(modules: Sequence[str]) -> list[str]:
    """The Qiskit and Braket modules among ``modules`` (top-level packages ``qiskit*`` and ``braket*``)."""
    return [name for name in modules if name.split(".")[0].startswith(FORBIDDEN_PREFIXES)]


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

    # The client must stay free of the SDKs: a Qiskit user never pays for Braket and the reverse.
    loaded = sdk_modules(run_fresh(CLIENT, list_modules=True).modules)
    result.figures["client_sdk_modules"] = loaded
    isolation = "none" if not loaded else f"{len(loaded)} ({', '.join(loaded[:5])}…)"
    client = result.figures[CLIENT]
    result.figures["target_s"] = TARGET_SECONDS
    result.notes += [
        f"Qiskit/Braket modules loaded by `{CLIENT}`: {isolation} — {'OK' if not loaded else 'FAILED'}.",
        f"Target: the API client under {ms(TARGET_SECONDS)}. Statement alone (import inside an already "
        f"started interpreter): {ms(client['median_statement_s'])} — "
        f"{'met' if client['median_statement_s'] < TARGET_SECONDS else 'missed'}; "
        f"whole process: {ms(client['median_wall_s'])} — "
        f"{'met' if client['median_wall_s'] < TARGET_SECONDS else 'missed'}.",
        "Process wall = interpreter start to exit, timed by the parent; statement alone = the import, "
        "timed inside the child; peak RSS = the child's `ru_maxrss`.",
    ]
    return [result]


def main(argv: Sequence[str] | None = None) -> int:
    """Run this benchmark alone and print its table."""
    quick = parse_quick(argv, "Import time and memory of qhub-providers against its baselines.")
    results = run(quick)
    report(results, quick=quick)
    return 0 if not results[0].figures["client_sdk_modules"] else 1


if __name__ == "__main__":
    sys.exit(main())
