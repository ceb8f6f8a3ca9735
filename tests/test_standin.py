"""The Sublime stand-in behaves like Sublime Text, and has the signatures of sublime-text-stubs."""

from __future__ import annotations

import ast
import enum
import functools
import importlib.metadata
import inspect
import json
import os
import socket
import sys
import threading
import types
from pathlib import Path
from typing import Any, Dict, Iterator, List, Set, Tuple

import pytest
from sublime_standin import harness
from sublime_standin import sublime as standin_sublime
from sublime_standin import sublime_plugin as standin_plugin
from sublime_standin.fixture import sublime_app  # noqa: F401 - the fixture under test

# isort: split
# Importing the harness made the stand-in importable as `sublime` (mypy sees the stubs' types).
import sublime

SAMPLE_PLUGIN = """
import socket
import threading

import sublime
import sublime_plugin

LOG = []


def plugin_loaded():
    LOG.append(("loaded", sublime.load_settings("Sample.sublime-settings").get("greeting")))


def plugin_unloaded():
    LOG.append(("unloaded",))


class LambdaEditFunctionCommand(sublime_plugin.WindowCommand):
    def run(self, name="default"):
        LOG.append(("edit", name, self.window.id()))

    def is_enabled(self, name="default"):
        return name != "disabled"


class HTMLExportCommand(sublime_plugin.ApplicationCommand):
    def run(self):
        LOG.append(("html",))


class SampleFailCommand(sublime_plugin.WindowCommand):
    def run(self):
        raise RuntimeError("plugin bug")


class SampleAsyncCommand(sublime_plugin.WindowCommand):
    def run(self):
        LOG.append(("ui", threading.get_ident()))
        sublime.set_timeout_async(self.work)

    def work(self):
        LOG.append(("async", threading.get_ident()))
        sublime.set_timeout(lambda: LOG.append(("back", threading.get_ident())))


class SampleConnectCommand(sublime_plugin.WindowCommand):
    def run(self, port, where="ui"):
        if where == "async":
            sublime.set_timeout_async(lambda: self.connect(port))
        elif where == "thread":
            threading.Thread(target=self.connect, args=(port,)).start()
        else:
            self.connect(port)

    def connect(self, port):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
            LOG.append(("connected", threading.get_ident()))
        except AssertionError as error:
            LOG.append(("blocked", str(error)))


class SampleWarnLaterCommand(sublime_plugin.WindowCommand):
    def run(self):
        sublime.set_timeout_async(lambda: sublime.error_message("from the async thread"))


class SamplePickCommand(sublime_plugin.WindowCommand):
    def run(self):
        items = [
            sublime.QuickPanelItem("alpha", "the first", "fn", sublime.KIND_FUNCTION),
            "beta",
            ["gamma", "the third"],
        ]
        self.window.show_quick_panel(items, self.on_select, placeholder="Pick one")

    def on_select(self, index):
        LOG.append(("picked", index, threading.get_ident()))


class SampleChainCommand(sublime_plugin.WindowCommand):
    def run(self, deferred):
        def then(index):
            show = lambda: self.window.show_quick_panel(["x"], lambda i: None, placeholder="Then")
            if deferred:
                sublime.set_timeout(show)
            else:
                show()

        self.window.show_quick_panel(["alpha", "beta"], then, placeholder="First")


class SampleAskCommand(sublime_plugin.WindowCommand):
    def run(self):
        self.window.show_input_panel("Name:", "initial", self.on_done, None, self.on_cancel)

    def on_done(self, text):
        LOG.append(("typed", text))

    def on_cancel(self):
        LOG.append(("escaped",))


class SampleSaveListener(sublime_plugin.EventListener):
    def on_pre_save(self, view):
        LOG.append(("pre_save", view.substr(sublime.Region(0, view.size())), threading.get_ident()))

    def on_post_save(self, view):
        LOG.append(("post_save", threading.get_ident()))

    def on_post_save_async(self, view):
        LOG.append(("post_save_async", threading.get_ident()))

    def on_load(self, view):
        LOG.append(("load", view.file_name()))

    def on_activated(self, view):
        LOG.append(("activated", view.id()))

    def on_pre_close(self, view):
        LOG.append(("pre_close", view.window() is not None))

    def on_close(self, view):
        LOG.append(("close", view.file_name(), view.window()))


"""

