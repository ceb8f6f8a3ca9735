"""Running work off the UI thread and bringing its outcome back to it.

Sublime's async thread is one worker shared by every package (LSP, linters, Package Control): a
slow call there stalls them all. So nothing of ours runs there: short work (listing functions,
hashing a workspace) runs on the package's own worker thread, one task at a time, and long work
(an invoke, pip, a download) on a thread of its own. The result or error comes back on the UI
thread, and the window's status bar says what is going on meanwhile.

`stop()` (plugin_unloaded) ends the worker; results of work still running are then dropped, so the
code of a package version that was unloaded never touches the windows again.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Callable, Optional, TypeVar

import sublime

from ..errors import LambdaEditorError, explain
from ..log import log_unexpected, logger
from .wording import next_step

T = TypeVar("T")
Task = Callable[[], None]

STATUS_KEY = "lambda_editor"  # the last deploy's outcome, per view
PROGRESS_KEY = "lambda_editor_progress"  # what runs now; gone when it ends


class Worker:
    """One thread running tasks in order, GitSavvy-style: the package's own async thread."""

    def __init__(self) -> None:
        self._tasks: queue.Queue[Optional[Task]] = queue.Queue()
        self.thread = threading.Thread(target=self._loop, name="lambda-editor-worker", daemon=True)
        self.thread.start()

    def submit(self, task: Task) -> None:
        self._tasks.put(task)

    def stop(self) -> None:
        """The task running now finishes; the ones still queued never start."""
        while True:
            try:
                self._tasks.get_nowait()
            except queue.Empty:
                break
        self._tasks.put(None)

    def _loop(self) -> None:
        while True:
            task = self._tasks.get()
            if task is None:
                return
            task()


_worker: Optional[Worker] = None
_lock = threading.Lock()


def start() -> None:
    global _worker  # noqa: PLW0603 - one worker per loaded package, made in plugin_loaded
    with _lock:
        if _worker is None:
            _worker = Worker()


def stop() -> None:
    global _worker
    with _lock:
        worker, _worker = _worker, None
    if worker is not None:
        worker.stop()


def is_running() -> bool:
    with _lock:
        return _worker is not None


def run_off_ui(
    work: Callable[[], T],
    on_done: Callable[[T], None],
    *,
    window: sublime.Window,
    status: str = "",
    on_error: Optional[Callable[[LambdaEditorError], None]] = None,
    long_running: bool = False,
) -> None:
    """Run `work` off the UI thread, then `on_done(result)` or `on_error(error)` on the UI thread.

    Errors reach the user explained, in one line (an error dialog without `on_error`); an
    unexpected one also goes to the console with its traceback.
    """
    progress = Progress(window, status) if status else None

    def finish(callback: Callable[[], None]) -> None:
        if progress:
            progress.end()
        if is_running():
            callback()

    def in_background() -> None:
        began = time.monotonic()
        try:
            result = work()
        except Exception as exc:  # every failure reaches the user as an actionable message
            error = explained(exc, status.rstrip("…"))
            sublime.set_timeout(lambda: finish(lambda: (on_error or show_error)(error)))
            return
        finally:
            _log_timing(status or getattr(work, "__qualname__", "work"), began)
        sublime.set_timeout(lambda: finish(lambda: on_done(result)))

    if long_running:
        threading.Thread(target=in_background, name="lambda-editor-long", daemon=True).start()
        return
    with _lock:
        worker = _worker
    if worker is None:  # unloaded: nothing new starts
        if progress:
            progress.end()
        return
    worker.submit(in_background)


def explained(
    exc: BaseException, action: str = "", profile: Optional[str] = None
) -> LambdaEditorError:
    """`errors.explain`, keeping the traceback of what nobody foresaw in the console."""
    error = explain(exc, action, profile)
    if isinstance(exc, LambdaEditorError):
        return error
    if isinstance(exc, OSError) or type(exc).__module__.startswith(("botocore", "boto3")):
        logger.debug("%s", error, exc_info=exc)  # the network or the disk: the message says it
    else:
        log_unexpected(exc, action)
    return error


def _log_timing(what: str, began: float) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("%s took %.0f ms", what, (time.monotonic() - began) * 1000)


class Progress:
    """What runs now, in the status bar of the window's active view, until it ends.

    A status message fades after a few seconds; an invoke or a pip install may take minutes, so
    the view's status bar keeps saying it.
    """

    def __init__(self, window: sublime.Window, text: str) -> None:
        self.view = window.active_view()
        status(window, text)
        self.update(text)

    def update(self, text: str) -> None:
        if self.view is not None:
            self.view.set_status(PROGRESS_KEY, f"Lambda: {text}")

    def end(self) -> None:
        if self.view is not None:
            self.view.erase_status(PROGRESS_KEY)


def on_ui(callback: Callable[[], None]) -> None:
    """Run `callback` on the UI thread (from a worker thread), unless the package was unloaded."""
    sublime.set_timeout(lambda: callback() if is_running() else None)


def show_error(error: LambdaEditorError) -> None:
    sublime.error_message(f"Lambda Editor\n\n{error.message}\n\n{next_step(error)}".rstrip())


def status(window: Optional[sublime.Window], text: str) -> None:
    """A status message in the window it concerns (else the active one)."""
    (window or sublime.active_window()).status_message(f"Lambda: {text}")
