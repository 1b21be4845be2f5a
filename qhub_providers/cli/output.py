"""Exit codes and output helpers of the command line: tables for people, JSON for scripts, colour only
on terminals."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

EXIT_OK = 0
EXIT_FAILURE = 1
"""Any other error (the Hub answered with an error not listed below, a finished job cannot be cancelled,
or something unexpected broke)."""
EXIT_USAGE = 2
"""The command line was wrong (including an unknown ``--provider`` or a ``--page`` past the last one)."""
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
EXIT_INTERRUPTED = 130
"""Ctrl-C (the shell's convention: 128 + SIGINT)."""

_GREEN, _RED, _YELLOW, _BOLD = "32", "31", "33", "1"
_STATUS_COLOURS = {
    "ONLINE": _GREEN,
    "COMPLETED": _GREEN,
    "OFFLINE": _RED,
    "FAILED": _RED,
    "ABORTED": _RED,
    "CANCELLED": _YELLOW,
    "CANCELLING": _YELLOW,
    "PAUSED": _YELLOW,
    "RETIRED": _RED,
    "DETACHED": _YELLOW,
}


def colour_enabled(stream: TextIO) -> bool:
    """Colour on terminals only; ``NO_COLOR`` (any value) turns it off, ``FORCE_COLOR`` turns it on."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(callable(isatty) and isatty())


def paint(text: str, code: str | None, stream: TextIO | None = None) -> str:
    """``text`` in the ANSI colour ``code`` when ``stream`` (default stdout) is a terminal."""
    if code is None or not colour_enabled(stream or sys.stdout):
        return text
    return f"\033[{code}m{text}\033[0m"


def status_colour(status: str) -> str | None:
    return _STATUS_COLOURS.get(status)


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
    print(f"{paint('error:', _RED, sys.stderr)} {message}", file=sys.stderr)


def note(message: str) -> None:
    """A line for the person at the terminal, on stderr so that stdout stays parseable."""
    print(message, file=sys.stderr)


def print_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    colour: dict[int, Callable[[str], str | None]] | None = None,
) -> None:
    """An aligned table; ``colour`` maps a column index to a function giving a cell's colour code.

    Cells are padded before they are coloured, so the columns line up on terminals and the text piped to
    another program has no escape codes at all.
    """
    cells = [[("-" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    header = "  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()
    print(paint(header, _BOLD))
    painters = colour or {}
    for row in cells:
        padded = []
        for index, (value, width) in enumerate(zip(row, widths, strict=True)):
            text = value.ljust(width)
            painter = painters.get(index)
            padded.append(paint(text, painter(value)) if painter else text)
        print("  ".join(padded).rstrip())


def histogram(counts: dict[str, int] | dict[str, float], *, width: int = 40, limit: int = 16) -> str:
    """Counts (or probabilities) as text bars, most frequent first."""
    total = float(sum(counts.values())) or 1.0
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
