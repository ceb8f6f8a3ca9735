"""`logs` and `info` as a user runs them: subprocesses against the local endpoint."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, List

import pytest
from test_cli import cli_command, cli_env, pull, run_cli

CHATTY = {
    "app.py": (
        "import logging\n\n"
        "logging.getLogger().setLevel(logging.INFO)\n\n\n"
        "def handler(event, context):\n"
        "    print('hello', event.get('name'))\n"
        "    logging.info('done with %s', event.get('name'))\n"
        "    return 'ok'\n"
    )
}


def invoke(sandbox: Any, name: str, who: str) -> str:
    answer = sandbox.client().invoke(FunctionName=name, Payload=json.dumps({"name": who}).encode())
    return str(answer["ResponseMetadata"]["RequestId"])


def test_logs_prints_one_event_a_line_with_compact_platform_lines(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create(CHATTY)
    request_id = invoke(sandbox, name, "ada")

    completed = run_cli(sandbox, tmp_path, "logs", name, "--since", "5m")
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    timestamp, stream, message = lines[0].split("\t")
    assert timestamp.endswith("Z") and "[$LATEST]" in stream
    assert message == f"START {request_id} $LATEST"
    assert any(line.endswith("\thello ada") for line in lines)
    assert lines[-1].split("\t")[2].startswith(f"REPORT {request_id} · Duration ")
    assert not any("\tEND RequestId" in line for line in lines)

    as_json = run_cli(sandbox, tmp_path, "logs", name, "--since", "5m", "--json")
    records = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert {record["requestId"] for record in records} == {request_id}
    assert f"END RequestId: {request_id}" in [record["message"] for record in records]

    filtered = run_cli(sandbox, tmp_path, "logs", name, "--filter", '"hello"', "--json")
    assert [json.loads(line)["message"] for line in filtered.stdout.splitlines()] == ["hello ada"]


def test_logs_of_a_function_that_never_ran(sandbox: Any, functions: Any, tmp_path: Path) -> None:
    name = functions.create(CHATTY)
    completed = run_cli(sandbox, tmp_path, "logs", name)
    assert completed.returncode == 0
    assert completed.stdout == ""
    assert "no log events" in completed.stderr


def test_a_bad_since_is_a_usage_error(sandbox: Any, functions: Any, tmp_path: Path) -> None:
    name = functions.create(CHATTY)
    completed = run_cli(sandbox, tmp_path, "logs", name, "--since", "lately")
    assert completed.returncode == 2
    assert "neither a duration nor a time" in completed.stderr


def test_logs_request_prints_that_request_only(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create(CHATTY)
    invoke(sandbox, name, "first")
    wanted = invoke(sandbox, name, "second")
    invoke(sandbox, name, "third")
    completed = run_cli(sandbox, tmp_path, "logs", name, "--request", wanted, "--json")
    assert completed.returncode == 0, completed.stderr
    messages = [json.loads(line)["message"] for line in completed.stdout.splitlines()]
    assert messages[0].startswith(f"START RequestId: {wanted}")
    assert "hello second" in messages
    assert not any("first" in message or "third" in message for message in messages)


def read_lines(stream: Any, into: queue.Queue[str]) -> None:
    for line in stream:
        into.put(line.rstrip("\n"))


def wait_for_line(lines: queue.Queue[str], text: str, timeout: float = 30) -> List[str]:
    seen: List[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            seen.append(lines.get(timeout=0.2))
        except queue.Empty:
            continue
        if text in seen[-1]:
            return seen
    raise AssertionError(f"{text!r} never came; saw {seen}")


@pytest.mark.skipif(sys.platform == "win32", reason="Ctrl-C is SIGINT on POSIX")
def test_logs_follow_prints_new_lines_and_stops_on_ctrl_c(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create(CHATTY)
    invoke(sandbox, name, "before")
    command = cli_command(sandbox, "--workspace-root", str(tmp_path), "logs", name, "--follow")
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env()
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=read_lines, args=(process.stdout, lines), daemon=True).start()
    try:
        earlier = wait_for_line(lines, "hello before")  # the last 10 minutes first
        invoke(sandbox, name, "during")
        later = wait_for_line(lines, "hello during")
        time.sleep(1.5)  # any repeat would come now
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0, stderr
    everything = earlier + later + [lines.get() for _ in range(lines.qsize())]
    assert sum("hello before" in line for line in everything) == 1
    assert sum("hello during" in line for line in everything) == 1
    assert "Traceback" not in stderr


def test_info_shows_the_configuration_and_masks_environment_values(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create(environment={"API_TOKEN": "s3cr3t-value", "MODE": "test"})
    completed = run_cli(sandbox, tmp_path, "info", name)
    assert completed.returncode == 0, completed.stderr
    text = completed.stdout
    assert f"Function           {name}" in text
    assert "Runtime            python3.12" in text
    assert "Timeout            3 s" in text
    assert "API_TOKEN = ••••••" in text
    assert "s3cr3t-value" not in text
    assert "Workspace" not in text  # none was downloaded: nothing is claimed about one

    shown = run_cli(sandbox, tmp_path, "info", name, "--json", "--show-values")
    document = json.loads(shown.stdout)
    assert document["environment"] == {"API_TOKEN": "s3cr3t-value", "MODE": "test"}
    assert "Environment" not in document["configuration"]
    masked = json.loads(run_cli(sandbox, tmp_path, "info", name, "--json").stdout)
    assert masked["environment"] == {"API_TOKEN": None, "MODE": None}


def test_info_of_a_workspace_says_how_it_stands(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create()
    workspace = pull(sandbox, tmp_path, name)
    version = sandbox.client().publish_version(FunctionName=name)["Version"]
    sandbox.client().create_alias(FunctionName=name, Name="stable", FunctionVersion=version)

    def status() -> Any:
        completed = run_cli(sandbox, tmp_path, "info", str(workspace), "--json")
        assert completed.returncode == 0, completed.stderr
        document = json.loads(completed.stdout)
        # A workspace names its function by ARN: every part is read all the same.
        assert document["unreadable"] == []
        assert [alias["Name"] for alias in document["aliases"]] == ["stable"]
        return document["workspace"]

    assert status() == {
        "root": str(workspace),
        "in_sync": True,
        "local_changes": 0,
        "changed_in_aws": None,
    }
    (workspace / "app.py").write_text("def handler(event, context):\n    return 2\n")
    assert status()["local_changes"] == 1

    functions.update_configuration(name, Timeout=9)
    assert status()["changed_in_aws"] == "configuration"

    functions.update_code(name, {"other.py": "x = 1\n"})
    text = run_cli(sandbox, tmp_path, "info", str(workspace)).stdout
    assert "local changes not deployed (1 file)" in text
    assert "its code was changed in AWS since the download" in text


def test_info_lists_versions_aliases_url_tags_and_a_failed_update(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create()
    client = sandbox.client()
    arn = client.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    client.tag_resource(Resource=arn, Tags={"team": "payments"})
    version = client.publish_version(FunctionName=name, Description="first cut")["Version"]
    client.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    url = client.create_function_url_config(FunctionName=name, AuthType="AWS_IAM")["FunctionUrl"]
    sandbox.fail_next_update(name, "The role cannot be assumed.", "InvalidRole")
    client.update_function_configuration(FunctionName=name, MemorySize=256)
    time.sleep(0.5)  # the update's InProgress phase ends

    completed = run_cli(sandbox, tmp_path, "info", name)
    assert completed.returncode == 0, completed.stderr
    rows = completed.stdout.splitlines()
    assert "Tag                team = payments" in rows
    assert f"Function URL       {url} (auth AWS_IAM)" in rows
    assert any(
        row.startswith(f"Version            {version} (") and "first cut" in row for row in rows
    )
    assert f"Alias              live → {version}" in rows
    assert "Last update        Failed: The role cannot be assumed. (InvalidRole)" in rows
    assert "Memory             256 MB" in rows
