"""Install Dependency… and Remove Dependency… through the Sublime stand-in, pip offline."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Tuple

import pytest
from sublime_standin import harness
from test_deps_cli import HANDLER, offline_pip  # noqa: F401 - the fixture
from test_plugin_support import (
    PIP_PANEL,
    Plugin,
    panel_text,
    plugin_fixture,  # noqa: F401 - the fixture
    settle,
    wait_for_quick_panel,
)

# isort: split
import sublime

SLOW_PIP = """#!/bin/sh
# A Python whose pip starts an install and then takes its time.
if [ "$1" = "-c" ]; then printf "%s\\n3.12" "$0"; exit 0; fi
if [ "$3" = "--version" ]; then echo "pip 24.0 from /fake (python 3.12)"; exit 0; fi
echo "Collecting slowpkg"
exec sleep 60
"""


def install_tinypure(plugin: Plugin, add_lines: bool) -> Tuple[str, sublime.Window]:
    """ "Install Dependency…" tinypure in a new function's window, answering the bootstrap
    question with `add_lines`; returns once the deploy that follows is done."""
    name = plugin.functions.create(HANDLER, prefix="deps")
    window = plugin.edit(name).window()
    assert window is not None
    harness.answer_input_panel("tinypure")
    harness.answer_dialog(add_lines)
    window.run_command("lambda_install_dependency")
    plugin.wait_for_status("installed tinypure")
    plugin.wait_for_deploys(name)
    return name, window


@pytest.mark.usefixtures("offline_pip")
def test_an_installed_dependency_is_vendored_bootstrapped_and_deployed(plugin: Plugin) -> None:
    name, window = install_tinypure(plugin, add_lines=True)

    root = plugin.workspace(name)
    text = panel_text(window, PIP_PANEL)
    assert text.startswith(f"Installing tinypure into vendor/ of {name}…\n")
    assert "tinypure" in text.split("\n", 1)[1]  # pip's own lines follow
    assert "Installed into vendor/: tinypure==1.0." in text
    assert "Package size:" in text
    assert window.active_panel() == f"output.{PIP_PANEL}"
    assert (root / "vendor" / "tinypure" / "__init__.py").is_file()
    question = harness.dialogs("ok_cancel")[-1]
    assert "vendor/" in question.message
    assert question.buttons[0] == "Add These Lines"
    source = (root / "app.py").read_text()
    assert source.startswith('"""Reports the version of a vendored package."""')
    assert "vendor" in source
    assert plugin.uploads(name) == 1  # one deploy, with the package and the lines
    deployed = plugin.deployed(name)
    assert (
        deployed["vendor/tinypure/__init__.py"]
        == (root / "vendor" / "tinypure" / "__init__.py").read_bytes()
    )
    assert deployed["app.py"] == source.encode()

    events = root / ".lambda-editor" / "events"
    events.mkdir(parents=True)
    (events / "any.json").write_text("{}")
    window.run_command("lambda_invoke_function")
    wait_for_quick_panel("the events")
    harness.answer_quick_panel("any")
    plugin.wait_for_panel(window, "Response:")

    assert json.dumps({"version": "1.0"}, indent=2) in panel_text(window)


@pytest.mark.usefixtures("offline_pip")
def test_the_size_report_is_shown_once(plugin: Plugin) -> None:
    _name, window = install_tinypure(plugin, add_lines=False)

    assert panel_text(window, PIP_PANEL).count("Package size:") == 1


@pytest.mark.usefixtures("offline_pip")
def test_declining_the_bootstrap_lines_leaves_the_handler_then_remove_undoes_it(
    plugin: Plugin,
) -> None:
    name, window = install_tinypure(plugin, add_lines=False)
    root = plugin.workspace(name)
    assert (root / "app.py").read_text() == HANDLER["app.py"]
    assert "vendor/tinypure/__init__.py" in plugin.deployed(name)
    uploads = plugin.uploads(name)

    window.run_command("lambda_remove_dependency")
    listed = wait_for_quick_panel("the installed packages")
    harness.answer_quick_panel("tinypure")
    plugin.wait_for_status("removed tinypure from vendor/")
    plugin.wait_for_deploys(name)

    assert listed.triggers == ["tinypure"]
    assert not (root / "vendor" / "tinypure").exists()
    assert plugin.uploads(name) == uploads + 1
    assert not any(path.startswith("vendor/tinypure") for path in plugin.deployed(name))


@pytest.mark.usefixtures("offline_pip")
def test_bootstrap_lines_are_not_written_over_unsaved_changes(plugin: Plugin) -> None:
    name = plugin.functions.create(HANDLER, prefix="deps")
    view = plugin.edit(name)
    window = view.window()
    assert window is not None
    harness.set_text(view, "# typed, not saved\n")
    harness.answer_input_panel("tinypure")
    harness.answer_dialog(True)

    window.run_command("lambda_install_dependency")
    harness.run_ui_until(harness.error_messages, timeout=60, what="the refusal")
    plugin.wait_for_deploys(name)

    assert "unsaved changes" in harness.error_messages()[-1]
    assert (plugin.workspace(name) / "app.py").read_text() == HANDLER["app.py"]


@pytest.mark.usefixtures("offline_pip")
def test_a_package_without_a_wheel_leaves_vendor_unchanged(plugin: Plugin) -> None:
    name = plugin.functions.create(HANDLER, prefix="deps")
    window = plugin.edit(name).window()
    assert window is not None
    uploads = plugin.uploads(name)
    harness.answer_input_panel("no-such-package")
    harness.answer_dialog(False)  # the offer of a source build, if it comes

    window.run_command("lambda_install_dependency")
    plugin.wait_for_status("vendor/ is unchanged")
    settle()

    assert "no-such-package" in panel_text(window, PIP_PANEL)
    assert "Retry With a Source Build" in harness.dialogs("ok_cancel")[-1].buttons
    assert not (plugin.workspace(name) / "vendor").exists()
    assert plugin.uploads(name) == uploads


@pytest.mark.usefixtures("offline_pip")
def test_install_requirements_installs_what_requirements_txt_lists(plugin: Plugin) -> None:
    name = plugin.functions.create(HANDLER, prefix="deps")
    window = plugin.edit(name).window()
    assert window is not None
    root = plugin.workspace(name)
    (root / "requirements.txt").write_text("tinypure==1.0\n")
    harness.answer_dialog(False)

    window.run_command("lambda_install_requirements")
    plugin.wait_for_status("installed tinypure")
    plugin.wait_for_deploys(name)

    text = panel_text(window, PIP_PANEL)
    assert text.startswith(f"Installing requirements.txt into vendor/ of {name}…")
    assert (root / "vendor" / "tinypure" / "__init__.py").is_file()
    assert "vendor/tinypure/__init__.py" in plugin.deployed(name)


def test_install_requirements_without_the_file_says_so(plugin: Plugin) -> None:
    name = plugin.functions.create(HANDLER, prefix="deps")
    window = plugin.edit(name).window()
    assert window is not None

    window.run_command("lambda_install_requirements")

    [error] = harness.error_messages()
    assert f"{name} has no requirements.txt" in error


def test_cancel_stops_pip_and_leaves_vendor_as_it_was(plugin: Plugin, tmp_path: Path) -> None:
    slow = tmp_path / "slow-python"
    slow.write_text(SLOW_PIP)
    slow.chmod(slow.stat().st_mode | stat.S_IXUSR)
    plugin.settings(python_interpreter=str(slow))
    name = plugin.functions.create(HANDLER, prefix="deps")
    window = plugin.edit(name).window()
    assert window is not None
    window.run_command("lambda_cancel_dependency_install")
    assert harness.commands("lambda_cancel_dependency_install")[-1].outcome == "disabled"
    harness.answer_input_panel("slowpkg")
    window.run_command("lambda_install_dependency")
    plugin.wait_for_panel(window, "Collecting slowpkg", PIP_PANEL)

    window.run_command("lambda_cancel_dependency_install")
    plugin.wait_for_status("installing slowpkg failed")
    settle()

    assert harness.commands("lambda_cancel_dependency_install")[-1].outcome == "ran"
    assert "Dependency install cancelled: vendor/ is unchanged." in panel_text(window, PIP_PANEL)
    assert not (plugin.workspace(name) / "vendor").exists()
    window.run_command("lambda_cancel_dependency_install")
    assert harness.commands("lambda_cancel_dependency_install")[-1].outcome == "disabled"
