"""Publish Version, Point Alias, Function URL and New Function through the Sublime stand-in."""

from __future__ import annotations

import uuid
from typing import Any, Dict, List

import pytest
from botocore.exceptions import ClientError
from sublime_standin import harness
from test_plugin_invoke import workspace_with_event
from test_plugin_support import (
    Plugin,
    plugin_fixture,  # noqa: F401 - the fixture
    wait_for_quick_panel,
)

# isort: split
import sublime

EDITED = "def handler(event, context):\n    return 'edited'\n"


def versions_of(plugin: Plugin, name: str) -> List[Dict[str, Any]]:
    answer = plugin.sandbox.client().list_versions_by_function(FunctionName=name)
    return [v for v in answer["Versions"] if v["Version"] != "$LATEST"]


def publish_twice(plugin: Plugin, name: str) -> None:
    """Versions 1 and 2 of `name`, with different code."""
    client = plugin.sandbox.client()
    client.publish_version(FunctionName=name)
    plugin.functions.update_code(name, {"app.py": EDITED})
    client.publish_version(FunctionName=name)


def test_publish_from_the_functions_window_then_point_a_new_alias_at_it(plugin: Plugin) -> None:
    name = plugin.functions.create(prefix="publish")
    view = plugin.edit(name)
    harness.save(view, EDITED)
    plugin.wait_for_deploys(name)
    window = view.window()
    assert window is not None
    harness.answer_input_panel("tested by hand")
    harness.answer_dialog(True)  # point an alias at it
    harness.answer_quick_panel("New Alias…")
    harness.answer_input_panel("live")

    window.run_command("lambda_publish_version")
    plugin.wait_for_status(f"{name}:live → version 1")

    (version,) = versions_of(plugin, name)
    assert version["Description"] == "tested by hand"
    assert (
        version["CodeSha256"]
        == plugin.sandbox.client().get_function_configuration(FunctionName=name)["CodeSha256"]
    )
    assert any(
        f"version 1 published (CodeSha256 {version['CodeSha256']})" in m
        for m in harness.status_messages()
    )
    alias = plugin.sandbox.client().get_alias(FunctionName=name, Name="live")
    assert alias["FunctionVersion"] == "1"


def test_undeployed_changes_are_published_only_when_the_user_agrees(plugin: Plugin) -> None:
    plugin.settings(deploy_on_save=False)
    name = plugin.functions.create(prefix="publish")
    view = plugin.edit(name)
    deployed = plugin.sandbox.client().get_function_configuration(FunctionName=name)["CodeSha256"]
    harness.save(view, EDITED)
    window = view.window()
    assert window is not None

    harness.answer_input_panel("")
    harness.answer_dialog(False)  # not anyway
    window.run_command("lambda_publish_version")
    harness.run_ui_until(
        lambda: any("never deployed" in d.message for d in harness.dialogs()), what="the question"
    )
    harness.drain()
    refused = versions_of(plugin, name)
    harness.answer_input_panel("")
    harness.answer_dialog(True)  # anyway
    harness.answer_dialog(False)  # no alias
    window.run_command("lambda_publish_version")
    plugin.wait_for_status("version 1 published")

    assert refused == []
    (version,) = versions_of(plugin, name)
    assert version["CodeSha256"] == deployed  # what is deployed, not the edited file


def test_point_alias_with_a_share_for_a_second_version(plugin: Plugin) -> None:
    name = plugin.functions.create(prefix="alias")
    publish_twice(plugin, name)
    window = plugin.edit(name).window()
    assert window is not None
    harness.answer_quick_panel("New Alias…")
    harness.answer_input_panel("live")
    harness.answer_quick_panel("2")
    harness.answer_quick_panel("Send a share to a second version…")
    harness.answer_quick_panel("1")
    harness.answer_input_panel("0.2")

    window.run_command("lambda_point_alias")
    plugin.wait_for_status(f"{name}:live → version 2 (20% to version 1)")

    alias = plugin.sandbox.client().get_alias(FunctionName=name, Name="live")
    assert alias["FunctionVersion"] == "2"
    assert alias["RoutingConfig"]["AdditionalVersionWeights"] == {"1": 0.2}


