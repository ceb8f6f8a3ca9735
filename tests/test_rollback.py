"""Restoring a workspace's files to a history entry: what it refuses, and what it leaves behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import pytest

from lambda_editor import history
from lambda_editor.errors import LambdaEditorError
from lambda_editor.packaging.builder import build_package
from lambda_editor.packaging.manifest import scan
from lambda_editor.rollback import find_entry, restore
from lambda_editor.workspace import Binding, Workspace

ARN = "arn:aws:lambda:us-east-1:123456789012:function:my-fn"


def configuration(sha: str) -> Dict[str, Any]:
    return {
        "FunctionName": "my-fn",
        "FunctionArn": ARN,
        "RevisionId": "rev-1",
        "CodeSha256": sha,
        "Timeout": 3,
        "MemorySize": 128,
    }


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A workspace whose history holds one entry: lib/util.py and app.py; then app.py edited."""
    root = tmp_path / "my-fn"
    (root / "lib").mkdir(parents=True)
    (root / "lib" / "util.py").write_text("UTIL = 1\n")
    (root / "app.py").write_text("old\n")
    package = build_package(str(root))
    binding = Binding.from_configuration(configuration(package.sha256_b64), None, None)
    Workspace.create(str(root), binding, scan(str(root)))
    history.add(
        str(root),
        history.DEPLOYED,
        configuration(package.sha256_b64),
        package.manifest,
        package.data,
        built_here=True,
    )
    (root / "app.py").write_text("new\n")
    return root


def test_a_folder_where_the_entry_has_a_file_stops_the_restore_before_any_change(
    workspace: Path,
) -> None:
    (workspace / "lib" / "util.py").unlink()
    (workspace / "lib" / "util.py").mkdir()  # a folder now stands where the entry has a file

    with pytest.raises(LambdaEditorError, match="Nothing was changed"):
        restore(str(workspace), find_entry(str(workspace), "1"))

    assert (workspace / "app.py").read_text() == "new\n"
    assert not list(workspace.parent.glob("my-fn.backup-*"))


def test_a_damaged_entry_restores_nothing(workspace: Path) -> None:
    entry = find_entry(str(workspace), "1")
    with open(entry.zip_path, "r+b") as damaged:
        damaged.write(b"XX")

    with pytest.raises(LambdaEditorError, match="missing or damaged"):
        restore(str(workspace), entry)

    assert (workspace / "app.py").read_text() == "new\n"


def test_what_a_killed_restore_left_in_the_history_is_removed_by_the_next(
    workspace: Path,
) -> None:
    leftover = Path(history.history_folder(str(workspace))) / ".rollback-killed"
    (leftover / "files").mkdir(parents=True)

    outcome = restore(str(workspace), find_entry(str(workspace), "1"))

    assert not leftover.exists()
    assert outcome.restored.changed == ["app.py"]
    assert (workspace / "app.py").read_text() == "old\n"
    assert outcome.backup is not None
    assert (Path(outcome.backup) / "app.py").read_text() == "new\n"
    assert [entry.entry_id for entry in history.entries(str(workspace))] == [
        find_entry(str(workspace), "1").entry_id
    ]
