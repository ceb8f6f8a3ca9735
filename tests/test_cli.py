"""The command line as a user runs it: a subprocess against the local endpoint."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import pytest
from conftest import eventually

from lambda_editor import history
from lambda_editor.packaging.manifest import scan

REPO = Path(__file__).resolve().parent.parent


def cli_command(sandbox: Any, *arguments: str) -> List[str]:
    options = ["--endpoint-url", sandbox.url, "--region", sandbox.region]
    return [sys.executable, "-m", "lambda_editor", *options, *arguments]


def cli_env() -> Dict[str, str]:
    """The test's environment (isolated AWS settings) with the repository importable."""
    return dict(os.environ, PYTHONPATH=str(REPO))


def run_command(
    command: Sequence[Any], cwd: Any = None, env: Optional[Dict[str, str]] = None
) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    """`command` run to its end in `cli_env()` (or `env`), its output captured as text."""
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env or cli_env(),
        timeout=60,
        check=False,
    )


def run_cli(
    sandbox: Any, workspace_root: Path, *arguments: str, cwd: Any = None
) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    return run_command(
        cli_command(sandbox, "--workspace-root", str(workspace_root), *arguments), cwd
    )


def pull(sandbox: Any, tmp_path: Path, name: str) -> Path:
    completed = run_cli(sandbox, tmp_path, "pull", name)
    assert completed.returncode == 0, completed.stderr
    return Path(completed.stdout.strip())


def test_list_pages_through_every_function(sandbox: Any, functions: Any, tmp_path: Path) -> None:
    before = len(json.loads(run_cli(sandbox, tmp_path, "list", "--json").stdout))
    created = [functions.create(prefix="paged") for _ in range(125)]

    listed = json.loads(run_cli(sandbox, tmp_path, "list", "--json").stdout)
    plain = run_cli(sandbox, tmp_path, "list").stdout.splitlines()

    names = [function["name"] for function in listed]
    assert len(listed) == before + 125
    assert set(created) <= set(names)
    assert len(plain) == len(listed)
    assert names == sorted(names, key=str.lower)


