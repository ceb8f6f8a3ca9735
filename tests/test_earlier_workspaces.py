"""Workspaces in the cache folders that earlier versions used are found, where they are."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from lambda_editor.earlier_workspaces import (
    earlier_workspace_of,
    earlier_workspace_roots,
    earlier_workspaces,
)
from lambda_editor.packaging.builder import build_package
from lambda_editor.workspace import Binding, Workspace

ARN = "arn:aws:lambda:us-east-1:123456789012:function:fn"


def make_workspace(root: Path) -> Workspace:
    root.mkdir(parents=True)
    (root / "app.py").write_text("def handler(event, context):\n    return 1\n")
    configuration = {
        "FunctionArn": ARN,
        "FunctionName": "fn",
        "RevisionId": "r1",
        "CodeSha256": "c1",
    }
    binding = Binding.from_configuration(configuration, None, "")
    return Workspace.create(str(root), binding, build_package(str(root)).manifest)


@pytest.fixture
def caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    return tmp_path


def test_the_former_sublime_and_cli_roots_are_found_when_they_exist(caches: Path) -> None:
    sublime_cache = caches / "sublime-cache"
    assert earlier_workspace_roots(str(sublime_cache)) == []

    sublime_root = sublime_cache / "LambdaEditor" / "workspaces"
    cli_root = caches / "user-cache" / "lambda-editor" / "workspaces"
    sublime_root.mkdir(parents=True)
    cli_root.mkdir(parents=True)

    assert earlier_workspace_roots(str(sublime_cache)) == [str(sublime_root), str(cli_root)]
    assert earlier_workspace_roots() == [str(cli_root)]


def test_a_workspace_left_in_a_former_root_is_listed_and_found_by_its_function(
    caches: Path,
) -> None:
    sublime_cache = caches / "sublime-cache"
    root = sublime_cache / "LambdaEditor" / "workspaces" / "123456789012" / "us-east-1" / "fn"
    workspace = make_workspace(root)
    (root / "undeployed.py").write_text("mine\n")

    [found] = earlier_workspaces(str(sublime_cache))

    assert found.root == str(root)
    assert earlier_workspace_of(workspace.binding.function_arn, str(sublime_cache)) == str(root)
    assert earlier_workspace_of(ARN + "-other", str(sublime_cache)) is None
    assert os.path.isfile(root / "undeployed.py")  # found where it is, never moved
