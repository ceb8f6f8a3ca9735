"""The plugin in the host as Sublime Text runs it: shipped as a `.sublime-package`, sharing the
async thread with every other package, upgraded without a restart, on old Sublime Texts too."""

from __future__ import annotations

import json
import socket
import sys
import threading
import zipfile
import zipimport
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, List

import pytest
from sublime_standin import harness
from test_plugin_support import (
    PLUGIN_MODULE,
    Plugin,
    adapter,
    plugin_fixture,  # noqa: F401 - the fixture
    settle,
    wait_for_quick_panel,
)

# isort: split
import sublime

REPO = Path(__file__).resolve().parent.parent

# Appended to the adapter of an "upgraded" package: a new command using a changed core module.
PROBE_COMMAND = """

import sublime_plugin as _sublime_plugin

from .. import __version__ as _version
from .runtime import status as _status


class LambdaUpgradeProbeCommand(_sublime_plugin.WindowCommand):
    def run(self) -> None:
        _status(self.window, "running version " + _version)


__all__.append("LambdaUpgradeProbeCommand")
"""


# Shipped as Package Control ships it


def test_the_package_is_the_git_archive_without_what_export_ignore_leaves_out(
    plugin: Plugin,
) -> None:
    archive = harness.package_archive()
    with zipfile.ZipFile(archive) as opened:
        names = opened.namelist()

    assert archive.startswith(sublime.installed_packages_path())
    assert {"LambdaEditor.py", "Default.sublime-commands", "dependencies.json"} <= set(names)
    assert "lambda_editor/sublime_adapter/runtime.py" in names
    left_out = ("tests/", "lambda_editor/sandbox/", ".github/", "benchmarks/", "unittesting.json")
    assert not [name for name in names if name.startswith(left_out)]
    plugin_module = sys.modules[PLUGIN_MODULE]
    assert isinstance(plugin_module.__loader__, zipimport.zipimporter)
    assert str(adapter("runtime").__file__).startswith(archive)


def test_every_command_of_the_palette_and_the_menu_runs_from_the_archive(
    plugin: Plugin, tmp_path: Path
) -> None:
    """Each entry in a window bound to no function: it runs (or says why not), never fails."""
    plugin.settings(python_interpreter=str(tmp_path / "no-python"))  # Install boto3 fails early
    entries = [
        entry
        for resource in ("Default.sublime-commands", "Main.sublime-menu")
        for entry in _commands(json.loads(_resource(resource)))
    ]
    window = sublime.active_window()

    for entry in entries:
        window.run_command(entry["command"], entry.get("args"))
        settle()
        for panel in harness.quick_panels():
            if panel.is_open:
                harness.answer_quick_panel(-1)
        for input_panel in harness.input_panels():
            if input_panel.is_open:
                harness.answer_input_panel(None)
        settle()

    outcomes = {record.outcome for record in harness.commands() if record.name in _names(entries)}
    assert outcomes <= {"ran", "disabled"}
    assert len(entries) > 20


def _resource(name: str) -> str:
    return sublime.load_resource(f"Packages/LambdaEditor/{name}")


def _commands(items: List[Any]) -> Iterator[Any]:
    for item in items:
        if "command" in item:
            yield item
        yield from _commands(item.get("children", []))


def _names(entries: List[Any]) -> set[str]:
    return {entry["command"] for entry in entries}


# One async thread for every package


def test_another_packages_slow_task_on_the_async_thread_does_not_hold_up_the_plugin(
    plugin: Plugin,
) -> None:
    name = plugin.functions.create(prefix="host")
    release = threading.Event()
    sublime.set_timeout_async(lambda: release.wait(60))  # e.g. a linter parked there
    try:
        plugin.start_edit(name)  # lists, downloads, opens the window
        harness.run_ui_until(
            lambda: plugin.windows_of(name), timeout=30, what="the function's window"
        )
    finally:
        release.set()
    settle()
    assert (plugin.workspace(name) / "app.py").is_file()


