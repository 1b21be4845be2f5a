"""The local Hub: an emulator of the Kipu Quantum Hub's Quantum API that simulates every backend family.

>>> from qhub_providers.emulator import LocalHub
>>> with LocalHub() as hub:                                   # doctest: +SKIP
...     print(hub.client().backends.get_backends()[0].id)

Needs the ``emulator`` extra (FastAPI, uvicorn, Qiskit with Aer, Braket's local simulators).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qhub_providers.emulator.server import LocalHub

__all__ = ["LocalHub"]


def __getattr__(name: str) -> Any:
    if name == "LocalHub":
        try:
            from qhub_providers.emulator.server import LocalHub
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise ImportError(
                f"the local Hub needs the emulator extra: pip install 'qhub-providers[emulator]' ({exc})"
            ) from exc
        return LocalHub
    raise AttributeError(f"module 'qhub_providers.emulator' has no attribute {name!r}")
