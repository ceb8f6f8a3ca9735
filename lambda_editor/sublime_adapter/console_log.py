"""The debug log in Sublime's console (View → Show Console).

Unexpected errors always go there with their traceback, while the user sees one line; the `debug`
setting adds the requests made and how long the work took. The `lambda_editor` logger outlives a
reload of the package (the logging module keeps it), so the handler is removed on unload.
"""

from __future__ import annotations

import logging
from typing import Optional

from ..log import logger

_FORMAT = "Lambda Editor: %(levelname)s: %(message)s"
_handler: Optional[logging.Handler] = None


class _Console(logging.Handler):
    """Prints: Sublime sends what plugins print to its console."""

    def emit(self, record: logging.LogRecord) -> None:
        print(self.format(record))


def attach(debug: bool) -> None:
    global _handler  # noqa: PLW0603 - one handler while the package is loaded
    detach()
    _handler = _Console()
    _handler.setFormatter(logging.Formatter(_FORMAT))
    logger.addHandler(_handler)
    logger.propagate = False  # another package's root handler must not print it twice
    set_debug(debug)


def set_debug(debug: bool) -> None:
    logger.setLevel(logging.DEBUG if debug else logging.WARNING)


def detach() -> None:
    global _handler  # noqa: PLW0603
    if _handler is not None:
        logger.removeHandler(_handler)
        _handler = None
    logger.propagate = True
    logger.setLevel(logging.NOTSET)
