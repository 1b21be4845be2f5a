"""The first things a reader opens: the README (its local-Hub snippet runs, its Quickstart stays two
commands), the repository's LICENSE, CHANGELOG and CONTRIBUTING, and the tutorials rendered with their
outputs, which must match the committed notebooks' code."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import nbformat
import pytest

import qhub_providers.emulator
import qhub_providers.emulator.server
from qhub_providers.emulator import LocalHub

from .conftest import SharedHubFactory
from .examples import DOCS

ROOT = DOCS.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
RENDERED = DOCS / "notebooks"


def fenced_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", text, flags=re.M | re.S)


def test_the_quickstart_is_the_demo_and_the_tests() -> None:
    section = README.split("## Quickstart", 1)[1]
    first_block = fenced_blocks(section, "bash")[0]
    assert first_block.splitlines() == ["bash scripts/demo.sh", "bash scripts/test.sh"]


def test_the_readme_installs_from_a_clone_for_every_extra() -> None:
    install = README.split("## Install", 1)[1].split("\n## ", 1)[0]
    for extra in ("qiskit", "braket", "ibm", "emulator", "notebooks", "all"):
        assert f'".[{extra}]"' in install, extra
    assert "pip install qhub-providers " not in README  # not on an index: that line would fail


@pytest.mark.parametrize("page", ["README.md", "docs/getting-started.md"])
def test_the_set_up_needs_no_address_to_fill_in(page: str) -> None:
    """The set-up runs as written in a clone: no placeholder such as ``<repository URL>`` to replace."""
    text = (ROOT / page).read_text(encoding="utf-8")
    assert not re.search(r"<[^<>\n]*\b(?:URL|url)\b[^<>\n]*>", text)
    assert "git clone <" not in text


def test_the_readmes_first_snippet_runs_on_a_local_hub(
    docs_hub: LocalHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    snippet = fenced_blocks(README, "python")[0]
    assert "LocalHub()" in snippet
    factory = SharedHubFactory(docs_hub)
    monkeypatch.setattr(qhub_providers.emulator, "LocalHub", factory, raising=False)
    monkeypatch.setattr(qhub_providers.emulator.server, "LocalHub", factory)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(snippet, "README.md", "exec"), {"__name__": "__main__"})
    counts = eval(printed.getvalue())  # the printed counts dictionary
    assert set(counts) <= {"00", "11"}
    assert sum(counts.values()) == 1000


def test_every_readme_python_block_is_valid_python() -> None:
    for block in fenced_blocks(README, "python"):
        compile(block, "README.md", "exec")


@pytest.mark.parametrize("name", ["LICENSE", "CHANGELOG.md", "CONTRIBUTING.md"])
def test_the_repository_files_a_reader_expects(name: str) -> None:
    text = (ROOT / name).read_text(encoding="utf-8")
    assert len(text) > 1000, name
    if name == "LICENSE":
        assert "Apache License" in text
        assert "Version 2.0, January 2004" in text
        assert "END OF TERMS AND CONDITIONS" in text


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_each_notebook_is_rendered_with_its_current_code(notebook: Path) -> None:
    """Fix with: python scripts/render_notebooks.py <name>"""
    page_path = RENDERED / f"{notebook.stem}.md"
    assert page_path.is_file(), f"no rendered page for {notebook.name}"
    page = page_path.read_text(encoding="utf-8")
    code_blocks = fenced_blocks(page, "python")
    cells = [
        cell.source.strip("\n")
        for cell in nbformat.read(notebook, as_version=4).cells
        if cell.cell_type == "code" and cell.source.strip()
    ]
    assert [block.strip("\n") for block in code_blocks] == cells, (
        f"{page_path.name} is out of date with {notebook.name}"
    )
    images = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", page)
    assert all((RENDERED / image).is_file() for image in images), images


def test_the_tutorials_show_their_plots() -> None:
    pages = {path.stem: path.read_text(encoding="utf-8") for path in RENDERED.glob("0*.md")}
    assert len(pages) == len(NOTEBOOKS)
    with_plots = [stem for stem, page in pages.items() if ".png)" in page]
    assert len(with_plots) == len(NOTEBOOKS), "every tutorial draws at least one plot"
    referenced = {image for page in pages.values() for image in re.findall(r"\(([^)]+\.png)\)", page)}
    stale = sorted(path.name for path in RENDERED.glob("*.png") if path.name not in referenced)
    assert not stale, f"images no page shows any more: {stale}"


def test_the_error_reference_lists_every_typed_error() -> None:
    import inspect

    from qhub_providers.api import errors

    page = (DOCS / "reference" / "errors.md").read_text(encoding="utf-8")
    assert "::: qhub_providers.api.errors" in page  # the docstrings themselves come from the module
    classes = [
        name
        for name, value in vars(errors).items()
        if inspect.isclass(value)
        and issubclass(value, errors.HubError)
        and value.__module__ == errors.__name__
        and not name.startswith("_")
    ]
    missing = [name for name in classes if f"`{name}`" not in page]
    assert not missing, f"docs/reference/errors.md does not name {missing}"
