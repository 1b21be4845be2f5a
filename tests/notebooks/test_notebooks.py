"""The tutorial notebooks run from top to bottom against the local Hub, and are kept stripped in git.

Each notebook runs in its own kernel (the interpreter running pytest, never a kernel found on the machine),
with no Hub token in its environment, so it starts its own ``LocalHub`` and needs no account and no network.
Under pytest-xdist every notebook is a test of its own and may run next to the others: each kernel has its
own connection file and IPython directory, and each local Hub its own free port.

Notebooks are committed without outputs. After running one by hand, strip it with
``python scripts/strip_notebooks.py`` (``--check`` only reports); ``test_notebooks_are_stripped`` fails
otherwise.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

from .kernel import NOTEBOOK_DIR, execute  # noqa: E402

NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))


def test_the_tutorials_are_there() -> None:
    names = [path.name for path in NOTEBOOKS]
    assert len(names) >= 6, f"expected the six tutorials in notebooks/, found {names}"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_runs_against_the_local_hub(path: Path, tmp_path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    asyncio.run(execute(notebook, tmp_path))
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code_cells, f"{path.name} has no code"
    assert all(cell.execution_count for cell in code_cells), f"{path.name}: not every cell ran"
    errors = [out for cell in code_cells for out in cell.outputs if out.get("output_type") == "error"]
    assert not errors, f"{path.name}: {errors}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebooks_are_stripped(path: Path) -> None:
    # Fix with: python scripts/strip_notebooks.py
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        assert cell.outputs == [], f"{path.name} cell {index} has outputs; run scripts/strip_notebooks.py"
        assert cell.execution_count is None, (
            f"{path.name} cell {index} has an execution count; run scripts/strip_notebooks.py"
        )
