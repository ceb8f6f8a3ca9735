"""Deploy on save, Deploy Now, conflicts and failed updates, through the Sublime stand-in."""

from __future__ import annotations

import re
from typing import Tuple

from conftest import zip_files
from sublime_standin import harness
from test_plugin_support import (
    Plugin,
    adapter,
    deploy_status,
    local_files,
    plugin_fixture,  # noqa: F401 - the fixture
    settle,
    view_text,
    wait_for_quick_panel,
)

# isort: split
import sublime

MINE = "def handler(event, context):\n    return 'mine'\n"
THEIRS = "def handler(event, context):\n    return 'theirs'\n"
CONFLICT_CHOICES = ["Show what differs", "Deploy anyway", "Re-download", "Cancel"]


def version(number: int) -> str:
    return f"def handler(event, context):\n    return {number}\n"


def deployed_by_someone_else(plugin: Plugin, name: str) -> None:
    client = plugin.functions.client
    client.update_function_code(FunctionName=name, ZipFile=zip_files({"app.py": THEIRS}))
    client.get_waiter("function_updated_v2").wait(FunctionName=name)


def test_saving_deploys_the_workspace_and_the_status_bar_tells(plugin: Plugin) -> None:
    name = plugin.functions.create(prefix="deploy")
    view = plugin.edit(name)
    uploads = plugin.uploads(name)

    harness.save(view, MINE)
    plugin.wait_for_deploys(name)

    assert re.fullmatch(rf"Lambda: {name} deployed \d\d:\d\d:\d\d \(.+\)", deploy_status(view))
    messages = harness.status_messages()
    deploying = [m for m in messages if m.startswith(f"Lambda: deploying {name} (")]
    deployed = [m for m in messages if m.startswith(f"Lambda: {name} deployed ")]
    assert deploying and deployed
    assert messages.index(deploying[0]) < messages.index(deployed[0])
    assert plugin.uploads(name) == uploads + 1
    assert plugin.deployed(name) == local_files(plugin.workspace(name))
    assert plugin.deployed(name)["app.py"] == MINE.encode()


def test_a_save_without_changes_uploads_nothing(plugin: Plugin) -> None:
    name = plugin.functions.create(prefix="deploy")
    view = plugin.edit(name)
    uploads = plugin.uploads(name)

    harness.save(view)
    plugin.wait_for_deploys(name)

    assert deploy_status(view) == f"Lambda: {name}: no changes to deploy"
    assert plugin.uploads(name) == uploads


def test_saving_a_test_event_deploys_nothing(plugin: Plugin) -> None:
    name = plugin.functions.create(prefix="deploy")
    view = plugin.edit(name)
    window = view.window()
    assert window is not None
    event = plugin.workspace(name) / ".lambda-editor" / "events" / "ping.json"
    event.parent.mkdir(parents=True)
    event.write_text("{}")
    event_view = window.open_file(str(event))

    harness.save(event_view, '{"ping": true}')
    plugin.wait_for_deploys(name)
    settle()

    assert deploy_status(event_view) == ""


def test_several_quick_saves_end_with_the_last_one_deployed(plugin: Plugin) -> None:
    name = plugin.functions.create(prefix="deploy")
    view = plugin.edit(name)
    uploads = plugin.uploads(name)

    for number in range(5):
        harness.save(view, version(number))
        harness.pump()
    plugin.wait_for_deploys(name)

    assert plugin.deployed(name)["app.py"] == version(4).encode()
    assert 1 <= plugin.uploads(name) - uploads <= 5
    # The last coalesced deploy may find the latest save already deployed by the one before.
    assert re.search(r" deployed \d\d:|: no changes to deploy$", deploy_status(view))
    harness.save(view)  # the marker knows the last deploy: nothing left to upload
    plugin.wait_for_deploys(name)
    assert deploy_status(view) == f"Lambda: {name}: no changes to deploy"


def test_a_save_in_a_file_outside_any_workspace_deploys_nothing(plugin: Plugin) -> None:
    name = plugin.functions.create(prefix="deploy")
    plugin.edit(name)
    outside = plugin.workspace_root / "notes.py"
    outside.write_text("x = 1\n")
    view = sublime.active_window().open_file(str(outside))
    uploads = plugin.uploads(name)

    harness.save(view, "x = 2\n")
    settle()

    assert plugin.uploads(name) == uploads
    assert deploy_status(view) == ""


