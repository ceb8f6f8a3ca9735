"""The stand-in's application state, its UI queue and its async thread.

Like Sublime Text, the API objects (`Window`, `View`, `Settings`) are handles holding an id; the
state behind the ids lives here. The thread that calls `reset()` (the test) is the UI thread: it
runs the UI queue when the harness pumps it. One worker thread runs the async queue.
"""

from __future__ import annotations

import heapq
import itertools
import sys
import threading
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple

Callback = Callable[[], object]

UI_THREAD = "ui"
ASYNC_THREAD = "async"
OTHER_THREAD = "other"


class TimerQueue:
    """Callbacks ordered by due time, then by insertion: equal delays run in the order added."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self._heap: List[Tuple[float, int, Callback]] = []
        self._order = itertools.count()

    def put(self, callback: Callback, delay_s: float) -> None:
        with self.cond:
            due = time.monotonic() + max(delay_s, 0.0)
            heapq.heappush(self._heap, (due, next(self._order), callback))
            self.cond.notify_all()

    def pop_due(self) -> Optional[Callback]:
        with self.cond:
            if self._heap and self._heap[0][0] <= time.monotonic():
                return heapq.heappop(self._heap)[2]
            return None

    def seconds_to_next(self) -> Optional[float]:
        with self.cond:
            if not self._heap:
                return None
            return max(self._heap[0][0] - time.monotonic(), 0.0)

    def __len__(self) -> int:
        with self.cond:
            return len(self._heap)

    def clear(self) -> None:
        with self.cond:
            self._heap.clear()


class AsyncWorker:
    """Sublime's single async thread: runs the async queue's callbacks one at a time, in order."""

    def __init__(self, queue: TimerQueue, run: Callable[[Callback], None]) -> None:
        self.queue = queue
        self._run = run
        self._stopping = False
        self.busy = False
        self.thread = threading.Thread(target=self._loop, name="sublime-async", daemon=True)
        self.thread.start()

    def _next(self) -> Optional[Callback]:
        with self.queue.cond:
            while not self._stopping:
                callback = self.queue.pop_due()
                if callback is not None:
                    self.busy = True
                    return callback
                self.queue.cond.wait(self.queue.seconds_to_next())
            return None

    def _loop(self) -> None:
        while True:
            callback = self._next()
            if callback is None:
                return
            try:
                self._run(callback)
            finally:
                with self.queue.cond:
                    self.busy = False
                    self.queue.cond.notify_all()

    def idle(self) -> bool:
        with self.queue.cond:
            return not self.busy and len(self.queue) == 0

    def stop(self, timeout: float) -> None:
        with self.queue.cond:
            self._stopping = True
            self.queue.cond.notify_all()
        self.thread.join(timeout)


@dataclass
class SettingsState:
    id: int
    base_name: Optional[str] = None
    defaults: Dict[str, Any] = field(default_factory=dict)
    values: Dict[str, Any] = field(default_factory=dict)
    callbacks: Dict[str, List[Callable[[], None]]] = field(default_factory=dict)


@dataclass
class ViewState:
    id: int
    window_id: int
    settings_id: int
    element: Optional[str] = None
    file_name: Optional[str] = None
    name: str = ""
    text: str = ""
    group: int = 0
    read_only: bool = False
    loading: bool = False
    scratch: bool = False
    dirty: bool = False
    status: Dict[str, str] = field(default_factory=dict)


@dataclass
class QuickPanelRecord:
    """One `show_quick_panel` call: what was shown, and how it was answered."""

    window_id: int
    items: List[Any]
    triggers: List[str]
    flags: int
    selected_index: int
    placeholder: Optional[str]
    on_select: Callable[..., None]
    on_highlight: Optional[Callable[[int], None]]
    thread: str
    is_open: bool = True
    answer: Optional[int] = None
    refused: bool = False  # another quick panel was open: never shown, on_select never called
    selecting: bool = False  # its on_select is running


@dataclass
class InputPanelRecord:
    """One `show_input_panel` call; `answer` is None while open or when cancelled."""

    window_id: int
    view_id: int
    caption: str
    initial_text: str
    on_done: Optional[Callable[[str], None]]
    on_change: Optional[Callable[[str], None]]
    on_cancel: Optional[Callable[[], None]]
    thread: str
    is_open: bool = True
    answer: Optional[str] = None


@dataclass
class DialogRecord:
    """A modal dialog (`kind`: error, message, ok_cancel, yes_no_cancel)."""

    kind: str
    message: str
    thread: str
    buttons: Tuple[str, ...] = ()
    answer: Any = None


@dataclass
class CommandRecord:
    """A command run through the API on the application, a window or a view.

    `outcome`: "ran" (a plugin's command), "builtin" (one of Sublime's), "disabled" (its
    `is_enabled()` said no), "unknown", "queued" (run from another thread: it runs later on the
    UI thread and is recorded again then).
    """

    target: str
    target_id: int
    name: str
    args: Optional[Dict[str, Any]]
    thread: str
    outcome: str = "ran"


@dataclass
class StatusRecord:
    window_id: int
    message: str
    thread: str


@dataclass
class WindowState:
    id: int
    views: List[int] = field(default_factory=list)
    focus_history: List[int] = field(default_factory=list)
    panels: Dict[str, int] = field(default_factory=dict)
    unlisted_panels: Set[str] = field(default_factory=set)
    active_panel: Optional[str] = None
    project_data: Any = None
    num_groups: int = 1
    active_group: int = 0
    ui_visible: Dict[str, bool] = field(default_factory=dict)
    quick_panel: Optional[QuickPanelRecord] = None
    input_panel: Optional[InputPanelRecord] = None


@dataclass
class Paths:
    """Sublime's folders, the user's home, and package folders mapped from elsewhere."""

    home: str
    data: str
    packages: str
    installed_packages: str
    cache: str
    executable: str
    host_libraries: List[str]  # on the plugin host's sys.path: the installation's, the data's
    mapped_packages: Dict[str, str]


@dataclass
class Script:
    """Answers queued by the test for the next dialogs and panels that ask."""

    quick_panel: List[Any] = field(default_factory=list)
    input_panel: List[Optional[str]] = field(default_factory=list)
    dialog: List[Any] = field(default_factory=list)


@dataclass
class Records:
    """What the plugin showed and did, for tests to assert on."""

    quick_panels: List[QuickPanelRecord] = field(default_factory=list)
    input_panels: List[InputPanelRecord] = field(default_factory=list)
    dialogs: List[DialogRecord] = field(default_factory=list)
    commands: List[CommandRecord] = field(default_factory=list)
    status_messages: List[StatusRecord] = field(default_factory=list)
    console: List[str] = field(default_factory=list)


@dataclass
class Problems:
    """Things that would go wrong in Sublime, or in the test's script; `check()` reports them."""

    exceptions: List[str] = field(default_factory=list)
    network: List[str] = field(default_factory=list)
    unknown_commands: List[str] = field(default_factory=list)
    misuse: List[str] = field(default_factory=list)


