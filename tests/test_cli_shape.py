"""Versions, aliases and function URLs from the command line, against the local endpoint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import pytest
from botocore.exceptions import ClientError
from test_cli import pull, run_cli

VERSION_ONE = "def handler(event, context):\n    return 'one'\n"
VERSION_TWO = "def handler(event, context):\n    return 'two'\n"


def published_versions(sandbox: Any, name: str) -> List[str]:
    versions = sandbox.client().list_versions_by_function(FunctionName=name)["Versions"]
    return [version["Version"] for version in versions if version["Version"] != "$LATEST"]


def invoke_json(sandbox: Any, tmp_path: Path, name: str, qualifier: str) -> Dict[str, Any]:
    completed = run_cli(sandbox, tmp_path, "invoke", name, "--qualifier", qualifier, "--json")
    assert completed.returncode == 0, completed.stderr
    return dict(json.loads(completed.stdout))


def test_publish_point_an_alias_and_invoke_by_it(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create(prefix="publish")
    workspace = pull(sandbox, tmp_path, name)
    (workspace / "app.py").write_text(VERSION_ONE)
    assert run_cli(sandbox, tmp_path, "push", str(workspace)).returncode == 0

    first = run_cli(sandbox, tmp_path, "publish", str(workspace), "--description", "the first")
    (workspace / "app.py").write_text(VERSION_TWO)
    unpublished = run_cli(sandbox, tmp_path, "publish", str(workspace))
    versions_then = published_versions(sandbox, name)
    assert run_cli(sandbox, tmp_path, "push", str(workspace)).returncode == 0
    second = run_cli(sandbox, tmp_path, "publish", name)
    aliased = run_cli(sandbox, tmp_path, "alias", name, "live", "1")
    by_alias = invoke_json(sandbox, tmp_path, name, "live")
    moved = run_cli(sandbox, tmp_path, "alias", name, "live", "2", "--weight", "1=0.25")

    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "1"
    deployed_sha = sandbox.client().get_function_configuration(FunctionName=name, Qualifier="1")
    assert f"version 1 published (CodeSha256 {deployed_sha['CodeSha256']})" in first.stderr
    assert unpublished.returncode == 1
    assert "never deployed" in unpublished.stderr
    assert versions_then == ["1"]
    assert second.stdout.strip() == "2"
    assert aliased.stdout.strip() == f"{name}:live → version 1"
    assert by_alias["executed_version"] == "1"
    assert by_alias["payload"] == "one"
    assert moved.stdout.strip() == f"{name}:live → version 2 (25% to version 1)"
    alias = sandbox.client().get_alias(FunctionName=name, Name="live")
    assert alias["FunctionVersion"] == "2"
    assert alias["RoutingConfig"]["AdditionalVersionWeights"] == {"1": 0.25}
    assert invoke_json(sandbox, tmp_path, name, "1")["payload"] == "one"


def test_publish_is_refused_when_the_function_changed_in_aws(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create(prefix="publish")
    workspace = pull(sandbox, tmp_path, name)
    functions.update_code(name, {"app.py": VERSION_TWO})

    forced = run_cli(sandbox, tmp_path, "publish", str(workspace), "--force")

    assert forced.returncode == 3
    assert "changed in AWS" in forced.stderr
    assert published_versions(sandbox, name) == []


def test_alias_usage_errors_send_nothing(sandbox: Any, functions: Any, tmp_path: Path) -> None:
    name = functions.create(prefix="alias")

    weight = run_cli(sandbox, tmp_path, "alias", name, "live", "1", "--weight", "2=1.5")
    latest = run_cli(sandbox, tmp_path, "alias", name, "live", "$LATEST", "--weight", "2=0.5")

    assert weight.returncode == 2
    assert "between 0 and 1" in weight.stderr
    assert latest.returncode == 1
    assert "not $LATEST" in latest.stderr
    assert sandbox.client().list_aliases(FunctionName=name)["Aliases"] == []


def test_a_public_url_gets_both_permissions_once_and_deleting_removes_them(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create(prefix="url")

    missing = run_cli(sandbox, tmp_path, "url", name)
    created = run_cli(sandbox, tmp_path, "url", name, "--create", "--auth", "NONE")
    statements = functions.policy_statements(name)
    again = run_cli(sandbox, tmp_path, "url", name, "--create", "--auth", "NONE")
    shown = run_cli(sandbox, tmp_path, "url", name)
    iam_refused = run_cli(sandbox, tmp_path, "url", name, "--create", "--auth", "AWS_IAM")
    deleted = run_cli(sandbox, tmp_path, "url", name, "--delete")

    assert missing.returncode == 1
    assert "has no URL" in missing.stderr
    assert created.returncode == 0, created.stderr
    url = created.stdout.strip()
    assert url.startswith("https://") and ".lambda-url." in url
    assert "public" in created.stderr.lower() and "anyone" in created.stderr
    assert set(statements) == {"FunctionURLAllowPublicAccess", "FunctionURLInvokeAllowPublicAccess"}
    url_access = statements["FunctionURLAllowPublicAccess"]
    assert url_access["Action"] == "lambda:InvokeFunctionUrl"
    assert url_access["Principal"] == "*"
    assert url_access["Condition"] == {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}
    invoke_access = statements["FunctionURLInvokeAllowPublicAccess"]
    assert invoke_access["Action"] == "lambda:InvokeFunction"
    assert invoke_access["Condition"] == {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == url
    assert "already there" in again.stderr and "added" not in again.stderr
    assert shown.stdout.strip() == url
    assert iam_refused.returncode == 1
    assert "already has a URL with auth type NONE" in iam_refused.stderr
    assert deleted.returncode == 0, deleted.stderr
    assert "removed" in deleted.stderr
    assert run_cli(sandbox, tmp_path, "url", name).returncode == 1
    with pytest.raises(ClientError, match="ResourceNotFoundException"):  # no statement left
        sandbox.client().get_policy(FunctionName=name)


def test_an_iam_url_adds_no_public_permission(sandbox: Any, functions: Any, tmp_path: Path) -> None:
    name = functions.create(prefix="url")

    created = run_cli(sandbox, tmp_path, "url", name, "--create", "--cors", "https://example.com")

    assert created.returncode == 0, created.stderr
    config = sandbox.client().get_function_url_config(FunctionName=name)
    assert config["AuthType"] == "AWS_IAM"
    assert config["Cors"]["AllowOrigins"] == ["https://example.com"]
    assert "warning" not in created.stderr
    assert "added" not in created.stderr
