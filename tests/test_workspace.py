from __future__ import annotations

import json
import os
import stat
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from lambda_editor import workspace as workspace_module
from lambda_editor.aws import AwsTarget
from lambda_editor.errors import LambdaEditorError
from lambda_editor.packaging.builder import build_package
from lambda_editor.packaging.extract import extract_package
from lambda_editor.workspace import (
    Binding,
    Workspace,
    backup_workspace,
    default_workspace_root,
    list_workspaces,
    workspace_path,
)

ARN = "arn:aws:lambda:eu-west-1:123456789012:function:my-fn"
ARN_OTHER = "arn:aws:lambda:eu-west-1:123456789012:function:other"


def configuration(**overrides: Any) -> Dict[str, Any]:
    config: Dict[str, Any] = {
        "FunctionArn": ARN,
        "FunctionName": "my-fn",
        "RevisionId": "rev-1",
        "CodeSha256": "sha-1",
        "Runtime": "python3.12",
        "Handler": "app.handler",
        "Architectures": ["arm64"],
        "Timeout": 30,
        "MemorySize": 256,
        "Environment": {"Variables": {"TOKEN": "s3cret"}},
        "LastModified": "2024-01-01T00:00:00.000+0000",
    }
    config.update(overrides)
    return config


def binding(**overrides: Any) -> Binding:
    return Binding.from_configuration(configuration(**overrides), "dev", "http://127.0.0.1:5000")


def make_workspace(root: Path, **overrides: Any) -> Workspace:
    root.mkdir(parents=True, exist_ok=True)
    (root / "app.py").write_text("def handler(event, context):\n    return 1\n")
    return Workspace.create(str(root), binding(**overrides), build_package(str(root)).manifest)


# --- Binding ----------------------------------------------------------------------------------


def test_binding_from_configuration() -> None:
    bound = binding()
    assert (bound.account, bound.region, bound.function_name) == (
        "123456789012",
        "eu-west-1",
        "my-fn",
    )
    assert (bound.revision_id, bound.code_sha256, bound.runtime) == ("rev-1", "sha-1", "python3.12")
    assert (bound.timeout, bound.memory_size, bound.architecture) == (30, 256, "arm64")
    assert bound.environment == {"TOKEN": "s3cret"}
    assert bound.target == AwsTarget("dev", "eu-west-1", "http://127.0.0.1:5000")
    assert bound.downloaded_at.endswith("Z")
    assert "s3cret" not in repr(bound)


def test_binding_defaults_for_a_sparse_configuration() -> None:
    bound = Binding.from_configuration({"FunctionArn": ARN, "FunctionName": "my-fn"}, None, "")
    assert bound.architecture == "x86_64"
    assert (bound.environment, bound.endpoint_url, bound.runtime) == ({}, None, None)


@pytest.mark.parametrize(
    "arn", ["not-an-arn", "arn:aws:s3:::bucket", "arn:aws:lambda:eu-west-1:1:layer:x"]
)
def test_binding_refuses_a_malformed_arn(arn: str) -> None:
    with pytest.raises(LambdaEditorError, match="not a Lambda function ARN"):
        binding(FunctionArn=arn)


def test_with_configuration_updates_what_the_deploy_returned() -> None:
    bound = binding()
    updated = bound.with_configuration(
        {"RevisionId": "rev-2", "CodeSha256": "sha-2", "Timeout": 60}
    )
    assert (updated.revision_id, updated.code_sha256, updated.timeout) == ("rev-2", "sha-2", 60)
    assert (updated.profile, updated.endpoint_url) == (bound.profile, bound.endpoint_url)
    assert updated.downloaded_at == bound.downloaded_at
    assert updated.environment == bound.environment
    cleared = bound.with_configuration({"Environment": {}})
    assert cleared.environment == {}


# --- the marker -------------------------------------------------------------------------------


def test_marker_round_trip(tmp_path: Path) -> None:
    created = make_workspace(tmp_path / "fn")
    loaded = Workspace.load(str(tmp_path / "fn"))
    assert loaded == created
    assert loaded.root == str(tmp_path / "fn")
    marker = json.loads(Path(created.marker_path).read_text())
    assert marker["version"] == 1
    assert marker["manifest"]["app.py"]["mode"] == "0644"
    if os.name != "nt":
        assert stat.S_IMODE(os.stat(created.marker_path).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(created.metadata_dir).st_mode) == 0o700
    assert os.listdir(created.metadata_dir) == ["function.json"]  # no temporary file left