def test_deploy_on_save_off_waits_for_deploy_now(plugin: Plugin) -> None:
    name = plugin.functions.create(prefix="deploy")
    view = plugin.edit(name)
    plugin.settings(deploy_on_save=False)
    uploads = plugin.uploads(name)

    harness.save(view, MINE)
    plugin.wait_for_deploys(name)
    assert plugin.uploads(name) == uploads

    window = view.window()
    assert window is not None
    window.run_command("lambda_deploy_now")
    plugin.wait_for_deploys(name)

    assert plugin.uploads(name) == uploads + 1
    assert plugin.deployed(name)["app.py"] == MINE.encode()


def conflict(plugin: Plugin) -> Tuple[str, sublime.View, int]:
    """A function changed in AWS after the download, then a local save: the refused deploy."""
    name = plugin.functions.create(prefix="conflict")
    view = plugin.edit(name)
    deployed_by_someone_else(plugin, name)
    uploads = plugin.uploads(name)
    harness.save(view, MINE)
    plugin.wait_for_deploys(name)
    return name, view, uploads


def test_a_conflicting_save_is_refused_and_the_user_is_asked(plugin: Plugin) -> None:
    name, view, uploads = conflict(plugin)

    panel = wait_for_quick_panel("the conflict choices")

    assert panel.triggers == CONFLICT_CHOICES
    assert panel.placeholder is not None
    assert "changed in AWS since it was downloaded" in panel.placeholder
    assert "changed in AWS" in deploy_status(view)
    assert plugin.uploads(name) == uploads + 1  # one request, refused
    assert plugin.deployed(name)["app.py"] == THEIRS.encode()

    harness.answer_quick_panel("Cancel")
    settle()

    assert plugin.deployed(name)["app.py"] == THEIRS.encode()
    assert view_text(view) == MINE


def test_show_what_differs_opens_a_diff_of_both_versions(plugin: Plugin) -> None:
    name, view, _uploads = conflict(plugin)
    wait_for_quick_panel("the conflict choices")
    window = view.window()
    assert window is not None

    harness.answer_quick_panel("Show what differs")
    harness.run_ui_until(
        lambda: any(v.name() == "Deployed ↔ local" for v in window.views()), what="the diff view"
    )

    diff = next(v for v in window.views() if v.name() == "Deployed ↔ local")
    text = view_text(diff)
    syntax = diff.syntax()
    assert syntax is not None
    assert syntax.name == "Diff"
    assert "-    return 'theirs'" in text
    assert "+    return 'mine'" in text
    assert "app.py" in text
    assert diff.is_read_only()
    assert plugin.deployed(name)["app.py"] == THEIRS.encode()


def test_deploy_anyway_overwrites_the_remote_change(plugin: Plugin) -> None:
    name, view, uploads = conflict(plugin)
    wait_for_quick_panel("the conflict choices")

    harness.answer_quick_panel("Deploy anyway")
    settle()
    plugin.wait_for_deploys(name)

    assert plugin.deployed(name)["app.py"] == MINE.encode()
    assert plugin.uploads(name) == uploads + 2
    assert f"{name} deployed" in deploy_status(view)


def test_redownload_after_a_conflict_takes_the_remote_code_and_keeps_a_backup(
    plugin: Plugin,
) -> None:
    name, _view, _uploads = conflict(plugin)
    wait_for_quick_panel("the conflict choices")

    harness.answer_quick_panel("Re-download")
    plugin.wait_for_status(f"re-downloaded {name}")
    settle()

    root = plugin.workspace(name)
    assert (root / "app.py").read_text() == THEIRS
    backups = list(root.parent.glob(f"{name}.backup-*"))
    assert [(backup / "app.py").read_text() for backup in backups] == [MINE]
    assert plugin.deployed(name)["app.py"] == THEIRS.encode()


def failed_update(plugin: Plugin) -> Tuple[str, sublime.View]:
    """A save whose update AWS accepts, then reports `Failed`."""
    name = plugin.functions.create(prefix="failed")
    view = plugin.edit(name)
    plugin.sandbox.fail_next_update(name, "boom")
    harness.save(view, MINE)
    plugin.wait_for_deploys(name)
    return name, view


def test_a_failed_update_says_why_and_keeps_the_edits(plugin: Plugin) -> None:
    name, view = failed_update(plugin)

    assert f"The update of {name} failed: boom" in deploy_status(view)
    assert any("failed: boom" in message for message in harness.status_messages())
    assert (plugin.workspace(name) / "app.py").read_text() == MINE
    assert view_text(view) == MINE
    assert not any(panel.is_open for panel in harness.quick_panels())  # not a conflict


