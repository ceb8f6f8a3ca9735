"""The deploy history and rollback from the command line, against the local endpoint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, List

from conftest import HELLO
from test_cli import pull, run_cli

from lambda_editor import history

FIRST = "def handler(event, context):\n    return 'first'\n"
SECOND = "def handler(event, context):\n    return 'second'\n"


def pushed(sandbox: Any, tmp_path: Path, workspace: Path, *options: str) -> None:
    completed = run_cli(sandbox, tmp_path, *options, "push", str(workspace))
    assert completed.returncode == 0, completed.stderr


def two_deploys(sandbox: Any, functions: Any, tmp_path: Path) -> Path:
    """A workspace pulled, then deployed twice: FIRST, then SECOND with a helper module added."""
    workspace = pull(sandbox, tmp_path, functions.create(prefix="history"))
    (workspace / "notes.md").write_text("my notes, never deployed")
    (workspace / "app.py").write_text(FIRST)
    pushed(sandbox, tmp_path, workspace, "--exclude", "notes.md")
    (workspace / "app.py").write_text(SECOND)
    (workspace / "helper.py").write_text("VALUE = 2\n")
    pushed(sandbox, tmp_path, workspace, "--exclude", "notes.md")
    return workspace


def listed(sandbox: Any, tmp_path: Path, workspace: Path) -> List[str]:
    completed = run_cli(sandbox, tmp_path, "history", str(workspace))
    assert completed.returncode == 0, completed.stderr
    return list(completed.stdout.splitlines())


def test_each_deploy_adds_an_entry_saying_what_changed(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    workspace = two_deploys(sandbox, functions, tmp_path)

    lines = listed(sandbox, tmp_path, workspace)
    as_json = json.loads(run_cli(sandbox, tmp_path, "history", str(workspace), "--json").stdout)

    assert len(lines) == 3
    assert lines[0].startswith("1  ") and "  deployed  " in lines[0]
    assert lines[0].endswith("1 changed, 1 added: app.py, helper.py  (deployed now)")
    assert lines[1].startswith("2  ") and lines[1].endswith("1 changed: app.py")
    assert lines[2].startswith("3  ") and "  pulled  " in lines[2]
    assert lines[2].endswith(" 1 file")  # the function was created with app.py alone
    assert [item["kind"] for item in as_json] == ["deployed", "deployed", "pulled"]
    assert as_json[0]["changes"] == {"added": ["helper.py"], "removed": [], "changed": ["app.py"]}
    assert "configuration" not in json.dumps(as_json)  # environment values stay in the files


def test_an_entry_is_compared_with_the_workspace(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    workspace = two_deploys(sandbox, functions, tmp_path)
    entry_id = history.entries(str(workspace))[1].entry_id

    diff = run_cli(sandbox, tmp_path, "history", str(workspace), "--diff", entry_id)

    assert diff.returncode == 0, diff.stderr
    assert f"--- history/{entry_id}/app.py" in diff.stdout
    assert "-    return 'first'" in diff.stdout and "+    return 'second'" in diff.stdout
    assert "+++ local/helper.py" in diff.stdout and "+VALUE = 2" in diff.stdout


def test_rollback_restores_the_files_keeps_a_backup_and_deploys(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    workspace = two_deploys(sandbox, functions, tmp_path)
    name = workspace.name
    first = history.entries(str(workspace))[1]

    rolled = run_cli(sandbox, tmp_path, "--exclude", "notes.md", "rollback", str(workspace))

    assert rolled.returncode == 0, rolled.stderr
    assert (workspace / "app.py").read_text() == FIRST
    assert not (workspace / "helper.py").exists()
    assert (workspace / "notes.md").read_text() == "my notes, never deployed"  # left out: kept
    backup = Path(rolled.stderr.split("are in ")[1].split()[0])
    assert (backup / "app.py").read_text() == SECOND
    assert (backup / "helper.py").read_text() == "VALUE = 2\n"
    assert not (backup / ".lambda-editor").exists()  # a backup is never bound to the function
    assert rolled.stdout.startswith(f"{name} deployed ")
    assert functions.deployed_files(name) == {"app.py": FIRST.encode()}
    newest = history.newest(str(workspace))
    assert newest is not None and newest.kind == history.DEPLOYED
    assert newest.code_sha256 == first.code_sha256  # the same files give the same zip
    lines = listed(sandbox, tmp_path, workspace)
    assert len(lines) == 4
    # The entry rolled back to holds the same code: only the newest is marked as deployed now.
    assert [line.endswith("(deployed now)") for line in lines] == [True, False, False, False]


def test_a_rollback_over_a_remote_change_is_refused_after_the_files_are_restored(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    workspace = two_deploys(sandbox, functions, tmp_path)
    name = workspace.name
    functions.update_configuration(name, Timeout=12)  # someone else

    refused = run_cli(sandbox, tmp_path, "rollback", str(workspace), "3")

    assert refused.returncode == 3
    assert "changed in AWS" in refused.stderr
    assert "are in " in refused.stderr  # the backup is named before the refusal
    assert (workspace / "app.py").read_text() == HELLO["app.py"]  # the pulled code, restored
    assert functions.deployed_files(name)["app.py"] == SECOND.encode()  # not deployed


def test_entries_that_do_not_exist_are_refused(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    workspace = pull(sandbox, tmp_path, functions.create(prefix="history"))

    nothing_older = run_cli(sandbox, tmp_path, "rollback", str(workspace))
    unknown = run_cli(sandbox, tmp_path, "rollback", str(workspace), "7")

    assert nothing_older.returncode == 1
    assert "nothing older to roll back to" in nothing_older.stderr
    assert "'7' is not an entry of the history" in unknown.stderr
