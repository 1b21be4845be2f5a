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
import os
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

from jupyter_client.kernelspec import KernelSpec  # noqa: E402
from jupyter_client.manager import AsyncKernelManager  # noqa: E402

from qhub_providers.api import credentials  # noqa: E402

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT = 180
"""Seconds any one cell may take: generous, so that a busy machine fails no notebook that merely waits."""
STARTUP_TIMEOUT = 120
"""Seconds the kernel may take to start."""

# Every variable through which a notebook could find real Hub credentials (qhub_providers.api.credentials);
# without them the notebooks start a local Hub.
CREDENTIAL_VARIABLES = (
    *credentials.TOKEN_VARIABLES,
    *credentials.ORGANIZATION_VARIABLES,
    *credentials.CONFIG_PATH_VARIABLES,
    credentials.BASE_URL_VARIABLE,
)


class ThisInterpreterKernelManager(AsyncKernelManager):
    """A kernel manager that always launches ``sys.executable -m ipykernel_launcher``.

    A ``python3`` kernelspec installed on the machine (in a user's home, say) could point to another
    interpreter without this package; the notebooks must run with the one running the tests.
    """

    @property
    def kernel_spec(self) -> KernelSpec:
        return KernelSpec(
            argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            display_name=f"Python {sys.version_info.major}.{sys.version_info.minor} (tests)",
            language="python",
        )


def kernel_environment(scratch: Path) -> dict[str, str]:
    """The test process's environment without credentials, with a headless plot backend and scratch dirs."""
    env = {key: value for key, value in os.environ.items() if key not in CREDENTIAL_VARIABLES}
    env["MPLBACKEND"] = "Agg"
    env["IPYTHONDIR"] = str(scratch / "ipython")
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # silences a debugger warning on stderr
    return env


async def execute(notebook: object, scratch: Path) -> None:
    """Run every cell of ``notebook`` in a fresh kernel; raise ``CellExecutionError`` on the first error."""
    manager = ThisInterpreterKernelManager(connection_file=str(scratch / "kernel.json"))
    client = nbclient.NotebookClient(
        notebook,
        km=manager,
        timeout=CELL_TIMEOUT,
        startup_timeout=STARTUP_TIMEOUT,
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    try:
        await client.async_execute(env=kernel_environment(scratch))
    finally:
        if client.kc is not None:
            client.kc.stop_channels()
        if manager.has_kernel:
            await manager.shutdown_kernel(now=True)


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
