"""The debug log: what went wrong in full and, when asked for, what was done.

Users see one line per failure (`errors.explain`). What they must not see but a developer needs
(the traceback of an unexpected failure, an error page's full text, requests and timings) goes to
the `lambda_editor` logger. The front ends decide where it shows: the CLI on stderr with
`--debug`, Sublime in its console.
"""

from __future__ import annotations

import logging

logger = logging.getLogger("lambda_editor")
logger.addHandler(logging.NullHandler())  # silent unless a front end attaches a handler


def log_unexpected(exc: BaseException, action: str = "") -> None:
    """An exception nobody foresaw (a bug, most likely): kept with its traceback."""
    logger.error("unexpected error%s", f" while trying to {action}" if action else "", exc_info=exc)
