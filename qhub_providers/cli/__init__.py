"""The ``qhub-providers`` command line: serve a local Hub, list backends, run programs, inspect jobs, check
the setup.

Global options (``--base-url``, ``--token``, ``--organization``, ``--request-timeout``, ``--json``,
``--debug``) go before or after the command; the first three fall back to the usual environment variables
and the qhubctl configuration, like the Python client. ``--json`` prints machine-readable output. Errors are
one line on stderr; ``--debug`` adds the traceback. Exit codes (also in ``docs/command-line.md``): 0
success, 1 any other error (for instance cancelling a job that already ended), 2 a usage error, 3 a job
that ended without a result (or a wait that timed out), 4 no such backend or job, 5 no or a refused access
token (or an unreadable qhubctl configuration), 6 the Hub unreachable or too slow to answer, 7 an
unreadable or invalid program file, 130 interrupted with Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback

from qhub_providers._version import __version__
from qhub_providers.api.credentials import resolve_base_url
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
from qhub_providers.cli.commands import (
    NoSuchBackendError,
    ProgramFileError,
    UsageError,
    base_url_hint,
    request_timeout,
)
from qhub_providers.cli.emulator import default_db_path
from qhub_providers.cli.output import (
    EXIT_AUTH,
    EXIT_BAD_INPUT,
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    error,
)

__all__ = ["default_db_path", "exit_code_for", "main", "one_line"]

_EPILOG = """examples:
  qhub-providers emulator --port 8080            # a local Hub; prints the base URL and token to use
  export QHUB_QUANTUM_BASE_URL=http://127.0.0.1:8080/quantum KQH_PERSONAL_ACCESS_TOKEN=<its token>
  qhub-providers doctor                          # checks token, organization, base URL, connection
  qhub-providers backends
  qhub-providers run bell.qasm --backend aws.sim.sv1 --shots 1000

`qhub-providers COMMAND --help` shows each command's options and examples.
exit codes: 0 ok, 1 other error, 2 usage, 3 job ended without a result or wait timed out,
4 no such backend or job, 5 no or a refused token, 6 Hub unreachable or too slow, 7 bad program file,
130 interrupted."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qhub-providers",
        description="Qiskit and Braket on the Kipu Quantum Hub, and a local Hub to try it without an account",
        parents=[commands.global_options(defaults=True)],
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"qhub-providers {__version__}")
    commands_parser = parser.add_subparsers(dest="command", metavar="COMMAND")
    emulator.add_parser(commands_parser)
    commands.add_parsers(commands_parser)
    snapshot.add_parser(commands_parser, [commands.global_options(defaults=False)])
    return parser


def exit_code_for(exc: BaseException, *, command: str | None = None) -> int:
    """The exit code that tells a script what went wrong (see the module docstring).

    A 400 or 422 answer means a bad program only for ``run`` (and when the command is not known); for the
    other commands it is some other error.
    """
    if isinstance(exc, UsageError):
        return EXIT_USAGE
    if isinstance(exc, NotFoundError | NoSuchBackendError):
        return EXIT_NOT_FOUND
    if isinstance(exc, CredentialsError | UnauthorizedError | ForbiddenError):
        return EXIT_AUTH
    if isinstance(exc, HubConnectionError | HubTimeoutError):
        return EXIT_UNREACHABLE
    if isinstance(exc, ProgramFileError):
        return EXIT_BAD_INPUT
    if isinstance(exc, BadRequestError | UnprocessableEntityError) and command in {None, "run"}:
        return EXIT_BAD_INPUT
    return EXIT_FAILURE


def one_line(exc: BaseException) -> str:
    """The error as one line: our own errors read well as they are; anything else is named, so the line
    still says what broke."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    known = isinstance(exc, HubError | OSError | ValueError | LookupError | RuntimeError)
    return text if known else f"{type(exc).__name__}: {text}"


def _hint(exc: BaseException, args: argparse.Namespace) -> str:
    """What to try next, for the errors whose cause is usually the setup rather than the Hub."""
    if isinstance(exc, NotFoundError):
        try:
            base_url = resolve_base_url(args.base_url)
        except CredentialsError:
            return ""
        problem = base_url_hint(base_url)
        return f" ({problem})" if problem else ""
    if isinstance(exc, HubTimeoutError):
        try:
            seconds = request_timeout(args)
        except UsageError:
            return ""
        return (
            f" (no answer within {seconds:g} s; raise it with --request-timeout or "
            f"${commands.REQUEST_TIMEOUT_VARIABLE}, and check the base URL)"
        )
    return ""


def _quiet_stdout() -> None:
    """After the reader of stdout went away (``| head``): send the rest nowhere, so that Python's final
    flush does not fail with 'Broken pipe' as well."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout without a file descriptor (captured in tests)
        pass


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
        sys.stdout.flush()  # inside the try: a reader that went away is seen here
        return code
    except BrokenPipeError:  # the reader needed no more (`--json backends | head -1`): not an error
        _quiet_stdout()
        return EXIT_OK
    except KeyboardInterrupt:  # `run` names its job itself once it knows the id (commands._follow)
        during_submission = " (if the job was submitted, `qhub-providers jobs` lists it)"
        error("interrupted" + (during_submission if args.command == "run" else ""))
        return EXIT_INTERRUPTED
    except Exception as exc:  # one line for people; --debug adds the traceback
        if args.debug:
            traceback.print_exc()
        error(one_line(exc) + _hint(exc, args))
        return exit_code_for(exc, command=args.command)