SAMPLE_SETTINGS = """// Sample settings: comments, "quotes" in comments, trailing commas.
{
    "greeting": "hi // not a comment",
    "items": [1, 2,],
}
"""

BAD_IMPORT_PLUGIN = """
import sublime

SETTINGS = sublime.load_settings("Sample.sublime-settings")
"""


@pytest.fixture
def sample(tmp_path: Path) -> Iterator[types.ModuleType]:
    """The sample plugin, loaded from its package folder; Sublime shut down afterwards."""
    package = tmp_path / "SamplePkg"
    package.mkdir()
    (package / "sample.py").write_text(SAMPLE_PLUGIN, encoding="utf-8")
    (package / "bad_import.py").write_text(BAD_IMPORT_PLUGIN, encoding="utf-8")
    (package / "Sample.sublime-settings").write_text(SAMPLE_SETTINGS, encoding="utf-8")
    harness.reset(packages={"SamplePkg": str(package)}, root=str(tmp_path / "sublime"))
    harness.enable_network_guard()
    try:
        yield harness.load_plugin("SamplePkg.sample")
    finally:
        harness.disable_network_guard()
        harness.shutdown()


def entries(plugin: types.ModuleType, kind: str) -> List[Tuple[Any, ...]]:
    return [entry for entry in plugin.LOG if entry[0] == kind]


# Plugin loading and commands


def test_loading_calls_plugin_loaded_then_shutdown_calls_plugin_unloaded(
    sample: types.ModuleType,
) -> None:
    assert sample.LOG[0] == ("loaded", "hi // not a comment")
    harness.shutdown()
    assert sample.LOG[-1] == ("unloaded",)


def test_command_names_are_derived_from_class_names_as_sublime_does(
    sample: types.ModuleType,
) -> None:
    window = sublime.active_window()
    assert sample.LambdaEditFunctionCommand(window).name() == "lambda_edit_function"
    assert sample.HTMLExportCommand().name() == "h_tMLExport"  # Sublime's own quirk


def test_window_command_runs_with_its_arguments_when_enabled(sample: types.ModuleType) -> None:
    window = sublime.active_window()
    window.run_command("lambda_edit_function", {"name": "orders"})
    window.run_command("lambda_edit_function", {"name": "disabled"})
    assert entries(sample, "edit") == [("edit", "orders", window.id())]
    assert [c.outcome for c in harness.commands("lambda_edit_function")] == ["ran", "disabled"]
    harness.check()


def test_window_run_command_also_reaches_text_and_application_commands(
    sample: types.ModuleType,
) -> None:
    window = sublime.active_window()
    view = window.new_file()
    window.run_command("append", {"characters": "hello"})
    window.run_command("h_tMLExport")
    assert view.substr(sublime.Region(0, view.size())) == "hello"
    assert entries(sample, "html") == [("html",)]


def test_unknown_commands_and_plugin_exceptions_fail_the_check(sample: types.ModuleType) -> None:
    window = sublime.active_window()
    window.run_command("lambda_no_such_command")
    window.run_command("sample_fail")  # Sublime prints the traceback; the caller goes on
    found = harness.problems()
    assert found["unknown commands"] == ["window command 'lambda_no_such_command'"]
    assert "RuntimeError: plugin bug" in found["exceptions"][0]
    with pytest.raises(AssertionError, match="plugin bug"):
        harness.check()


def test_api_use_at_import_time_is_reported(sample: types.ModuleType) -> None:
    harness.load_plugin("SamplePkg.bad_import")
    assert any("load_settings" in problem for problem in harness.problems()["misuse"])


# Threads


def test_async_work_runs_on_one_other_thread_and_set_timeout_comes_back_to_the_ui(
    sample: types.ModuleType,
) -> None:
    sublime.active_window().run_command("sample_async")
    harness.drain()
    threads = {entry[0]: entry[1] for entry in sample.LOG if entry[0] in ("ui", "async", "back")}
    assert threads["ui"] == threading.get_ident() == threads["back"]
    assert threads["async"] != threads["ui"]
    assert harness.is_ui_thread()


