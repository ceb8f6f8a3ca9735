"""Edit Configuration, deploying it on save, its conflicts, and the S3 settings, through the
Sublime stand-in."""

from __future__ import annotations

import json
import sys
import uuid
from dataclasses import fields
from pathlib import Path
from typing import Any, Dict

import pytest
from sublime_standin import harness
from test_plugin_deploy import CONFLICT_CHOICES
from test_plugin_support import (
    Plugin,
    adapter,
    deploy_status,
    plugin_fixture,  # noqa: F401 - the fixture
    settle,
    view_text,
    wait_for_quick_panel,
)

# isort: split
import sublime

from lambda_editor import config_file
from lambda_editor.settings import Settings

SECRET = "s3cr3t-t0ken"
REPO = Path(__file__).resolve().parent.parent
THROUGH_S3 = "def handler(event, context):\n    return 'through s3'\n"


def open_configuration(plugin: Plugin, name: str) -> sublime.View:
    window = plugin.edit(name).window()
    assert window is not None
    window.run_command("lambda_edit_configuration")
    path = str(plugin.workspace(name) / ".lambda-editor" / "configuration.json")
    harness.run_ui_until(
        lambda: any(view.file_name() == path for view in window.views()),
        what="the configuration file",
    )
    settle()
    return next(view for view in window.views() if view.file_name() == path)


def edited(view: sublime.View, **changes: Any) -> str:
    document = config_file.parse(view_text(view).encode())
    document.update(changes)
    return config_file.render(document, "fn")


def aws_configuration(plugin: Plugin, name: str) -> Dict[str, Any]:
    return dict(plugin.sandbox.client().get_function_configuration(FunctionName=name))


def test_saving_the_configuration_deploys_it(plugin: Plugin) -> None:
    name = plugin.functions.create(prefix="config", environment={"TOKEN": SECRET})
    view = open_configuration(plugin, name)
    uploads = plugin.uploads(name)

    assert view_text(view).startswith(f"// The configuration of {name}.")
    harness.save(view, edited(view, Timeout=25, MemorySize=512))
    plugin.wait_for_deploys(name)

    assert f"{name} deployed" in deploy_status(view)
    assert "(configuration: Timeout, MemorySize)" in deploy_status(view)
    assert any(f"configuring {name} (Timeout, MemorySize)" in m for m in harness.status_messages())
    current = aws_configuration(plugin, name)
    assert (current["Timeout"], current["MemorySize"]) == (25, 512)
    assert plugin.uploads(name) == uploads  # the code was not sent again


def test_an_invalid_configuration_is_named_in_the_status_bar(plugin: Plugin) -> None:
    name = plugin.functions.create(prefix="config")
    view = open_configuration(plugin, name)
    revision = aws_configuration(plugin, name)["RevisionId"]

    harness.save(view, '{\n    "Timeout": 3\n    "MemorySize": 256\n}\n')
    plugin.wait_for_deploys(name)

    assert "line 3, column 5: Expecting ',' delimiter" in deploy_status(view)
    assert "nothing was sent" in deploy_status(view)
    assert aws_configuration(plugin, name)["RevisionId"] == revision


def test_a_configuration_changed_in_aws_asks_and_the_diff_masks_values(plugin: Plugin) -> None:
    name = plugin.functions.create(prefix="config", environment={"TOKEN": SECRET})
    view = open_configuration(plugin, name)
    plugin.functions.update_configuration(name, MemorySize=1024)  # someone else
    window = view.window()
    assert window is not None

    harness.save(view, edited(view, Environment={"TOKEN": "rotated"}))
    plugin.wait_for_deploys(name)
    panel = wait_for_quick_panel("the conflict choices")
    harness.answer_quick_panel("Show what differs")
    harness.run_ui_until(
        lambda: any(v.name() == "Deployed ↔ local" for v in window.views()), what="the diff view"
    )
    diff = view_text(next(v for v in window.views() if v.name() == "Deployed ↔ local"))

    assert panel.triggers == CONFLICT_CHOICES
    assert aws_configuration(plugin, name)["Environment"]["Variables"] == {"TOKEN": SECRET}
    assert "# Configuration: deployed → .lambda-editor/configuration.json" in diff
    assert "MemorySize: 1024 → 128" in diff
    assert "Environment: TOKEN changed" in diff
    assert SECRET not in diff and "rotated" not in diff

    window.run_command("lambda_deploy_now")  # asks again
    wait_for_quick_panel("the conflict choices again")
    harness.answer_quick_panel("Deploy anyway")
    settle()
    plugin.wait_for_deploys(name)

    assert aws_configuration(plugin, name)["Environment"]["Variables"] == {"TOKEN": "rotated"}


def test_edit_configuration_writes_the_file_of_a_workspace_pulled_before_it_existed(
    plugin: Plugin,
) -> None:
    name = plugin.functions.create(prefix="config")
    window = plugin.edit(name).window()
    assert window is not None
    marker = plugin.workspace(name) / ".lambda-editor" / "function.json"
    document = json.loads(marker.read_text())
    del document["binding"]["configuration"]
    marker.write_text(json.dumps(document))
    (plugin.workspace(name) / ".lambda-editor" / "configuration.json").unlink()

    window.run_command("lambda_edit_configuration")
    plugin.wait_for_status("opening the configuration")
    settle()

    path = plugin.workspace(name) / ".lambda-editor" / "configuration.json"
    assert any(view.file_name() == str(path) for view in window.views())
    assert config_file.parse(path.read_bytes())["Handler"] == "app.handler"


def test_edit_configuration_is_disabled_in_a_window_without_a_workspace(plugin: Plugin) -> None:
    sublime.active_window().run_command("lambda_edit_configuration")

    assert harness.commands("lambda_edit_configuration")[-1].outcome == "disabled"


def test_a_package_over_the_direct_limit_goes_through_the_s3_bucket_setting(
    plugin: Plugin, monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket = f"deploys-{uuid.uuid4().hex[:8]}"
    s3 = plugin.sandbox.client("s3")
    s3.create_bucket(Bucket=bucket)
    plugin.settings(s3_bucket=bucket, s3_prefix="editor")
    # A small package stands for a big one: the plugin's copy of the core sees a lower limit.
    monkeypatch.setattr(sys.modules["LambdaEditor.lambda_editor.deploy"], "DIRECT_UPLOAD_LIMIT", 64)
    name = plugin.functions.create(prefix="s3")
    view = plugin.edit(name)

    harness.save(view, THROUGH_S3)
    plugin.wait_for_deploys(name)

    assert f"{name} deployed" in deploy_status(view)
    assert any(f"to s3://{bucket}/editor/{name}-" in m for m in harness.status_messages())
    assert plugin.deployed(name)["app.py"] == THROUGH_S3.encode()
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


def test_every_setting_of_the_settings_file_is_read(plugin: Plugin) -> None:
    defaults = config_file.parse((REPO / "LambdaEditor.sublime-settings").read_bytes())

    assert set(defaults) == {field.name for field in fields(Settings)}
    assert set(adapter("settings")._KEYS) == set(defaults)
