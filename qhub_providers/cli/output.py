"""Exit codes and output helpers of the command line: tables for people, JSON for scripts."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

EXIT_OK = 0
EXIT_FAILURE = 1
"""The Hub or the network answered with an error."""
EXIT_USAGE = 2
"""The command line was wrong."""
EXIT_JOB_UNSUCCESSFUL = 3
"""The job ended without a result (failed, cancelled, aborted, detached) or the wait timed out."""


def to_jsonable(value: Any) -> Any:
    """Models and lists of models as plain JSON data."""
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json", exclude_none=True)
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    return value


def print_json(value: Any) -> None:
    print(json.dumps(to_jsonable(value), indent=2, default=str))


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A plain aligned table (no colours, so it survives pipes)."""
    cells = [[("-" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    print("  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def histogram(counts: dict[str, float], *, width: int = 40, limit: int = 16) -> str:
    """Counts as text bars, most frequent first."""
    total = sum(counts.values()) or 1.0
    key_width = max((len(k) for k in counts), default=1)
    lines = []
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    for key, value in ordered[:limit]:
        bar = "#" * max(0, round(width * value / total))
        shown = f"{value:.0f}" if float(value).is_integer() else f"{value:.3f}"
        lines.append(f"{key.rjust(key_width)}  {bar:<{width}}  {shown}")
    if len(ordered) > limit:
        lines.append(f"... {len(ordered) - limit} more outcomes")
    return "\n".join(lines)


class Progress:
    """A one-line status display on stderr while waiting; silent when stderr is not a terminal."""

    def __init__(self, label: str, enabled: bool | None = None) -> None:
        self.label = label
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._shown = False

    def update(self, status: str, elapsed: float) -> None:
        if self.enabled:
            sys.stderr.write(f"\r{self.label}  {status:<11} {elapsed:6.1f} s")
            sys.stderr.flush()
            self._shown = True

    def done(self) -> None:
        if self._shown:
            sys.stderr.write("\n")
            sys.stderr.flush()
