"""Drive the Sublime stand-in from tests. Not part of Sublime's API.

Importing this module makes `import sublime`, `import sublime_plugin` and `import sublime_types`
give the stand-in. Typical test:

    harness.reset(root=str(tmp_path))
    harness.load_plugin("LambdaEditor.LambdaEditor")    # plugin_loaded() runs
    harness.answer_quick_panel("my-function")           # queued for the next quick panel
    sublime.active_window().run_command("lambda_edit_function")
    harness.run_ui_until(lambda: harness.status_messages(), timeout=30)
    harness.check()                                     # no traceback, no network on the UI thread
    harness.shutdown()                                  # plugin_unloaded() runs

The test thread is the UI thread: callbacks queued with `set_timeout` (and events delivered later)
run only while the test pumps with `run_ui_until` or `drain`. `set_timeout_async` callbacks run on
one worker thread, in order, like Sublime's async thread.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import json
import os
import shutil
import sys
import tempfile
import time
import types
import zipimport
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Protocol, Tuple, Union

from . import (
    _app,
    _core,
    _default_package,
    _host,
    _layout,
    _netguard,
    _package,
    _panels,
    _resources,
    sublime,
    sublime_plugin,
    sublime_types,
)
from ._core import CommandRecord, DialogRecord, InputPanelRecord, QuickPanelRecord

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGE_NAME = "LambdaEditor"
POLL_SECONDS = 0.01

sys.modules["sublime"] = sublime
sys.modules["sublime_plugin"] = sublime_plugin
sys.modules["sublime_types"] = sublime_types

__all__ = [
    "PACKAGE_NAME",
    "REPO_ROOT",
    "CommandRecord",
    "DialogRecord",
    "InputPanelRecord",
    "QuickPanelRecord",
    "ViewHandle",
    "WindowHandle",
    "answer_dialog",
    "answer_input_panel",
    "answer_quick_panel",
    "check",
    "close",
    "commands",
    "console",
    "dialogs",
    "disable_network_guard",
    "drain",
    "enable_network_guard",
    "error_messages",
    "input_panels",
    "is_ui_thread",
    "last_quick_panel",
    "load_plugin",
    "output_panel_text",
    "palette_commands",
    "problems",
    "pump",
    "quick_panels",
    "reset",
    "run_ui_until",
    "save",
    "set_text",
    "shutdown",
    "status_bar",
    "status_messages",
    "unload_plugin",
    "write_user_settings",
]


class ViewHandle(Protocol):
    """A `sublime.View`: the stand-in's, or the stubs' type in type-checked tests."""

    view_id: int


class WindowHandle(Protocol):
    """A `sublime.Window`: the stand-in's, or the stubs' type in type-checked tests."""

    window_id: int


class _Session:
    """What the harness itself tracks between reset() and shutdown()."""

    def __init__(self, owned_root: Optional[str], packages: Mapping[str, str]) -> None:
        self.owned_root = owned_root
        self.packages = dict(packages)
        self.loaded: List[types.ModuleType] = []
        self.saved_environment: List[Tuple[str, object]] = []


_session: Optional[_Session] = None


# Lifecycle


def reset(packages: Optional[Mapping[str, str]] = None, root: Optional[str] = None) -> None:
    """A fresh Sublime with one empty window; the calling thread becomes the UI thread.

    Without `packages`, this repository is installed as Package Control ships it: a
    `.sublime-package` made by `git archive`, imported through a zip importer. `packages` maps
    package names to folders instead, read as "Packages/<name>/..." and importable as
    `<name>.<module>`. Sublime's folders are laid out under `root` (default: a temp folder) as on
    this OS, the user's home too; the plugin host's library folders go first on `sys.path`.
    """
    global _session  # noqa: PLW0603 - one Sublime per test
    shutdown()
    owned = None
    if root is None:
        root = owned = tempfile.mkdtemp(prefix="sublime-standin-")
    paths = _layout.make(root, packages or {})
    if packages is None:
        shutil.copyfile(_package.build(REPO_ROOT), _archive_path(paths, PACKAGE_NAME))
    _core.start(paths)
    _core.state.host = _host.Host()
    _session = _Session(owned, packages or {PACKAGE_NAME: ""})
    _session.saved_environment = _layout.enter(paths)
    _app.new_window()
    _core.state.host.load_module(_default_package)


def _archive_path(paths: _core.Paths, name: str) -> str:
    return os.path.join(paths.installed_packages, f"{name}{_resources.ARCHIVE_SUFFIX}")


def shutdown() -> None:
    """Unload the plugins (plugin_unloaded runs) and stop the async thread. State stays readable."""
    global _session  # noqa: PLW0603
    session = _session
    if session is None:
        return
    for module in reversed(session.loaded):
        _unload(module)
    _core.stop()
    _layout.leave(_core.state.paths, session.saved_environment)
    for name in list(sys.modules):
        if name.split(".")[0] in session.packages:
            del sys.modules[name]
    for archive in _resources.archives().values():
        _forget_archive(archive)
    if session.owned_root is not None:
        shutil.rmtree(session.owned_root, ignore_errors=True)
    _session = None


def _require_session() -> _Session:
    if _session is None:
        raise RuntimeError("call harness.reset() first")
    return _session


def _install_package(name: str) -> None:
    """Make a package importable as `name`, as Sublime does for every package: a folder through
    the file system, a `.sublime-package` through Python's zip importer."""
    if name in sys.modules:
        return
    mapped = name in _core.state.paths.mapped_packages
    archive = _resources.archive_of(name)
    location = archive if archive is not None and not mapped else _resources.package_folder(name)
    spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
    spec.submodule_search_locations = [location]
    sys.modules[name] = importlib.util.module_from_spec(spec)