def test_marker_ignores_unknown_future_keys(tmp_path: Path) -> None:
    created = make_workspace(tmp_path / "fn")
    marker = Path(created.marker_path)
    data = json.loads(marker.read_text())
    data["layers"] = ["arn:aws:lambda:eu-west-1:1:layer:x:1"]
    data["binding"]["snap_start"] = {"ApplyOn": "None"}
    marker.write_text(json.dumps(data))
    assert Workspace.load(created.root) == created


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "holds a list, not a JSON object"),
        ('{"version": 1, "manifest": {}}', "lacks binding"),
        ('{"version": 1, "binding": {"function_arn": "x"}}', "lacks account"),
        ('{"version": 1, "binding": 5}', "binding is a number"),
    ],
)
def test_corrupt_marker_names_the_file(tmp_path: Path, content: str, why: str) -> None:
    marker = tmp_path / ".lambda-editor" / "function.json"
    marker.parent.mkdir()
    marker.write_text(content)
    with pytest.raises(LambdaEditorError) as failure:
        Workspace.load(str(tmp_path))
    assert str(marker) in str(failure.value)
    assert "binding is damaged" in str(failure.value)
    assert why in str(failure.value)


def test_corrupt_manifest_in_marker(tmp_path: Path) -> None:
    created = make_workspace(tmp_path / "fn")
    data = json.loads(Path(created.marker_path).read_text())
    data["manifest"]["app.py"] = {"sha256": "x"}
    Path(created.marker_path).write_text(json.dumps(data))
    with pytest.raises(LambdaEditorError, match=r"damaged.*app\.py"):
        Workspace.load(created.root)


def damage(workspace: Workspace, change: Any) -> None:
    """Rewrite the marker's JSON document with `change(document)` applied."""
    marker = Path(workspace.marker_path)
    document = json.loads(marker.read_text())
    change(document)
    marker.write_text(json.dumps(document))


def set_binding(field: str, value: Any) -> Any:
    return lambda document: document["binding"].__setitem__(field, value)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (set_binding("revision_id", ""), "empty or invalid revision_id"),
        (set_binding("revision_id", None), "empty or invalid revision_id"),
        (set_binding("code_sha256", ""), "empty or invalid code_sha256"),
        (set_binding("code_sha256", "a b"), "empty or invalid code_sha256"),
        (set_binding("timeout", "30"), "invalid timeout"),
        (set_binding("timeout", -1), "invalid timeout"),
        (set_binding("timeout", True), "invalid timeout"),
        (set_binding("timeout", 1e309), "invalid timeout (inf"),
        (set_binding("memory_size", 256.5), "invalid memory_size"),
        (set_binding("account", "12345"), "invalid account"),
        (set_binding("region", "../../x"), "invalid region"),
        (set_binding("function_name", "other"), "disagrees with its name"),
        (set_binding("function_arn", "arn:aws:s3:::bucket"), "invalid function_arn"),
        (set_binding("architectures", "arm64"), "invalid architectures"),
        (set_binding("environment", {"TOKEN": 5}), "invalid environment"),
        (
            set_binding("configuration", {"Environment": {"TOKEN": 5}}),
            "invalid configuration (environment names and values must be text)",
        ),
        (
            lambda d: d.__setitem__("pending_configuration", {"Environment": ["s3cret"]}),
            "invalid pending_configuration (environment names",
        ),
        (set_binding("profile", ""), "invalid profile"),
        (lambda d: d.__setitem__("version", 2), "newer Lambda Editor"),
        (lambda d: d.__setitem__("version", "1"), "no valid version"),
        (lambda d: d.__setitem__("pending", {}), "pending is an object, not a list"),
        (lambda d: d.__setitem__("pending", [{"code_sha256": ""}]), "pending code_sha256"),
        (lambda d: d.__setitem__("left_out", ["../../etc/passwd"]), "left_out lists an invalid"),
        (lambda d: d["manifest"].__setitem__("../x.py", d["manifest"]["app.py"]), "invalid"),
    ],
)
def test_every_field_of_the_marker_is_checked_and_a_damaged_one_is_named(
    tmp_path: Path, change: Any, why: str
) -> None:
    created = make_workspace(tmp_path / "fn")
    damage(created, change)

    with pytest.raises(LambdaEditorError) as damaged:
        Workspace.load(created.root)

    assert damaged.value.message.startswith("This workspace's binding is damaged: ")
    assert why in damaged.value.message
    assert "Nothing is deployed from it" in damaged.value.message
    assert "Re-download the function" in damaged.value.hint
    assert "s3cret" not in str(damaged.value)


@pytest.mark.parametrize("text", ["[" * 100_000, '{"version": NaN}', b'{"version": 1, "\xff": 1}'])
def test_a_marker_nested_too_deeply_or_not_json_is_damaged_not_a_crash(
    tmp_path: Path, text: Any
) -> None:
    marker = tmp_path / ".lambda-editor" / "function.json"
    marker.parent.mkdir()
    marker.write_bytes(text if isinstance(text, bytes) else text.encode())

    with pytest.raises(LambdaEditorError, match="binding is damaged"):
        Workspace.load(str(tmp_path))


