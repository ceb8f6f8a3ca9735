"""The local endpoint answers like AWS for versions, function URL permissions and new roles."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Iterator

import pytest
from botocore.exceptions import ClientError
from conftest import zip_files

from lambda_editor.create import LAMBDA_TRUST_POLICY
from lambda_editor.sandbox import Sandbox, ensure_role

pytest.importorskip("moto.server")

ACCOUNT = "310987654321"
TRUST = json.dumps(LAMBDA_TRUST_POLICY)


@pytest.fixture(scope="module")
def endpoint() -> Iterator[Sandbox]:
    with Sandbox(update_delay=0.1, account_id=ACCOUNT) as running:
        yield running


def new_function(endpoint: Sandbox) -> str:
    name = f"v-{uuid.uuid4().hex[:8]}"
    endpoint.client().create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ensure_role(endpoint.url),
        Handler="app.handler",
        Code={"ZipFile": zip_files({"app.py": "def handler(e, c):\n    return 1\n"})},
    )
    return name


def error_code(error: ClientError) -> str:
    return str(error.response["Error"]["Code"])


def test_publish_version_refuses_a_code_sha256_that_is_not_latest(endpoint: Sandbox) -> None:
    lam = endpoint.client()
    name = new_function(endpoint)
    current = lam.get_function_configuration(FunctionName=name)["CodeSha256"]

    with pytest.raises(ClientError) as refused:
        lam.publish_version(FunctionName=name, CodeSha256="A" * 43 + "=")
    published = lam.publish_version(FunctionName=name, CodeSha256=current)

    assert error_code(refused.value) == "InvalidParameterValueException"
    assert "is different from current CodeSHA256 in $LATEST" in str(refused.value)
    assert published["Version"] == "1"
    assert published["CodeSha256"] == current


def test_function_url_permissions_become_conditions_and_ids_are_unique(endpoint: Sandbox) -> None:
    lam = endpoint.client()
    name = new_function(endpoint)
    lam.add_permission(
        FunctionName=name,
        StatementId="url",
        Action="lambda:InvokeFunctionUrl",
        Principal="*",
        FunctionUrlAuthType="NONE",
    )
    lam.add_permission(
        FunctionName=name,
        StatementId="invoke",
        Action="lambda:InvokeFunction",
        Principal="*",
        InvokedViaFunctionUrl=True,
    )

    with pytest.raises(ClientError) as duplicate:
        lam.add_permission(
            FunctionName=name, StatementId="url", Action="lambda:GetFunction", Principal="*"
        )
    statements = json.loads(lam.get_policy(FunctionName=name)["Policy"])["Statement"]

    assert error_code(duplicate.value) == "ResourceConflictException"
    by_id = {statement["Sid"]: statement for statement in statements}
    assert set(by_id) == {"url", "invoke"}
    assert by_id["url"]["Condition"] == {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}
    assert by_id["invoke"]["Condition"] == {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}
    assert "FunctionUrlAuthType" not in by_id["url"]


def test_aws_managed_policies_can_be_attached(endpoint: Sandbox) -> None:
    iam = endpoint.client("iam")
    role = f"r-{uuid.uuid4().hex[:8]}"
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST)
    arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"

    iam.attach_role_policy(RoleName=role, PolicyArn=arn)

    attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    assert [policy["PolicyArn"] for policy in attached] == [arn]


def test_a_new_role_cannot_be_assumed_until_it_propagated(endpoint: Sandbox) -> None:
    iam, lam = endpoint.client("iam"), endpoint.client()
    endpoint.role_propagation_delay = 0.5
    try:
        role = iam.create_role(
            RoleName=f"r-{uuid.uuid4().hex[:8]}", AssumeRolePolicyDocument=TRUST
        )["Role"]["Arn"]
        arguments = {
            "FunctionName": f"v-{uuid.uuid4().hex[:8]}",
            "Runtime": "python3.12",
            "Role": role,
            "Handler": "app.handler",
            "Code": {"ZipFile": zip_files({"app.py": "x = 1\n"})},
        }
        with pytest.raises(ClientError) as refused:
            lam.create_function(**arguments)
        time.sleep(0.6)
        created: Any = lam.create_function(**arguments)
    finally:
        endpoint.role_propagation_delay = 0.0

    assert error_code(refused.value) == "InvalidParameterValueException"
    assert "cannot be assumed by Lambda" in str(refused.value)
    assert created["FunctionName"] == arguments["FunctionName"]


def test_versions_and_aliases_are_listed_by_arn_too(endpoint: Sandbox) -> None:
    lam = endpoint.client()
    name = new_function(endpoint)
    arn = lam.get_function_configuration(FunctionName=name)["FunctionArn"]
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")

    versions = lam.list_versions_by_function(FunctionName=arn)["Versions"]
    aliases = lam.list_aliases(FunctionName=arn)["Aliases"]

    assert [version["Version"] for version in versions] == ["$LATEST", "1"]
    assert [alias["Name"] for alias in aliases] == ["live"]
