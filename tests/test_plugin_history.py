"""Show Deploy History, comparing an entry, and rolling back, through the Sublime stand-in."""

from __future__ import annotations

from typing import Tuple

from conftest import HELLO
from sublime_standin import harness
from test_plugin_deploy import CONFLICT_CHOICES
from test_plugin_support import (
    Plugin,
    deploy_status,
    plugin_fixture,  # noqa: F401 - the fixture
    settle,
    view_text,
    wait_for_quick_panel,
)

# isort: split
import sublime

from lambda_editor import history

MINE = "def handler(event, context):\n    return 'mine'\n"


def deployed_once(plugin: Plugin) -> Tuple[str, sublime.View]:
    """A function downloaded, then edited and deployed: two entries in its history."""
    name = plugin.functions.create(prefix="history")
    view = plugin.edit(name)
    harness.save(view, MINE)
    plugin.wait_for_deploys(name)
    return name, view


def show_history(view: sublime.View) -> harness.QuickPanelRecord:
    window = view.window()
    assert window is not None
    window.run_command("lambda_show_deploy_history")
    return wait_for_quick_panel("the history")


def roll_back_to_the_download(view: sublime.View) -> None:
    """Choose the history's entry of the download, then "Roll back to this…"."""
    show_history(view)
    harness.answer_quick_panel(1)
    harness.answer_quick_panel("Roll back to this…")


def confirm_the_rollback(plugin: Plugin, name: str) -> None:
    """Say yes, then wait until the files are restored and the deploy that follows has run."""
    harness.answer_dialog(True)
    plugin.wait_for_status("the files it replaced or removed are in")
    settle()
    plugin.wait_for_deploys(name)


def test_the_history_lists_each_deploy_and_compares_one_with_the_files(plugin: Plugin) -> None:
    _name, view = deployed_once(plugin)
    window = view.window()
    assert window is not None

    panel = show_history(view)
    harness.answer_quick_panel(1)  # the download
    harness.answer_quick_panel("Show what differs from your files")
    harness.run_ui_until(
        lambda: any(v.name().startswith("History ") for v in window.views()), what="the diff"
    )

    newest, pulled = panel.items
    assert " · deployed · " in newest.trigger and newest.annotation == "deployed now"
    assert newest.details[0] == "1 changed: app.py"
    assert " · pulled · " in pulled.trigger and pulled.annotation == "#2"
    diff = view_text(next(v for v in window.views() if v.name().startswith("History ")))
    assert "+    return 'mine'" in diff
    assert "/app.py" in diff


def test_rolling_back_restores_the_files_keeps_a_backup_and_deploys(plugin: Plugin) -> None:
    name, view = deployed_once(plugin)
    root = plugin.workspace(name)

    roll_back_to_the_download(view)
    confirm_the_rollback(plugin, name)

    assert (root / "app.py").read_text() == HELLO["app.py"]
    (backup,) = root.parent.glob(f"{name}.backup-*")
    assert (backup / "app.py").read_text() == MINE
    assert plugin.deployed(name)["app.py"] == HELLO["app.py"].encode()
    assert f"{name} deployed" in deploy_status(view)
    assert len(history.entries(str(root))) == 3


def test_a_rollback_over_unsaved_changes_is_refused(plugin: Plugin) -> None:
    name, view = deployed_once(plugin)
    harness.set_text(view, "unsaved\n")

    roll_back_to_the_download(view)
    harness.run_ui_until(lambda: bool(harness.error_messages()), what="the refusal")

    assert "app.py has unsaved changes" in harness.error_messages()[-1]
    assert (plugin.workspace(name) / "app.py").read_text() == MINE
    assert not harness.dialogs("ok_cancel")


def test_a_rollback_over_a_remote_change_asks_what_to_do(plugin: Plugin) -> None:
    name, view = deployed_once(plugin)
    plugin.functions.update_configuration(name, Timeout=11)  # someone else

    roll_back_to_the_download(view)
    confirm_the_rollback(plugin, name)
    panel = wait_for_quick_panel("the conflict choices")

    assert panel.triggers == CONFLICT_CHOICES
    assert plugin.deployed(name)["app.py"] == MINE.encode()
    harness.answer_quick_panel("Cancel")
    settle()
