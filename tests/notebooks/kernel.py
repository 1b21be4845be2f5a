"""Running a notebook in a fresh kernel of this interpreter, without Hub credentials: shared by the
notebook tests and ``scripts/render_notebooks.py``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbclient
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager

from qhub_providers.api import credentials

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
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


def kernel_environment(scratch: Path, *, plots: bool = False) -> dict[str, str]:
    """The test process's environment without credentials, with a headless plot backend and scratch dirs."""
    env = {key: value for key, value in os.environ.items() if key not in CREDENTIAL_VARIABLES}
    # Headless; with ``plots`` the inline backend, so that figures become PNG outputs of their cells.
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline" if plots else "Agg"
    env["IPYTHONDIR"] = str(scratch / "ipython")
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # silences a debugger warning on stderr
    return env


async def execute(notebook: object, scratch: Path, *, plots: bool = False) -> None:
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
        await client.async_execute(env=kernel_environment(scratch, plots=plots))
    finally:
        if client.kc is not None:
            client.kc.stop_channels()
        if manager.has_kernel:
            await manager.shutdown_kernel(now=True)
