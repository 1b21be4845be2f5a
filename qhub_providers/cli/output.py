"""Exit codes and output helpers of the command line: tables for people, JSON for scripts."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

EXIT_OK = 0
EXIT_FAILURE = 1
"""Any other error (the Hub answered with an error not listed below, or something unexpected broke)."""
EXIT_USAGE = 2
"""The command line was wrong."""
EXIT_JOB_UNSUCCESSFUL = 3
"""The job ended without a result (failed, cancelled, aborted, detached) or the wait timed out."""
EXIT_NOT_FOUND = 4
"""The Hub has no such backend or job (HTTP 404)."""
EXIT_AUTH = 5
"""No access token was found, or the Hub refused it (HTTP 401 or 403)."""
EXIT_UNREACHABLE = 6
"""The Hub could not be reached or did not answer in time."""
EXIT_BAD_INPUT = 7
"""The program file could not be read or is not a valid OpenQASM 2 or 3 program (or the Hub said so)."""


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


def error(message: str) -> None:
    """One line on stderr, where scripts reading stdout do not trip over it."""
    print(f"error: {message}", file=sys.stderr)


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