def load_plugin(module_name: str) -> types.ModuleType:
    """Import a plugin module (e.g. "LambdaEditor.LambdaEditor") and load it like Sublime:
    collect its commands and listeners, call plugin_loaded(), attach view listeners."""
    session = _require_session()
    _install_package(module_name.split(".", maxsplit=1)[0])
    with _importing():
        module = importlib.import_module(module_name)
    _core.state.host.load_module(module)
    session.loaded.append(module)
    return module


def reload_plugin(module_name: str) -> types.ModuleType:
    """What Sublime does when a plugin file changes (an upgrade, a save): plugin_unloaded(), the
    commands forgotten, then only this module re-executed (`importlib.reload`) and loaded again.
    The package's other modules stay in sys.modules, as in Sublime."""
    session = _require_session()
    module = sys.modules[module_name]
    if module in session.loaded:
        _core.state.host.unload_module(module)
        session.loaded.remove(module)
    with _importing():
        module = importlib.reload(module)
    _core.state.host.load_module(module)
    session.loaded.append(module)
    return module


def upgrade_package(name: str, archive: str) -> None:
    """Package Control replaces the package's `.sublime-package` with `archive`; Sublime sees the
    new archive's files (the plugin still has to be reloaded: `reload_plugin`)."""
    installed = _archive_path(_core.state.paths, name)
    _forget_archive(installed)
    shutil.copyfile(archive, installed)


def changed_archive(archive: str, destination: str, changes: Mapping[str, str]) -> None:
    """Write a copy of a `.sublime-package` with files replaced or added (`path → text`)."""
    _package.changed_copy(archive, destination, changes)


def home_folder() -> str:
    """The user's home in this Sublime (HOME and the OS's per-user folders point into it)."""
    return _core.state.paths.home


def package_archive(name: str = PACKAGE_NAME) -> str:
    """The installed `.sublime-package` of a package."""
    found = _resources.archive_of(name)
    if found is None:
        raise AssertionError(f"{name} is not installed as a .sublime-package")
    return found


def _forget_archive(archive: str) -> None:
    """Python caches a zip's table of contents and its importers: drop them for a new archive."""
    for key in [
        k for k in sys.path_importer_cache if k == archive or k.startswith(archive + os.sep)
    ]:
        del sys.path_importer_cache[key]
    zipimport._zip_directory_cache.pop(archive, None)  # type: ignore[attr-defined]
    importlib.invalidate_caches()


@contextmanager
def _importing() -> Iterator[None]:
    _core.state.importing += 1
    try:
        yield
    finally:
        _core.state.importing -= 1


