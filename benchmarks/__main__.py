"""Run every benchmark: ``.venv/bin/python -m benchmarks [--quick] [import client local_hub]``.

Each benchmark runs in a fresh interpreter of its own, so none inherits another's imports, memory or
threads (and a crash in one still lets the others report). Their tables are printed as they finish and
saved under ``benchmarks/results/``; ``results/summary.md`` collects them all.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Sequence

from benchmarks.common import REPO_ROOT, RESULTS_DIR, environment

BENCHMARKS = ("import", "client", "local_hub", "decode")
# Generous: the full run of the slowest benchmark takes well under a minute on two cores.
TIMEOUT_SECONDS = 300


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen benchmarks (all by default); returns 0 when every one succeeded."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller counts, for a fast check")
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"which ones (default: all of {BENCHMARKS})")
    args = parser.parse_args(argv)
    names: list[str] = list(args.names) or list(BENCHMARKS)
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")

    started = time.perf_counter()
    failed: list[str] = []
    succeeded: list[str] = []
    for name in names:
        print(f"== bench_{name}{' --quick' if args.quick else ''}", flush=True)
        command = [sys.executable, "-m", f"benchmarks.bench_{name}", *(["--quick"] if args.quick else [])]
        began = time.perf_counter()
        try:
            done = subprocess.run(command, cwd=REPO_ROOT, timeout=TIMEOUT_SECONDS, check=False)
            code = done.returncode
        except subprocess.TimeoutExpired:
            code = -1
            print(f"bench_{name} did not finish within {TIMEOUT_SECONDS} s", flush=True)
        print(f"== bench_{name} took {time.perf_counter() - began:.0f} s", flush=True)
        if code != 0:
            failed.append(f"{name} (exit {code})")
        else:
            succeeded.append(name)

    summary = RESULTS_DIR / "summary.md"
    # Only this run's tables: a failed benchmark may have left an older one behind.
    sections = [RESULTS_DIR / f"{name}.md" for name in succeeded]
    env = environment(args.quick)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    heading = (
        f"# Benchmarks ({env['taken_at']}, Python {env['python']}, {env['cpus']} CPUs, quick={args.quick})"
    )
    summary.write_text(heading + "\n\n" + "\n".join(path.read_text() for path in sections if path.exists()))
    elapsed = time.perf_counter() - started
    print(f"== done in {elapsed:.0f} s; tables in {summary.relative_to(REPO_ROOT)}")
    if failed:
        print(f"== failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
