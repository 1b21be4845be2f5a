"""The ``qhub-providers`` command line: serve a local Hub, list backends, run programs, inspect jobs.

Global options (``--base-url``, ``--token``, ``--organization``, ``--json``, ``--debug``) go before or after
the command; the first three fall back to the usual environment variables and the qhubctl configuration,
like the Python client. ``--json`` prints machine-readable output. Errors are one line on stderr;
``--debug`` adds the traceback. Exit codes: 0 success, 1 any other error, 2 a usage error, 3 a job that
ended without a result (or a wait that timed out), 4 no such backend or job, 5 no or a refused access
token (or an unreadable qhubctl configuration), 6 the Hub unreachable, 7 an unreadable or invalid program
file.
"""

from __future__ import annotations

import argparse
import sys
import traceback

from qhub_providers._version import __version__
from qhub_providers.api.errors import (
    BadRequestError,
    CredentialsError,
    ForbiddenError,
    HubConnectionError,
    HubError,
    HubTimeoutError,
    NotFoundError,
    UnauthorizedError,
    UnprocessableEntityError,
)
from qhub_providers.cli import commands, emulator, snapshot
from qhub_providers.cli.commands import ProgramFileError, UsageError
from qhub_providers.cli.emulator import default_db_path
from qhub_providers.cli.output import (
    EXIT_AUTH,
    EXIT_BAD_INPUT,
    EXIT_FAILURE,
    EXIT_NOT_FOUND,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
)

__all__ = ["default_db_path", "exit_code_for", "main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qhub-providers",
        description="Qiskit and Braket on the Kipu Quantum Hub, and a local Hub to try it without an account",
        parents=[commands.global_options(defaults=True)],
    )
    parser.add_argument("--version", action="version", version=f"qhub-providers {__version__}")
    commands_parser = parser.add_subparsers(dest="command", metavar="COMMAND")
    emulator.add_parser(commands_parser)
    commands.add_parsers(commands_parser)
    snapshot.add_parser(commands_parser, [commands.global_options(defaults=False)])
    return parser


def exit_code_for(exc: BaseException) -> int:
    """The exit code that tells a script what went wrong (see the module docstring)."""
    if isinstance(exc, UsageError):
        return EXIT_USAGE
    if isinstance(exc, NotFoundError):
        return EXIT_NOT_FOUND
    if isinstance(exc, CredentialsError | UnauthorizedError | ForbiddenError):
        return EXIT_AUTH
    if isinstance(exc, HubConnectionError | HubTimeoutError):
        return EXIT_UNREACHABLE
    if isinstance(exc, ProgramFileError | BadRequestError | UnprocessableEntityError):
        return EXIT_BAD_INPUT
    return EXIT_FAILURE


def _one_line(exc: BaseException) -> str:
    # Our own errors read well as they are; anything else is named, so the line still says what broke.
    text = " ".join(str(exc).split()) or type(exc).__name__
    known = isinstance(exc, HubError | OSError | ValueError)
    return text if known else f"{type(exc).__name__}: {text}"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``qhub-providers`` command; returns the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse exits on --help, --version and usage errors
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        code: int = args.handler(args)
        return code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one line for people; --debug adds the traceback
        if args.debug:
            traceback.print_exc()
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return exit_code_for(exc)