@dataclass
class State:
    paths: Paths
    ui_thread: int
    ui_queue: TimerQueue = field(default_factory=TimerQueue)
    async_queue: TimerQueue = field(default_factory=TimerQueue)
    worker: Optional[AsyncWorker] = None
    ui_depth: int = 0
    importing: int = 0
    windows: Dict[int, WindowState] = field(default_factory=dict)
    window_order: List[int] = field(default_factory=list)
    views: Dict[int, ViewState] = field(default_factory=dict)
    settings: Dict[int, SettingsState] = field(default_factory=dict)
    named_settings: Dict[str, int] = field(default_factory=dict)
    script: Script = field(default_factory=Script)
    records: Records = field(default_factory=Records)
    problems: Problems = field(default_factory=Problems)
    clipboard: str = ""
    host: Any = None


_ids = itertools.count(1)
lock = threading.RLock()
state: State = None  # type: ignore[assignment]  # set by reset() before any use


def new_id() -> int:
    return next(_ids)


def current_thread_kind() -> str:
    if threading.get_ident() == state.ui_thread:
        return UI_THREAD
    worker = state.worker
    if worker is not None and threading.current_thread() is worker.thread:
        return ASYNC_THREAD
    return OTHER_THREAD


def is_ui_thread() -> bool:
    return threading.get_ident() == state.ui_thread


def in_ui_code() -> bool:
    """Whether the UI thread is running plugin code right now (not the test's own code)."""
    return is_ui_thread() and state.ui_depth > 0


@contextmanager
def ui_code() -> Iterator[None]:
    """Marks plugin code running on the UI thread, which the network guard watches."""
    if not is_ui_thread():
        yield
        return
    state.ui_depth += 1
    try:
        yield
    finally:
        state.ui_depth -= 1


def record_exception(where: str) -> None:
    """Like Sublime: print the traceback to the console and carry on; the harness reports it."""
    text = traceback.format_exc()
    sys.stderr.write(text)
    state.problems.exceptions.append(f"{where}: {text}")


def trap(where: str, function: Callable[..., Any], *args: Any) -> Any:
    """Call plugin code as Sublime does: an exception is printed and recorded, not raised."""
    with ui_code():
        try:
            return function(*args)
        except Exception:
            record_exception(where)
            return None


def run_callback(callback: Callback) -> None:
    trap(f"callback {getattr(callback, '__qualname__', callback)!r}", callback)


def schedule_ui(callback: Callback, delay_ms: float = 0) -> None:
    state.ui_queue.put(callback, delay_ms / 1000.0)


def schedule_async(callback: Callback, delay_ms: float = 0) -> None:
    state.async_queue.put(callback, delay_ms / 1000.0)


def misuse(message: str) -> None:
    state.problems.misuse.append(message)


def check_not_importing(api: str) -> None:
    """Sublime's API is not ready while plugins are imported: only `plugin_loaded()` may use it."""
    if state.importing and is_ui_thread():
        misuse(f"sublime API used at import time: {api} (call it from plugin_loaded())")


def window_state(window_id: int) -> Optional[WindowState]:
    check_not_importing("Window")
    return state.windows.get(window_id)


def view_state(view_id: int) -> Optional[ViewState]:
    check_not_importing("View")
    return state.views.get(view_id)


def settings_state(settings_id: int) -> Optional[SettingsState]:
    check_not_importing("Settings")
    return state.settings.get(settings_id)


def new_settings(values: Optional[Dict[str, Any]] = None) -> SettingsState:
    settings = SettingsState(id=new_id(), values=dict(values or {}))
    state.settings[settings.id] = settings
    return settings


def start(paths: Paths) -> None:
    """Replace all state with a fresh application: the calling thread becomes the UI thread."""
    global state  # noqa: PLW0603 - the one application, rebuilt for each test
    old = state
    state = State(paths=paths, ui_thread=threading.get_ident())
    if old is not None and old.worker is not None:
        old.worker.stop(timeout=5.0)
    state.worker = AsyncWorker(state.async_queue, run_callback)


def stop() -> None:
    if state is not None and state.worker is not None:
        state.worker.stop(timeout=5.0)