def test_edit_then_push_deploys_exactly_the_workspace(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create()
    workspace = pull(sandbox, tmp_path, name)
    (workspace / "app.py").write_text("def handler(event, context):\n    return 'edited'\n")
    (workspace / "helpers").mkdir()
    (workspace / "helpers" / "text.py").write_text("GREETING = 'hi'\n")
    (workspace / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (workspace / "run.sh").chmod(0o755)

    completed = run_cli(sandbox, tmp_path, "push", str(workspace))

    assert completed.returncode == 0, completed.stderr
    assert f"{name} deployed" in completed.stdout
    deployed = functions.deployed_files(name)
    local = scan(str(workspace))
    assert sorted(deployed) == sorted(local)
    for path in local:
        assert deployed[path] == (workspace / path).read_bytes()
    redownloaded = pull(sandbox, tmp_path / "again", name)
    assert scan(str(redownloaded)) == local


def test_a_push_without_changes_uploads_nothing(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create()
    workspace = pull(sandbox, tmp_path, name)
    uploads = sandbox.stats.update_function_code.get(name, 0)

    completed = run_cli(sandbox, tmp_path, "push", cwd=workspace)

    assert completed.returncode == 0
    assert completed.stdout.strip() == f"{name}: no changes to deploy"
    assert sandbox.stats.update_function_code.get(name, 0) == uploads


def test_a_push_without_changes_imports_no_boto3(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create()
    workspace = pull(sandbox, tmp_path, name)
    command = cli_command(sandbox, "--workspace-root", str(tmp_path), "push", str(workspace))
    python, *arguments = command

    completed = run_command([python, "-X", "importtime", *arguments])

    assert completed.returncode == 0, completed.stderr
    assert "no changes to deploy" in completed.stdout
    imported = [line.rsplit("|", 1)[-1].strip() for line in completed.stderr.splitlines()]
    assert "lambda_editor.deploy" in imported
    assert not [module for module in imported if module.split(".")[0] in ("boto3", "botocore")]


def test_pushes_keep_their_zips_in_the_history_within_the_count(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create()
    workspace = pull(sandbox, tmp_path, name)
    for number in range(3):
        (workspace / "app.py").write_text(f"def handler(event, context):\n    return {number}\n")
        completed = run_cli(sandbox, tmp_path, "--history-count", "2", "push", str(workspace))
        assert completed.returncode == 0, completed.stderr

    entries = history.entries(str(workspace))
    assert [entry.kind for entry in entries] == ["deployed", "deployed"]
    deployed = functions.client.get_function_configuration(FunctionName=name)
    assert entries[-1].code_sha256 == deployed["CodeSha256"]
    assert entries[-1].revision_id == deployed["RevisionId"]
    assert entries[-1].configuration["Environment"] == {"Variables": {"COLOR": "blue"}}
    newest = zipfile.ZipFile(io.BytesIO(history.read(entries[-1])))
    assert newest.read("app.py") == b"def handler(event, context):\n    return 2\n"


def test_a_conflicting_push_is_refused_and_the_remote_code_is_untouched(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create()
    workspace = pull(sandbox, tmp_path, name)
    theirs = {"app.py": "def handler(event, context):\n    return 'theirs'\n"}
    functions.update_code(name, theirs)
    (workspace / "app.py").write_text("def handler(event, context):\n    return 'mine'\n")

    refused = run_cli(sandbox, tmp_path, "push", str(workspace))

    assert refused.returncode == 3
    assert "changed in AWS since it was downloaded" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 2  # the progress line, then the error
    assert functions.deployed_files(name)["app.py"] == theirs["app.py"].encode()

    forced = run_cli(sandbox, tmp_path, "push", "--force", str(workspace))

    assert forced.returncode == 0, forced.stderr
    assert b"'mine'" in functions.deployed_files(name)["app.py"]


def test_pull_refuses_to_overwrite_undeployed_changes_and_force_keeps_a_backup(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create()
    workspace = pull(sandbox, tmp_path, name)
    (workspace / "app.py").write_text("# precious local work\n")

    refused = run_cli(sandbox, tmp_path, "pull", name)

    assert refused.returncode == 1
    assert "never deployed" in refused.stderr
    assert (workspace / "app.py").read_text() == "# precious local work\n"

    forced = run_cli(sandbox, tmp_path, "pull", "--force", name)

    assert forced.returncode == 0, forced.stderr
    backups = list(workspace.parent.glob(f"{name}.backup-*"))
    assert [(backup / "app.py").read_text() for backup in backups] == ["# precious local work\n"]
    assert "def handler" in (workspace / "app.py").read_text()


def test_watch_deploys_the_last_of_several_quick_saves(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create()
    workspace = pull(sandbox, tmp_path, name)
    command = cli_command(sandbox, "watch", str(workspace))
    watcher = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=cli_env())
    try:
        assert watcher.stderr is not None
        assert "watching" in watcher.stderr.readline()
        for version in range(5):
            (workspace / "app.py").write_text(f"def handler(e, c):\n    return {version}\n")
            time.sleep(0.15)
        assert eventually(lambda: functions.deployed_files(name)["app.py"].endswith(b"return 4\n"))
    finally:
        watcher.terminate()
        watcher.wait(10)


def test_invoke_locally_runs_the_workspace_handler(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create()
    workspace = pull(sandbox, tmp_path, name)

    completed = run_cli(
        sandbox, tmp_path, "invoke", name, "--local", "--payload", '{"name": "cli"}', cwd=workspace
    )

    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == {"hello": "cli", "color": "blue"}
    assert "REPORT RequestId:" in completed.stderr


def test_invoke_reports_a_function_error_with_exit_status_4(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create({"app.py": "def handler(event, context):\n    raise KeyError('x')\n"})
    pull(sandbox, tmp_path, name)

    completed = run_cli(sandbox, tmp_path, "invoke", name, "--local", "--json")

    assert completed.returncode == 4
    result = json.loads(completed.stdout)
    assert result["function_error"] == "Unhandled"
    assert result["error"]["error_type"] == "KeyError"


def test_an_invalid_payload_is_a_usage_error_and_nothing_runs(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    completed = run_cli(sandbox, tmp_path, "invoke", "any-fn", "--payload", '{"a": 1,}')

    assert completed.returncode == 2
    assert "line 1, column" in completed.stderr
    assert sandbox.stats.invoke.get("any-fn", 0) == 0


@pytest.mark.parametrize(
    ("arguments", "status", "expected"),
    [
        (["pull", "no-such-function"], 1, "no-such-function"),
        (["push", "/"], 1, "not inside a Lambda Editor workspace"),
        (["frobnicate"], 2, "invalid choice"),
        (["invoke", "fn", "--local", "--type", "DryRun"], 2, "no --type or --qualifier"),
        (["invoke", "fn", "--local"], 1, "Run `python -m lambda_editor pull NAME`."),
    ],
)
def test_errors_are_one_clear_line_with_the_documented_status(
    sandbox: Any, tmp_path: Path, arguments: List[str], status: int, expected: str
) -> None:
    completed = run_cli(sandbox, tmp_path, *arguments)

    assert completed.returncode == status
    assert expected in completed.stderr
    assert "Traceback" not in completed.stderr


def test_invoke_runs_the_deployed_code_in_the_endpoint(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create()
    runs = sandbox.stats.runs.get(name, 0)

    completed = run_cli(sandbox, tmp_path, "invoke", name, "--payload", '{"name": "remote"}')

    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == {"hello": "remote", "color": "blue"}
    assert completed.stderr.startswith(f"{name} · $LATEST · 200 · Duration ")
    assert "REPORT RequestId:" in completed.stderr
    assert sandbox.stats.runs.get(name, 0) == runs + 1


def test_invoke_with_a_saved_event_of_the_workspace(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create()
    workspace = pull(sandbox, tmp_path, name)
    events = workspace / ".lambda-editor" / "events"
    events.mkdir(parents=True)
    (events / "greeting.json").write_text('{"name": "saved event"}')

    completed = run_cli(sandbox, tmp_path, "invoke", name, "--event", "greeting", "--json")

    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["payload"] == {"hello": "saved event", "color": "blue"}
    assert result["report"]["duration_ms"] is not None