def unload_plugin(module_name: str) -> None:
    """Call plugin_unloaded() and forget the module's commands and listeners."""
    session = _require_session()
    for module in [m for m in session.loaded if m.__name__ == module_name]:
        _unload(module)


def _unload(module: types.ModuleType) -> None:
    session = _require_session()
    _core.state.host.unload_module(module)
    session.loaded.remove(module)
    sys.modules.pop(module.__name__, None)


# Threads and the UI queue


def is_ui_thread() -> bool:
    return _core.is_ui_thread()


def pump() -> int:
    """Run the UI callbacks that are due now; how many ran."""
    _require_ui_thread()
    count = 0
    while True:
        callback = _core.state.ui_queue.pop_due()
        if callback is None:
            return count
        _core.run_callback(callback)
        count += 1


def run_ui_until(
    predicate: Callable[[], object], timeout: float = 10.0, what: str = "the condition"
) -> None:
    """Run UI callbacks, as the UI thread would, until `predicate()` is true.

    AssertionError after `timeout` seconds (a safety net against hangs, not a timing assertion).
    """
    _require_ui_thread()
    queue = _core.state.ui_queue
    deadline = time.monotonic() + timeout
    while not predicate():
        callback = queue.pop_due()
        if callback is not None:
            _core.run_callback(callback)
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"{what} did not happen within {timeout} s; {_pending()}")
        next_due = queue.seconds_to_next()
        with queue.cond:
            queue.cond.wait(min(remaining, POLL_SECONDS, next_due or POLL_SECONDS))


def drain(timeout: float = 10.0) -> None:
    """Run until nothing is queued on the UI or async thread (delayed callbacks included)."""
    worker = _core.state.worker

    def idle() -> bool:
        # The async thread first: once it is idle, only the UI thread (us) can queue more.
        return (worker is None or worker.idle()) and len(_core.state.ui_queue) == 0

    run_ui_until(idle, timeout, what="an empty UI and async queue")


def _pending() -> str:
    worker = _core.state.worker
    busy = worker is not None and worker.busy
    return (
        f"{len(_core.state.ui_queue)} UI callbacks and {len(_core.state.async_queue)} async "
        f"callbacks queued, async thread {'busy' if busy else 'idle'}"
    )


def _require_ui_thread() -> None:
    _require_session()
    if not _core.is_ui_thread():
        raise RuntimeError("only the UI thread (the thread that called reset()) pumps the UI queue")


# Scripted answers


def _open(records: List[Any]) -> Optional[Any]:
    return next((r for r in reversed(records) if r.is_open), None)


def answer_quick_panel(choice: Union[int, str]) -> None:
    """Pick a row (index, or the row's text; -1 cancels) in the open quick panel, else in the next.

    The plugin's on_select runs on the UI thread when the test pumps.
    """
    record = _open(_core.state.records.quick_panels)
    if record is not None:
        _panels.answer_quick_panel(record, choice)
    else:
        _core.state.script.quick_panel.append(choice)


def answer_input_panel(text: Optional[str]) -> None:
    """Type `text` and press enter in the open input panel (else the next); None presses escape."""
    record = _open(_core.state.records.input_panels)
    if record is not None:
        _panels.answer_input_panel(record, text)
    else:
        _core.state.script.input_panel.append(text)


def answer_dialog(result: Union[bool, int]) -> None:
    """Queue the answer to the next modal dialog: a bool for ok_cancel_dialog, a
    `sublime.DialogResult` (DIALOG_YES/NO/CANCEL) for yes_no_cancel_dialog."""
    _core.state.script.dialog.append(result if isinstance(result, bool) else int(result))


# What the plugin showed and did


def quick_panels() -> List[QuickPanelRecord]:
    return list(_core.state.records.quick_panels)


def last_quick_panel() -> QuickPanelRecord:
    panels = _core.state.records.quick_panels
    if not panels:
        raise AssertionError("no quick panel was shown")
    return panels[-1]


def input_panels() -> List[InputPanelRecord]:
    return list(_core.state.records.input_panels)


def dialogs(kind: Optional[str] = None) -> List[DialogRecord]:
    """Dialogs shown; `kind`: error, message, ok_cancel or yes_no_cancel."""
    return [d for d in _core.state.records.dialogs if kind is None or d.kind == kind]


