"""The documentation's examples run: every block fenced ``{ .python .runnable }`` is executed against a
local Hub, so a renamed method or a changed result breaks the test suite rather than a reader's program.

Each example is a complete program that starts its own ``LocalHub()``; here ``LocalHub`` hands it the one
Hub of the test process (see ``conftest.py``). Every other Python block must at least be valid Python.
"""

from __future__ import annotations

import ast
import contextlib
import io
import re
from pathlib import Path

import pytest

import qhub_providers.emulator
import qhub_providers.emulator.server
from qhub_providers.api import credentials
from qhub_providers.emulator import LocalHub

from .conftest import SharedHubFactory
from .examples import DOCS, Example, all_examples, examples_in

EXAMPLES = all_examples()
# Bounds on the selection: the examples must stay a quick check (the whole module well under 40 s).
MAX_EXAMPLES = 40
# Pages that teach by example carry at least one runnable block.
PAGES_WITH_EXAMPLES = (
    "index.md",
    "getting-started.md",
    "guides/qiskit.md",
    "guides/braket.md",
    "guides/sessions.md",
    "guides/choosing-backends.md",
    "guides/primitives.md",
    "guides/many-jobs.md",
    "local-hub.md",
)
_CREDENTIAL_VARIABLES = (
    *credentials.TOKEN_VARIABLES,
    *credentials.ORGANIZATION_VARIABLES,
    *credentials.CONFIG_PATH_VARIABLES,
    credentials.BASE_URL_VARIABLE,
)


def test_the_teaching_pages_carry_runnable_examples() -> None:
    pages = {example.page for example in EXAMPLES}
    missing = [page for page in PAGES_WITH_EXAMPLES if page not in pages]
    assert not missing, f"pages without a runnable example: {missing}"
    assert len(EXAMPLES) <= MAX_EXAMPLES, "too many runnable examples for a quick check; mark fewer"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("example", EXAMPLES, ids=[example.name for example in EXAMPLES])
def test_example_runs_against_a_local_hub(
    example: Example, docs_hub: LocalHub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # As on a machine without an account: no token, no organization, no qhubctl configuration.
    for variable in _CREDENTIAL_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("KQH_CONFIG_FILE_PATH", str(tmp_path / "no-config.json"))
    monkeypatch.setenv("PLANQK_CONFIG_FILE_PATH", str(tmp_path / "no-config.json"))
    monkeypatch.setenv("HOME", str(tmp_path))
    factory = SharedHubFactory(docs_hub)
    monkeypatch.setattr(qhub_providers.emulator, "LocalHub", factory, raising=False)
    monkeypatch.setattr(qhub_providers.emulator.server, "LocalHub", factory)

    printed = io.StringIO()
    code = compile(example.code, f"docs/{example.name}", "exec")
    try:
        with contextlib.redirect_stdout(printed):
            exec(code, {"__name__": "__main__"})
    finally:
        docs_hub.set_faults(rate=0)  # an example that injects faults must not leave them to the next one
    assert printed.getvalue().strip(), f"{example.name} printed nothing; an example shows its result"


def _python_blocks(page: Path) -> list[tuple[int, str]]:
    """(line, code) of every fenced Python block of a page, runnable or not."""
    blocks = []
    lines = page.read_text(encoding="utf-8").splitlines()
    opening = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,})\s*(\{\s*\.)?python\b.*$")
    index = 0
    while index < len(lines):
        match = opening.match(lines[index])
        if match is None:
            index += 1
            continue
        indent, fence, start = match["indent"], match["fence"], index
        body = []
        index += 1
        while index < len(lines) and lines[index].strip() != fence:
            body.append(lines[index][len(indent) :])
            index += 1
        blocks.append((start + 1, "\n".join(body) + "\n"))
        index += 1
    return blocks


PAGES = sorted(DOCS.rglob("*.md"))


def _top_level_await(page: Path) -> int:
    """The rendered notebooks' cells run in IPython, where ``await`` at the top level is allowed."""
    return ast.PyCF_ALLOW_TOP_LEVEL_AWAIT if page.parent.name == "notebooks" else 0


@pytest.mark.parametrize("page", PAGES, ids=[str(page.relative_to(DOCS)) for page in PAGES])
def test_every_python_block_is_valid_python(page: Path) -> None:
    for line, code in _python_blocks(page):
        try:
            compile(code, f"{page.name}:{line}", "exec", flags=_top_level_await(page))
        except SyntaxError as error:
            pytest.fail(f"{page.relative_to(DOCS)}:{line}: not valid Python: {error}")
    # The runnable finder sees the same blocks as this one does.
    assert len(examples_in(page)) <= len(_python_blocks(page))


def test_the_notebooks_the_guides_name_exist() -> None:
    root = DOCS.parent
    pattern = re.compile(r"`(notebooks/[\w.-]+\.ipynb)`")
    named = {name for page in PAGES for name in pattern.findall(page.read_text(encoding="utf-8"))}
    assert named, "the guides name their notebooks"
    missing = sorted(name for name in named if not (root / name).is_file())
    assert not missing, f"the docs name notebooks that do not exist: {missing}"