def test_ui_callbacks_run_only_when_pumped_in_delay_then_insertion_order(
    sample: types.ModuleType,
) -> None:
    order: List[str] = []
    sublime.set_timeout(lambda: order.append("later"), 30)
    sublime.set_timeout(lambda: order.append("first"))
    sublime.set_timeout(lambda: order.append("second"))
    assert order == []
    harness.run_ui_until(lambda: len(order) == 3)
    assert order == ["first", "second", "later"]


def test_async_callbacks_run_in_order_on_the_same_thread(sample: types.ModuleType) -> None:
    seen: List[Tuple[int, int]] = []

    def note(number: int) -> None:
        seen.append((number, threading.get_ident()))

    for number in range(5):
        sublime.set_timeout_async(functools.partial(note, number))
    harness.drain()
    assert [n for n, _ in seen] == [0, 1, 2, 3, 4]
    assert len({ident for _, ident in seen}) == 1


def test_run_ui_until_gives_up_with_an_assertion(sample: types.ModuleType) -> None:
    with pytest.raises(AssertionError, match="did not happen"):
        harness.run_ui_until(lambda: False, timeout=0.05)


# Network guard


@pytest.fixture
def listening_port() -> Iterator[int]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    try:
        yield server.getsockname()[1]
    finally:
        server.close()


@pytest.mark.parametrize("where", ["ui", "async"])
def test_network_guard_blocks_plugin_code_on_the_ui_and_async_threads(
    sample: types.ModuleType, listening_port: int, where: str
) -> None:
    window = sublime.active_window()
    window.run_command("sample_connect", {"port": listening_port, "where": where})
    harness.drain()
    assert entries(sample, "blocked")
    [problem] = harness.problems()["network calls on the UI or async thread"]  # though caught
    assert ("the UI thread" if where == "ui" else "Sublime's async thread") in problem


def test_network_guard_allows_a_thread_of_the_plugin_and_the_tests_own_code(
    sample: types.ModuleType, listening_port: int
) -> None:
    socket.create_connection(("127.0.0.1", listening_port), timeout=5).close()
    sublime.active_window().run_command(
        "sample_connect", {"port": listening_port, "where": "thread"}
    )
    harness.run_ui_until(lambda: len(sample.LOG) > 1)
    assert [entry[0] for entry in sample.LOG[1:]] == ["connected"]
    assert sample.LOG[1][1] != threading.get_ident()
    harness.check()


def test_network_guard_restores_sockets_when_disabled(sample: types.ModuleType) -> None:
    harness.disable_network_guard()
    assert "connect" not in socket.socket.__dict__
    assert socket.create_connection.__module__ == "socket"


# Quick panels, input panels, dialogs, the command palette


def test_quick_panel_records_its_items_and_answers_by_text_on_the_ui_thread(
    sample: types.ModuleType,
) -> None:
    harness.answer_quick_panel("gamma")
    sublime.active_window().run_command("sample_pick")
    panel = harness.last_quick_panel()
    assert panel.triggers == ["alpha", "beta", "gamma"]
    assert panel.placeholder == "Pick one"
    assert panel.items[0].kind == sublime.KIND_FUNCTION
    assert entries(sample, "picked") == []  # Sublime calls on_select later, never inside run()
    harness.drain()
    assert entries(sample, "picked") == [("picked", 2, threading.get_ident())]


def test_a_quick_panel_is_refused_while_another_is_open(sample: types.ModuleType) -> None:
    """Build 4200: "Quick Panel Unavailable", and the refused panel's on_select never runs."""
    window = sublime.active_window()
    window.run_command("sample_pick")
    window.run_command("sample_pick")
    first, second = harness.quick_panels()
    assert (first.is_open, second.is_open, second.refused) == (True, False, True)
    assert "Quick Panel Unavailable" in harness.console()
    harness.answer_quick_panel(0)
    harness.drain()
    assert [entry[1] for entry in entries(sample, "picked")] == [0]
    assert "misuse" not in harness.problems()  # two commands racing: no bug in either
    with pytest.raises(AssertionError, match="no item"):
        harness.answer_quick_panel("delta")  # queued for the next panel: checked on showing
        window.run_command("sample_pick")
        harness.answer_quick_panel("delta")


