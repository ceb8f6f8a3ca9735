"""Packages over the 50 MB direct-upload limit go through S3: from the command line against the
local endpoint (moto's S3 in the same server), and the object's removal against the Stubber."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any, List

import boto3
import pytest
from botocore.stub import Stubber
from test_cli import pull, run_cli

from lambda_editor import history
from lambda_editor.s3_upload import S3Location, StagedPackage
from lambda_editor.workspace import Workspace

BIG = 60 * 1024 * 1024  # incompressible: the zip stays over 50 MB
large = pytest.mark.large


def bucket(sandbox: Any) -> str:
    name = f"deploys-{uuid.uuid4().hex[:8]}"
    sandbox.client("s3").create_bucket(Bucket=name)
    return name


def objects(sandbox: Any, name: str) -> List[str]:
    listed = sandbox.client("s3").list_objects_v2(Bucket=name)
    return [item["Key"] for item in listed.get("Contents", [])]


@pytest.fixture
def big_workspace(sandbox: Any, functions: Any, tmp_path: Path) -> Path:
    workspace = pull(sandbox, tmp_path, functions.create(prefix="big"))
    (workspace / "model.bin").write_bytes(os.urandom(BIG))
    return workspace


@large
def test_a_60_mb_package_is_deployed_through_s3_and_removed_from_it(
    sandbox: Any, functions: Any, big_workspace: Path, tmp_path: Path
) -> None:
    name = Workspace.load(str(big_workspace)).binding.function_name
    deploys = bucket(sandbox)
    refused = run_cli(sandbox, tmp_path, "push", str(big_workspace))

    pushed = run_cli(
        sandbox, tmp_path, "push", str(big_workspace), "--s3-bucket", deploys, "--s3-prefix", "fn/"
    )

    assert refused.returncode == 1
    assert "over Lambda's 50.0 MB limit for a direct upload" in refused.stderr
    assert "Pass --s3-bucket BUCKET" in refused.stderr
    assert pushed.returncode == 0, pushed.stderr
    assert f"uploading {name} to s3://{deploys}/fn/{name}-" in pushed.stderr
    assert "(100%)" in pushed.stderr
    deployed = sandbox.client().get_function_configuration(FunctionName=name)
    newest = history.newest(str(big_workspace))
    assert newest is not None and newest.kind == history.DEPLOYED
    assert deployed["CodeSha256"] == newest.code_sha256
    assert deployed["CodeSize"] == newest.size > 50 * 1024 * 1024
    assert Workspace.load(str(big_workspace)).binding.revision_id == deployed["RevisionId"]
    assert objects(sandbox, deploys) == []


@large
def test_a_refused_s3_deploy_still_removes_the_object(
    sandbox: Any, functions: Any, big_workspace: Path, tmp_path: Path
) -> None:
    name = Workspace.load(str(big_workspace)).binding.function_name
    deploys = bucket(sandbox)
    functions.update_configuration(name, Timeout=9)  # someone else

    refused = run_cli(sandbox, tmp_path, "push", str(big_workspace), "--s3-bucket", deploys)

    assert refused.returncode == 3
    assert "changed in AWS" in refused.stderr
    assert objects(sandbox, deploys) == []


@large
def test_a_missing_bucket_is_named_and_nothing_is_deployed(
    sandbox: Any, functions: Any, big_workspace: Path, tmp_path: Path
) -> None:
    name = Workspace.load(str(big_workspace)).binding.function_name
    before = sandbox.client().get_function_configuration(FunctionName=name)["RevisionId"]

    failed = run_cli(sandbox, tmp_path, "push", str(big_workspace), "--s3-bucket", "no-such-one")

    assert failed.returncode == 1
    assert "Could not upload" in failed.stderr and "NoSuchBucket" in failed.stderr
    assert len(failed.stderr.strip().splitlines()[-1]) < 400  # one line, no traceback
    after = sandbox.client().get_function_configuration(FunctionName=name)["RevisionId"]
    assert after == before


def test_an_object_that_cannot_be_removed_is_named() -> None:
    client = boto3.client("s3", region_name="us-east-1")
    staged = StagedPackage(client, S3Location("deploys"), "fn/pkg.zip")
    with Stubber(client) as stubber:
        stubber.add_client_error("delete_object", "AccessDenied", "Access Denied", 403)
        staged._uploaded = True
        notice = staged.remove()

    assert notice is not None
    assert "s3://deploys/fn/pkg.zip" in notice
    assert "s3:DeleteObject on the bucket" in notice
    assert "Remove it yourself" in notice


def test_bucket_names_are_checked_before_anything_is_sent(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    workspace = pull(sandbox, tmp_path, functions.create())
    wrong = run_cli(sandbox, tmp_path, "push", str(workspace), "--s3-bucket", "Not_A_Bucket")

    assert wrong.returncode == 2
    assert "is not an S3 bucket name" in wrong.stderr
