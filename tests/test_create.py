"""New functions from templates: created, active, downloaded, and running as a template says."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
from botocore.stub import Stubber
from test_cli import run_cli

from lambda_editor import create
from lambda_editor.aws import AwsTarget
from lambda_editor.create import (
    BASIC_EXECUTION_POLICY,
    BASIC_ROLE_NAME,
    NewFunction,
    create_function,
    list_execution_roles,
)
from lambda_editor.errors import LambdaEditorError
from lambda_editor.events import template_text
from lambda_editor.sandbox import Sandbox

# An account of its own: the execution role does not exist until the first creation here.
ACCOUNT = "410987654321"


@pytest.fixture(scope="module")
def fresh_account() -> Iterator[Sandbox]:
    pytest.importorskip("moto.server", reason="the local endpoint needs moto (Python 3.10+)")
    with Sandbox(update_delay=0.1, account_id=ACCOUNT, role_propagation_delay=1.5) as running:
        yield running


def target_of(sandbox: Sandbox) -> AwsTarget:
    return AwsTarget(None, sandbox.region, sandbox.url)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_create_makes_the_role_waits_for_it_and_opens_the_workspace(
    fresh_account: Sandbox, tmp_path: Path
) -> None:
    name = unique("bot")

    completed = run_cli(fresh_account, tmp_path, "create", name, "--template", "slack-bot")

    assert completed.returncode == 0, completed.stderr
    root = Path(completed.stdout.strip())
    assert root == tmp_path / ACCOUNT / fresh_account.region / name
    assert "creating the IAM role lambda-editor-basic-execution" in completed.stderr
    assert "iam:CreateRole, iam:AttachRolePolicy" in completed.stderr
    assert "waiting for the new role to reach Lambda" in completed.stderr
    assert "SLACK_SIGNING_SECRET" in completed.stderr  # the next step
    configuration = fresh_account.client().get_function_configuration(FunctionName=name)
    assert configuration["Runtime"] == "python3.14"
    assert configuration["Architectures"] == ["arm64"]
    assert (configuration["MemorySize"], configuration["Timeout"]) == (128, 10)
    assert configuration["Role"].endswith(f":role/{BASIC_ROLE_NAME}")
    assert configuration["Environment"]["Variables"] == {"SLACK_SIGNING_SECRET": ""}
    iam = fresh_account.client("iam")
    attached = iam.list_attached_role_policies(RoleName=BASIC_ROLE_NAME)["AttachedPolicies"]
    assert [policy["PolicyArn"] for policy in attached] == [BASIC_EXECUTION_POLICY]
    assert "signed_by_slack" in (root / "lambda_function.py").read_text()
    example = (root / ".lambda-editor" / "events" / "example.json").read_text()
    assert example == template_text("slack-slash-command-function-url")


def test_the_existing_role_is_reused_without_waiting(
    fresh_account: Sandbox, tmp_path: Path
) -> None:
    _arn, created = create.ensure_basic_execution_role(target_of(fresh_account), print)
    if created:  # this test ran first: let the role reach Lambda
        time.sleep(fresh_account.role_propagation_delay)
    roles_before = fresh_account.client("iam").list_roles()["Roles"]
    name = unique("hello")

    completed = run_cli(
        fresh_account, tmp_path, "create", name, "--arch", "x86_64", "--runtime", "python3.12"
    )

    assert completed.returncode == 0, completed.stderr
    assert "creating the IAM role" not in completed.stderr
    assert "waiting" not in completed.stderr
    assert fresh_account.client("iam").list_roles()["Roles"] == roles_before
    configuration = fresh_account.client().get_function_configuration(FunctionName=name)
    assert (configuration["Runtime"], configuration["Architectures"]) == ("python3.12", ["x86_64"])
    answer = fresh_account.client().invoke(FunctionName=name, Payload=b'{"name": "Ada"}')
    assert json.loads(answer["Payload"].read()) == {"message": "Hello, Ada!"}


def test_an_invalid_name_is_refused_before_any_request(
    fresh_account: Sandbox, tmp_path: Path
) -> None:
    before = fresh_account.client().list_functions()["Functions"]

    completed = run_cli(fresh_account, tmp_path, "create", "no spaces allowed")
    too_long = run_cli(fresh_account, tmp_path, "create", "x" * 65)
    memory = run_cli(fresh_account, tmp_path, "create", unique("mem"), "--memory", "64")

    for refused in (completed, too_long, memory):
        assert refused.returncode == 2, refused.stderr
    assert "cannot name a new function" in completed.stderr
    assert "from 128 to 10240 MB" in memory.stderr
    assert fresh_account.client().list_functions()["Functions"] == before


def test_a_name_in_use_is_refused_and_the_function_kept(
    fresh_account: Sandbox, tmp_path: Path
) -> None:
    name = unique("taken")
    assert run_cli(fresh_account, tmp_path, "create", name).returncode == 0
    sha = fresh_account.client().get_function_configuration(FunctionName=name)["CodeSha256"]

    again = run_cli(fresh_account, tmp_path, "create", name, "--template", "http")

    assert again.returncode == 1
    assert f"A function named {name} already exists" in again.stderr
    after = fresh_account.client().get_function_configuration(FunctionName=name)
    assert after["CodeSha256"] == sha


def signed_slack_event(secret: str, text: str) -> Dict[str, Any]:
    event: Dict[str, Any] = json.loads(template_text("slack-slash-command-function-url"))
    body = f"command=%2Fecho&text={text}&response_url=https%3A%2F%2Fhooks.slack.com%2Fx"
    timestamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256)
    event["body"] = base64.b64encode(body.encode()).decode()
    event["headers"]["x-slack-request-timestamp"] = timestamp
    event["headers"]["x-slack-signature"] = f"v0={digest.hexdigest()}"
    return event


def invoke(sandbox: Sandbox, name: str, event: Dict[str, Any]) -> Dict[str, Any]:
    answer = sandbox.client().invoke(FunctionName=name, Payload=json.dumps(event).encode())
    return dict(json.loads(answer["Payload"].read()))


def test_the_slack_bot_answers_signed_commands_only(fresh_account: Sandbox, tmp_path: Path) -> None:
    name = unique("slack")
    target = target_of(fresh_account)
    create_function(target, NewFunction(name, template="slack-bot"), str(tmp_path))
    client = fresh_account.client()
    unset = invoke(fresh_account, name, signed_slack_event("s3cret", "hi"))
    client.update_function_configuration(
        FunctionName=name, Environment={"Variables": {"SLACK_SIGNING_SECRET": "s3cret"}}
    )
    client.get_waiter("function_updated_v2").wait(FunctionName=name)

    signed = invoke(fresh_account, name, signed_slack_event("s3cret", "hi"))
    forged = invoke(fresh_account, name, signed_slack_event("not-the-secret", "hi"))
    placeholder = invoke(
        fresh_account, name, json.loads(template_text("slack-slash-command-function-url"))
    )

    assert unset["statusCode"] == 500
    assert signed["statusCode"] == 200
    assert json.loads(signed["body"]) == {
        "response_type": "ephemeral",
        "text": "/echo received: hi",
    }
    assert forged["statusCode"] == 401
    assert placeholder["statusCode"] == 401


def test_the_flask_template_serves_function_url_and_rest_api_events(
    fresh_account: Sandbox, tmp_path: Path
) -> None:
    """The sandbox runs functions in the test's Python, which has Flask: vendor/ is not needed."""
    name = unique("flask")
    created = create_function(
        target_of(fresh_account), NewFunction(name, template="flask"), str(tmp_path)
    )
    url_event = json.loads(template_text("function-url"))
    rest_event = json.loads(template_text("apigateway-rest-proxy"))
    rest_event.update(httpMethod="POST", path="/echo", body='{"n": 1}', isBase64Encoded=False)
    rest_event["multiValueHeaders"] = {"Content-Type": ["application/json"]}

    from_url = invoke(fresh_account, name, url_event)
    from_rest = invoke(fresh_account, name, rest_event)

    assert (created.request.memory, created.request.timeout) == (512, 15)
    assert Path(created.pulled.workspace.root, "requirements.txt").is_file()
    assert from_url["statusCode"] == 200
    assert json.loads(from_url["body"]) == {"hello": "world"}
    assert from_url["headers"]["Content-Type"] == "application/json"
    assert from_rest["statusCode"] == 200
    assert json.loads(from_rest["body"]) == {"received": {"n": 1}}
    assert from_rest["multiValueHeaders"]["Content-Type"] == ["application/json"]


