"""``qhub-providers emulator``: serve a local Hub until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from qhub_providers.cli.output import EXIT_FAILURE, EXIT_OK, EXIT_USAGE


def default_db_path() -> Path:
    """Where the emulator keeps its state unless told otherwise (XDG data directory)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "qhub-providers" / "local-hub.sqlite3"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    emulator = commands.add_parser(
        "emulator",
        help="serve a local Hub (the Hub's REST API, simulated) until Ctrl-C",
        description="Serve a local Hub: the Quantum API of the Kipu Quantum Hub, simulated on this machine.",
        epilog="""examples:
  qhub-providers emulator                          # http://127.0.0.1:8080/quantum, jobs kept across runs
  qhub-providers emulator --port 0 --db :memory:   # any free port, nothing kept
  qhub-providers emulator --token dev --admin      # a fixed token, and the test controls
  qhub-providers emulator --keep-days 7            # drop jobs that ended over a week ago
  qhub-providers emulator --catalog my-account.json   # serve a catalog written by 'snapshot'""",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    emulator.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1)")
    emulator.add_argument(
        "--port", type=int, default=8080, help="TCP port (default: 8080; 0 = any free port)"
    )
    emulator.add_argument(
        "--db",
        default=None,
        help=f"SQLite file that keeps jobs and results across restarts (default: {default_db_path()}); "
        "':memory:' keeps nothing",
    )
    emulator.add_argument("--token", default=None, help="access token clients must send (default: random)")
    emulator.add_argument(
        "--admin", action="store_true", help="enable the test controls under /quantum/admin"
    )
    emulator.add_argument(
        "--queue-delay", type=float, default=None, help="seconds every job waits in PENDING before it runs"
    )
    emulator.add_argument(
        "--keep-days",
        type=float,
        default=None,
        help="on start, delete finished jobs and closed sessions older than this many days "
        "(default: keep all)",
    )
    emulator.add_argument(
        "--reset", action="store_true", help="start from an empty store: delete the database file first"
    )
    emulator.add_argument(
        "--catalog",
        type=Path,
        default=None,
        metavar="FILE",
        help="serve the backends of this catalog file (e.g. one written by 'qhub-providers snapshot') "
        "instead of the built-in catalog",
    )
    emulator.set_defaults(handler=serve)


def serve(args: argparse.Namespace) -> int:
    """Run the local Hub in the foreground."""
    try:
        from qhub_providers.emulator import LocalHub
        from qhub_providers.emulator.catalog import CatalogError
    except ImportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    if not 0 <= args.port <= 65535:
        print("error: --port must be between 0 and 65535", file=sys.stderr)
        return EXIT_USAGE
    db = None if args.db == ":memory:" else Path(args.db) if args.db else default_db_path()
    if args.keep_days is not None and not args.keep_days >= 0:
        print("error: --keep-days must be 0 or more", file=sys.stderr)
        return EXIT_USAGE
    if args.reset and db is not None:
        # SQLite's write-ahead log and shared memory files go with the database.
        for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            path.unlink(missing_ok=True)
        print(f"Store reset: {db}")
    try:
        hub = LocalHub(
            host=args.host,
            port=args.port,
            db=db,
            token=args.token,
            admin=args.admin,
            queue_delay=args.queue_delay,
            keep_days=args.keep_days,
            catalog=getattr(args, "catalog", None),
        )
    except CatalogError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        hub.start()
    except RuntimeError as exc:
        print(f"error: {exc} (is the port in use? try --port 0)", file=sys.stderr)
        return EXIT_FAILURE
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    # Ctrl-C and SIGTERM both just ask the loop below to stop, whenever they arrive.
    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    print(f"Local Hub serving at {hub.base_url}", flush=True)
    print(f"Store: {db if db is not None else 'in memory'}")
    print("Use it from another shell with:")
    print(f"  export QHUB_QUANTUM_BASE_URL={hub.base_url}")
    print(f"  export KQH_PERSONAL_ACCESS_TOKEN={hub.token}")
    if args.admin:
        print(f"Admin controls: {hub.base_url}/admin/...")
    print("Press Ctrl-C to stop.", flush=True)
    while not stop.wait(0.5):
        pass
    print("\nStopping the local Hub ...", flush=True)
    hub.stop()
    return EXIT_OK