def test_a_panel_opened_from_on_select_is_refused_unless_deferred(
    sample: types.ModuleType,
) -> None:
    window = sublime.active_window()
    window.run_command("sample_chain", {"deferred": True})
    harness.answer_quick_panel("beta")
    harness.drain()
    assert harness.last_quick_panel().placeholder == "Then"
    assert harness.last_quick_panel().is_open
    harness.answer_quick_panel(-1)
    harness.drain()

    window.run_command("sample_chain", {"deferred": False})
    harness.answer_quick_panel("beta")
    harness.drain()
    assert harness.last_quick_panel().refused
    assert "opened from another's on_select" in harness.problems()["misuse"][0]


def test_input_panel_done_and_cancel(sample: types.ModuleType) -> None:
    window = sublime.active_window()
    window.run_command("sample_ask")
    assert harness.input_panels()[0].caption == "Name:"
    assert harness.input_panels()[0].initial_text == "initial"
    harness.answer_input_panel("orders")
    harness.answer_input_panel(None)
    window.run_command("sample_ask")
    harness.drain()
    assert [e for e in sample.LOG if e[0] in ("typed", "escaped")] == [
        ("typed", "orders"),
        ("escaped",),
    ]


def test_dialogs_return_what_sublime_returns(sample: types.ModuleType) -> None:
    harness.answer_dialog(True)
    harness.answer_dialog(sublime.DIALOG_NO)
    assert sublime.ok_cancel_dialog("Deploy?", "Deploy") is True
    answer = sublime.yes_no_cancel_dialog("Overwrite?")
    assert answer == sublime.DIALOG_NO
    assert isinstance(answer, sublime.DialogResult)
    sublime.error_message("It failed")
    assert harness.error_messages() == ["It failed"]
    assert [d.buttons for d in harness.dialogs("ok_cancel")] == [("Deploy", "Cancel")]
    harness.check()


def test_a_dialog_from_another_thread_than_the_ui_is_reported(sample: types.ModuleType) -> None:
    sublime.active_window().run_command("sample_warn_later")
    harness.drain()
    assert harness.error_messages() == ["from the async thread"]
    assert "opened from the async thread" in harness.problems()["misuse"][0]


def test_unexpected_dialog_and_unused_answers_are_reported(sample: types.ModuleType) -> None:
    with pytest.raises(AssertionError, match="unexpected ok_cancel dialog"):
        sublime.ok_cancel_dialog("Nobody expects this")
    harness.answer_input_panel("never asked")
    found = harness.problems()
    assert found["misuse"] and found["unused answers"] == ["input_panel: ['never asked']"]


# Views, files, events


def test_open_file_shows_the_view_at_once_and_loads_it_later(
    sample: types.ModuleType, tmp_path: Path
) -> None:
    path = tmp_path / "handler.py"
    path.write_text("def handler(event, context):\n    return 1\n", encoding="utf-8")
    view = sublime.active_window().open_file(str(path))
    assert view.file_name() == str(path)
    assert view.is_loading()
    assert view.size() == 0
    assert ("activated", view.id()) in sample.LOG
    assert entries(sample, "load") == []
    harness.drain()
    assert not view.is_loading()
    assert view.substr(sublime.Region(0, view.size())) == path.read_text(encoding="utf-8")
    assert entries(sample, "load") == [("load", str(path))]
    assert sublime.active_window().open_file(str(path)) == view  # already open: same view


def test_save_writes_the_file_and_fires_the_save_listeners(
    sample: types.ModuleType, tmp_path: Path
) -> None:
    path = tmp_path / "handler.py"
    path.write_text("old", encoding="utf-8")
    view = sublime.active_window().open_file(str(path))
    harness.save(view, "new text")
    assert path.read_text(encoding="utf-8") == "new text"
    assert not view.is_dirty()
    harness.drain()
    saves = [e for e in sample.LOG if e[0] in ("pre_save", "post_save", "post_save_async")]
    assert [e[0] for e in saves] == ["pre_save", "post_save", "post_save_async"]
    assert saves[0][1] == "new text"
    assert saves[0][2] == saves[1][1] == threading.get_ident() != saves[2][1]


def test_closing_a_view_tells_listeners_before_and_after(
    sample: types.ModuleType, tmp_path: Path
) -> None:
    path = tmp_path / "handler.py"
    path.write_text("", encoding="utf-8")
    window = sublime.active_window()
    other = window.new_file()
    view = window.open_file(str(path))
    harness.close(view)
    assert [e for e in sample.LOG if e[0] in ("pre_close", "close")] == [
        ("pre_close", True),
        ("close", str(path), None),
    ]
    assert not view.is_valid()
    assert window.views() == [other]
    assert window.active_view() == other


