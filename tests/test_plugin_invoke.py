"""Test events and invoking, in the endpoint and locally, through the Sublime stand-in."""

from __future__ import annotations

import json
import re
from typing import Dict, Optional, Tuple

import pytest
from sublime_standin import harness
from test_plugin_support import (
    PANEL,
    Plugin,
    calls_on_ui_thread,
    panel_text,
    plugin_fixture,  # noqa: F401 - the fixture
    settle,
    wait_for_quick_panel,
)

# isort: split
import sublime

# The plugin enables "Invoke With Current File" through View.match_selector.
FAILING = {
    "app.py": (
        "def check(event):\n"
        "    raise ValueError('bad input: ' + event.get('name', '?'))\n\n\n"
        "def handler(event, context):\n"
        "    check(event)\n"
    )
}


def active_file(window: sublime.Window) -> str:
    view = window.active_view()
    return (view.file_name() or "") if view is not None else ""


def new_event(
    plugin: Plugin, window: sublime.Window, event: str, text: str, template: str = "empty"
) -> sublime.View:
    """ "New Test Event…": pick a template, name the event, then write it in its view and save."""
    harness.answer_quick_panel(template)
    harness.answer_input_panel(event)
    window.run_command("lambda_new_test_event")
    harness.run_ui_until(
        lambda: active_file(window).endswith(f"{event}.json"), what="the new event's view"
    )
    view = window.active_view()
    assert view is not None
    harness.save(view, text)
    settle()
    return view


def workspace_with_event(
    plugin: Plugin,
    files: Optional[Dict[str, str]] = None,
    text: str = '{"name": "panel"}',
) -> Tuple[str, sublime.Window]:
    name = plugin.functions.create(files, prefix="invoke")
    window = plugin.edit(name).window()
    assert window is not None
    new_event(plugin, window, "greeting", text)
    plugin.wait_for_deploys(name)
    return name, window


def invoke(plugin: Plugin, window: sublime.Window, event: str, header: str, **args: bool) -> str:
    """Run "Invoke Function…" (with `args`), pick `event`; the panel once it shows `header`."""
    window.destroy_output_panel(PANEL)
    window.run_command("lambda_invoke_function", args)
    wait_for_quick_panel("the events")
    harness.answer_quick_panel(event)
    return plugin.wait_for_panel(window, header)


def test_new_test_event_from_a_template_is_saved_in_the_workspace(plugin: Plugin) -> None:
    name = plugin.functions.create(prefix="invoke")
    window = plugin.edit(name).window()
    assert window is not None
    harness.answer_quick_panel("sqs-message")
    harness.answer_input_panel("from sqs")
    window.run_command("lambda_new_test_event")
    settle()

    templates = harness.quick_panels()[-1]
    assert templates.triggers[0] == "empty"
    assert "sqs-message" in templates.triggers
    assert harness.input_panels()[-1].caption == "Test event name:"
    path = plugin.workspace(name) / ".lambda-editor" / "events" / "from sqs.json"
    assert json.loads(path.read_text())["Records"][0]["eventSource"] == "aws:sqs"
    view = window.active_view()
    assert view is not None
    assert view.file_name() == str(path)


def test_new_test_event_picked_in_the_event_list_opens_the_templates(plugin: Plugin) -> None:
    """A panel opened from another panel's answer: Sublime refuses it unless it is deferred."""
    _name, window = workspace_with_event(plugin)

    window.run_command("lambda_invoke_function")
    wait_for_quick_panel("the events")
    harness.answer_quick_panel("New Test Event…")
    templates = wait_for_quick_panel("the templates")

    assert templates.triggers[0] == "empty"
    assert not any(panel.refused for panel in harness.quick_panels())
    harness.answer_quick_panel(-1)
    settle()


def test_invoke_shows_the_header_the_response_and_the_log(plugin: Plugin) -> None:
    name, window = workspace_with_event(plugin)
    runs = plugin.sandbox.stats.runs.get(name, 0)

    text = invoke(plugin, window, "greeting", "Log:")

    assert harness.quick_panels()[-1].triggers == [
        "greeting",
        "New Test Event…",
        "Import Console Test Events",
    ]
    assert " · $LATEST · 200 · Duration " in text.splitlines()[0]
    expected = json.dumps({"hello": "panel", "color": "blue"}, indent=2)
    assert f"Response:\n{expected}\n" in text
    assert "REPORT RequestId:" in text
    assert window.active_panel() == f"output.{PANEL}"
    assert plugin.sandbox.stats.runs.get(name, 0) == runs + 1
    assert any(f"{name} succeeded" in message for message in harness.status_messages())


