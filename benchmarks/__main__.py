"""Run every benchmark: ``.venv/bin/python -m benchmarks [--quick] [import client local_hub]``.

Each benchmark runs in a fresh interpreter of its own, so none inherits another's imports, memory or
threads (and a crash in one still lets the others report). Their tables are printed as they finish and
saved under ``benchmarks/results/``; ``results/summary.md`` collects them all. A full run of all of them
(no ``--quick``, no names) also rewrites ``benchmarks/LATEST.md``, the committed summary the docs show.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import REPO_ROOT, RESULTS_DIR, environment

BENCHMARKS = ("import", "client", "local_hub", "decode", "simulation")
# Generous: the slowest benchmark (client) takes about three minutes on two busy cores.
TIMEOUT_SECONDS = 900
LATEST = Path(__file__).resolve().parent / "LATEST.md"


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
    started_at = time.time()
    before = environment(args.quick)
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
    sections = [path for name in succeeded for path in _outputs(name, "md", since=started_at)]
    env = environment(args.quick)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    heading = (
        f"# Benchmarks ({env['taken_at']}, Python {env['python']}, {env['cpus']} CPUs, quick={args.quick})"
    )
    summary.write_text(heading + "\n\n" + "\n".join(path.read_text() for path in sections if path.exists()))
    elapsed = time.perf_counter() - started
    print(f"== done in {elapsed:.0f} s; tables in {summary.relative_to(REPO_ROOT)}")
    if not args.quick and not args.names and not failed:
        LATEST.write_text(latest_summary(succeeded, before, environment(args.quick), elapsed, started_at))
        print(f"== wrote {LATEST.relative_to(REPO_ROOT)}")
    if failed:
        print(f"== failed: {', '.join(failed)}")
        return 1
    return 0


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            return next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), "")
    except OSError:
        return ""


def _outputs(name: str, suffix: str, *, since: float) -> list[Path]:
    """The result files one benchmark wrote in this run: ``<name>.<suffix>``, then the extra tables it
    writes as ``<name>_<part>.<suffix>`` (``local_hub_storage``), older files left out."""
    paths = [RESULTS_DIR / f"{name}.{suffix}", *sorted(RESULTS_DIR.glob(f"{name}_*.{suffix}"))]
    return [path for path in paths if path.exists() and path.stat().st_mtime >= since]


def latest_summary(
    names: Sequence[str], before: dict[str, Any], after: dict[str, Any], seconds: float, since: float
) -> str:
    """``LATEST.md``: when and where, every target met or missed, then every table of this run."""
    loaded = [json.loads(path.read_text()) for name in names for path in _outputs(name, "json", since=since)]
    load_before, load_after = before["load_average_1_5_15min"], after["load_average_1_5_15min"]
    cpu = _cpu_model()
    lines = [
        "<!-- Written by `python -m benchmarks` (a full run); do not edit by hand. -->",
        "",
        "## Latest benchmark run",
        "",
        f"- **Date:** {before['taken_at']} (UTC), the whole run took {seconds:.0f} s.",
        f"- **Machine:** {after['cpus']} cores{f' ({cpu})' if cpu else ''}, "
        f"{after['platform'].split('-')[0]} {after['machine']}, "
        f"{after['implementation']} {after['python']}.",
        f"- **Load average** (1, 5, 15 min): {', '.join(map(str, load_before or []))} at the start, "
        f"{', '.join(map(str, load_after or []))} at the end.",
    ]
    if load_before and max(load_before[0], load_after[0]) > (after["cpus"] or 1):
        lines.append(
            "- The machine was busy with other work during this run (load average above its core count): "
            "absolute times are on the slow side; the ratios, taken side by side, move less."
        )
    lines += ["", "### Targets", "", "| benchmark | target | measured | |", "|---|---|---|---|"]
    for result in loaded:
        for target in result.get("targets", []):
            verdict = "met" if target["met"] else "**missed**"
            lines.append(f"| {result['name']} | {target['target']} | {target['measured']} | {verdict} |")
    lines.append("")
    for path in (path for name in names for path in _outputs(name, "md", since=since)):
        table = path.read_text()
        # Drop the per-file comment line; the heading above says when and where.
        lines.append("\n".join(line for line in table.splitlines() if not line.startswith("<!--")).strip())
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