def test_output_panel_append_respects_read_only_unless_forced(sample: types.ModuleType) -> None:
    window = sublime.active_window()
    panel = window.create_output_panel("lambda")
    panel.run_command("append", {"characters": "one\n"})
    panel.set_read_only(True)
    panel.run_command("append", {"characters": "ignored\n"})
    panel.run_command("append", {"characters": "two\n", "force": True})
    window.run_command("show_panel", {"panel": "output.lambda"})
    assert harness.output_panel_text(window, "lambda") == "one\ntwo\n"
    assert window.active_panel() == "output.lambda"
    assert window.create_output_panel("lambda") == panel
    window.destroy_output_panel("lambda")
    assert window.find_output_panel("lambda") is None
    assert not panel.is_valid()


def test_status_messages_and_status_bar(sample: types.ModuleType) -> None:
    view = sublime.active_window().new_file()
    sublime.status_message("Deploying…")
    view.set_status("lambda", "λ orders")
    assert harness.status_messages() == ["Deploying…"]
    assert view.get_status("lambda") == "λ orders"
    assert harness.status_bar(view) == {"lambda": "λ orders"}
    view.erase_status("lambda")
    assert harness.status_bar(view) == {}


def test_new_window_becomes_active_and_project_folders_come_from_project_data(
    sample: types.ModuleType, tmp_path: Path
) -> None:
    first = sublime.active_window()
    sublime.run_command("new_window")
    second = sublime.active_window()
    assert second != first
    assert sublime.windows() == [second, first]
    assert second.project_data() is None
    second.set_project_data({"folders": [{"path": str(tmp_path)}]})
    assert second.folders() == [str(tmp_path)]
    assert first.folders() == []


# Settings and resources


def test_settings_layers_copies_and_change_callbacks(sample: types.ModuleType) -> None:
    settings = sublime.load_settings("Sample.sublime-settings")
    assert settings is not sublime.load_settings("Sample.sublime-settings")  # a new handle...
    assert settings.settings_id == sublime.load_settings("Sample.sublime-settings").settings_id
    changes: List[Any] = []
    settings.add_on_change("test", lambda: changes.append(settings.get("greeting")))
    items = settings.get("items")
    assert isinstance(items, list) and items == [1, 2]
    items.append(3)
    assert settings.get("items") == [1, 2]  # values are copies, as in Sublime
    settings.set("greeting", "hello")
    settings.erase("greeting")
    assert changes == ["hello", "hi // not a comment"]  # the package default shows again
    assert settings.get("missing", "fallback") == "fallback"
    settings.set("greeting", "saved")
    sublime.save_settings("Sample.sublime-settings")
    user_file = Path(sublime.packages_path(), "User", "Sample.sublime-settings")
    assert json.loads(user_file.read_text(encoding="utf-8")) == {"greeting": "saved"}


def test_user_settings_edited_on_disk_reach_add_on_change(sample: types.ModuleType) -> None:
    settings = sublime.load_settings("Sample.sublime-settings")
    seen: List[Any] = []
    settings.add_on_change("test", lambda: seen.append(settings.get("greeting")))
    harness.write_user_settings("Sample.sublime-settings", {"greeting": "from the user"})
    harness.drain()
    assert seen == ["from the user"]
    settings.clear_on_change("test")
    harness.write_user_settings("Sample.sublime-settings", {"greeting": "again"})
    harness.drain()
    assert seen == ["from the user"]


def test_resources_come_from_the_mapped_package(sample: types.ModuleType) -> None:
    assert sublime.find_resources("*.sublime-settings") == [
        "Packages/SamplePkg/Sample.sublime-settings"
    ]
    assert sublime.load_resource("Packages/SamplePkg/Sample.sublime-settings") == SAMPLE_SETTINGS
    with pytest.raises(FileNotFoundError):
        sublime.load_resource("Packages/SamplePkg/missing.json")
    decoded = sublime.decode_value(SAMPLE_SETTINGS)
    assert isinstance(decoded, dict) and decoded["items"] == [1, 2]
    for folder in (
        sublime.packages_path(),
        sublime.cache_path(),
        sublime.installed_packages_path(),
    ):
        assert os.path.isdir(folder)


