"""What is deployed is never lied about: crashes, lost answers, two processes, hostile input.

Black-box: the command line in subprocesses against the local endpoint, whose planned faults
(`sandbox.faults`) fail, slow down or lose AWS's answers; processes are killed with SIGKILL.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Union

import pytest
from conftest import HELLO, eventually
from test_cli import REPO, cli_command, cli_env, pull, run_cli, run_command

from lambda_editor.packaging.manifest import scan
from lambda_editor.swap import recover_swaps_under
from lambda_editor.workspace import Workspace, list_workspaces

ORIGINAL = HELLO["app.py"]
THEIRS = {"app.py": "def handler(event, context):\n    return 'theirs'\n"}


def edit(workspace: Path, text: str) -> str:
    source = f"def handler(event, context):\n    return {text!r}\n"
    (workspace / "app.py").write_text(source)
    return source


def deployed_app(functions: Any, name: str) -> str:
    app: bytes = functions.deployed_files(name)["app.py"]
    return app.decode()


def error_lines(completed: subprocess.CompletedProcess) -> List[str]:  # type: ignore[type-arg]
    return [line for line in completed.stderr.splitlines() if "error: " in line]


def assert_one_clear_line(completed: subprocess.CompletedProcess) -> str:  # type: ignore[type-arg]
    [line] = error_lines(completed)
    assert "Traceback" not in completed.stderr
    assert "<" not in completed.stderr  # no HTML
    return line


def run_raw(sandbox: Any, workspace_root: Path, *arguments: Union[str, bytes]) -> Any:
    """The command line with arguments that may be bytes (not UTF-8), as a shell passes them."""
    command: List[Any] = [*cli_command(sandbox, "--workspace-root", str(workspace_root))]
    return run_command([*command, *arguments])


# --- 1. a push deploys only the function of its workspace --------------------------------------


def test_a_workspace_folder_in_the_deployed_code_never_binds_a_subfolder(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    other = functions.create()
    stray_marker = pull(sandbox, tmp_path / "other", other) / ".lambda-editor" / "function.json"
    name = functions.create(
        {
            **HELLO,
            "sub/mod.py": "X = 1\n",
            "sub/.lambda-editor/function.json": stray_marker.read_text(),
        }
    )
    pulled = run_cli(sandbox, tmp_path, "pull", name)
    workspace = Path(pulled.stdout.strip())
    (workspace / "sub" / "mod.py").write_text("X = 2\n")

    pushed = run_cli(sandbox, tmp_path, "push", cwd=workspace / "sub")

    assert "workspace folders of its own (sub/.lambda-editor/)" in pulled.stderr
    assert not (workspace / "sub" / ".lambda-editor").exists()
    assert pushed.returncode == 0, pushed.stderr
    assert f"{name} deployed" in pushed.stdout
    assert functions.deployed_files(name)["sub/mod.py"] == b"X = 2\n"
    assert sorted(functions.deployed_files(other)) == ["app.py"]


def test_a_workspace_copied_inside_another_deploys_nothing(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    outer_name, inner_name = functions.create(), functions.create()
    outer = pull(sandbox, tmp_path, outer_name)
    shutil.copytree(pull(sandbox, tmp_path / "elsewhere", inner_name), outer / "sub")
    edit(outer / "sub", "which function is this?")
    uploads = sandbox.stats.update_function_code

    refused = run_cli(sandbox, tmp_path, "push", cwd=outer / "sub")

    assert refused.returncode == 1
    assert f"is a workspace inside the workspace {outer}" in assert_one_clear_line(refused)
    assert sandbox.stats.update_function_code == uploads


def test_a_download_into_a_folder_inside_a_workspace_is_refused(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    outer = pull(sandbox, tmp_path, functions.create())

    refused = run_cli(
        sandbox, tmp_path, "pull", functions.create(), "--dir", str(outer / "lib" / "other")
    )

    assert refused.returncode == 1
    assert f"is inside the workspace {outer}" in assert_one_clear_line(refused)
    assert not (outer / "lib").exists()


# --- 2. "no changes to deploy" is true ------------------------------------------------------------


def test_undoing_an_edit_whose_upload_was_never_confirmed_deploys_the_undo(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create()
    workspace = pull(sandbox, tmp_path, name)
    edit(workspace, "edited")
    sandbox.faults.fail("GetFunctionConfiguration", name, times=3)  # the outcome is never seen
    unconfirmed = run_cli(sandbox, tmp_path, "push", str(workspace))
    (workspace / "app.py").write_text(ORIGINAL)  # the user undoes the edit

    undone = run_cli(sandbox, tmp_path, "push", str(workspace))

    assert unconfirmed.returncode == 1
    assert undone.returncode == 0, undone.stderr
    assert "no changes to deploy" not in undone.stdout
    assert deployed_app(functions, name) == ORIGINAL
    assert Workspace.load(str(workspace)).pending == ()


def test_two_failed_pushes_in_a_row_are_not_taken_for_a_remote_change(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create()
    workspace = pull(sandbox, tmp_path, name)
    edit(workspace, "first")
    sandbox.faults.fail("GetFunctionConfiguration", name, times=3)  # reached AWS, unconfirmed
    reached = run_cli(sandbox, tmp_path, "push", str(workspace))
    edit(workspace, "second")
    sandbox.faults.fail("UpdateFunctionCode", name, times=3)  # never reached AWS
    lost = run_cli(sandbox, tmp_path, "push", str(workspace))
    third = edit(workspace, "third")

    pushed = run_cli(sandbox, tmp_path, "push", str(workspace))

    assert (reached.returncode, lost.returncode) == (1, 1)
    assert pushed.returncode == 0, pushed.stderr
    assert deployed_app(functions, name) == third


def test_a_remote_change_behind_an_unconfirmed_upload_is_reported_not_hidden(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create()
    workspace = pull(sandbox, tmp_path, name)
    edit(workspace, "mine")
    sandbox.faults.fail("GetFunctionConfiguration", name, times=3)
    run_cli(sandbox, tmp_path, "push", str(workspace))
    functions.update_code(name, THEIRS)
    (workspace / "app.py").write_text(ORIGINAL)

    refused = run_cli(sandbox, tmp_path, "push", str(workspace))

    assert refused.returncode == 3
    assert "changed in AWS" in assert_one_clear_line(refused)
    assert "theirs" in deployed_app(functions, name)


def test_an_upload_that_never_arrived_leaves_nothing_to_deploy_once_undone(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create()
    workspace = pull(sandbox, tmp_path, name)
    edit(workspace, "lost")
    sandbox.faults.fail("UpdateFunctionCode", name, times=3)
    run_cli(sandbox, tmp_path, "push", str(workspace))
    (workspace / "app.py").write_text(ORIGINAL)

    undone = run_cli(sandbox, tmp_path, "push", str(workspace))

    assert undone.returncode == 0, undone.stderr
    assert undone.stdout.strip() == f"{name}: no changes to deploy"
    assert "checking what AWS holds" in undone.stderr
    assert Workspace.load(str(workspace)).pending == ()


def test_an_answer_lost_after_the_update_was_applied_is_recognised_as_ours(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create()
    workspace = pull(sandbox, tmp_path, name)
    mine = edit(workspace, "mine")
    sandbox.faults.lose_answer("UpdateFunctionCode", name)  # botocore retries: 412 from our own

    pushed = run_cli(sandbox, tmp_path, "push", str(workspace))

    assert pushed.returncode == 0, pushed.stderr
    assert deployed_app(functions, name) == mine


# --- 3. one workspace, one writer, across processes -------------------------------------------


def start_push(sandbox: Any, workspace_root: Path, workspace: Path) -> subprocess.Popen:  # type: ignore[type-arg]
    """A push in another process, returned once its upload is on its way."""
    command = cli_command(sandbox, "--workspace-root", str(workspace_root), "push", str(workspace))
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=cli_env())
    assert process.stderr is not None
    for line in process.stderr:
        if line.startswith("deploying"):
            return process
    raise AssertionError(f"the push never started uploading (exit {process.wait()})")


def test_two_pushes_at_once_deploy_the_last_saved_state_without_a_false_conflict(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create()
    workspace = pull(sandbox, tmp_path, name)
    edit(workspace, "first")
    sandbox.faults.slow("UpdateFunctionCode", name, seconds=4)
    first = start_push(sandbox, tmp_path, workspace)
    last = edit(workspace, "last")  # saved while the first push waits for its answer

    second = run_cli(sandbox, tmp_path, "push", str(workspace))

    assert first.wait(60) == 0
    assert second.returncode == 0, second.stderr
    assert "waiting for another deploy, download or install of this workspace" in second.stderr
    assert deployed_app(functions, name) == last
    assert Workspace.load(str(workspace)).manifest == scan(str(workspace))


def test_a_killed_deploy_frees_the_workspace_and_the_next_push_finds_what_is_deployed(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create()
    workspace = pull(sandbox, tmp_path, name)
    mine = edit(workspace, "mine")
    sandbox.faults.slow("UpdateFunctionCode", name, seconds=10)  # applied; the answer comes late
    uploads = sandbox.stats.update_function_code.get(name, 0)
    killed = start_push(sandbox, tmp_path, workspace)
    assert eventually(lambda: sandbox.stats.update_function_code.get(name, 0) > uploads)
    killed.kill()
    killed.wait(10)

    after = run_cli(sandbox, tmp_path, "push", str(workspace))

    assert after.returncode == 0, after.stderr
    assert after.stdout.strip() == f"{name}: no changes to deploy"
    assert deployed_app(functions, name) == mine
    assert Workspace.load(str(workspace)).pending == ()


# --- 4. a re-download interrupted at any instant loses nothing --------------------------------


def crash_at(sandbox: Any, workspace_root: Path, step: str, *arguments: str) -> int:
    crash = [sys.executable, str(REPO / "tests" / "crash_at.py"), step]
    command = crash + cli_command(sandbox, "--workspace-root", str(workspace_root), *arguments)[3:]
    crashed = subprocess.run(command, capture_output=True, env=cli_env(), timeout=60, check=False)
    return crashed.returncode


def edited_copy(sandbox: Any, functions: Any, tmp_path: Path) -> Dict[str, Any]:
    name = functions.create()
    workspace = pull(sandbox, tmp_path, name)
    mine = edit(workspace, "mine, never deployed")
    (workspace / "notes.txt").write_text("mine too\n")
    return {"name": name, "workspace": workspace, "mine": mine}


def the_backup(workspace: Path) -> Path:
    [backup] = workspace.parent.glob(f"{workspace.name}.backup-*")
    return backup


def test_a_re_download_killed_after_moving_the_old_copy_aside_is_finished_by_the_next_pull(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    copy = edited_copy(sandbox, functions, tmp_path)
    workspace = copy["workspace"]

    status = crash_at(sandbox, tmp_path, "moved-aside", "pull", "--force", copy["name"])
    missing = not workspace.exists()
    again = run_cli(sandbox, tmp_path, "pull", copy["name"])

    assert (status, missing) == (-signal.SIGKILL, True)
    assert again.returncode == 0, again.stderr
    backup = the_backup(workspace)
    assert f"An interrupted re-download of {workspace} was finished" in again.stderr
    assert str(backup) in again.stderr
    assert (backup / "app.py").read_text() == copy["mine"]
    assert (backup / "notes.txt").read_text() == "mine too\n"
    assert (workspace / "app.py").read_text() == ORIGINAL
    assert sorted(os.listdir(workspace.parent)) == sorted(
        [workspace.name, backup.name, f".{workspace.name}.lock"]
    )


def test_a_re_download_killed_after_moving_the_old_copy_aside_is_finished_by_listing_workspaces(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    copy = edited_copy(sandbox, functions, tmp_path)
    workspace = copy["workspace"]
    crash_at(sandbox, tmp_path, "moved-aside", "pull", "--force", copy["name"])
    hidden = [found.root for found in list_workspaces(str(tmp_path))]

    notices = recover_swaps_under(str(tmp_path))

    assert hidden == []
    [notice] = notices
    assert str(the_backup(workspace)) in notice
    assert (the_backup(workspace) / "app.py").read_text() == copy["mine"]
    assert [found.root for found in list_workspaces(str(tmp_path))] == [str(workspace)]


def test_a_re_download_killed_after_the_swap_is_finished_by_the_next_push(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    copy = edited_copy(sandbox, functions, tmp_path)
    workspace = copy["workspace"]

    status = crash_at(sandbox, tmp_path, "swapped-in", "pull", "--force", copy["name"])
    pushed = run_cli(sandbox, tmp_path, "push", str(workspace))
    again = run_cli(sandbox, tmp_path, "push", str(workspace))

    assert status == -signal.SIGKILL
    assert pushed.returncode == 1
    line = assert_one_clear_line(pushed)
    assert str(the_backup(workspace)) in line and "Nothing was deployed" in line
    assert (the_backup(workspace) / "app.py").read_text() == copy["mine"]
    assert again.stdout.strip() == f"{copy['name']}: no changes to deploy"


# --- 5. to 8. hostile archives, markers and input ----------------------------------------------


def test_an_archive_nested_thousands_deep_is_refused_in_one_line_and_leaves_nothing(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create({**HELLO, "d/" * 3000 + "leaf.py": "X = 1\n"})

    refused = run_cli(sandbox, tmp_path, "pull", name)

    assert refused.returncode == 1
    assert "nests 3001 folders deep" in assert_one_clear_line(refused)
    region = tmp_path / "123456789012" / sandbox.region
    assert [entry for entry in os.listdir(region) if not entry.endswith(".lock")] == []


def test_an_empty_revision_id_in_the_marker_is_never_sent_as_no_check(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create()
    workspace = pull(sandbox, tmp_path, name)
    functions.update_code(name, THEIRS)
    edit(workspace, "mine")
    marker = workspace / ".lambda-editor" / "function.json"
    document = json.loads(marker.read_text())
    document["binding"]["revision_id"] = ""
    marker.write_text(json.dumps(document))

    refused = run_cli(sandbox, tmp_path, "push", str(workspace))

    assert refused.returncode == 1
    assert "binding is damaged" in assert_one_clear_line(refused)
    assert "theirs" in deployed_app(functions, name)


@pytest.mark.skipif(sys.platform != "linux", reason="only Linux allows names that are not UTF-8")
def test_a_file_name_that_is_not_utf8_is_named_in_one_line(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    workspace = pull(sandbox, tmp_path, functions.create())
    with open(os.path.join(os.fsencode(workspace), b"caf\xe9.txt"), "wb") as odd:
        odd.write(b"x")

    refused = run_cli(sandbox, tmp_path, "push", str(workspace))

    assert refused.returncode == 1
    assert "Cannot package caf\\xe9.txt: its name is not valid UTF-8" in assert_one_clear_line(
        refused
    )


@pytest.mark.parametrize(
    "payload",
    [
        ["--payload", b'{"name": "caf\xe9"}'],  # Latin-1 on the command line
        ["--event", b'{"name": "caf\xe9"}'],  # Latin-1 in a file
        ["--event", b"[" * 200_000],  # deeper than json can check
    ],
)
def test_invalid_payloads_are_usage_errors_and_nothing_is_sent(
    sandbox: Any, functions: Any, tmp_path: Path, payload: List[Any]
) -> None:
    name = functions.create()
    option, value = payload
    if option == "--event":
        (tmp_path / "event.json").write_bytes(value)
        value = str(tmp_path / "event.json")

    refused = run_raw(sandbox, tmp_path, "invoke", name, option, value)

    assert refused.returncode == 2
    assert "Nothing was sent" in assert_one_clear_line(refused)
    assert sandbox.stats.invoke.get(name, 0) == 0


@pytest.mark.parametrize(
    "arguments",
    [["pull", "a/b"], ["invoke", "my function"], ["pull", "x" * 300], ["invoke", b"caf\xe9"]],
)
def test_function_names_lambda_would_reject_are_refused_before_any_request(
    tmp_path: Path, arguments: List[Any]
) -> None:
    nowhere = [sys.executable, "-m", "lambda_editor", "--endpoint-url", "http://127.0.0.1:9"]
    command = [*nowhere, "--region", "us-east-1", "--workspace-root", str(tmp_path), *arguments]

    refused = run_command(command)

    assert refused.returncode == 2
    assert "is not a function name or ARN that Lambda accepts" in assert_one_clear_line(refused)


@pytest.mark.parametrize(("status", "expected"), [(403, '"403 Forbidden"'), (502, "Bad Gateway")])
def test_an_error_page_from_a_proxy_is_one_line_with_the_status_and_the_operation(
    sandbox: Any, functions: Any, tmp_path: Path, status: int, expected: str
) -> None:
    name = functions.create()
    sandbox.faults.fail_with_page("GetFunction", name, times=3, status=status)

    refused = run_cli(sandbox, tmp_path, "pull", name)

    assert refused.returncode == 1
    line = assert_one_clear_line(refused)
    assert "GetFunction" in line and str(status) in line and expected in line


def test_an_answer_that_is_not_from_lambda_is_one_clear_line(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create()
    sandbox.faults.fail_with_page("GetFunction", name, status=200)  # a captive portal's page

    refused = run_cli(sandbox, tmp_path, "pull", name)

    assert refused.returncode == 1
    line = assert_one_clear_line(refused)
    assert "did not come from Lambda" in line and "proxy" in line
    assert not list(tmp_path.iterdir())


# The command line with a bug planted where a pull gets the function.
BUGGY_CLI = (
    "import sys; from lambda_editor import cli, pull; "
    "pull.get_function = lambda *arguments: {}['Configuration']; "
    "sys.exit(cli.main(sys.argv[1:]))"
)


def test_an_unexpected_failure_is_one_line_and_its_traceback_is_in_the_debug_log(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create()
    options = ["--endpoint-url", sandbox.url, "--region", sandbox.region]
    options += ["--workspace-root", str(tmp_path)]

    def buggy_pull(*debug: str) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
        return run_command([sys.executable, "-c", BUGGY_CLI, *debug, *options, "pull", name])

    plain, debug = buggy_pull(), buggy_pull("--debug")

    assert plain.returncode == debug.returncode == 1
    assert assert_one_clear_line(plain).endswith(
        "KeyError: 'Configuration' (--debug shows the details)"
    )
    assert "Traceback (most recent call last)" in debug.stderr
    assert "KeyError: 'Configuration'" in debug.stderr


# --- 9. nothing leaves the deployed function silently ------------------------------------------


def test_deployed_files_excluded_here_are_listed_by_diff_and_named_by_the_deploy_that_drops_them(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create(
        {
            **HELLO,
            "__pycache__/app.cpython-312.pyc": "\0",
            ".DS_Store": "\0",
            "notes.md": "read me\n",
        }
    )
    workspace = pull(sandbox, tmp_path, name)
    dropped = [".DS_Store", "__pycache__/app.cpython-312.pyc", "notes.md"]

    diff = run_cli(sandbox, tmp_path, "--exclude", "*.md", "diff", str(workspace))
    edit(workspace, "edited")
    pushed = run_cli(sandbox, tmp_path, "--exclude", "*.md", "push", str(workspace))
    edit(workspace, "again")
    next_push = run_cli(sandbox, tmp_path, "--exclude", "*.md", "push", str(workspace))

    for path in dropped:
        assert (
            f"Only in deployed, excluded here (the next deploy removes it): {path}" in diff.stdout
        )
    assert (
        f"{name}: will remove 3 files that the deployed code holds but are excluded here: "
        + ", ".join(dropped)
    ) in pushed.stderr
    assert "without 3 files excluded here" in pushed.stdout
    assert "will remove" not in next_push.stderr
    assert sorted(functions.deployed_files(name)) == ["app.py"]


# --- the local endpoint's own needs ----------------------------------------------------------


def test_an_older_moto_says_what_to_upgrade(tmp_path: Path) -> None:
    old = tmp_path / "site"
    (old / "moto" / "moto_server").mkdir(parents=True)
    (old / "moto" / "__init__.py").write_text("__version__ = '5.2.1'\n")
    (old / "moto" / "moto_server" / "__init__.py").write_text("")
    (old / "moto" / "moto_server" / "werkzeug_app.py").write_text("def create_backend_app(): ...\n")
    (old / "moto-5.2.1.dist-info").mkdir()
    (old / "moto-5.2.1.dist-info" / "METADATA").write_text("Name: moto\nVersion: 5.2.1\n")
    environment = dict(cli_env(), PYTHONPATH=os.pathsep.join([str(old), str(REPO)]))

    completed = run_command([sys.executable, "-m", "lambda_editor", "sandbox"], env=environment)

    assert completed.returncode == 1
    assert completed.stderr.strip() == (
        "error: The sandbox needs moto 5.2.5 or newer; this Python has moto 5.2.1. "
        "Upgrade it: pip install --upgrade 'moto[server]>=5.2.5,<5.3'"
    )
