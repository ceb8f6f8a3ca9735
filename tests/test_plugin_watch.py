"""Watching a function from Sublime: the log panel (tail, recent, one request), Function Info,
and the console's test events, through the stand-in against the local endpoint."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
from sublime_standin import harness
from test_console_events import ensure_registry
from test_plugin_support import (
    PANEL,
    PLUGIN_MODULE,
    Plugin,
    adapter,
    calls_on_ui_thread,
    panel_text,
    plugin_fixture,  # noqa: F401 - the fixture
    view_text,
    wait_for_quick_panel,
)

# isort: split
import sublime

LOGS = "lambda_editor_logs"
REPO = Path(__file__).resolve().parent.parent
CHATTY = {
    "app.py": (
        "def handler(event, context):\n"
        "    print('hello', event.get('name'))\n"
        "    if event.get('fail'):\n"
        "        raise ValueError('bad input')\n"
        "    return 'ok'\n"
    )
}


def tail_threads() -> List[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("lambda-editor-tail-")]


def wait_until_no_tail_thread() -> None:
    harness.run_ui_until(lambda: not tail_threads(), timeout=15, what="the tail's thread to end")


def invoke(plugin: Plugin, function: str, **event: Any) -> str:
    payload = json.dumps(event).encode()
    answer = plugin.sandbox.client().invoke(FunctionName=function, Payload=payload)
    return str(answer["ResponseMetadata"]["RequestId"])


def start_tail(plugin: Plugin, files: Dict[str, str] = CHATTY) -> Tuple[str, sublime.Window]:
    name = plugin.functions.create(files, prefix="watch")
    window = plugin.edit(name).window()
    assert window is not None
    window.run_command("lambda_tail_logs")
    plugin.wait_for_panel(window, f"following /aws/lambda/{name}", LOGS)
    return name, window


def test_tail_logs_shows_each_invocation_as_it_runs_then_stops(plugin: Plugin) -> None:
    name, window = start_tail(plugin)
    assert window.active_panel() == f"output.{LOGS}"
    assert [t.name for t in tail_threads()] == [f"lambda-editor-tail-{name}"]

    first = invoke(plugin, name, name="ada")
    second = invoke(plugin, name, name="bob", fail=True)
    text = plugin.wait_for_panel(window, f"REPORT {second}", LOGS)

    lines = text.splitlines()
    assert sum(f"START {first} $LATEST" in line for line in lines) == 1
    assert sum(line.endswith("hello ada") for line in lines) == 1
    assert any(f"REPORT {first} · Duration " in line for line in lines)
    assert not any("END RequestId" in line for line in lines)
    assert any("[ERROR] ValueError: bad input" in line for line in lines)
    start_line = next(line for line in lines if f"START {first}" in line)
    assert re.match(r"^\d\d:\d\d:\d\d\.\d{3} \w{6}  START ", start_line)
    panel = window.find_output_panel(LOGS)
    assert panel is not None
    assert str(panel.settings().get("syntax", "")).endswith("LambdaLog.sublime-syntax")

    assert adapter("logs").LambdaStopTailingLogsCommand(window).is_enabled()
    window.run_command("lambda_stop_tailing_logs")
    wait_until_no_tail_thread()
    plugin.wait_for_panel(window, "— stopped following the log", LOGS)


def test_hiding_the_panel_stops_the_tail(plugin: Plugin) -> None:
    _, window = start_tail(plugin)
    window.run_command("hide_panel")
    wait_until_no_tail_thread()


def test_closing_the_window_stops_the_tail(plugin: Plugin) -> None:
    _, window = start_tail(plugin)
    window.run_command("close_window")
    wait_until_no_tail_thread()


def test_unloading_the_plugin_stops_the_tail(plugin: Plugin) -> None:
    start_tail(plugin)
    harness.unload_plugin(PLUGIN_MODULE)
    assert not tail_threads()  # plugin_unloaded waits for the thread
    harness.load_plugin(PLUGIN_MODULE)  # the fixture's teardown uses the plugin


def test_follow_request_shows_only_that_requests_lines(plugin: Plugin) -> None:
    name, window = start_tail(plugin)
    first = invoke(plugin, name, name="first")
    second = invoke(plugin, name, name="second")
    plugin.wait_for_panel(window, f"REPORT {second}", LOGS)

    harness.answer_quick_panel(first)
    window.run_command("lambda_follow_request")
    text = plugin.wait_for_panel(window, f"— only request {first}", LOGS)
    offered = harness.quick_panels()[-1].triggers
    assert offered == ["Every request", second, first]  # the latest first
    assert "hello first" in text and "hello second" not in text

    third = invoke(plugin, name, name="third")
    invoke(plugin, name, name="first")  # a new request, not the one followed
    harness.run_ui_until(lambda: third in str(adapter("logs").log_panel(window).items), 20)
    assert "hello third" not in panel_text(window, LOGS)

    harness.answer_quick_panel("Every request")
    window.run_command("lambda_follow_request")
    plugin.wait_for_panel(window, "hello third", LOGS)
    window.run_command("lambda_stop_tailing_logs")
    wait_until_no_tail_thread()


def test_show_recent_logs(plugin: Plugin) -> None:
    name = plugin.functions.create(CHATTY, prefix="watch")
    window = plugin.edit(name).window()
    assert window is not None
    request = invoke(plugin, name, name="earlier")
    window.run_command("lambda_show_recent_logs")
    text = plugin.wait_for_panel(window, f"REPORT {request}", LOGS)
    assert text.startswith(f"— /aws/lambda/{name} since 10m\n")
    assert "hello earlier" in text
    assert not tail_threads()


def test_the_invoke_panel_offers_the_whole_log_of_the_request(
    plugin: Plugin, monkeypatch: pytest.MonkeyPatch
) -> None:
    noisy = {
        "app.py": (
            "def handler(event, context):\n"
            "    print('first line of the run')\n"
            "    for index in range(150):\n"
            "        print(f'line {index:03d} ' + 'x' * 40)\n"
            "    return 'done'\n"
        )
    }
    name = plugin.functions.create(noisy, prefix="watch")
    window = plugin.edit(name).window()
    assert window is not None
    events = plugin.workspace(name) / ".lambda-editor" / "events"
    events.mkdir(parents=True, exist_ok=True)
    (events / "run.json").write_text("{}")
    window.run_command("lambda_invoke_last_event")
    result = plugin.wait_for_panel(window, "Log:")
    assert "first line of the run" not in result  # the 4 KB tail lost it
    assert 'Its whole log: "Lambda: Show Request Log".' in result

    reads_on_ui = calls_on_ui_thread(monkeypatch, "logs", "load_last_result")
    window.run_command("lambda_show_request_log")
    text = plugin.wait_for_panel(window, "REPORT ", LOGS)
    assert "first line of the run" in text
    assert len(re.findall(r" line \d{3} x", text)) == 150
    assert reads_on_ui == [False]  # the result holds its whole response


def test_function_info_masks_values_until_asked_and_confirmed(plugin: Plugin) -> None:
    name = plugin.functions.create(environment={"DB_PASSWORD": "hunter2"}, prefix="watch")
    window = plugin.edit(name).window()
    assert window is not None
    window.run_command("lambda_function_info")
    harness.run_ui_until(
        lambda: "Function Info" in getattr(window.active_view(), "name", str)(),
        timeout=20,
        what="the Function Info view",
    )
    view = window.active_view()
    assert view is not None and view.is_read_only()
    text = view_text(view)
    assert "DB_PASSWORD = ••••••" in text and "hunter2" not in text
    assert f"Workspace          {plugin.workspace(name)}: in sync" in text

    harness.answer_dialog(False)
    window.run_command("lambda_show_environment_values")
    assert "hunter2" not in view_text(view)
    harness.answer_dialog(True)
    window.run_command("lambda_show_environment_values")
    assert "DB_PASSWORD = hunter2" in view_text(view)
    assert view.is_read_only()
    assert not adapter("info").LambdaShowEnvironmentValuesCommand(window).is_enabled()


def test_console_events_are_imported_and_shared(plugin: Plugin) -> None:
    name = plugin.functions.create(prefix="watch")
    window = plugin.edit(name).window()
    assert window is not None
    schemas = plugin.sandbox.client("schemas")
    ensure_registry(schemas)
    examples = {"from-console": {"value": {"a": 1}}}
    document = {"openapi": "3.0.0", "components": {"examples": examples}}
    schemas.create_schema(
        RegistryName="lambda-testevent-schemas",
        SchemaName=f"_{name}-schema",
        Type="OpenApi3",
        Content=json.dumps(document),
    )

    window.run_command("lambda_import_console_test_events")
    text = plugin.wait_for_panel(window, "Private test events", PANEL)
    assert "imported from-console" in text
    events = plugin.workspace(name) / ".lambda-editor" / "events"
    assert json.loads((events / "from-console.json").read_text()) == {"a": 1}

    (events / "mine.json").write_text('{"b": 2}')
    window.run_command("lambda_share_test_event")
    wait_for_quick_panel("the events to share")
    harness.answer_quick_panel("mine")
    plugin.wait_for_status("shared test event mine")
    shared = schemas.describe_schema(
        RegistryName="lambda-testevent-schemas", SchemaName=f"_{name}-schema"
    )
    examples = json.loads(shared["Content"])["components"]["examples"]
    assert examples == {"from-console": {"value": {"a": 1}}, "mine": {"value": {"b": 2}}}


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("[ERROR] ValueError: bad input", True),
        ("Traceback (most recent call last):", True),
        ("2024-05-01T12:00:00.000Z 1a Task timed out after 3.00 seconds", True),
        ('{"level": "ERROR", "message": "boom"}', True),
        ("Runtime.ImportModuleError: Unable to import module 'app'", True),
        ("hello ada", False),
        ("[INFO]\t2024-05-01T12:00:00.000Z\tid\tall good", False),
    ],
)
def test_the_log_syntax_makes_errors_stand_out(line: str, error: bool) -> None:
    """The panel syntax's error rule, read from the file as Sublime reads it."""
    syntax = (REPO / "LambdaLog.sublime-syntax").read_text()
    rule = re.search(r"- match: '(\(\?=\\\[\(\?:ERROR.*)'\n\s+set: error", syntax)
    assert rule is not None
    assert bool(re.match(rule.group(1), line)) is error
