"""The local Hub's backend catalog: every backend it serves, with its record, native configuration and
calibrations.

The catalog is data: JSON files under ``data/`` (one per family), in the format described in
:mod:`.files`. A different catalog, e.g. one recorded from a real account with ``qhub-providers
snapshot``, is loaded with :func:`load_catalog` given its path. The built-in catalog is read on first
use and kept; importing this package imports neither Qiskit nor Braket.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from types import MappingProxyType

from qhub_providers.emulator.catalog.files import (
    CatalogError,
    builtin_paths,
    read_catalog,
    read_catalog_files,
)
from qhub_providers.emulator.catalog.spec import BackendSpec

__all__ = ["BackendSpec", "CatalogError", "get_spec", "load_catalog"]


@cache
def _catalog() -> MappingProxyType[str, BackendSpec]:
    return MappingProxyType(read_catalog_files(builtin_paths()))


def load_catalog(path: str | Path | None = None) -> dict[str, BackendSpec]:
    """Every backend by id, in a stable order: the built-in catalog (built once, then served from memory),
    or the catalog file at ``path`` (read anew; :class:`CatalogError` when it cannot be served)."""
    if path is not None:
        return read_catalog(path)
    return dict(_catalog())


def get_spec(backend_id: str) -> BackendSpec | None:
    """The built-in backend with this id, or ``None`` when the catalog has no such backend."""
    return _catalog().get(backend_id)
