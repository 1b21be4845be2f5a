"""The ``qhub-providers`` command line: serve a local Hub, list backends, run programs, inspect jobs.

Global options (``--base-url``, ``--token``, ``--organization``) fall back to the usual environment
variables and the qhubctl configuration, like the Python client. ``--json`` prints machine-readable
output. Errors are one line; ``--debug`` shows the traceback. Exit codes: 0 success, 1 an error from the
Hub or the network, 2 a usage error, 3 a job that ended without a result (or a wait that timed out).
"""

from __future__ import annotations

import argparse
import sys

from qhub_providers._version import __version__
from qhub_providers.api.errors import HubError
from qhub_providers.cli import commands, emulator
from qhub_providers.cli.emulator import default_db_path
from qhub_providers.cli.output import EXIT_FAILURE, EXIT_USAGE

__all__ = ["default_db_path", "main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qhub-providers",
        description="Qiskit and Braket on the Kipu Quantum Hub, and a local Hub to try it without an account",
    )
    parser.add_argument("--version", action="version", version=f"qhub-providers {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser.add_argument(
        "--base-url", default=None, help="API root (default: $QHUB_QUANTUM_BASE_URL or the Hub)"
    )
    parser.add_argument(
        "--token", default=None, help="access token (default: $KQH_PERSONAL_ACCESS_TOKEN ...)"
    )
    parser.add_argument(
        "--organization", default=None, help="organization id (default: $KQH_ORGANIZATION_ID)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    commands_parser = parser.add_subparsers(dest="command", metavar="COMMAND")
    emulator.add_parser(commands_parser)
    commands.add_parsers(commands_parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``qhub-providers`` command."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        code: int = args.handler(args)
        return code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one line for people; --debug shows the traceback
        if args.debug:
            raise
        kind = "" if isinstance(exc, HubError | OSError | ValueError) else f"{type(exc).__name__}: "
        print(f"error: {kind}{exc}", file=sys.stderr)
        return EXIT_FAILURE