def test_execution_roles_are_those_lambda_can_assume(fresh_account: Sandbox) -> None:
    iam = fresh_account.client("iam")
    for_lambda, for_ec2 = unique("lambda-role"), unique("ec2-role")
    trust = dict(create.LAMBDA_TRUST_POLICY)
    iam.create_role(RoleName=for_lambda, AssumeRolePolicyDocument=json.dumps(trust))
    ec2_trust = json.dumps(trust).replace("lambda.amazonaws.com", "ec2.amazonaws.com")
    iam.create_role(RoleName=for_ec2, AssumeRolePolicyDocument=ec2_trust)

    names = [role.name for role in list_execution_roles(target_of(fresh_account))]

    assert for_lambda in names
    assert for_ec2 not in names
    assert names == sorted(names, key=str.lower)


def waits_for_a_role_lambda_refuses(refusals: int, *, role_is_new: bool) -> List[float]:
    """Create a function while Lambda refuses the role every time: the waits, once it gives up."""
    import boto3

    client = boto3.client("lambda", region_name="us-east-1")
    slept: List[float] = []
    with Stubber(client) as stubber:
        for _ in range(refusals):
            stubber.add_client_error(
                "create_function",
                "InvalidParameterValueException",
                "The role defined for the function cannot be assumed by Lambda.",
            )
        with pytest.raises(LambdaEditorError, match="Lambda cannot assume the role"):
            create._create(
                client,
                NewFunction("fn").checked(),
                "arn:aws:iam::123456789012:role/r",
                role_is_new=role_is_new,
                report=lambda _text: None,
                sleep=slept.append,
            )
        stubber.assert_no_pending_responses()
    return slept