def test_invoke_with_last_event_repeats_and_show_last_result_reopens(
    plugin: Plugin, monkeypatch: pytest.MonkeyPatch
) -> None:
    name, window = workspace_with_event(plugin)
    reads_on_ui = calls_on_ui_thread(monkeypatch, "invoking", "load_last_result")
    first = invoke(plugin, window, "greeting", "Log:")
    runs = plugin.sandbox.stats.runs.get(name, 0)
    window.destroy_output_panel(PANEL)

    window.run_command("lambda_invoke_last_event")
    again = plugin.wait_for_panel(window, "Log:")

    assert plugin.sandbox.stats.runs.get(name, 0) == runs + 1
    assert " · $LATEST · 200 · " in again.splitlines()[0]
    assert again != first  # another request, another log
    window.destroy_output_panel(PANEL)

    window.run_command("lambda_show_last_invoke_result")
    settle()

    assert panel_text(window) == again
    assert plugin.sandbox.stats.runs.get(name, 0) == runs + 1
    assert reads_on_ui == [False]  # the result holds its whole response


def test_invoke_locally_runs_the_workspace_code_and_says_local(plugin: Plugin) -> None:
    name, window = workspace_with_event(plugin)
    (plugin.workspace(name) / "app.py").write_text(
        "def handler(event, context):\n    return {'local': event['name']}\n"
    )  # not saved through Sublime: not deployed, so only a local run can see it
    invokes = plugin.invokes(name)

    text = invoke(plugin, window, "greeting", "Response:", local=True)

    assert text.splitlines()[0].startswith(f"{name} (local) · $LATEST · 200 · ")
    assert '"local": "panel"' in text
    assert plugin.invokes(name) == invokes


def test_an_invalid_event_is_refused_before_anything_is_sent(plugin: Plugin) -> None:
    # A missing colon: json words and places it alike on every Python (a trailing comma moved
    # from the closing brace to the comma itself in 3.13).
    name, window = workspace_with_event(plugin, text='{\n  "name" "panel"\n}\n')
    invokes = plugin.invokes(name)

    window.run_command("lambda_invoke_function")
    wait_for_quick_panel("the events")
    harness.answer_quick_panel("greeting")
    settle()

    [error] = harness.error_messages()
    assert "Invalid JSON payload at line 2, column 10: Expecting ':' delimiter" in error
    assert "Nothing was sent" in error
    assert "Traceback" not in error
    assert plugin.invokes(name) == invokes
    assert window.find_output_panel(PANEL) is None


def test_invoke_with_current_file_sends_the_json_view_unsaved(plugin: Plugin) -> None:
    name, window = workspace_with_event(plugin)
    invokes = plugin.invokes(name)
    view = window.new_file(syntax="Packages/JSON/JSON.sublime-syntax")
    harness.set_text(view, '{"name": "current view"}')

    window.run_command("lambda_invoke_with_current_file")
    text = plugin.wait_for_panel(window, "Response:")

    assert '"hello": "current view"' in text
    assert " · $LATEST · 200 · " in text.splitlines()[0]
    assert plugin.invokes(name) == invokes + 1


def test_invoke_with_current_file_is_disabled_outside_json(plugin: Plugin) -> None:
    name = plugin.functions.create(prefix="invoke")
    window = plugin.edit(name).window()  # the handler, Python, is the active view
    assert window is not None
    invokes = plugin.invokes(name)

    window.run_command("lambda_invoke_with_current_file")

    assert harness.commands("lambda_invoke_with_current_file")[-1].outcome == "disabled"
    assert plugin.invokes(name) == invokes


