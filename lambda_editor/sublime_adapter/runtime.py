"""Running work off the UI thread and bringing its outcome back to it.

Every command does its network, disk-heavy and subprocess work through `run_off_ui`: the work runs
on Sublime's async thread, its result or error comes back on the UI thread, and the status bar says
what is going on meanwhile.
"""

from __future__ import annotations

import threading
from typing import Callable, Optional, TypeVar

import sublime

from ..errors import LambdaEditorError, explain
from .wording import next_step

T = TypeVar("T")

STATUS_KEY = "lambda_editor"  # the last deploy's outcome, per view
PROGRESS_KEY = "lambda_editor_progress"  # what runs now; gone when it ends


def run_off_ui(
    work: Callable[[], T],
    on_done: Callable[[T], None],
    *,
    status: str = "",
    on_error: Optional[Callable[[LambdaEditorError], None]] = None,
    long_running: bool = False,
) -> None:
    """Run `work` off the UI thread, then `on_done(result)` or `on_error(error)` on the UI thread.

    Short work runs on Sublime's async thread; `long_running` work (an invoke that may last
    minutes, pip) gets a thread of its own so it does not hold up every other package's async
    callbacks. Errors are explained, never shown as tracebacks; without `on_error` they go to an
    error dialog.
    """
    progress = Progress(status) if status else None

    def finish(callback: Callable[[], None]) -> None:
        if progress:
            progress.end()
        callback()

    def in_background() -> None:
        try:
            result = work()
        except Exception as exc:  # every failure reaches the user as an actionable message
            error = explain(exc)
            sublime.set_timeout(lambda: finish(lambda: (on_error or show_error)(error)))
            return
        sublime.set_timeout(lambda: finish(lambda: on_done(result)))

    if long_running:
        threading.Thread(target=in_background, name="lambda-editor-work", daemon=True).start()
    else:
        sublime.set_timeout_async(in_background)


class Progress:
    """What runs now, in the status bar of the view that asked, until it ends.

    `sublime.status_message` fades after a few seconds; an invoke or a pip install may take
    minutes, so the view's status bar keeps saying it.
    """

    def __init__(self, text: str) -> None:
        self.view = sublime.active_window().active_view()
        sublime.status_message(f"Lambda: {text}")
        self.update(text)

    def update(self, text: str) -> None:
        if self.view is not None:
            self.view.set_status(PROGRESS_KEY, f"Lambda: {text}")

    def end(self) -> None:
        if self.view is not None:
            self.view.erase_status(PROGRESS_KEY)


def on_ui(callback: Callable[[], None]) -> None:
    """Run `callback` on the UI thread (from a worker thread)."""
    sublime.set_timeout(callback)


def show_error(error: LambdaEditorError) -> None:
    sublime.error_message(f"Lambda Editor\n\n{error.message}\n\n{next_step(error)}".rstrip())


def status(text: str) -> None:
    sublime.status_message(f"Lambda: {text}")
