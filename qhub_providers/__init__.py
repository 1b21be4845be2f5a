"""qhub-providers: the Kipu Quantum Hub from Qiskit and Amazon Braket, plus a local Hub.

Importing this package is cheap: it loads nothing but the version. The REST client lives in
:mod:`qhub_providers.api`, the local Hub in :mod:`qhub_providers.emulator`; the Qiskit and Braket faces
are imported only when you touch them, so a Qiskit user never imports Braket and the reverse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qhub_providers._version import __version__

if TYPE_CHECKING:
    from qhub_providers.api import AsyncHubQuantumClient, HubQuantumClient

__all__ = ["AsyncHubQuantumClient", "HubQuantumClient", "__version__"]

_LAZY = {
    "HubQuantumClient": "qhub_providers.api",
    "AsyncHubQuantumClient": "qhub_providers.api",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'qhub_providers' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
