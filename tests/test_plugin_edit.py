"""Lambda: Edit Function… in the Sublime stand-in, against the local endpoint."""

from __future__ import annotations

from typing import Any

from sublime_standin import harness
from test_plugin_support import (
    Plugin,
    plugin_fixture,  # noqa: F401 - the fixture
    settle,
    wait_for_quick_panel,
)

from lambda_editor.units import format_size

# isort: split
import sublime

EDITED = "def handler(event, context):\n    return 'edited locally'\n"


def describe(functions: Any, name: str, description: str) -> None:
    functions.update_configuration(name, Description=description)


def test_the_function_list_shows_name_runtime_architecture_size_and_description(
    plugin: Plugin,
) -> None:
    name = plugin.functions.create(prefix="edit")
    describe(plugin.functions, name, "Greets the caller")

    sublime.active_window().run_command("lambda_edit_function")
    panel = wait_for_quick_panel("the function list")

    item = panel.items[panel.triggers.index(name)]
    assert isinstance(item, sublime.QuickPanelItem)
    assert item.trigger == name
    assert isinstance(item.details, list)
    assert item.details[0] == "Greets the caller"
    size = plugin.functions.client.get_function_configuration(FunctionName=name)["CodeSize"]
    assert item.details[1].startswith(f"{format_size(size)} · modified ")
    assert item.annotation == "python3.12 · x86_64"
    assert panel.thread == "ui"
    harness.answer_quick_panel(-1)
    settle()


def test_picking_a_function_opens_its_workspace_in_a_new_window(plugin: Plugin) -> None:
    name = plugin.functions.create(prefix="edit")
    first_window = sublime.active_window()

    view = plugin.edit(name)

    root = plugin.workspace(name)
    window = view.window()
    assert window is not None
    assert window.id() != first_window.id()
    assert window.folders() == [str(root)]
    project: Any = window.project_data()
    assert ".lambda-editor" in project["folders"][0]["folder_exclude_patterns"]
    assert view.file_name() == str(root / "app.py")
    assert "def handler(event, context):" in view.substr(sublime.Region(0, view.size()))
    assert (root / ".lambda-editor" / "function.json").is_file()
    assert len(sublime.windows()) == 2
    assert any(f"{name} downloaded" in message for message in harness.status_messages())


def test_what_the_download_left_out_is_told_in_a_dialog(plugin: Plugin) -> None:
    hello = "def handler(event, context):\n    return 'hello'\n"
    nested = {"app.py": hello, "sub/.lambda-editor/function.json": "{}"}
    name = plugin.functions.create(nested, prefix="edit")

    plugin.edit(name)

    [told] = harness.dialogs("message")
    assert "workspace folders of its own (sub/.lambda-editor/)" in told.message
    assert not (plugin.workspace(name) / "sub" / ".lambda-editor").exists()


def test_the_second_run_shows_the_cached_list_at_once_and_refreshes_it_behind(
    plugin: Plugin,
) -> None:
    name = plugin.functions.create(prefix="edit")
    window = sublime.active_window()
    window.run_command("lambda_edit_function")
    wait_for_quick_panel("the function list")
    harness.answer_quick_panel(-1)
    settle()
    created_later = plugin.functions.create(prefix="later")
    shown = len(harness.quick_panels())

    window.run_command("lambda_edit_function")  # no pumping: nothing async has run yet

    cached = harness.last_quick_panel()
    assert len(harness.quick_panels()) == shown + 1
    assert cached.is_open
    assert cached.thread == "ui"
    assert name in cached.triggers
    assert created_later not in cached.triggers  # the cache, not a new listing
    harness.answer_quick_panel(-1)
    settle()  # the refresh behind the panel

    window.run_command("lambda_edit_function")

    assert created_later in harness.last_quick_panel().triggers
    harness.answer_quick_panel(-1)
    settle()


def test_undeployed_changes_cancel_leaves_everything_as_it_is(plugin: Plugin) -> None:
    name = plugin.functions.create(prefix="edit")
    plugin.edit(name)
    handler = plugin.workspace(name) / "app.py"
    handler.write_text(EDITED)
    windows = len(sublime.windows())

    harness.answer_dialog(sublime.DialogResult.CANCEL)
    plugin.start_edit(name)
    harness.run_ui_until(lambda: harness.dialogs("yes_no_cancel"), what="the question")
    settle()

    question = harness.dialogs("yes_no_cancel")[-1]
    assert "never deployed" in question.message
    assert "app.py" in question.message
    assert question.buttons[:2] == ("Open As It Is", "Re-download")
    assert handler.read_text() == EDITED
    assert len(sublime.windows()) == windows
    assert list(plugin.workspace(name).parent.glob(f"{name}.backup-*")) == []


def open_as_it_is(plugin: Plugin, name: str) -> None:
    """Edit the workspace on disk, then "Edit Function…" it again from the first window."""
    first_window = sublime.active_window()
    plugin.edit(name)
    (plugin.workspace(name) / "app.py").write_text(EDITED)
    first_window.bring_to_front()
    harness.answer_dialog(sublime.DialogResult.YES)
    plugin.start_edit(name)
    harness.run_ui_until(lambda: harness.dialogs("yes_no_cancel"), what="the question")
    settle()


def test_undeployed_changes_open_as_it_is_keeps_the_edit(plugin: Plugin) -> None:
    name = plugin.functions.create(prefix="edit")
    marker = plugin.workspace(name) / ".lambda-editor" / "function.json"

    open_as_it_is(plugin, name)

    assert (plugin.workspace(name) / "app.py").read_text() == EDITED
    assert len(sublime.windows()) == 2
    assert list(plugin.workspace(name).parent.glob(f"{name}.backup-*")) == []
    assert marker.is_file()
    workspace_window = plugin.windows_of(name)[0]
    active = workspace_window.active_view()
    assert active is not None
    assert active.file_name() == str(plugin.workspace(name) / "app.py")


def test_undeployed_changes_open_as_it_is_brings_the_workspace_window_to_front(
    plugin: Plugin,
) -> None:
    name = plugin.functions.create(prefix="edit")

    open_as_it_is(plugin, name)

    assert sublime.active_window().folders() == [str(plugin.workspace(name))]


def test_undeployed_changes_redownload_keeps_a_backup_with_the_edit(plugin: Plugin) -> None:
    name = plugin.functions.create(prefix="edit")
    plugin.edit(name)
    root = plugin.workspace(name)
    deployed = (root / "app.py").read_text()
    (root / "app.py").write_text(EDITED)

    harness.answer_dialog(sublime.DialogResult.NO)
    plugin.start_edit(name)
    plugin.wait_for_status("your previous copy is in")
    settle()

    backups = list(root.parent.glob(f"{name}.backup-*"))
    assert [(backup / "app.py").read_text() for backup in backups] == [EDITED]
    assert (root / "app.py").read_text() == deployed
    assert len(sublime.windows()) == 2  # the workspace's window is reused
