"""Finding the runnable examples of the documentation: Python blocks fenced with ``{ .python .runnable }``."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"

# An opening fence with the runnable class, possibly indented (inside an admonition or a tab).
_OPENING = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,})\s*\{\s*\.python\s+\.runnable\s*\}\s*$")


@dataclass(frozen=True)
class Example:
    """One runnable code block: where it is, and its code."""

    page: str
    line: int
    code: str

    @property
    def name(self) -> str:
        return f"{self.page}:{self.line}"


def examples_in(path: Path) -> list[Example]:
    """The runnable blocks of one Markdown page, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Example] = []
    index = 0
    while index < len(lines):
        opening = _OPENING.match(lines[index])
        if opening is None:
            index += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        body: list[str] = []
        end = index + 1
        while end < len(lines) and lines[end].strip() != fence:
            body.append(lines[end])
            end += 1
        if end == len(lines):
            raise ValueError(f"{path.name}:{index + 1}: the runnable block is never closed")
        if any(line.strip() and not line.startswith(indent) for line in body):
            raise ValueError(f"{path.name}:{index + 1}: a line of the block is indented less than its fence")
        code = textwrap.dedent("\n".join(line[len(indent) :] for line in body))
        found.append(Example(str(path.relative_to(DOCS)), index + 1, code + "\n"))
        index = end + 1
    return found


def all_examples() -> list[Example]:
    """Every runnable block of the site, page by page."""
    return [example for page in sorted(DOCS.rglob("*.md")) for example in examples_in(page)]