def test_a_marker_changed_since_it_was_read_is_read_and_checked_again(tmp_path: Path) -> None:
    created = make_workspace(tmp_path / "fn")
    first = Workspace.load(created.root)
    first.manifest.clear()  # what a caller does with its copy stays with it
    assert Workspace.load(created.root) == created

    replace(created, binding=replace(created.binding, revision_id="rev-2")).save()
    assert Workspace.load(created.root).binding.revision_id == "rev-2"

    damage(created, lambda d: d["binding"].__setitem__("revision_id", ""))
    with pytest.raises(LambdaEditorError, match="binding is damaged"):
        Workspace.load(created.root)


def test_the_marker_is_compact_json_with_sorted_keys(tmp_path: Path) -> None:
    created = make_workspace(tmp_path / "fn", Environment={"Variables": {"Q": 'a "b" é'}})
    (tmp_path / "fn" / "données é.py").write_text("X = 1\n")
    manifest = build_package(created.root).manifest
    replace(created.with_pending("c2hhLTI=", manifest), left_out=("old.py",)).save()

    text = Path(created.marker_path).read_text(encoding="utf-8")

    assert text == json.dumps(json.loads(text), separators=(",", ":"), sort_keys=True)
    assert json.loads(text)["pending"][0]["manifest"]["données é.py"]["mode"] == "0644"


def test_pending_uploads_and_left_out_files_round_trip(tmp_path: Path) -> None:
    created = make_workspace(tmp_path / "fn")
    pending = created.with_pending("c2hhLTI=", created.manifest).with_pending("c2hhLTM=", {})
    pending = replace(pending, left_out=("__pycache__/app.cpython-312.pyc",))
    pending.save()

    loaded = Workspace.load(created.root)

    assert [upload.code_sha256 for upload in loaded.pending] == ["c2hhLTI=", "c2hhLTM="]
    assert loaded == pending
    assert loaded.with_deployment({"RevisionId": "r9"}, {}).pending == ()


def test_a_workspace_inside_another_is_refused_from_any_file_in_it(tmp_path: Path) -> None:
    outer = make_workspace(tmp_path / "outer")
    inner = make_workspace(tmp_path / "outer" / "sub", FunctionName="other", FunctionArn=ARN_OTHER)

    with pytest.raises(LambdaEditorError) as refused:
        Workspace.find(str(Path(inner.root) / "app.py"))

    assert f"{inner.root} is a workspace inside the workspace {outer.root}" in str(refused.value)
    assert Workspace.find(str(Path(outer.root) / "app.py")) == outer


def test_load_without_a_marker(tmp_path: Path) -> None:
    with pytest.raises(LambdaEditorError, match="not a Lambda Editor workspace"):
        Workspace.load(str(tmp_path))


def test_find_from_a_nested_file_and_outside(tmp_path: Path) -> None:
    created = make_workspace(tmp_path / "fn")
    nested = tmp_path / "fn" / "lib" / "deep" / "mod.py"
    nested.parent.mkdir(parents=True)
    nested.write_text("")
    assert Workspace.find(str(nested)) == created
    assert Workspace.find(str(nested.parent)) == created
    assert Workspace.find(str(tmp_path / "fn" / "unsaved.py")) == created
    assert Workspace.find(str(tmp_path)) is None


def test_with_deployment_then_save(tmp_path: Path) -> None:
    created = make_workspace(tmp_path / "fn")
    (tmp_path / "fn" / "app.py").write_text("changed")
    new_manifest = build_package(created.root).manifest
    deployed = created.with_deployment({"RevisionId": "rev-2", "CodeSha256": "sha-2"}, new_manifest)
    assert Workspace.load(created.root).binding.revision_id == "rev-1"  # the caller saves
    deployed.save()
    loaded = Workspace.load(created.root)
    assert (loaded.binding.revision_id, loaded.manifest) == ("rev-2", new_manifest)


def test_undeployed_changes(tmp_path: Path) -> None:
    created = make_workspace(tmp_path / "fn")
    assert not created.undeployed_changes()
    root = tmp_path / "fn"
    (root / "app.py").write_text("changed")
    (root / "new.py").write_text("")
    (root / "notes.md").write_text("")
    (Path(created.events_dir)).mkdir()
    (Path(created.events_dir) / "ping.json").write_text("{}")
    diff = created.undeployed_changes(["*.md"])
    assert (diff.changed, diff.added, diff.removed) == (["app.py"], ["new.py"], [])