def error_messages() -> List[str]:
    return [d.message for d in dialogs("error")]


def status_messages(window: Optional[WindowHandle] = None) -> List[str]:
    """Messages from sublime.status_message() and Window.status_message(), oldest first; only
    those shown in `window` when given."""
    return [
        r.message
        for r in _core.state.records.status_messages
        if window is None or r.window_id == window.window_id
    ]


def commands(name: Optional[str] = None) -> List[CommandRecord]:
    return [c for c in _core.state.records.commands if name is None or c.name == name]


def console() -> List[str]:
    """Lines Sublime would print to its console (e.g. a settings file it could not parse)."""
    return list(_core.state.records.console)


def output_panel_text(window: WindowHandle, name: str) -> str:
    panel = sublime.Window(window.window_id).find_output_panel(name)
    if panel is None:
        raise AssertionError(f"window {window.window_id} has no output panel {name!r}")
    return panel.substr(sublime.Region(0, panel.size()))


def status_bar(view: ViewHandle) -> Dict[str, str]:
    """The view's status-bar values by key (View.set_status)."""
    state = _core.state.views.get(view.view_id)
    return dict(state.status) if state is not None else {}


# The user's actions


def set_text(view: ViewHandle, text: str) -> None:
    """The user replaces the whole buffer (on_modified runs), once it has loaded. Not possible
    in a read-only view."""
    _wait_for_loading(view)
    with _core.ui_code():
        _app.modify(view.view_id, 0, sublime.View(view.view_id).size(), text)


def save(view: ViewHandle, text: Optional[str] = None) -> None:
    """The user saves (after typing `text`, when given): on_pre_save, the file is written,
    on_post_save; the `_async` listeners run on the async thread."""
    if text is not None:
        set_text(view, text)
    _wait_for_loading(view)
    with _core.ui_code():
        _app.save(view.view_id)


def _wait_for_loading(view: ViewHandle) -> None:
    """A user cannot type in, nor save, a view still loading its file."""
    run_ui_until(lambda: not sublime.View(view.view_id).is_loading(), what="the file to load")


def close(view: ViewHandle) -> None:
    """The user closes the view (on_pre_close, on_close)."""
    with _core.ui_code():
        _app.close_view(view.view_id)


def write_user_settings(base_name: str, values: Mapping[str, Any]) -> None:
    """The user edits Packages/User/<base_name>: callbacks of add_on_change run on the UI thread."""
    path = _resources.user_settings_file(base_name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(dict(values), handle, indent="\t")
    _app.reload_settings_file(path)


def palette_commands() -> List[Dict[str, Any]]:
    """Every entry of the packages' .sublime-commands files (caption, command, args)."""
    entries: List[Dict[str, Any]] = []
    for resource in sublime.find_resources("*.sublime-commands"):
        entries.extend(sublime.decode_value(sublime.load_resource(resource)))  # type: ignore[arg-type]
    return entries


# Network guard and the final check


def enable_network_guard() -> None:
    """From now on, plugin code on the UI thread or on the async thread may not open a connection
    or resolve a name."""
    _netguard.enable()


def disable_network_guard() -> None:
    _netguard.disable()


def problems() -> Dict[str, List[str]]:
    """What would have gone wrong in Sublime, or in the test's script, so far."""
    found = _core.state.problems
    script = _core.state.script
    unused = [
        f"{kind}: {answers!r}"
        for kind, answers in vars(script).items()
        if answers  # answers queued that no dialog or panel asked for
    ]
    report = {
        "exceptions": found.exceptions,
        "network calls on the UI or async thread": found.network,
        "unknown commands": found.unknown_commands,
        "misuse": found.misuse,
        "unused answers": unused,
    }
    return {kind: list(items) for kind, items in report.items() if items}


def check() -> None:
    """Fail if plugin code raised, touched the network on the UI thread, ran an unknown command,
    used the API wrongly, or if scripted answers were left unused."""
    report = problems()
    if report:
        lines = [f"{kind}:\n  " + "\n  ".join(items) for kind, items in report.items()]
        raise AssertionError("Sublime stand-in found problems:\n" + "\n".join(lines))
