"""The local Hub's backend catalog: every backend it serves, with its record, native configuration and
calibrations.

The catalog is plain data built by one module per family (:mod:`.aws`, :mod:`.ibm`, :mod:`.iqm`,
:mod:`.others`). It is built on first use and kept; importing this package imports neither Qiskit nor
Braket.
"""

from __future__ import annotations

from functools import cache
from types import MappingProxyType

from qhub_providers.emulator.catalog.spec import BackendSpec

__all__ = ["BackendSpec", "get_spec", "load_catalog"]


@cache
def _catalog() -> MappingProxyType[str, BackendSpec]:
    # Imported here so that importing the package stays cheap for code that only needs BackendSpec.
    from qhub_providers.emulator.catalog.aws import aws_backends
    from qhub_providers.emulator.catalog.ibm import ibm_backends
    from qhub_providers.emulator.catalog.iqm import iqm_backends
    from qhub_providers.emulator.catalog.others import other_backends

    specs: dict[str, BackendSpec] = {}
    for spec in [*aws_backends(), *ibm_backends(), *iqm_backends(), *other_backends()]:
        if spec.id in specs:
            raise ValueError(f"duplicate backend id in the catalog: {spec.id}")
        specs[spec.id] = spec
    return MappingProxyType(specs)


def load_catalog() -> dict[str, BackendSpec]:
    """Every backend of the local Hub by id, in a stable order (built once, then served from memory)."""
    return dict(_catalog())


def get_spec(backend_id: str) -> BackendSpec | None:
    """The backend with this id, or ``None`` when the catalog has no such backend."""
    return _catalog().get(backend_id)
