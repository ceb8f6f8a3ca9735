"""`python -m lambda_editor`: the command line over the same core as the Sublime package.

Each area's commands live in a module of their own (`deploying`, `history`, `invoking`,
`shaping`, `inspecting`), each with its `COMMANDS` and `add_parsers`; this module parses the
options common to all of them and runs the command.

Exit status: 0 success, 1 an operational error (one line on stderr), 2 a usage error, 3 a deploy
refused because the function changed remotely, 4 an invoked function returned an error.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Callable, Dict, List, Optional

from .. import __version__
from ..errors import LambdaEditorError, RemoteChangedError, UnexpectedError, explain
from ..history import DEFAULT_LIMITS
from . import deploying, history, inspecting, invoking, shaping
from .base import (
    ACTION_WORDS,
    EXIT_ERROR,
    EXIT_FUNCTION_ERROR,
    EXIT_OK,
    EXIT_REMOTE_CHANGED,
    EXIT_USAGE,
    Context,
    UsageError,
    worded,
)

__all__ = [
    "ACTION_WORDS",
    "EXIT_ERROR",
    "EXIT_FUNCTION_ERROR",
    "EXIT_OK",
    "EXIT_REMOTE_CHANGED",
    "EXIT_USAGE",
    "build_parser",
    "main",
]

_AREAS = (deploying, history, invoking, shaping, inspecting)
COMMANDS: Dict[str, Callable[[Context], int]] = {
    name: command for area in _AREAS for name, command in area.COMMANDS.items()
}


def _at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lambda_editor",
        description="Edit deployed AWS Lambda functions: pull, change, push.",
    )
    parser.add_argument("--version", action="version", version=f"lambda-editor {__version__}")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="also write what failed in full (tracebacks, AWS's answers) and what was done",
    )
    parser.add_argument("--profile", help="AWS profile (default: AWS_PROFILE or the default)")
    parser.add_argument("--region", help="AWS region (default: from the profile or AWS_REGION)")
    parser.add_argument(
        "--endpoint-url", help="a Lambda-compatible endpoint (the sandbox, LocalStack)"
    )
    parser.add_argument(
        "--workspace-root", help="where workspaces live (default: a per-user cache folder)"
    )
    parser.add_argument(
        "--exclude",
        action="append",
        metavar="GLOB",
        help="leave matching files out of the package (repeatable)",
    )
    parser.add_argument(
        "--history-count",
        type=_at_least_one,
        default=DEFAULT_LIMITS.count,
        metavar="N",
        help="deployed zips each workspace keeps (default: %(default)s)",
    )
    parser.add_argument(
        "--history-size-mb",
        type=_at_least_one,
        default=DEFAULT_LIMITS.total_bytes // (1024 * 1024),
        metavar="MB",
        help="megabytes of deployed zips each workspace keeps (default: %(default)s)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    for area in _AREAS:
        area.add_parsers(commands)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    options = build_parser().parse_args(argv)
    if options.debug:
        _log_to_stderr()
    try:
        return COMMANDS[options.command](Context(options))
    except UsageError as error:
        print(f"usage error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_ERROR
    except Exception as exc:  # one line, whatever failed; the traceback goes to the debug log
        explained = explain(exc)
        print(f"error: {worded(explained)}{_more(explained, options.debug)}", file=sys.stderr)
        return EXIT_REMOTE_CHANGED if isinstance(explained, RemoteChangedError) else EXIT_ERROR


def _more(error: LambdaEditorError, debug: bool) -> str:
    if isinstance(error, UnexpectedError):
        return "" if debug else " (--debug shows the details)"
    return ""


def _log_to_stderr() -> None:
    """--debug: the debug log (see `log`) on stderr. botocore's own stays off: it would print
    presigned URLs and request signatures."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("debug: %(message)s"))
    logger = logging.getLogger("lambda_editor")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
