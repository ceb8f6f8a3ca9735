"""A function's log in the window's log panel: "Lambda: Tail Logs", "Lambda: Stop Tailing Logs",
"Lambda: Show Recent Logs", "Lambda: Show Request Log" and "Lambda: Follow Request…".

A tail runs on a thread of its own (`TailSession`), never on the UI thread nor on Sublime's
async thread; its lines reach the panel on the UI thread. It stops when its panel is gone or no
panel is shown (the tail's heartbeat looks about once a second), when the window closes, with
"Lambda: Stop Tailing Logs", and when the plugin unloads: each of them ends its thread.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Deque, Dict, List, Optional, Tuple

import sublime
import sublime_plugin

from ..errors import LambdaEditorError, explain
from ..invoke_result import InvokeResult
from ..last_result import load_last_result
from ..log import log_unexpected
from ..log_lines import RequestTracker, ShownEvent, panel_text, understand
from ..log_tail import LogTail
from ..logs import LogEvent, LogSource, log_source, parse_since, recent_events
from ..request_log import RequestLog, request_log
from . import quick_panel
from . import settings as package_settings
from .pickers import ChosenFunction, with_function
from .runtime import on_ui, run_off_ui, status

LOGS_PANEL = "lambda_editor_logs"
LOG_SYNTAX = f"Packages/{__name__.split('.')[0]}/LambdaLog.sublime-syntax"
# The panel keeps this many events, for "Follow Request…" to show again.
KEEP_EVENTS = 20_000
# A request's log is looked for from a little before it was invoked (clocks differ).
REQUEST_SEARCH_MARGIN_S = 300


class LogPanel:
    """The log panel of one window: a heading, the events shown, the request followed."""

    def __init__(self, window: sublime.Window) -> None:
        self.window = window
        self.heading = ""
        self.items: Deque[ShownEvent] = deque(maxlen=KEEP_EVENTS)
        self.request: Optional[str] = None
        # Each reset starts a new generation: a stopped tail's last lines stay out of the next.
        self.generation = 0
        self._tracker = RequestTracker()

    def reset(self, heading: str) -> None:
        self.generation += 1
        self.heading = heading
        self.items.clear()
        self.request = None
        self._tracker = RequestTracker()
        self._render()
        self.window.run_command("show_panel", {"panel": f"output.{LOGS_PANEL}"})

    def add(self, events: List[LogEvent]) -> None:
        shown = [item for item in understand(events, self._tracker) if item.shown]
        self.items.extend(shown)
        self._write("".join(self._line(item) for item in shown if self._wanted(item)))

    def notice(self, text: str) -> None:
        self._write(f"— {text}\n")

    def follow(self, request_id: Optional[str]) -> None:
        self.request = request_id or None
        self._render()
        self.window.run_command("show_panel", {"panel": f"output.{LOGS_PANEL}"})

    def requests(self) -> List[Tuple[str, str]]:
        """(request id, the time of its first line) of the requests shown, the latest first."""
        seen: Dict[str, str] = {}
        for item in self.items:
            if item.request_id and item.request_id not in seen:
                seen[item.request_id] = panel_text(item.event, item.line)[:12]
        return list(reversed(seen.items()))

    @property
    def view(self) -> sublime.View:
        view = self.window.find_output_panel(LOGS_PANEL)
        if view is None:
            view = self.window.create_output_panel(LOGS_PANEL)
            view.assign_syntax(LOG_SYNTAX)
            settings = view.settings()
            for name, value in (("word_wrap", False), ("line_numbers", False), ("gutter", False)):
                settings.set(name, value)
            view.set_read_only(True)
        return view

    def is_shown(self) -> bool:
        return (
            self.window.is_valid()
            and self.window.find_output_panel(LOGS_PANEL) is not None
            and self.window.active_panel() is not None
        )

    def _wanted(self, item: ShownEvent) -> bool:
        return self.request is None or item.request_id == self.request

    @staticmethod
    def _line(item: ShownEvent) -> str:
        return panel_text(item.event, item.line) + "\n"

    def _render(self) -> None:
        """The panel made anew, with what it should show now (a panel's text is only appended)."""
        following = f"— only request {self.request}\n" if self.request else ""
        lines = "".join(self._line(item) for item in self.items if self._wanted(item))
        self.window.destroy_output_panel(LOGS_PANEL)
        self._write(f"— {self.heading}\n{following}{lines}")

    def _write(self, text: str) -> None:
        if text:
            self.view.run_command(
                "append", {"characters": text, "force": True, "scroll_to_end": True}
            )


class TailSession:
    """One tail of a function's log, on a thread of its own, feeding a window's log panel."""

    def __init__(self, panel: LogPanel, choice: ChosenFunction) -> None:
        self.panel = panel
        self.choice = choice
        self._stopping = threading.Event()
        self._tail: Optional[LogTail] = None
        self._lock = threading.Lock()
        self._pending: List[Tuple[str, object]] = []  # ("events", [...]) or ("notice", text)
        self._generation = panel.generation
        self.thread = threading.Thread(
            target=self._run, name=f"lambda-editor-tail-{choice.name}", daemon=True
        )

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self._stopping.set()
        tail = self._tail
        if tail is not None:
            tail.stop()

    @property
    def running(self) -> bool:
        return self.thread.is_alive() and not self._stopping.is_set()

    # ---- on the tail's thread ------------------------------------------------------------------

    def _run(self) -> None:
        try:
            source = log_source(self.choice.target, self.choice.function)
            self._tail = LogTail(
                self.choice.target,
                source,
                self._receive,
                self._notify,
                heartbeat=self._check_panel,
            )
            if self._stopping.is_set():
                return
            self._notify(f"following {source.group}: new lines appear below")
            self._tail.run()
        except LambdaEditorError as error:
            self._notify(str(error))
        except Exception as exc:
            log_unexpected(exc, f"follow the log of {self.choice.name}")
            self._notify(str(explain(exc, f"follow the log of {self.choice.name}")))
        finally:
            self._notify("stopped following the log")

    def _check_panel(self) -> None:
        """The heartbeat: looks at the panel on the UI thread, where it is never half redrawn."""
        if not self._stopping.is_set():
            on_ui(self._stop_unless_shown)

    def _receive(self, events: List[LogEvent]) -> None:
        self._queue("events", events)

    def _notify(self, text: str) -> None:
        self._queue("notice", text)

    def _queue(self, kind: str, value: object) -> None:
        with self._lock:
            first = not self._pending
            self._pending.append((kind, value))
        if first:
            on_ui(self._flush)

    # ---- on the UI thread ----------------------------------------------------------------------

    def _stop_unless_shown(self) -> None:
        if not self._stopping.is_set() and not self.panel.is_shown():
            self.stop()
            status(self.panel.window, f"stopped following the log of {self.choice.name}")

    def _flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
        if not self.panel.window.is_valid() or self.panel.generation != self._generation:
            return
        for kind, value in pending:
            if kind == "events":
                self.panel.add(value)  # type: ignore[arg-type]
            else:
                self.panel.notice(str(value))


_panels: Dict[int, LogPanel] = {}
_sessions: Dict[int, TailSession] = {}


def log_panel(window: sublime.Window) -> LogPanel:
    panel = _panels.get(window.id())
    if panel is None:
        panel = _panels[window.id()] = LogPanel(window)
    return panel


def stop_tail(window: sublime.Window) -> bool:
    """Stop the window's tail; False when none was running."""
    session = _sessions.pop(window.id(), None)
    if session is None:
        return False
    session.stop()
    return True


def stop_all(timeout: float = 5.0) -> None:
    """Stop every tail and wait for their threads to end (plugin unload)."""
    sessions = list(_sessions.values())
    _sessions.clear()
    _panels.clear()
    for session in sessions:
        session.stop()
    deadline = time.monotonic() + timeout
    for session in sessions:
        session.thread.join(max(0.0, deadline - time.monotonic()))


def start_tail(window: sublime.Window, choice: ChosenFunction) -> None:
    stop_tail(window)
    panel = log_panel(window)
    panel.reset(f"the log of {choice.name} from now on (hide the panel to stop)")
    session = _sessions[window.id()] = TailSession(panel, choice)
    session.start()


def show_events(window: sublime.Window, heading: str, events: List[LogEvent]) -> LogPanel:
    """Events that are not followed: the tail (if any) stops, the panel shows them."""
    stop_tail(window)
    panel = log_panel(window)
    panel.reset(heading)
    panel.add(events)
    return panel


class LambdaTailLogsCommand(sublime_plugin.WindowCommand):
    """Follow the function's log in the log panel, as it is written."""

    def run(self) -> None:
        with_function(self.window, lambda choice: start_tail(self.window, choice))


class LambdaStopTailingLogsCommand(sublime_plugin.WindowCommand):
    def is_enabled(self) -> bool:
        session = _sessions.get(self.window.id())
        return session is not None and session.running

    def run(self) -> None:
        if stop_tail(self.window):
            status(self.window, "stopped following the log")


class LambdaShowRecentLogsCommand(sublime_plugin.WindowCommand):
    """The function's log of the last minutes (the `logs_since` setting)."""

    def run(self) -> None:
        with_function(self.window, self._show)

    def _show(self, choice: ChosenFunction) -> None:
        since = package_settings.load().logs_since

        def read() -> Tuple[LogSource, List[LogEvent]]:
            source = log_source(choice.target, choice.function)
            return source, recent_events(choice.target, source, parse_since(since, time.time()))

        def show(found: Tuple[LogSource, List[LogEvent]]) -> None:
            source, events = found
            panel = show_events(self.window, f"{source.group} since {since}", events)
            if not events:
                panel.notice("no log events in that time")

        run_off_ui(
            read,
            show,
            window=self.window,
            status=f"reading the log of {choice.name}…",
            long_running=True,
        )


class LambdaShowRequestLogCommand(sublime_plugin.WindowCommand):
    """The whole log of one request: the last invoke's, or the one asked for."""

    def run(self, request_id: str = "") -> None:
        with_function(self.window, lambda choice: self._with_function(choice, request_id))

    def _with_function(self, choice: ChosenFunction, request_id: str) -> None:
        workspace = choice.workspace
        if request_id:
            self._show(choice, request_id, None)
        elif workspace is None:
            self._ask(choice)
        else:
            run_off_ui(  # the last result holds its whole response: not read on the UI thread
                lambda: load_last_result(workspace.metadata_dir),
                lambda last: self._with_last(choice, last),
                window=self.window,
            )

    def _with_last(self, choice: ChosenFunction, last: Optional[InvokeResult]) -> None:
        if last is not None and last.request_id and not last.local:
            self._show(choice, last.request_id, last.invoked_at)
        else:
            self._ask(choice)

    def _ask(self, choice: ChosenFunction) -> None:
        self.window.show_input_panel(
            f"RequestId of a request of {choice.name}:",
            "",
            lambda text: self._show(choice, text.strip(), None) if text.strip() else None,
            None,
            None,
        )

    def _show(self, choice: ChosenFunction, request_id: str, invoked_at: Optional[float]) -> None:
        since_s = (invoked_at or time.time() - 86400) - REQUEST_SEARCH_MARGIN_S

        def read() -> RequestLog:
            source = log_source(choice.target, choice.function)
            return request_log(choice.target, source, request_id, int(since_s * 1000))

        def show(found: RequestLog) -> None:
            panel = show_events(self.window, f"request {request_id} of {choice.name}", found.events)
            if not found.complete:
                panel.notice("its REPORT line has not arrived yet: the log may go on")

        run_off_ui(
            read,
            show,
            window=self.window,
            status=f"reading the log of request {request_id}…",
            long_running=True,
        )


class LambdaFollowRequestCommand(sublime_plugin.WindowCommand):
    """Show only one request's lines in the log panel, or every line again."""

    def is_enabled(self) -> bool:
        return self.window.id() in _panels

    def run(self) -> None:
        panel = log_panel(self.window)
        requests = panel.requests()
        items = [
            sublime.QuickPanelItem(
                "Every request", "all the lines again", "", sublime.KIND_NAVIGATION
            )
        ]
        items += [
            sublime.QuickPanelItem(request_id, f"first line at {began}", "", sublime.KIND_VARIABLE)
            for request_id, began in requests
        ]

        def on_select(index: int) -> None:
            if index == 0:
                panel.follow(None)
            elif index > 0:
                panel.follow(requests[index - 1][0])

        quick_panel.show(self.window, items, on_select, placeholder="Show the lines of")


class LambdaLogTailListener(sublime_plugin.EventListener):
    def on_pre_close_window(self, window: sublime.Window) -> None:
        stop_tail(window)
        _panels.pop(window.id(), None)


__all__ = [
    "LambdaFollowRequestCommand",
    "LambdaLogTailListener",
    "LambdaShowRecentLogsCommand",
    "LambdaShowRequestLogCommand",
    "LambdaStopTailingLogsCommand",
    "LambdaTailLogsCommand",
]
