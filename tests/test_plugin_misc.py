"""boto3 missing, profile and region choices, workspaces, and what the palette and menu name."""

from __future__ import annotations

import inspect
import json
import os
import signal
import stat
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
from sublime_standin import harness
from test_plugin_support import (
    PIP_PANEL,
    PLUGIN_MODULE,
    SETTINGS_FILE,
    Plugin,
    adapter,
    plugin_fixture,  # noqa: F401 - the fixture
    settle,
    view_text,
    wait_for_quick_panel,
)
from test_reliability import crash_at

from lambda_editor import actions, boto_install
from lambda_editor.errors import BotoMissingError

# isort: split
import sublime
import sublime_plugin

REPO = Path(__file__).resolve().parent.parent
# Commands that Sublime itself (or its Default package) provides.
BUILT_IN = {"edit_settings"}

FAKE_PIP = """#!/bin/sh
# Answers like a Python: the probe (-c) succeeds; "pip install --target T" puts boto3's family
# (and urllib3, which boto3 needs too) into T, as pip would.
if [ "$1" = "-c" ]; then printf "%s\\n3.12" "$0"; exit 0; fi
while [ $# -gt 0 ]; do
    if [ "$1" = "--target" ]; then target="$2"; fi
    shift
done
echo "Collecting boto3"
for library in boto3-1.37.38 botocore-1.37.38 s3transfer-0.11.4 urllib3-1.26.20; do
    mkdir -p "$target/${{library%-*}}" "$target/$library.dist-info"
    echo "VERSION = '${{library#*-}}'" > "$target/${{library%-*}}/__init__.py"
done
echo "Successfully installed boto3-1.37.38 botocore-1.37.38 s3transfer-0.11.4 urllib3-1.26.20"
exit {status}
"""
MISSING = boto_install.MissingLibraries(("boto3", "botocore", "s3transfer"), ())


@pytest.fixture
def without_boto3(plugin: Plugin, monkeypatch: pytest.MonkeyPatch) -> None:
    """The plugin host cannot import boto3."""
    monkeypatch.setattr(adapter("boto").boto_install, "missing_libraries", lambda: MISSING)


def fake_python(plugin: Plugin, tmp_path: Path, status: int = 0) -> Path:
    """A "Python" whose pip only pretends, set as the python_interpreter setting."""
    script = tmp_path / "fake-python"
    script.write_text(FAKE_PIP.format(status=status))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    plugin.settings(python_interpreter=str(script))
    return script


def user_settings() -> Dict[str, Any]:
    path = os.path.join(sublime.packages_path(), "User", SETTINGS_FILE)
    with open(path, encoding="utf-8") as handle:
        return dict(json.load(handle))


# boto3


def test_install_boto3_goes_into_the_data_folder_and_leaves_the_shared_libraries_alone(
    plugin: Plugin, without_boto3: None, tmp_path: Path
) -> None:
    script = fake_python(plugin, tmp_path)
    window = sublime.active_window()
    version = f"{sys.version_info[0]}{sys.version_info[1]}"
    data_library = Path(sublime.packages_path()).parent / "Lib" / f"python{version}"
    install_library = Path(sublime.executable_path()).parent / "Lib" / f"python{version}"
    assert sys.path.index(str(install_library)) < sys.path.index(str(data_library))

    window.run_command("lambda_install_boto3")
    text = plugin.wait_for_panel(window, "Restart Sublime Text", PIP_PANEL)

    host = f"Sublime Text's Python {sys.version_info[0]}.{sys.version_info[1]} plugin host"
    assert f"Installing boto3 for {host} into {data_library}\n" in text
    assert f"$ {script} -m pip install " in text
    assert f" --python-version {sys.version_info[0]}.{sys.version_info[1]} " in text
    assert "Collecting boto3\nSuccessfully installed" in text
    assert "Installed boto3 1.37.38, botocore 1.37.38, s3transfer 0.11.4." in text
    assert sorted(os.listdir(data_library)) == [
        "boto3",
        "boto3-1.37.38.dist-info",
        "botocore",
        "botocore-1.37.38.dist-info",
        "s3transfer",
        "s3transfer-0.11.4.dist-info",
    ]  # urllib3 was staged, and stays Package Control's to provide
    assert os.listdir(install_library) == []
    assert window.active_panel() == f"output.{PIP_PANEL}"
    assert "Restart Sublime Text" in harness.dialogs("message")[-1].message