def test_invoke_with_current_file_waits_for_the_file_to_load(plugin: Plugin) -> None:
    name, window = workspace_with_event(plugin)
    event = plugin.workspace(name) / ".lambda-editor" / "events" / "greeting.json"
    window.run_command("close_file")  # the event's view, open since it was written
    invokes = plugin.invokes(name)

    window.open_file(str(event))
    window.run_command("lambda_invoke_with_current_file")  # still loading: nothing to send
    settle()
    window.run_command("lambda_invoke_with_current_file")
    text = plugin.wait_for_panel(window, "Response:")

    outcomes = [c.outcome for c in harness.commands("lambda_invoke_with_current_file")]
    assert outcomes == ["disabled", "ran"]
    assert '"hello": "panel"' in text
    assert plugin.invokes(name) == invokes + 1


def test_a_function_error_shows_its_type_message_and_the_users_stack(plugin: Plugin) -> None:
    name, window = workspace_with_event(plugin, FAILING)

    text = invoke(plugin, window, "greeting", "Log:")

    assert " · $LATEST · 200 · " in text.splitlines()[0]
    assert "Unhandled: ValueError: bad input: panel" in text
    assert 'app.py", line 2, in check' in text
    assert '"errorType": "ValueError"' in text
    assert any(f"{name} failed (Unhandled)" in m for m in harness.status_messages())


def test_invoke_with_options_sends_an_asynchronous_event(plugin: Plugin) -> None:
    name, window = workspace_with_event(plugin)
    invokes = plugin.invokes(name)
    harness.answer_quick_panel("Event")
    harness.answer_quick_panel("$LATEST")
    harness.answer_quick_panel("greeting")

    window.run_command("lambda_invoke_with_options")
    text = plugin.wait_for_panel(window, "queued for asynchronous invocation")

    assert text.splitlines()[0].endswith(" · 202 · queued for asynchronous invocation")
    assert plugin.invokes(name) == invokes + 1


def test_invoking_a_function_without_a_workspace_uses_a_template(plugin: Plugin) -> None:
    name = plugin.functions.create(prefix="invoke")
    window = sublime.active_window()
    invokes = plugin.invokes(name)

    window.run_command("lambda_invoke_function")
    wait_for_quick_panel("the function list")
    harness.answer_quick_panel(name)
    templates = wait_for_quick_panel("the templates")
    harness.answer_quick_panel("empty")
    text = plugin.wait_for_panel(window, "Response:")

    assert "empty" in templates.triggers
    assert " · $LATEST · 200 · " in text.splitlines()[0]
    assert '"hello": "world"' in text
    assert plugin.invokes(name) == invokes + 1
    assert not plugin.workspace(name).exists()


def test_the_result_header_starts_with_the_function_name(plugin: Plugin) -> None:
    name, window = workspace_with_event(plugin)

    text = invoke(plugin, window, "greeting", "Log:")

    assert text.startswith(f"{name} · $LATEST · 200 · ")


def test_a_local_run_reports_the_memory_of_the_handler_not_of_sublime(plugin: Plugin) -> None:
    _name, window = workspace_with_event(plugin)
    plugin_host_memory = bytearray(300 * 1024 * 1024)
    plugin_host_memory[::4096] = b"x" * len(range(0, len(plugin_host_memory), 4096))

    text = invoke(plugin, window, "greeting", "Response:", local=True)

    del plugin_host_memory
    used = re.search(r" · Memory (\d+)/128 MB", text.splitlines()[0])
    assert used is not None
    assert int(used.group(1)) < 128


def test_a_local_run_over_the_functions_timeout_is_stopped_like_lambda(plugin: Plugin) -> None:
    sleeper = {"app.py": "import time\n\n\ndef handler(event, context):\n    time.sleep(30)\n"}
    name = plugin.functions.create(sleeper, prefix="invoke", timeout=1)
    window = plugin.edit(name).window()
    assert window is not None
    new_event(plugin, window, "greeting", "{}")

    text = invoke(plugin, window, "greeting", "Task timed out", local=True)

    assert "Task timed out after 1.00 seconds" in text
    assert any(f"{name} failed" in message for message in harness.status_messages())


def test_the_status_bar_says_invoking_then_the_outcome(plugin: Plugin) -> None:
    name, window = workspace_with_event(plugin)

    invoke(plugin, window, "greeting", "Log:")

    messages = harness.status_messages()
    assert f"Lambda: invoking {name}…" in messages
    assert messages.index(f"Lambda: invoking {name}…") < messages.index(f"Lambda: {name} succeeded")