class SilentEndpoint:
    """A Lambda endpoint that accepts connections and says nothing: a dead VPN, a captive portal."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(8)
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.accepted: List[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                self.accepted.append(self.server.accept()[0])
            except OSError:
                return

    def close(self) -> None:
        self.server.shutdown(socket.SHUT_RDWR)  # also ends the accept() waiting in its thread
        self.server.close()
        for connection in self.accepted:
            connection.close()


@contextmanager
def silent_endpoint() -> Iterator[SilentEndpoint]:
    endpoint = SilentEndpoint()
    try:
        yield endpoint
    finally:
        endpoint.close()


def test_the_plugins_network_work_never_holds_up_the_async_thread(plugin: Plugin) -> None:
    with silent_endpoint() as endpoint:
        plugin.settings(endpoint_url=endpoint.url)
        sublime.active_window().run_command("lambda_edit_function")
        harness.run_ui_until(lambda: endpoint.accepted, timeout=30, what="the plugin's request")
        other_package = threading.Event()

        sublime.set_timeout_async(other_package.set)

        harness.run_ui_until(other_package.is_set, timeout=5, what="another package's task")
    harness.run_ui_until(harness.error_messages, timeout=60, what="the plugin's error")
    assert "Could not list functions" in harness.error_messages()[0]


# Upgrades and reloads


def test_an_upgrade_runs_the_new_code_without_a_restart(plugin: Plugin, tmp_path: Path) -> None:
    """Package Control replaces the archive; Sublime reloads only LambdaEditor.py."""
    old_worker = adapter("runtime")._worker
    archive = harness.package_archive()
    with zipfile.ZipFile(archive) as opened:
        adapter_init = opened.read("lambda_editor/sublime_adapter/__init__.py").decode()
    upgraded = tmp_path / "upgraded.sublime-package"
    harness.changed_archive(
        archive,
        str(upgraded),
        {
            "lambda_editor/__init__.py": '__version__ = "99.0.0"\n',
            "lambda_editor/sublime_adapter/__init__.py": adapter_init + PROBE_COMMAND,
        },
    )

    harness.upgrade_package("LambdaEditor", str(upgraded))
    harness.reload_plugin(PLUGIN_MODULE)
    window = sublime.active_window()
    window.run_command("lambda_upgrade_probe")

    assert harness.commands("lambda_upgrade_probe")[-1].outcome == "ran"
    assert "Lambda: running version 99.0.0" in harness.status_messages(window)
    old_worker.thread.join(10)
    assert not old_worker.thread.is_alive()  # the old version's worker was stopped
    assert adapter("runtime")._worker is not old_worker
    window.run_command("lambda_open_workspace")  # the commands that were there run new code
    settle()
    assert any("no workspaces yet" in m for m in harness.status_messages(window))


def test_unloading_stops_the_plugins_threads_and_its_console_log(plugin: Plugin) -> None:
    worker = adapter("runtime")._worker
    log = adapter("console_log")

    harness.unload_plugin(PLUGIN_MODULE)

    worker.thread.join(10)
    assert not worker.thread.is_alive()
    assert log._handler is None
    assert not [h for h in log.logger.handlers if isinstance(h, log._Console)]


# Sublime Text 3


def test_sublime_text_3_gets_one_clear_message_and_nothing_loads(
    sublime_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "version_info", (3, 3, 7, "final", 0))
    loaded = harness.load_plugin(PLUGIN_MODULE)
    monkeypatch.undo()

    [message] = harness.error_messages()
    assert "needs Sublime Text 4" in message
    assert "Python 3.3" in message
    assert not [name for name in vars(loaded) if name.startswith("Lambda")]
    assert "LambdaEditor.lambda_editor" not in sys.modules


def test_the_plugin_file_is_python_33_syntax() -> None:
    """Sublime Text 3 compiles LambdaEditor.py before anything in it runs."""
    vermin = pytest.importorskip("vermin")

    minimum = vermin.detect((REPO / "LambdaEditor.py").read_text(encoding="utf-8"))[1]

    assert minimum is not None and minimum <= (3, 3)


# Debugging


def test_an_unexpected_error_is_one_line_for_the_user_and_a_traceback_in_the_console(
    plugin: Plugin, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(client: Any) -> None:
        raise KeyError("Functions")

    monkeypatch.setattr(adapter("editing"), "list_functions", broken)

    sublime.active_window().run_command("lambda_edit_function")
    harness.run_ui_until(harness.error_messages, timeout=30, what="the error")

    [error] = harness.error_messages()
    assert "KeyError" in error and "Traceback" not in error
    console = capsys.readouterr().out
    assert "Lambda Editor: ERROR: unexpected error" in console
    assert "Traceback (most recent call last)" in console
    assert 'raise KeyError("Functions")' in console


def test_the_debug_setting_adds_requests_and_timings(
    plugin: Plugin, capsys: pytest.CaptureFixture[str]
) -> None:
    name = plugin.functions.create(prefix="debug")
    plugin.settings(debug=True)
    settle()

    plugin.start_edit(name)
    harness.run_ui_until(lambda: plugin.windows_of(name), timeout=30, what="the window")
    settle()

    console = capsys.readouterr().out
    assert "lambda.ListFunctions: HTTP 200 in " in console
    assert "lambda.GetFunction: HTTP 200 in " in console
    assert f"downloading {name}… took " in console
    assert "testing" not in console  # the credentials never


# Where edits live


def test_workspaces_go_to_the_shared_data_folder_by_default(plugin: Plugin) -> None:
    name = plugin.functions.create(prefix="host")
    plugin.settings(workspace_root=None)

    plugin.start_edit(name)
    harness.run_ui_until(lambda: _windows_named(name), timeout=30, what="the function's window")
    settle()

    [window] = _windows_named(name)
    [folder] = window.folders()
    data = Path(harness.home_folder(), ".local", "share", "lambda-editor", "workspaces")
    if sublime.platform() == "linux":
        assert Path(folder).parent.parent.parent == data
    assert not folder.startswith(sublime.cache_path())


def test_a_workspace_in_sublimes_cache_from_an_earlier_version_is_offered_and_reused(
    plugin: Plugin,
) -> None:
    name = plugin.functions.create(prefix="host")
    earlier_root = Path(sublime.cache_path(), "LambdaEditor", "workspaces")
    plugin.settings(workspace_root=str(earlier_root), deploy_on_save=False)
    plugin.start_edit(name)
    harness.run_ui_until(lambda: _windows_named(name), timeout=30, what="the function's window")
    settle()
    view = _windows_named(name)[0].active_view()
    assert view is not None
    harness.save(view, "def handler(event, context):\n    return 'undeployed'\n")
    plugin.settings(workspace_root=None, deploy_on_save=False)
    settle()
    earlier = earlier_root / str(plugin.sandbox.account_id) / plugin.sandbox.region / name

    window = sublime.active_window()
    window.run_command("lambda_open_workspace")
    listed = wait_for_quick_panel("the workspaces")
    harness.answer_quick_panel(-1)
    settle()
    harness.answer_dialog(sublime.DialogResult.YES)  # open it as it is
    plugin.start_edit(name)
    harness.run_ui_until(lambda: harness.dialogs("yes_no_cancel"), timeout=30, what="the question")
    settle()

    assert listed.triggers == [name]
    assert "kept where an earlier version put it" in str(listed.items[0].details)
    [question] = harness.dialogs("yes_no_cancel")
    assert "changes that were never deployed" in question.message
    assert (
        earlier / "app.py"
    ).read_text() == "def handler(event, context):\n    return 'undeployed'\n"


def _windows_named(name: str) -> List[sublime.Window]:
    return [w for w in sublime.windows() if any(name in f for f in w.folders())]
