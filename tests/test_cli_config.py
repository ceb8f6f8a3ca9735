"""The configuration file from the command line, against the local endpoint: written by a pull,
deployed by a push, refused on a remote change, checked before anything is sent."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Dict

from conftest import eventually
from test_cli import cli_command, cli_env, pull, run_cli

from lambda_editor import config_file
from lambda_editor.workspace import Workspace

SECRET = "s3cr3t-t0ken"
CODE = "def handler(event, context):\n    return 'new code'\n"


def config_path(workspace: Path) -> Path:
    return workspace / ".lambda-editor" / "configuration.json"


def edit_config(workspace: Path, **changes: Any) -> None:
    """Change fields of the file as a person would: the header and the other fields stay."""
    path = config_path(workspace)
    document = config_file.parse(path.read_bytes())
    document.update(changes)
    path.write_text(config_file.render(document, "fn"), encoding="utf-8")


def aws_configuration(sandbox: Any, name: str) -> Dict[str, Any]:
    return dict(sandbox.client().get_function_configuration(FunctionName=name))


def test_a_pull_writes_the_configuration_and_config_prints_it_masked(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create(environment={"TOKEN": SECRET}, prefix="config")
    workspace = pull(sandbox, tmp_path, name)

    shown = run_cli(sandbox, tmp_path, "config", str(workspace))
    as_json = run_cli(sandbox, tmp_path, "config", name, "--json")
    revealed = run_cli(sandbox, tmp_path, "config", str(workspace), "--show-values")

    text = config_path(workspace).read_text(encoding="utf-8")
    assert text.startswith(f"// The configuration of {name}.")
    document = config_file.parse(text.encode())
    assert document["Environment"] == {"TOKEN": SECRET}
    assert document["Timeout"] == 3 and document["EphemeralStorage"] == 512
    assert document["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}
    assert shown.returncode == 0, shown.stderr
    assert "Timeout           3" in shown.stdout
    assert "Environment       TOKEN = ••••••" in shown.stdout
    assert SECRET not in shown.stdout + shown.stderr + as_json.stdout + as_json.stderr
    assert json.loads(as_json.stdout)["Environment"] == {"TOKEN": "••••••"}
    assert f"TOKEN = {SECRET}" in revealed.stdout


def test_saving_the_file_deploys_only_the_configuration_and_records_the_revision(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create(environment={"TOKEN": SECRET}, prefix="config")
    workspace = pull(sandbox, tmp_path, name)
    uploads = sandbox.stats.update_function_code.get(name, 0)
    edit_config(
        workspace,
        Timeout=30,
        MemorySize=256,
        EphemeralStorage=1024,
        Environment={"TOKEN": "rotated", "DEBUG": "1"},
        Description="configured from a file",
    )

    pending = run_cli(sandbox, tmp_path, "config", str(workspace))
    pushed = run_cli(sandbox, tmp_path, "push", str(workspace))
    again = run_cli(sandbox, tmp_path, "push", str(workspace))

    assert "not deployed yet:" in pending.stderr and "Timeout: 3 → 30" in pending.stderr
    assert "rotated" not in pending.stderr and SECRET not in pending.stderr
    assert pushed.returncode == 0, pushed.stderr
    assert "configuration: Description, Timeout, MemorySize, EphemeralStorage, Environment" in (
        pushed.stdout
    )
    assert "rotated" not in pushed.stdout + pushed.stderr
    current = aws_configuration(sandbox, name)
    assert (current["Timeout"], current["MemorySize"]) == (30, 256)
    assert current["EphemeralStorage"] == {"Size": 1024}
    assert current["Environment"]["Variables"] == {"TOKEN": "rotated", "DEBUG": "1"}
    assert current["Description"] == "configured from a file"
    assert sandbox.stats.update_function_code.get(name, 0) == uploads  # no code was sent
    binding = Workspace.load(str(workspace)).binding
    assert binding.revision_id == current["RevisionId"]
    assert again.stdout.strip() == f"{name}: no changes to deploy"


def test_a_configuration_changed_in_aws_refuses_the_deploy_until_forced(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create(prefix="config")
    workspace = pull(sandbox, tmp_path, name)
    functions.update_configuration(name, MemorySize=512)  # someone else
    edit_config(workspace, Timeout=20)

    refused = run_cli(sandbox, tmp_path, "push", str(workspace))
    untouched = aws_configuration(sandbox, name)
    diff = run_cli(sandbox, tmp_path, "diff", str(workspace))
    forced = run_cli(sandbox, tmp_path, "push", str(workspace), "--force")

    assert refused.returncode == 3
    assert "changed in AWS" in refused.stderr
    assert (untouched["Timeout"], untouched["MemorySize"]) == (3, 512)
    assert "# Configuration: deployed → .lambda-editor/configuration.json" in diff.stdout
    assert "Timeout: 3 → 20" in diff.stdout
    assert "MemorySize: 512 → 128" in diff.stdout  # what deploying anyway would undo
    assert forced.returncode == 0, forced.stderr
    forced_over = aws_configuration(sandbox, name)
    assert (forced_over["Timeout"], forced_over["MemorySize"]) == (20, 128)  # all of the file


def test_deploying_anyway_over_someone_elses_code_deploys_the_workspaces_code_too(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    from conftest import HELLO

    name = functions.create(prefix="config")
    workspace = pull(sandbox, tmp_path, name)
    functions.update_code(name, {"app.py": CODE})  # someone else's code
    edit_config(workspace, Timeout=15)  # only the configuration changed here

    forced = run_cli(sandbox, tmp_path, "push", str(workspace), "--force")
    again = run_cli(sandbox, tmp_path, "push", str(workspace))

    assert forced.returncode == 0, forced.stderr
    assert aws_configuration(sandbox, name)["Timeout"] == 15
    assert functions.deployed_files(name)["app.py"] == HELLO["app.py"].encode()
    assert again.stdout.strip() == f"{name}: no changes to deploy"


def test_code_and_configuration_changed_are_two_updates_configuration_first(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create(prefix="config")
    workspace = pull(sandbox, tmp_path, name)
    (workspace / "app.py").write_text(CODE)
    edit_config(workspace, Environment={"FEATURE": "on"})

    pushed = run_cli(sandbox, tmp_path, "push", str(workspace))

    assert pushed.returncode == 0, pushed.stderr
    progress = pushed.stderr
    assert progress.index(f"configuring {name} (Environment)") < progress.index(
        f"deploying {name} ("
    )
    assert "; configuration: Environment)" in pushed.stdout
    assert functions.deployed_files(name)["app.py"] == CODE.encode()
    assert aws_configuration(sandbox, name)["Environment"]["Variables"] == {"FEATURE": "on"}
    assert (
        Workspace.load(str(workspace)).binding.revision_id
        == (aws_configuration(sandbox, name)["RevisionId"])
    )


def test_an_invalid_file_sends_nothing_and_names_the_field_or_the_position(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create(prefix="config")
    workspace = pull(sandbox, tmp_path, name)
    (workspace / "app.py").write_text(CODE)
    before = aws_configuration(sandbox, name)
    edit_config(workspace, Timeout=901)
    out_of_range = run_cli(sandbox, tmp_path, "push", str(workspace))
    config_path(workspace).write_text('{\n  "Timeout": 10\n  "MemorySize": 256\n}\n')
    broken = run_cli(sandbox, tmp_path, "push", str(workspace))

    assert out_of_range.returncode == 1
    assert "Timeout must be a whole number of seconds from 1 to 900 (it is 901)" in (
        out_of_range.stderr
    )
    assert "line 3, column 3" in broken.stderr
    assert aws_configuration(sandbox, name)["RevisionId"] == before["RevisionId"]
    assert functions.deployed_files(name)["app.py"] != CODE.encode()  # not the code either


def test_an_unconfirmed_configuration_update_is_settled_before_a_no_op_is_claimed(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create(prefix="config")
    workspace = pull(sandbox, tmp_path, name)
    edit_config(workspace, Timeout=45)
    sandbox.faults.fail("GetFunctionConfiguration", name, times=3)  # the outcome is never seen
    unconfirmed = run_cli(sandbox, tmp_path, "push", str(workspace))
    edit_config(workspace, Timeout=3)  # the user undoes the edit

    undone = run_cli(sandbox, tmp_path, "push", str(workspace))

    assert unconfirmed.returncode == 1
    assert undone.returncode == 0, undone.stderr
    assert "checking what AWS holds" in undone.stderr
    assert "configuration: Timeout" in undone.stdout
    assert aws_configuration(sandbox, name)["Timeout"] == 3
    assert Workspace.load(str(workspace)).pending_configuration is None


def test_a_workspace_pulled_before_configurations_gets_its_file_from_aws(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create(prefix="config")
    workspace = pull(sandbox, tmp_path, name)
    marker = workspace / ".lambda-editor" / "function.json"
    document = json.loads(marker.read_text())
    del document["binding"]["configuration"], document["pending_configuration"]
    marker.write_text(json.dumps(document))
    config_path(workspace).unlink()
    unchanged = run_cli(sandbox, tmp_path, "push", str(workspace))

    shown = run_cli(sandbox, tmp_path, "config", str(workspace))
    edit_config(workspace, Timeout=9)
    pushed = run_cli(sandbox, tmp_path, "push", str(workspace))

    assert unchanged.stdout.strip() == f"{name}: no changes to deploy"
    assert shown.returncode == 0, shown.stderr
    assert shown.stderr.splitlines()[0] == str(config_path(workspace))
    assert pushed.returncode == 0, pushed.stderr
    assert aws_configuration(sandbox, name)["Timeout"] == 9


def test_an_answer_lost_after_the_update_was_applied_is_recognised_as_ours(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create(prefix="config")
    workspace = pull(sandbox, tmp_path, name)
    edit_config(workspace, MemorySize=384)
    sandbox.faults.lose_answer("UpdateFunctionConfiguration", name)  # botocore retries: 412

    pushed = run_cli(sandbox, tmp_path, "push", str(workspace))

    assert pushed.returncode == 0, pushed.stderr
    assert aws_configuration(sandbox, name)["MemorySize"] == 384


def test_a_re_download_keeps_an_undeployed_configuration_edit_in_the_backup(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create(prefix="config")
    workspace = pull(sandbox, tmp_path, name)
    edit_config(workspace, Timeout=77)

    refused = run_cli(sandbox, tmp_path, "pull", name)
    forced = run_cli(sandbox, tmp_path, "pull", name, "--force")

    assert refused.returncode == 1
    assert ".lambda-editor/configuration.json" in refused.stderr
    assert forced.returncode == 0, forced.stderr
    backup = Path(forced.stderr.strip().rsplit(" ", 1)[-1])
    assert config_file.parse(config_path(backup).read_bytes())["Timeout"] == 77
    assert config_file.parse(config_path(workspace).read_bytes())["Timeout"] == 3


def test_watch_deploys_a_saved_configuration(sandbox: Any, functions: Any, tmp_path: Path) -> None:
    name = functions.create(prefix="config")
    workspace = pull(sandbox, tmp_path, name)
    command = cli_command(sandbox, "--workspace-root", str(tmp_path), "watch", str(workspace))
    watcher = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=cli_env())
    try:
        assert watcher.stderr is not None
        assert "watching" in watcher.stderr.readline()
        assert "no changes to deploy" in watcher.stderr.readline()  # the first look is done
        edit_config(workspace, Timeout=33)
        assert eventually(lambda: aws_configuration(sandbox, name)["Timeout"] == 33)
    finally:
        watcher.terminate()
        watcher.wait(10)