def test_a_failed_boto3_install_says_so(
    plugin: Plugin, without_boto3: None, tmp_path: Path
) -> None:
    fake_python(plugin, tmp_path, status=1)
    window = sublime.active_window()

    window.run_command("lambda_install_boto3")
    text = plugin.wait_for_panel(window, "pip failed", PIP_PANEL)

    assert "pip failed: boto3 was not installed" in text
    assert harness.dialogs("message") == []
    assert any("installing boto3 failed" in m for m in harness.status_messages())
    assert sorted(os.listdir(Path(sublime.packages_path()).parent / "Lib")) == [
        f"python{sys.version_info[0]}{sys.version_info[1]}"
    ]  # no staging folder left


@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("lambda_edit_function", {}),
        ("lambda_invoke_function", {}),
        ("lambda_select_region", {}),
        ("lambda_select_profile", {}),
    ],
)
def test_a_command_without_boto3_offers_to_install_it(
    plugin: Plugin, without_boto3: None, command: str, args: Dict[str, Any]
) -> None:
    harness.answer_dialog(False)

    sublime.active_window().run_command(command, args)
    settle()

    [offer] = harness.dialogs("ok_cancel")
    assert "missing: boto3, botocore, s3transfer" in offer.message
    assert offer.buttons[0] == "Install boto3"
    assert harness.quick_panels() == []
    assert harness.commands("lambda_install_boto3") == []


def test_accepting_the_offer_runs_install_boto3(
    plugin: Plugin, without_boto3: None, tmp_path: Path
) -> None:
    fake_python(plugin, tmp_path)
    window = sublime.active_window()
    harness.answer_dialog(True)

    window.run_command("lambda_edit_function")
    plugin.wait_for_panel(window, "Restart Sublime Text", PIP_PANEL)

    assert [c.outcome for c in harness.commands("lambda_install_boto3")] == ["ran"]


