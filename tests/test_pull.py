"""Downloading over an existing workspace never loses anything local."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lambda_editor.aws import AwsTarget
from lambda_editor.errors import LambdaEditorError
from lambda_editor.pull import UndeployedChangesError, pull_function


def target(sandbox: Any) -> AwsTarget:
    return AwsTarget(None, sandbox.region, sandbox.url)


def backups(workspace: Path) -> list:  # type: ignore[type-arg]
    return sorted(workspace.parent.glob(f"{workspace.name}.backup-*"))


def test_a_clean_workspace_is_replaced_without_a_backup(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create()
    first = pull_function(target(sandbox), name, str(tmp_path))
    events = Path(first.workspace.events_dir)
    events.mkdir(parents=True)
    (events / "ping.json").write_text("{}")

    again = pull_function(target(sandbox), name, str(tmp_path))

    assert again.backup is None
    assert backups(Path(again.workspace.root)) == []
    assert (Path(again.workspace.events_dir) / "ping.json").read_text() == "{}"


def test_files_that_are_never_deployed_are_kept_in_a_backup(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create()
    root = Path(pull_function(target(sandbox), name, str(tmp_path)).workspace.root)
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (root / "notes.md").write_text("excluded from the package, still mine\n")

    again = pull_function(target(sandbox), name, str(tmp_path), exclude=["*.md"])

    assert again.backup is not None
    assert (Path(again.backup) / ".git" / "HEAD").is_file()
    assert (Path(again.backup) / "notes.md").is_file()


def test_an_edit_saved_during_the_download_is_kept_in_a_backup(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create()
    root = Path(pull_function(target(sandbox), name, str(tmp_path)).workspace.root)

    def edit_while_extracting(text: str) -> None:
        if text.startswith("extracting"):
            (root / "app.py").write_text("# saved during the download\n")

    again = pull_function(target(sandbox), name, str(tmp_path), on_progress=edit_while_extracting)

    assert again.backup is not None
    assert (Path(again.backup) / "app.py").read_text() == "# saved during the download\n"
    assert "def handler" in (root / "app.py").read_text()


def test_undeployed_changes_are_refused_unless_a_backup_is_wanted(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create()
    root = Path(pull_function(target(sandbox), name, str(tmp_path)).workspace.root)
    (root / "app.py").write_text("# mine\n")

    with pytest.raises(UndeployedChangesError):
        pull_function(target(sandbox), name, str(tmp_path))
    kept = pull_function(target(sandbox), name, str(tmp_path), keep_backup=True)

    assert kept.backup is not None
    assert (Path(kept.backup) / "app.py").read_text() == "# mine\n"


def test_a_damaged_marker_is_backed_up_when_re_downloading(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create()
    root = Path(pull_function(target(sandbox), name, str(tmp_path)).workspace.root)
    (root / ".lambda-editor" / "function.json").write_text("{not json")

    with pytest.raises(LambdaEditorError, match="binding is damaged"):
        pull_function(target(sandbox), name, str(tmp_path))
    again = pull_function(target(sandbox), name, str(tmp_path), keep_backup=True)

    assert again.backup is not None
    assert again.workspace.binding.function_name == name


def test_the_workspace_of_another_function_is_never_replaced(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    first, second = functions.create(), functions.create()
    folder = tmp_path / "mine"
    pull_function(target(sandbox), first, str(tmp_path), destination=str(folder))

    with pytest.raises(LambdaEditorError, match=f"workspace of {first}"):
        pull_function(target(sandbox), second, str(tmp_path), destination=str(folder))


def test_a_broken_download_says_so_without_the_presigned_url(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    from lambda_editor.functions import download_code

    location = functions.client.get_function(FunctionName=functions.create())["Code"]["Location"]
    secret = location.split("?", 1)[1]

    with pytest.raises(LambdaEditorError) as wrong_sha:
        download_code(location, str(tmp_path / "code.zip"), "not-the-sha")
    with pytest.raises(LambdaEditorError) as unreachable:
        download_code("http://127.0.0.1:9/x?" + secret, str(tmp_path / "code.zip"), "x")

    assert "does not match the function's CodeSha256" in str(wrong_sha.value)
    assert "Could not download" in str(unreachable.value)
    assert secret not in str(unreachable.value) and secret not in repr(unreachable.value)
    assert list(tmp_path.iterdir()) == []
