"""Layers: the endpoint serves and mounts them, local runs download, cache and import them as
Lambda's Python runtime would."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import sys
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any, Dict, List

import pytest
from botocore.stub import Stubber
from conftest import zip_files
from test_cli import pull, run_cli

from lambda_editor import aws
from lambda_editor.aws import AwsTarget
from lambda_editor.errors import LambdaEditorError
from lambda_editor.layers import LayerCache, function_layers, python_paths
from lambda_editor.workspace import Workspace

SITE = "python/lib/python3.12/site-packages"
HANDLER = {
    "app.py": (
        "import both, only_first, shared, vendored\n\n\n"
        "def handler(event, context):\n"
        "    return {'shared': shared.WHO, 'vendored': vendored.WHO,\n"
        "            'only_first': only_first.WHO, 'both': both.WHO}\n"
    )
}


def publish(sandbox: Any, files: Dict[str, str]) -> str:
    answer = sandbox.client().publish_layer_version(
        LayerName=f"layer-{uuid.uuid4().hex[:8]}",
        Content={"ZipFile": zip_files(files)},
        CompatibleRuntimes=["python3.12"],
    )
    return str(answer["LayerVersionArn"])


@pytest.fixture
def layered(sandbox: Any, functions: Any) -> Dict[str, Any]:
    """A function with two layers that define some of the same modules."""
    first = publish(
        sandbox,
        {
            "python/shared.py": "WHO = 'first'\n",
            "python/only_first.py": "WHO = 'first'\n",
            f"{SITE}/vendored/__init__.py": "WHO = 'first'\n",
            f"{SITE}/both.py": "WHO = 'first site-packages'\n",
        },
    )
    second = publish(
        sandbox,
        {
            "python/shared.py": "WHO = 'second'\n",
            f"{SITE}/vendored/__init__.py": "WHO = 'second'\n",
            "python/both.py": "WHO = 'second python'\n",
        },
    )
    name = functions.create(HANDLER, prefix="layers")
    functions.update_configuration(name, Layers=[first, second])
    return {"name": name, "layers": [first, second]}


# What Lambda gives: a later layer wins, site-packages comes before python/.
EXPECTED = {
    "shared": "second",
    "vendored": "second",
    "only_first": "first",
    "both": "first site-packages",
}


def test_the_endpoint_runs_a_function_with_its_layers(
    sandbox: Any, layered: Dict[str, Any]
) -> None:
    answer = sandbox.client().invoke(FunctionName=layered["name"], Payload=b"{}")
    assert json.loads(answer["Payload"].read()) == EXPECTED


def test_the_endpoint_serves_layer_content_checked_by_its_sha(
    sandbox: Any, layered: Dict[str, Any]
) -> None:
    import urllib.request

    content = sandbox.client().get_layer_version_by_arn(Arn=layered["layers"][0])["Content"]
    with urllib.request.urlopen(content["Location"]) as response:
        data = response.read()
    assert base64.b64encode(hashlib.sha256(data).digest()).decode() == content["CodeSha256"]
    assert len(data) == content["CodeSize"]


def test_a_local_run_imports_from_the_layers_and_caches_them(
    sandbox: Any, layered: Dict[str, Any], tmp_path: Path
) -> None:
    root = tmp_path / "workspaces"
    workspace = pull(sandbox, root, layered["name"])
    first = run_cli(sandbox, root, "invoke", layered["name"], "--local", cwd=workspace)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout) == EXPECTED

    cache = tmp_path / "layers"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert len(list(cache.glob("*.json"))) == 2

    # Cached by ARN: a second run needs no download (the layer is gone from the endpoint).
    for arn in layered["layers"]:
        layer_name, version = arn.split(":")[-2:]
        sandbox.client().delete_layer_version(LayerName=layer_name, VersionNumber=int(version))
    again = run_cli(sandbox, root, "invoke", layered["name"], "--local", cwd=workspace)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == EXPECTED


def test_a_workspace_from_before_layers_were_recorded_reads_them(
    sandbox: Any, layered: Dict[str, Any], tmp_path: Path
) -> None:
    workspace = Workspace.load(str(pull(sandbox, tmp_path, layered["name"])))
    assert workspace.binding.layers == tuple(layered["layers"])
    older = replace(workspace.binding, layers=None)
    assert function_layers(older) == tuple(layered["layers"])


def test_the_paths_follow_lambdas_order(tmp_path: Path) -> None:
    folders: List[str] = []
    for name in ("one", "two"):
        (tmp_path / name / SITE).mkdir(parents=True)
        folders.append(str(tmp_path / name))
    (tmp_path / "three").mkdir()
    folders.append(str(tmp_path / "three"))  # a layer without Python code adds nothing
    assert python_paths(folders, "python3.12") == [
        str(tmp_path / "two" / SITE),
        str(tmp_path / "one" / SITE),
        str(tmp_path / "two" / "python"),
        str(tmp_path / "one" / "python"),
    ]
    assert python_paths(folders, "python3.11") == [
        str(tmp_path / "two" / "python"),
        str(tmp_path / "one" / "python"),
    ]


def test_the_cache_forgets_the_least_recently_used_beyond_its_limit(tmp_path: Path) -> None:
    cache = LayerCache(str(tmp_path), limit=250)
    folders = []
    for index, name in enumerate(("old", "used", "new")):
        folder = tmp_path / name
        folder.mkdir()
        record = tmp_path / f"{name}.json"
        record.write_text(json.dumps({"size": 100}))
        os.utime(record, (time.time() - 100 + index, time.time() - 100 + index))
        folders.append(str(folder))
    cache.trim(keep=[folders[0]])  # the oldest is in use: the next oldest goes
    assert [os.path.isdir(folder) for folder in folders] == [True, False, True]
    assert not (tmp_path / "used.json").exists()


def stubbed_cache(tmp_path: Path, content: Any = None, error: str = "") -> Any:
    client = aws.lambda_client(AwsTarget(region="us-east-1"))
    arn = "arn:aws:lambda:us-east-1:210987654321:layer:theirs:3"
    with Stubber(client) as stubber:
        if error:
            stubber.add_client_error(
                "get_layer_version_by_arn", error, expected_params={"Arn": arn}
            )
        else:
            stubber.add_response("get_layer_version_by_arn", {"Content": content}, {"Arn": arn})
        original = aws.lambda_client
        aws.lambda_client = lambda *args, **kwargs: client
        try:
            return LayerCache(str(tmp_path / "cache")).layer_folders(
                AwsTarget(region="us-east-1"), [arn]
            )
        finally:
            aws.lambda_client = original


def test_a_layer_the_user_may_not_read_is_named_with_the_permission(tmp_path: Path) -> None:
    with pytest.raises(LambdaEditorError) as raised:
        stubbed_cache(tmp_path, error="AccessDeniedException")
    assert "Cannot read the layer arn:aws:lambda:us-east-1:210987654321:layer:theirs:3" in str(
        raised.value
    )
    assert "lambda:GetLayerVersion" in str(raised.value)


def test_a_download_that_does_not_match_its_sha_is_refused_and_leaves_nothing(
    sandbox: Any, layered: Dict[str, Any], tmp_path: Path
) -> None:
    content = sandbox.client().get_layer_version_by_arn(Arn=layered["layers"][0])["Content"]
    wrong = dict(content, CodeSha256=base64.b64encode(b"x" * 32).decode())
    with pytest.raises(LambdaEditorError) as raised:
        stubbed_cache(tmp_path, content=wrong)
    assert "does not match" in str(raised.value)
    assert "token=" not in str(raised.value)  # the download URL grants access: never shown
    assert [path.name for path in (tmp_path / "cache").iterdir()] == []


def test_layers_that_cannot_be_read_are_said_and_the_run_goes_on(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    """A workspace from before layers were recorded, away from AWS."""
    from lambda_editor.invoke import invoke_workspace_locally

    workspace = Workspace.load(str(pull(sandbox, tmp_path, functions.create())))
    offline = replace(workspace.binding, layers=None, endpoint_url="http://127.0.0.1:9")
    result = invoke_workspace_locally(
        replace(workspace, binding=offline), b"{}", sys.executable, LayerCache(str(tmp_path))
    )
    assert result.succeeded
    assert any(
        warning.startswith("It ran without its layers, which could not be read: Could not read")
        for warning in result.warnings
    )