def test_saving_without_boto3_says_so_in_the_status_bar_without_a_dialog(
    plugin: Plugin, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = plugin.functions.create(prefix="misc")
    view = plugin.edit(name)
    monkeypatch.setattr(adapter("boto").boto_install, "missing_libraries", lambda: MISSING)
    uploads = plugin.uploads(name)

    harness.save(view, "def handler(event, context):\n    return 0\n")
    plugin.wait_for_status("boto3 is not installed")
    plugin.wait_for_deploys(name)

    assert harness.dialogs("ok_cancel") == []
    assert plugin.uploads(name) == uploads


# Profile and region


def test_select_region_saves_the_choice_and_lists_that_regions_functions(plugin: Plugin) -> None:
    window = sublime.active_window()
    window.run_command("lambda_select_region")
    regions = wait_for_quick_panel("the regions")

    assert regions.triggers[0] == "(default)"
    assert regions.triggers[regions.selected_index] == plugin.sandbox.region
    assert "eu-west-1" in regions.triggers

    harness.answer_quick_panel("eu-west-1")
    settle()

    assert user_settings()["region"] == "eu-west-1"
    assert any("region set to eu-west-1" in m for m in harness.status_messages())
    window.run_command("lambda_edit_function")
    plugin.wait_for_status("no functions in")
    assert "region eu-west-1" in harness.status_messages()[-1]


def test_select_profile_lists_the_config_profiles(
    plugin: Plugin, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "aws-config"
    config.write_text("[profile dev]\nregion = us-east-1\n[profile prod]\nregion = us-east-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    window = sublime.active_window()

    window.run_command("lambda_select_profile")
    profiles = wait_for_quick_panel("the profiles")
    harness.answer_quick_panel("dev")
    settle()

    assert profiles.triggers == ["(default)", "dev", "prod"]
    assert user_settings()["profile"] == "dev"


def test_an_unknown_profile_is_one_clear_error(plugin: Plugin) -> None:
    plugin.settings(profile="no-such-profile")

    sublime.active_window().run_command("lambda_edit_function")
    harness.run_ui_until(harness.error_messages, what="the error")

    [error] = harness.error_messages()
    assert "no-such-profile" in error
    assert "Traceback" not in error
    assert harness.quick_panels() == []


# Workspaces


def test_a_container_image_function_cannot_be_edited(plugin: Plugin) -> None:
    name = f"image-{os.urandom(4).hex()}"
    plugin.functions.client.create_function(
        FunctionName=name,
        Role=plugin.functions.role,
        PackageType="Image",
        Code={"ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest"},
    )

    plugin.start_edit(name)
    settle()

    [message] = harness.dialogs("message")
    assert "container-image function" in message.message
    assert len(sublime.windows()) == 1
    assert not plugin.workspace(name).exists()


def test_open_workspace_reopens_a_downloaded_function(plugin: Plugin) -> None:
    name = plugin.functions.create(prefix="misc")
    plugin.edit(name)
    plugin.windows_of(name)[0].run_command("close_window")
    window = sublime.active_window()
    assert plugin.windows_of(name) == []

    window.run_command("lambda_open_workspace")
    listed = wait_for_quick_panel("the workspaces")
    harness.answer_quick_panel(name)
    view = plugin.wait_for_handler_view(name)

    assert listed.triggers == [name]
    assert view.file_name() == str(plugin.workspace(name) / "app.py")


def test_open_workspace_finishes_a_re_download_killed_half_way_and_says_where_the_edits_are(
    plugin: Plugin,
) -> None:
    name = plugin.functions.create(prefix="misc")
    plugin.edit(name)
    workspace = plugin.workspace(name)
    (workspace / "notes.txt").write_text("mine, never deployed\n")
    crashed = crash_at(
        plugin.sandbox, plugin.workspace_root, "moved-aside", "pull", "--force", name
    )
    assert crashed == -signal.SIGKILL and not workspace.exists()

    sublime.active_window().run_command("lambda_open_workspace")
    listed = wait_for_quick_panel("the workspaces")
    harness.answer_quick_panel(-1)

    assert listed.triggers == [name]
    [told] = harness.dialogs("message")
    [backup] = workspace.parent.glob(f"{name}.backup-*")
    assert str(backup) in told.message
    assert (backup / "notes.txt").read_text() == "mine, never deployed\n"


def test_show_what_differs_without_a_conflict(plugin: Plugin) -> None:
    name = plugin.functions.create(prefix="misc")
    view = plugin.edit(name)
    plugin.settings(deploy_on_save=False)
    harness.save(view, "def handler(event, context):\n    return 'local'\n")
    window = view.window()
    assert window is not None

    window.run_command("lambda_show_remote_diff")
    harness.run_ui_until(
        lambda: any(v.name() == "Deployed ↔ local" for v in window.views()), what="the diff"
    )

    diff = next(v for v in window.views() if v.name() == "Deployed ↔ local")
    assert "+    return 'local'" in view_text(diff)


# What the palette and the menu name


def registered_commands() -> Dict[str, Any]:
    """The commands Sublime finds in the plugin module's namespace, by name."""
    window = sublime.active_window()
    found: Dict[str, Any] = {}
    for value in vars(sys.modules[PLUGIN_MODULE]).values():
        if not isinstance(value, type):
            continue
        if issubclass(value, sublime_plugin.WindowCommand):
            found[value(window).name()] = value
        elif issubclass(value, sublime_plugin.ApplicationCommand):
            found[value().name()] = value
    return found


def menu_entries(items: List[Dict[str, Any]]) -> Iterator[Dict[str, Any]]:
    for item in items:
        if "command" in item:
            yield item
        yield from menu_entries(item.get("children", []))


def load_resource(name: str) -> Any:
    return sublime.decode_value(sublime.load_resource(f"Packages/LambdaEditor/{name}"))


@pytest.mark.parametrize("resource", ["Default.sublime-commands", "Main.sublime-menu"])
def test_every_palette_and_menu_entry_names_a_command_that_takes_its_arguments(
    plugin: Plugin, resource: str
) -> None:
    commands = registered_commands()
    entries = list(menu_entries(load_resource(resource)))

    assert entries
    for entry in entries:
        name = entry["command"]
        if name in BUILT_IN:
            continue
        assert name in commands, f"{resource}: {name} is not a command of the plugin"
        run = inspect.signature(commands[name].run)
        run.bind(None, **entry.get("args", {}))  # TypeError when an argument does not fit


def test_every_plugin_command_is_in_the_palette(plugin: Plugin) -> None:
    in_palette = {entry["command"] for entry in load_resource("Default.sublime-commands")}

    assert set(registered_commands()) == in_palette - BUILT_IN


def test_the_settings_entries_open_the_package_settings_beside_the_users(plugin: Plugin) -> None:
    entries = [
        entry
        for resource in ("Default.sublime-commands", "Main.sublime-menu")
        for entry in menu_entries(load_resource(resource))
        if entry["command"] == "edit_settings"
    ]
    assert len(entries) == 2

    for entry in entries:
        sublime.active_window().run_command("edit_settings", entry["args"])
        settings_window = sublime.active_window()
        names = [os.path.basename(v.file_name() or "") for v in settings_window.views()]
        assert names == [SETTINGS_FILE, SETTINGS_FILE]
        base = settings_window.views()[0]
        settle()  # the files load
        assert '"deploy_on_save": true' in view_text(base)
        assert base.is_read_only()  # from the .sublime-package
    assert [c.outcome for c in harness.commands("edit_settings")] == ["ran", "ran"]


@pytest.mark.parametrize(
    "command",
    ["lambda_deploy_now", "lambda_new_test_event", "lambda_install_dependency"],
)
def test_a_damaged_marker_is_reported_once(plugin: Plugin, command: str) -> None:
    name = plugin.functions.create(prefix="misc")
    window = plugin.edit(name).window()
    assert window is not None
    (plugin.workspace(name) / ".lambda-editor" / "function.json").write_text("{")

    window.run_command(command)
    settle()

    [error] = harness.error_messages()
    assert "binding is damaged" in error


def test_edit_function_offers_to_replace_a_damaged_workspace_keeping_it_aside(
    plugin: Plugin,
) -> None:
    name = plugin.functions.create(prefix="misc")
    plugin.edit(name)
    root = plugin.workspace(name)
    (root / ".lambda-editor" / "function.json").write_text("{")
    (root / "notes.txt").write_text("mine\n")

    harness.answer_dialog(True)
    plugin.start_edit(name)
    plugin.wait_for_status(f"{name} downloaded; your previous copy is in")

    [dialog] = [d for d in harness.dialogs("ok_cancel") if "Re-download" in str(d)]
    assert "binding is damaged" in str(dialog)
    [backup] = root.parent.glob(f"{name}.backup-*")
    assert (backup / "notes.txt").read_text() == "mine\n"
    marker = json.loads((root / ".lambda-editor" / "function.json").read_text())
    assert marker["binding"]["function_name"] == name


def test_every_next_step_the_core_suggests_is_worded_in_sublime(plugin: Plugin) -> None:
    wording = adapter("wording")
    error = BotoMissingError()

    assert set(wording.ACTION_WORDS) == set(actions.ALL)
    assert wording.worded(error).endswith('Run "Lambda: Install boto3" from the command palette.')