def test_a_new_role_that_never_propagates_is_given_up_on_in_bounded_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(create, "ROLE_PROPAGATION_SECONDS", 10.0)
    # 5 s more would pass the 10 s allowed.
    assert waits_for_a_role_lambda_refuses(4, role_is_new=True) == [1.0, 2.0, 4.0]


def test_a_role_that_is_not_new_is_not_waited_for() -> None:
    assert waits_for_a_role_lambda_refuses(1, role_is_new=False) == []


def test_template_files_are_all_packaged() -> None:
    import io
    import zipfile

    for template in create.TEMPLATES.values():
        names = zipfile.ZipFile(io.BytesIO(create.template_zip(template))).namelist()
        assert names == list(template.files)
        assert template.handler.split(".")[0] + ".py" in names
        json.loads(template_text(template.event_template))  # its first test event exists


def test_a_recreated_function_keeps_the_earlier_workspaces_events(
    fresh_account: Sandbox, tmp_path: Path
) -> None:
    name = unique("again")
    target = target_of(fresh_account)
    first = create_function(target, NewFunction(name), str(tmp_path))
    example = Path(first.pulled.workspace.events_dir, "example.json")
    example.write_text('{"name": "mine"}')
    fresh_account.client().delete_function(FunctionName=name)

    second = create_function(target, NewFunction(name, template="http"), str(tmp_path))

    assert second.pulled.workspace.root == first.pulled.workspace.root
    assert "respond(200" in Path(second.pulled.workspace.root, "lambda_function.py").read_text()
    assert example.read_text() == '{"name": "mine"}'