def test_invoke_with_options_lists_versions_and_aliases(plugin: Plugin) -> None:
    name, window = workspace_with_event(plugin)
    publish_twice(plugin, name)
    plugin.sandbox.client().create_alias(FunctionName=name, Name="stable", FunctionVersion="1")
    harness.answer_quick_panel("RequestResponse")

    window.run_command("lambda_invoke_with_options")
    qualifiers = wait_for_quick_panel("the qualifiers")
    harness.answer_quick_panel("stable")
    wait_for_quick_panel("the events")
    harness.answer_quick_panel("greeting")
    text = plugin.wait_for_panel(window, "Response:")

    assert qualifiers.triggers == ["$LATEST", "stable", "2", "1"]
    assert " · 1 · 200 · " in text.splitlines()[0]  # the alias's version ran


def test_a_public_url_is_created_with_both_permissions_and_copied(plugin: Plugin) -> None:
    name = plugin.functions.create(prefix="url")
    window = plugin.edit(name).window()
    assert window is not None
    harness.answer_quick_panel("NONE")
    harness.answer_dialog(True)  # yes, public
    harness.answer_quick_panel("No CORS")
    harness.answer_quick_panel("BUFFERED")

    window.run_command("lambda_function_url")
    plugin.wait_for_status("copied")

    url = plugin.sandbox.client().get_function_url_config(FunctionName=name)["FunctionUrl"]
    assert sublime.get_clipboard() == url
    warning = [d.message for d in harness.dialogs() if "public" in d.message]
    assert warning and "anyone" in warning[0]
    statements = plugin.functions.policy_statements(name).values()
    actions = sorted(statement["Action"] for statement in statements)
    assert actions == ["lambda:InvokeFunction", "lambda:InvokeFunctionUrl"]

    sublime.set_clipboard("")
    harness.answer_quick_panel("Copy URL")
    window.run_command("lambda_function_url")
    harness.run_ui_until(lambda: sublime.get_clipboard() == url, what="the URL copied again")


def test_declining_the_public_warning_creates_nothing(plugin: Plugin) -> None:
    name = plugin.functions.create(prefix="url")
    window = plugin.edit(name).window()
    assert window is not None
    harness.answer_quick_panel("NONE")
    harness.answer_dialog(False)

    window.run_command("lambda_function_url")
    harness.run_ui_until(lambda: bool(harness.dialogs()), what="the warning")
    harness.drain()

    assert not [panel for panel in harness.quick_panels() if panel.is_open]
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        plugin.sandbox.client().get_function_url_config(FunctionName=name)


def test_new_function_from_a_template_opens_its_workspace(plugin: Plugin) -> None:
    name = f"new-{uuid.uuid4().hex[:8]}"
    harness.answer_input_panel(name)
    harness.answer_quick_panel("http")
    harness.answer_quick_panel("Runtime")
    harness.answer_quick_panel("python3.13")
    harness.answer_quick_panel(f"Create {name}")

    sublime.active_window().run_command("lambda_new_function")
    view = plugin.wait_for_handler_view(name, "lambda_function.py")

    configuration = plugin.sandbox.client().get_function_configuration(FunctionName=name)
    assert configuration["Runtime"] == "python3.13"
    assert configuration["Architectures"] == ["arm64"]
    assert configuration["Timeout"] == 10
    assert "respond(200" in view.substr(sublime.Region(0, view.size()))
    assert (plugin.workspace(name) / ".lambda-editor" / "events" / "example.json").is_file()


def test_a_bad_new_function_name_is_asked_again_before_any_request(plugin: Plugin) -> None:
    harness.answer_input_panel("not a name!")

    sublime.active_window().run_command("lambda_new_function")
    harness.run_ui_until(lambda: bool(harness.error_messages()), what="the error")
    harness.run_ui_until(lambda: len(harness.input_panels()) == 2, what="the name asked again")

    assert "cannot name a new function" in harness.error_messages()[0]
    assert harness.input_panels()[-1].initial_text == "not a name!"
    harness.answer_input_panel(None)  # give up
    harness.drain()