def test_edit_settings_opens_the_package_and_user_settings_side_by_side(
    sample: types.ModuleType,
) -> None:
    sublime.active_window().run_command(
        "edit_settings",
        {"base_file": "${packages}/SamplePkg/Sample.sublime-settings", "default": "{\n\t$0\n}\n"},
    )
    window = sublime.active_window()
    base, user = window.active_view_in_group(0), window.active_view_in_group(1)
    assert len(sublime.windows()) == 2
    assert base is not None and user is not None
    harness.drain()  # the files load
    assert base.substr(sublime.Region(0, base.size())) == SAMPLE_SETTINGS
    assert user.file_name() == os.path.join(
        sublime.packages_path(), "User", "Sample.sublime-settings"
    )
    assert user.substr(sublime.Region(0, user.size())) == "{\n\t\n}\n"
    harness.check()


def test_edit_settings_with_a_missing_file_shows_an_error(sample: types.ModuleType) -> None:
    sublime.run_command(
        "edit_settings", {"base_file": "${packages}/SamplePkg/Nope.sublime-settings"}
    )
    assert harness.error_messages() == [
        'The settings file "res://Packages/SamplePkg/Nope.sublime-settings" could not be opened'
    ]
    assert len(sublime.windows()) == 1


def test_sublimes_folders_and_the_hosts_sys_path_are_laid_out_as_on_this_os(
    sample: types.ModuleType,
) -> None:
    home = Path(harness.home_folder())
    data = Path(sublime.packages_path()).parent
    library = f"python{sys.version_info[0]}{sys.version_info[1]}"
    installation = Path(sublime.executable_path()).parent
    expected = {
        "linux": (home / ".config" / "sublime-text", home / ".cache" / "sublime-text"),
        "osx": (
            home / "Library" / "Application Support" / "Sublime Text",
            home / "Library" / "Caches" / "Sublime Text",
        ),
        "windows": (
            home / "AppData" / "Roaming" / "Sublime Text",
            home / "AppData" / "Local" / "Sublime Text",
        ),
    }[sublime.platform()]

    assert (data, Path(sublime.cache_path())) == expected
    assert Path(sublime.installed_packages_path()) == data / "Installed Packages"
    assert sys.path[:2] == [str(installation / "Lib" / library), str(data / "Lib" / library)]
    assert os.path.expanduser("~") == str(home)
    harness.shutdown()
    assert str(installation / "Lib" / library) not in sys.path
    assert os.path.expanduser("~") != str(home)


def test_the_fixture_maps_this_repository_and_checks_at_teardown(
    sublime_app: types.ModuleType,  # noqa: F811 - the fixture imported above
) -> None:
    assert sublime_app is harness
    resources = sublime.find_resources("Default.sublime-commands")
    assert "Packages/LambdaEditor/Default.sublime-commands" in resources
    assert all("command" in entry for entry in harness.palette_commands())


# Faithful to the stubs


class Source:
    """A stub's text, and the text of its nodes (ast.get_source_segment, without its slowness)."""

    def __init__(self, text: str) -> None:
        self.lines = [line.encode("utf-8") for line in text.splitlines(keepends=True)]

    def segment(self, node: ast.AST) -> str:
        lines = self.lines[node.lineno - 1 : node.end_lineno]  # type: ignore[attr-defined]
        start, end = node.col_offset, node.end_col_offset  # type: ignore[attr-defined]
        if len(lines) == 1:
            return lines[0][start:end].decode("utf-8")
        return b"".join([lines[0][start:], *lines[1:-1], lines[-1][:end]]).decode("utf-8")


def _stub_tree(module: str) -> Tuple[Source, ast.Module]:
    try:
        distribution = importlib.metadata.distribution("sublime-text-stubs")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("sublime-text-stubs is not installed")
    path = Path(str(distribution.locate_file(f"{module}-stubs/__init__.pyi")))
    text = path.read_text(encoding="utf-8")
    return Source(text), ast.parse(text)


def _normalize(annotation: str) -> str:
    """An annotation's structure: spelling (spaces, quotes, Python version) does not matter."""
    return ast.dump(ast.parse(annotation.strip(), mode="eval")) if annotation else ""