def test_a_fresh_download_has_no_undeployed_changes(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "app.py").write_text("x")
    (source / "bootstrap").write_text("#!/bin/sh")
    (source / "bootstrap").chmod(0o755)
    archive = tmp_path / "code.zip"
    archive.write_bytes(build_package(str(source)).data)
    root = tmp_path / "ws" / "fn"
    created = Workspace.create(
        str(root), binding(), extract_package(str(archive), str(root)).manifest
    )
    assert not created.undeployed_changes()


# --- handler_path -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("runtime", "handler", "files", "expected"),
    [
        ("python3.12", "app.handler", ["app.py"], "app.py"),
        ("python3.12", "pkg.mod.handler", ["pkg/mod.py"], "pkg/mod.py"),
        ("python3.12", "pkg.handler", ["pkg/__init__.py"], "pkg/__init__.py"),
        ("python3.12", "src/app.handler", ["src/app.py"], "src/app.py"),
        ("python3.12", "missing.handler", ["app.py"], None),
        ("nodejs20.x", "index.handler", ["index.mjs"], "index.mjs"),
        ("nodejs20.x", "src/index.handler", ["src/index.js"], "src/index.js"),
        ("nodejs20.x", "index.handler", ["index.cjs"], "index.cjs"),
        ("provided.al2023", "bootstrap", ["bootstrap"], None),
        ("python3.12", "../../etc/passwd.x", [], None),
    ],
)
def test_handler_path(
    tmp_path: Path, runtime: str, handler: str, files: List[str], expected: Optional[str]
) -> None:
    root = tmp_path / "fn"
    for rel_path in files:
        (root / rel_path).parent.mkdir(parents=True, exist_ok=True)
        (root / rel_path).write_text("")
    found = Workspace(str(root), binding(Runtime=runtime, Handler=handler), {}).handler_path()
    assert found == (str(root.joinpath(*expected.split("/"))) if expected else None)


# --- where workspaces live --------------------------------------------------------------------


def test_workspace_path(tmp_path: Path) -> None:
    assert workspace_path(str(tmp_path), "123", "eu-west-1", "my-fn") == str(
        tmp_path / "123" / "eu-west-1" / "my-fn"
    )
    for bad in ("..", "a/b", "", ".hidden", "a\\b"):
        with pytest.raises(LambdaEditorError):
            workspace_path(str(tmp_path), "123", "eu-west-1", bad)


def test_the_default_workspace_root_is_a_data_folder_not_a_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    home = os.path.expanduser("~")
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_workspace_root() == os.path.join(str(tmp_path), "lambda-editor", "workspaces")
    monkeypatch.delenv("XDG_DATA_HOME")
    assert default_workspace_root() == os.path.join(
        home, ".local", "share", "lambda-editor", "workspaces"
    )
    monkeypatch.setattr(sys, "platform", "darwin")
    assert default_workspace_root() == os.path.join(
        home, "Library", "Application Support", "Lambda Editor", "workspaces"
    )
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path))
    assert default_workspace_root() == os.path.join(str(tmp_path), "Lambda Editor", "workspaces")


def test_backup_keeps_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    created = make_workspace(tmp_path / "fn")
    (tmp_path / "fn" / "local-edit.py").write_text("mine")
    monkeypatch.setattr(workspace_module, "_backup_stamp", lambda: "20240102-030405")
    first = backup_workspace(created.root)
    assert first == str(tmp_path / "fn.backup-20240102-030405")
    assert not (tmp_path / "fn").exists()
    assert (Path(first) / "local-edit.py").read_text() == "mine"
    assert Workspace.find(str(Path(first) / "local-edit.py")) is None  # unbound: saves never deploy
    assert (Path(first) / ".lambda-editor" / "function.backup.json").is_file()
    make_workspace(tmp_path / "fn")
    assert backup_workspace(created.root) == first + "-2"


def test_backup_of_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(LambdaEditorError, match="not a folder"):
        backup_workspace(str(tmp_path / "nope"))


def test_list_workspaces(tmp_path: Path) -> None:
    assert list_workspaces(str(tmp_path / "missing")) == []
    root = tmp_path / "workspaces"
    first = make_workspace(Path(workspace_path(str(root), "123456789012", "eu-west-1", "my-fn")))
    other_arn = "arn:aws:lambda:us-east-1:123456789012:function:other"
    second = make_workspace(
        Path(workspace_path(str(root), "123456789012", "us-east-1", "other")),
        FunctionArn=other_arn,
        FunctionName="other",
    )
    backup_workspace(first.root)
    first = make_workspace(Path(first.root))
    corrupt = root / "123456789012" / "eu-west-1" / "broken" / ".lambda-editor"
    corrupt.mkdir(parents=True)
    (corrupt / "function.json").write_text("{")
    (root / "123456789012" / "eu-west-1" / "plain-folder").mkdir()
    assert list_workspaces(str(root)) == [first, second]
