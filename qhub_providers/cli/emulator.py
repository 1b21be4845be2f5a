"""The ``qhub-providers`` command line.

``qhub-providers emulator`` serves a local Hub until Ctrl-C. (More commands arrive with the command-line
issue: backends, run, jobs, result, cancel.)
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from qhub_providers._version import __version__

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_FAILURE = 1


def default_db_path() -> Path:
    """Where the emulator keeps its state unless told otherwise (XDG data directory)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "qhub-providers" / "local-hub.sqlite3"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qhub-providers",
        description="Qiskit and Braket on the Kipu Quantum Hub, and a local Hub to try it without an account",
    )
    parser.add_argument("--version", action="version", version=f"qhub-providers {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    emulator = commands.add_parser(
        "emulator",
        help="serve a local Hub (the Hub's REST API, simulated) until Ctrl-C",
        description="Serve a local Hub: the Quantum API of the Kipu Quantum Hub, simulated on this machine.",
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
    return parser


def _serve(args: argparse.Namespace) -> int:
    try:
        from qhub_providers.emulator import LocalHub
    except ImportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    if args.port < 0 or args.port > 65535:
        print("error: --port must be between 0 and 65535", file=sys.stderr)
        return EXIT_USAGE
    db = None if args.db == ":memory:" else Path(args.db) if args.db else default_db_path()
    hub = LocalHub(
        host=args.host,
        port=args.port,
        db=db,
        token=args.token,
        admin=args.admin,
        queue_delay=args.queue_delay,
    )
    try:
        hub.start()
    except RuntimeError as exc:
        print(f"error: {exc} (is the port in use? try --port 0)", file=sys.stderr)
        return EXIT_FAILURE
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    print(f"Local Hub serving at {hub.base_url}", flush=True)
    print(f"Store: {db if db is not None else 'in memory'}")
    print("Use it from another shell with:")
    print(f"  export QHUB_QUANTUM_BASE_URL={hub.base_url}")
    print(f"  export KQH_PERSONAL_ACCESS_TOKEN={hub.token}")
    if args.admin:
        print(f"Admin controls: {hub.base_url}/admin/...")
    print("Press Ctrl-C to stop.", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    print("\nStopping the local Hub ...", flush=True)
    hub.stop()
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``qhub-providers`` command."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        if args.command == "emulator":
            return _serve(args)
    except Exception as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    parser.error(f"unknown command {args.command}")
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