def _stub_parameters(source: Source, function: ast.FunctionDef) -> List[Tuple[str, str, bool, str]]:
    """(name, kind, has a default, annotation) of each parameter, as the stub declares it."""
    arguments = function.args
    positional = [(a, "POSITIONAL_ONLY") for a in arguments.posonlyargs]
    positional += [(a, "POSITIONAL_OR_KEYWORD") for a in arguments.args]
    first_default = len(positional) - len(arguments.defaults)
    found = [
        (arg.arg, kind, index >= first_default, arg.annotation)
        for index, (arg, kind) in enumerate(positional)
    ]
    if arguments.vararg:
        found.append((arguments.vararg.arg, "VAR_POSITIONAL", False, arguments.vararg.annotation))
    for arg, default in zip(arguments.kwonlyargs, arguments.kw_defaults):
        found.append((arg.arg, "KEYWORD_ONLY", default is not None, arg.annotation))
    if arguments.kwarg:
        found.append((arguments.kwarg.arg, "VAR_KEYWORD", False, arguments.kwarg.annotation))
    return [
        (name, kind, default, _normalize(source.segment(note)) if note else "")
        for name, kind, default, note in found
    ]


def _standin_parameters(function: Any) -> List[Tuple[str, str, bool, str]]:
    signature = inspect.signature(function)
    return [
        (
            p.name,
            p.kind.name,
            p.default is not inspect.Parameter.empty,
            "" if p.annotation is inspect.Parameter.empty else _normalize(str(p.annotation)),
        )
        for p in signature.parameters.values()
    ]


def _stub_return(source: Source, function: ast.FunctionDef) -> str:
    return _normalize(source.segment(function.returns)) if function.returns else ""


def _compare(source: Source, stub: ast.FunctionDef, implementation: Any, where: str) -> List[str]:
    if isinstance(implementation, (classmethod, staticmethod)):
        implementation = implementation.__func__
    expected = _stub_parameters(source, stub)
    actual = _standin_parameters(implementation)
    returns = inspect.signature(implementation).return_annotation
    differences = []
    if actual != expected:
        differences.append(f"{where}: parameters {actual} != stub {expected}")
    if _normalize(str(returns)) != _stub_return(source, stub):
        differences.append(f"{where}: returns {returns} != stub {_stub_return(source, stub)}")
    return differences


def _functions(body: List[ast.stmt]) -> Dict[str, ast.FunctionDef]:
    return {node.name: node for node in body if isinstance(node, ast.FunctionDef)}


def _imported_names(module: types.ModuleType) -> Set[str]:
    tree = ast.parse(inspect.getsource(module))
    names: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


# Not in the stubs, but in Sublime's modules too: run() of the command base classes, filter_args(),
# and the methods with a trailing underscore that the plugin host calls.
NOT_IN_STUBS_BUT_REAL = {"run", "filter_args"}


def _signature_differences(module: types.ModuleType, stub_name: str) -> Tuple[List[str], Set[str]]:
    source, tree = _stub_tree(stub_name)
    stub_functions = _functions(tree.body)
    stub_classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    differences: List[str] = []
    implemented: Set[str] = set()
    imported = _imported_names(module)
    for name, value in vars(module).items():
        if name.startswith("_") or name in imported:
            continue
        if inspect.isfunction(value):
            if name not in stub_functions:
                differences.append(f"{name}: not in the stubs")
                continue
            implemented.add(name)
            differences += _compare(source, stub_functions[name], value, name)
        elif inspect.isclass(value) and value.__module__ == module.__name__:
            if name not in stub_classes:
                differences.append(f"class {name}: not in the stubs")
                continue
            implemented.add(name)
            methods = _functions(stub_classes[name].body)
            for method_name, method in vars(value).items():
                if not callable(method) and not isinstance(method, classmethod):
                    continue
                private = method_name.endswith("_") and not method_name.endswith("__")
                if method_name.startswith("_") and not method_name.startswith("__"):
                    continue
                if private or method_name in NOT_IN_STUBS_BUT_REAL:
                    continue
                if method_name not in methods:
                    if not method_name.startswith("__"):
                        differences.append(f"{name}.{method_name}: not in the stubs")
                    continue
                implemented.add(f"{name}.{method_name}")
                where = f"{name}.{method_name}"
                differences += _compare(source, methods[method_name], method, where)
    return differences, implemented


