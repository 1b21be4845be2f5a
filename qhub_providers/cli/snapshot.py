"""``qhub-providers snapshot``: record a Hub account's backends into a local Hub catalog file.

The file holds, for every backend the account sees, its record, its provider-native configuration,
its state (status, queue) and its calibrations (the latest, or every one of the last ``--days``), in
the catalog format of :mod:`qhub_providers.emulator.catalog.files`. ``qhub-providers emulator
--catalog FILE`` then serves a local twin of that account: the same backend ids, records,
configurations and calibrations, with jobs simulated locally.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from qhub_providers.api import HubQuantumClient
from qhub_providers.api.errors import HubError
from qhub_providers.api.models import Backend
from qhub_providers.cli.output import EXIT_OK, print_json

__all__ = ["add_parser", "snapshot_account", "take_snapshot"]

_HISTORY_PAGE = 100


def add_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], shared: list[argparse.ArgumentParser]
) -> None:
    """Register the ``snapshot`` command (``shared``: the global options every Hub command takes)."""
    snapshot = commands.add_parser(
        "snapshot",
        help="record your account's backends, configurations and calibrations into a catalog file",
        description="Record the backends your Hub account sees (records, configurations, state and "
        "calibrations) into a catalog file that 'qhub-providers emulator --catalog FILE' serves locally.",
        parents=shared,
    )
    snapshot.add_argument("--output", "-o", type=Path, required=True, metavar="FILE", help="file to write")
    snapshot.add_argument("--provider", action="append", default=None, help="only this provider (repeatable)")
    snapshot.add_argument(
        "--backend", action="append", default=None, help="only this backend id (repeatable)"
    )
    snapshot.add_argument(
        "--days",
        type=int,
        default=0,
        help="also record the calibrations of the last DAYS days (default: 0, only the latest)",
    )
    snapshot.set_defaults(handler=snapshot_account)


def snapshot_account(args: argparse.Namespace) -> int:
    """Write the catalog file and print what it holds."""
    from qhub_providers.cli.commands import UsageError, client_from

    if args.days < 0:
        raise UsageError("--days must not be negative")
    with client_from(args) as client:
        document = take_snapshot(
            client, providers=args.provider, backend_ids=args.backend, history_days=args.days
        )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    backends = document["backends"]
    summary = {
        "file": str(args.output),
        "backends": len(backends),
        "calibrations": sum(
            len(b["emulation"].get("calibration", {}).get("snapshots", [])) for b in backends
        ),
    }
    if args.json:
        print_json(summary)
    else:
        print(
            f"Wrote {summary['backends']} backends and {summary['calibrations']} calibrations to "
            f"{args.output}; serve them with: qhub-providers emulator --catalog {args.output}"
        )
    return EXIT_OK


def take_snapshot(
    client: HubQuantumClient,
    *,
    providers: Iterable[str] | None = None,
    backend_ids: Iterable[str] | None = None,
    history_days: int = 0,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The catalog document of the backends ``client`` sees (optionally only some providers or ids)."""
    wanted_providers = {p.upper() for p in providers} if providers else None
    wanted_ids = set(backend_ids) if backend_ids else None
    moment = now or datetime.now(UTC)
    entries = []
    for backend in client.backends.get_backends():
        if wanted_providers is not None and (backend.provider or "").upper() not in wanted_providers:
            continue
        if wanted_ids is not None and backend.id not in wanted_ids:
            continue
        entries.append(_entry(client, backend, history_days, moment))
    if wanted_ids is not None:
        missing = wanted_ids - {e["record"]["id"] for e in entries}
        if missing:
            print(f"warning: no such backend: {', '.join(sorted(missing))}", file=sys.stderr)
    return {"format": "qhub-local-catalog", "version": 1, "backends": entries}


def _dump(model: Any) -> Any:
    return model.model_dump(mode="json", exclude_unset=True, by_alias=True)


def _entry(client: HubQuantumClient, backend: Backend, history_days: int, now: datetime) -> dict[str, Any]:
    record = _dump(backend)
    backend_id = str(backend.id)
    for live in ("queue_size", "updated_at"):
        record.pop(live, None)
    entry: dict[str, Any] = {"record": record}
    try:
        config = client.backends.get_backend_config(backend_id)
    except HubError:
        config = None  # some backends have no native configuration; the record's serves instead
    if config is not None and config != record.get("configuration"):
        entry["config"] = config
    emulation: dict[str, Any] = {"sessions": _sessions_likely(record)}
    state = client.backends.get_backend_status(backend_id)
    if state.status is not None:
        emulation["status"] = str(getattr(state.status, "value", state.status))
    emulation["queue_size"] = state.queue_size or 0
    emulation["queue_avg_time"] = state.queue_avg_time or 0
    snapshots = _calibrations(client, backend_id, history_days, now) if backend.has_calibration else []
    if snapshots:
        emulation["calibration"] = {"snapshots": snapshots}
    entry["emulation"] = emulation
    return entry


def _calibrations(client: HubQuantumClient, backend_id: str, days: int, now: datetime) -> list[Any]:
    snapshots: dict[str, Any] = {}
    if days > 0:
        page = 0
        while True:
            listing = client.backends.get_backend_calibration_history(
                backend_id, from_=now - timedelta(days=days), to=now, page=page, size=_HISTORY_PAGE
            )
            for item in listing.content or []:
                dumped = _dump(item)
                snapshots[dumped["calibrated_at"]] = dumped
            page += 1
            if not listing.content or listing.total_pages is None or page >= listing.total_pages:
                break
    latest = client.backends.get_backend_calibration(backend_id)
    if latest is not None:
        dumped = _dump(latest)
        snapshots[dumped["calibrated_at"]] = dumped
    return [snapshots[key] for key in sorted(snapshots)]


def _sessions_likely(record: dict[str, Any]) -> bool:
    """Whether the twin should accept sessions for this backend.

    The Hub's record does not say; the built-in catalog knows which providers' backends take sessions,
    and a backend of such a provider is assumed to take them too.
    """
    try:
        from qhub_providers.emulator.catalog import load_catalog
    except ImportError:  # the emulator extra is not installed: be permissive
        return True
    provider = str(record.get("provider", "")).upper()
    return any(s.supports_sessions for s in load_catalog().values() if s.provider.upper() == provider)