def test_deploy_now_retries_a_failed_update(plugin: Plugin) -> None:
    name, view = failed_update(plugin)
    window = view.window()
    assert window is not None

    window.run_command("lambda_deploy_now")
    plugin.wait_for_deploys(name)

    assert f"{name} deployed" in deploy_status(view)
    assert plugin.deployed(name)["app.py"] == MINE.encode()


def test_deploy_now_is_disabled_in_a_window_without_a_workspace(plugin: Plugin) -> None:
    window = sublime.active_window()

    window.run_command("lambda_deploy_now")

    assert harness.commands("lambda_deploy_now")[-1].outcome == "disabled"


def test_saving_a_file_of_a_backup_does_not_deploy_it(plugin: Plugin) -> None:
    name = plugin.functions.create(prefix="backup")
    plugin.edit(name)
    root = plugin.workspace(name)
    (root / "app.py").write_text(MINE)
    harness.answer_dialog(sublime.DialogResult.NO)
    plugin.start_edit(name)
    plugin.wait_for_status("your previous copy is in")
    [backup] = root.parent.glob(f"{name}.backup-*")
    uploads = plugin.uploads(name)

    view = sublime.active_window().open_file(str(backup / "app.py"))
    harness.save(view, MINE + "# copied from\n")
    settle()
    adapter("deploying").queue().wait_idle(30)
    settle()

    assert plugin.uploads(name) == uploads
    assert plugin.deployed(name)["app.py"] != (MINE + "# copied from\n").encode()


def test_deploy_messages_go_to_the_window_of_the_workspace(plugin: Plugin) -> None:
    name = plugin.functions.create(prefix="win")
    view = plugin.edit(name)
    workspace_window = view.window()
    other = sublime.windows()[-1]
    assert workspace_window is not None and other != workspace_window
    other.bring_to_front()

    harness.save(view, MINE)
    plugin.wait_for_deploys(name)

    assert sublime.active_window() == other
    assert any(f"{name} deployed" in m for m in harness.status_messages(workspace_window))
    assert not any("deploy" in m for m in harness.status_messages(other))


def test_a_conflict_arriving_while_a_panel_of_ours_is_open_waits_for_it_to_close(
    plugin: Plugin,
) -> None:
    name = plugin.functions.create(prefix="conflict")
    view = plugin.edit(name)
    window = view.window()
    assert window is not None
    deployed_by_someone_else(plugin, name)

    harness.save(view, MINE)
    window.run_command("lambda_select_region")  # the user opens a panel while it deploys
    regions = wait_for_quick_panel("the regions")
    plugin.wait_for_deploys(name)

    assert "changed in AWS" in deploy_status(view)
    assert harness.last_quick_panel() is regions  # the question waits
    harness.answer_quick_panel(-1)
    choices = wait_for_quick_panel("the conflict choices")
    assert choices.triggers == CONFLICT_CHOICES
    assert not any(panel.refused for panel in harness.quick_panels())
    harness.answer_quick_panel("Cancel")
    settle()


def test_a_conflict_while_another_packages_panel_is_open_stays_reachable_from_deploy_now(
    plugin: Plugin,
) -> None:
    name = plugin.functions.create(prefix="conflict")
    view = plugin.edit(name)
    window = view.window()
    assert window is not None
    deployed_by_someone_else(plugin, name)

    harness.save(view, MINE)
    window.show_quick_panel(["another package's panel"], lambda index: None)
    plugin.wait_for_deploys(name)

    refused = harness.last_quick_panel()
    assert refused.refused and refused.triggers == CONFLICT_CHOICES  # Sublime could not show it
    assert 'Run "Lambda: Deploy Now" to choose' in deploy_status(view)
    harness.answer_quick_panel(-1)  # the other panel closes
    settle()
    uploads = plugin.uploads(name)

    window.run_command("lambda_deploy_now")
    choices = wait_for_quick_panel("the conflict choices")

    assert choices.triggers == CONFLICT_CHOICES
    assert plugin.uploads(name) == uploads  # asked, not deployed again
    harness.answer_quick_panel("Deploy anyway")
    settle()
    plugin.wait_for_deploys(name)
    assert plugin.deployed(name)["app.py"] == MINE.encode()