def test_the_stubs_are_for_the_build_the_standin_imitates() -> None:
    _stub_tree("sublime")  # skips when the stubs are not installed
    stubs = importlib.metadata.version("sublime-text-stubs")
    assert stubs.split(".")[0] == standin_sublime.version(), (
        f"sublime-text-stubs {stubs} describe another build than the stand-in's "
        f"{standin_sublime.version()}: pin the stubs, or update the stand-in to their signatures"
    )


# What the package calls: the stand-in must have it, with the stubs' signature.
REQUIRED_SUBLIME = [
    "platform",
    "executable_path",
    "packages_path",
    "installed_packages_path",
    "cache_path",
    "status_message",
    "error_message",
    "message_dialog",
    "ok_cancel_dialog",
    "yes_no_cancel_dialog",
    "run_command",
    "load_resource",
    "find_resources",
    "load_settings",
    "save_settings",
    "set_timeout",
    "set_timeout_async",
    "active_window",
    "windows",
    "decode_value",
    "expand_variables",
    "Window",
    "Window.id",
    "Window.views",
    "Window.active_view",
    "Window.open_file",
    "Window.new_file",
    "Window.find_open_file",
    "Window.bring_to_front",
    "Window.show_quick_panel",
    "Window.show_input_panel",
    "Window.create_output_panel",
    "Window.find_output_panel",
    "Window.destroy_output_panel",
    "Window.run_command",
    "Window.status_message",
    "Window.project_data",
    "Window.set_project_data",
    "Window.folders",
    "Window.active_panel",
    "View",
    "View.id",
    "View.file_name",
    "View.window",
    "View.size",
    "View.substr",
    "View.run_command",
    "View.set_read_only",
    "View.is_read_only",
    "View.set_scratch",
    "View.set_name",
    "View.name",
    "View.assign_syntax",
    "View.settings",
    "View.set_status",
    "View.erase_status",
    "View.is_dirty",
    "View.is_loading",
    "View.match_selector",
    "View.syntax",
    "Region",
    "Region.begin",
    "Region.end",
    "QuickPanelItem",
    "Settings",
    "Settings.get",
    "Settings.set",
    "Settings.has",
    "Settings.add_on_change",
    "Settings.clear_on_change",
]

REQUIRED_PLUGIN = [
    "ApplicationCommand",
    "WindowCommand",
    "EventListener",
    "Command.name",
    "Command.is_enabled",
    "WindowCommand.__init__",
]


@pytest.mark.parametrize(
    ("module", "stub_name", "required"),
    [
        (standin_sublime, "sublime", REQUIRED_SUBLIME),
        (standin_plugin, "sublime_plugin", REQUIRED_PLUGIN),
    ],
)
def test_signatures_are_the_stubs_signatures(
    module: types.ModuleType, stub_name: str, required: List[str]
) -> None:
    differences, implemented = _signature_differences(module, stub_name)
    assert differences == []
    assert sorted(set(required) - implemented) == []


def test_constants_and_enums_are_the_stubs_values() -> None:
    """Each enum and constant the stand-in has (the ones the package uses) has the stubs' value."""
    source, tree = _stub_tree("sublime")
    checked = 0
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and any(
            source.segment(base).startswith("enum.") for base in node.bases
        ):
            implementation = getattr(standin_sublime, node.name, None)
            if implementation is None:
                continue
            values = {
                s.targets[0].id: ast.literal_eval(s.value)  # type: ignore[attr-defined]
                for s in node.body
                if isinstance(s, ast.Assign)
            }
            assert issubclass(implementation, enum.Enum)
            members = {m: v.value for m, v in implementation.__members__.items()}
            assert members == values, node.name
            checked += 1
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            expression = source.segment(node.value)
            if not isinstance(target, ast.Name) or expression.startswith("TypeVar"):
                continue
            if not hasattr(standin_sublime, target.id):
                continue
            expected = eval(expression, vars(standin_sublime))
            actual = getattr(standin_sublime, target.id)
            assert (actual, type(actual)) == (expected, type(expected)), target.id
            checked += 1
    used = {"KIND_FUNCTION", "KIND_VARIABLE", "KIND_SNIPPET", "DIALOG_YES", "DIALOG_NO"}
    assert used <= set(vars(standin_sublime))
    assert checked >= 20
