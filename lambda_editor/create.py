"""New functions: made from a template with a runtime, an architecture, memory, a timeout and an
execution role, then downloaded into a workspace like any function opened for editing.

Without a role given, the function runs as `lambda-editor-basic-execution`, created when missing
with the AWS managed policy AWSLambdaBasicExecutionRole (it lets the function write its logs,
nothing else). IAM is eventually consistent: for a few seconds a new role is refused by Lambda
("cannot be assumed"), so CreateFunction is retried for a bounded time after creating one.
"""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple
from urllib.parse import unquote

from . import aws, events
from .aws import AwsTarget
from .errors import LambdaEditorError, check_choice, error_code, explain
from .limits import MEMORY_MB, PYTHON_RUNTIMES, TIMEOUT_SECONDS
from .pull import PullResult, pull_function
from .updates import poll_delays

ARCHITECTURES = ("arm64", "x86_64")  # Graviton first: cheaper for the same work

BASIC_ROLE_NAME = "lambda-editor-basic-execution"
BASIC_EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
LAMBDA_TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
ROLE_NOT_ASSUMABLE = "cannot be assumed by Lambda"
FIRST_EVENT = "example"
ROLE_PROPAGATION_SECONDS = 30.0  # how long a new role may take to reach Lambda
_FUNCTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class FunctionTemplate:
    name: str
    description: str
    files: Tuple[str, ...]  # under function_templates/<name>/
    memory: int = 128
    timeout: int = 3
    environment: Mapping[str, str] = field(default_factory=dict)
    event_template: str = "empty"  # the first test event of a new function
    next_step: str = ""  # what to do after creating it, for the user
    handler: str = "lambda_function.lambda_handler"


TEMPLATES: Dict[str, FunctionTemplate] = {
    template.name: template
    for template in (
        FunctionTemplate(
            "hello",
            "Python hello world",
            ("lambda_function.py",),
        ),
        FunctionTemplate(
            "http",
            "A plain HTTP handler behind a function URL",
            ("lambda_function.py",),
            timeout=10,
            event_template="function-url",
            next_step="Give it a function URL.",
        ),
        FunctionTemplate(
            "slack-bot",
            "A Slack slash command: checks Slack's signature, answers at once",
            ("lambda_function.py",),
            timeout=10,
            environment={"SLACK_SIGNING_SECRET": ""},
            event_template="slack-slash-command-function-url",
            next_step=(
                "Give it a public function URL (auth type NONE) for the slash command, and set "
                "SLACK_SIGNING_SECRET to your Slack app's signing secret."
            ),
        ),
        FunctionTemplate(
            "flask",
            "A Flask app behind a function URL or API Gateway (WSGI adapter included)",
            ("lambda_function.py", "app.py", "wsgi_adapter.py", "requirements.txt"),
            memory=512,
            timeout=15,
            event_template="function-url",
            next_step="Install requirements.txt (Flask goes into vendor/), then give it a "
            "function URL.",
        ),
    )
}


@dataclass(frozen=True)
class NewFunction:
    """What to create. Memory and timeout default to the template's."""

    name: str
    template: str = "hello"
    runtime: str = PYTHON_RUNTIMES[0]
    architecture: str = ARCHITECTURES[0]
    memory: Optional[int] = None
    timeout: Optional[int] = None
    role_arn: Optional[str] = None  # None: lambda-editor-basic-execution, created if missing

    @property
    def function_template(self) -> FunctionTemplate:
        return TEMPLATES[self.template]

    def checked(self) -> NewFunction:
        """This request with the template's defaults filled in; raises on anything Lambda would
        refuse, before any request is made."""
        check_function_name(self.name)
        check_choice("template", self.template, tuple(TEMPLATES))
        check_choice("runtime", self.runtime, PYTHON_RUNTIMES)
        check_choice("architecture", self.architecture, ARCHITECTURES)
        template = self.function_template
        memory = template.memory if self.memory is None else self.memory
        timeout = template.timeout if self.timeout is None else self.timeout
        _check_range("memory", memory, MEMORY_MB, "MB")
        _check_range("timeout", timeout, TIMEOUT_SECONDS, "s")
        if self.role_arn is not None and not self.role_arn.startswith("arn:"):
            raise LambdaEditorError(f"{self.role_arn!r} is not a role ARN (arn:aws:iam::…).")
        return replace(self, memory=memory, timeout=timeout)

    def describe(self) -> str:
        return f"{self.runtime}, {self.architecture}, {self.memory} MB, {self.timeout} s"


def check_function_name(name: str) -> None:
    if not _FUNCTION_NAME.match(name):
        raise LambdaEditorError(
            f"{name!r} cannot name a new function.",
            "Use 1 to 64 letters, digits, dashes and underscores.",
        )


def _check_range(what: str, value: int, bounds: Tuple[int, int], unit: str) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise LambdaEditorError(f"The {what} must be from {low} to {high} {unit}, not {value}.")


# --- execution roles ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Role:
    name: str
    arn: str
    description: str


def list_execution_roles(target: AwsTarget) -> List[Role]:
    """The account's roles that Lambda can assume (their trust policy lets lambda.amazonaws.com
    call sts:AssumeRole), by name."""
    try:
        pages = aws.client(target, "iam").get_paginator("list_roles").paginate()
        roles = [role for page in pages for role in page["Roles"]]
    except Exception as exc:
        raise explain(exc, "list the IAM roles", target.profile) from exc
    return sorted(
        (
            Role(str(role["RoleName"]), str(role["Arn"]), str(role.get("Description") or ""))
            for role in roles
            if _lambda_may_assume(role.get("AssumeRolePolicyDocument"))
        ),
        key=lambda role: role.name.lower(),
    )


def _lambda_may_assume(document: Any) -> bool:
    if isinstance(document, str):  # the API sends it URL-encoded; boto3 usually decodes it
        try:
            document = json.loads(unquote(document))
        except ValueError:
            return False
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    for statement in statements if isinstance(statements, list) else [statements]:
        principal = statement.get("Principal") or {}
        services = principal.get("Service", []) if isinstance(principal, dict) else []
        actions = statement.get("Action", [])
        if (
            statement.get("Effect") == "Allow"
            and "lambda.amazonaws.com" in _as_list(services)
            and {"sts:AssumeRole", "sts:*", "*"} & set(_as_list(actions))
        ):
            return True
    return False


def ensure_basic_execution_role(target: AwsTarget, report: Progress) -> Tuple[str, bool]:
    """The ARN of lambda-editor-basic-execution, and whether it was created now."""
    existing = [role for role in list_execution_roles(target) if role.name == BASIC_ROLE_NAME]
    if existing:
        return existing[0].arn, False
    report(
        f"creating the IAM role {BASIC_ROLE_NAME} with the AWS managed policy "
        "AWSLambdaBasicExecutionRole (iam:CreateRole, iam:AttachRolePolicy)…"
    )
    iam = aws.client(target, "iam")
    try:
        arn = iam.create_role(
            RoleName=BASIC_ROLE_NAME,
            AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST_POLICY),
            Description="Lets Lambda functions write their logs (made by Lambda Editor)",
        )["Role"]["Arn"]
    except Exception as exc:
        if error_code(exc) == "EntityAlreadyExists":
            raise LambdaEditorError(
                f"The IAM role {BASIC_ROLE_NAME} exists, but Lambda cannot assume it.",
                "Pick another role, or let lambda.amazonaws.com assume this one.",
            ) from exc
        raise explain(exc, f"create the IAM role {BASIC_ROLE_NAME}", target.profile) from exc
    try:
        iam.attach_role_policy(RoleName=BASIC_ROLE_NAME, PolicyArn=BASIC_EXECUTION_POLICY)
    except Exception as exc:
        error = explain(exc, f"attach AWSLambdaBasicExecutionRole to {BASIC_ROLE_NAME}")
        raise LambdaEditorError(
            f"{error.message} The role exists without it: functions using it cannot write logs.",
            error.hint,
        ) from exc
    return str(arn), True


# --- creating ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreatedFunction:
    pulled: PullResult
    request: NewFunction
    role_arn: str
    role_created: bool


def create_function(
    target: AwsTarget,
    request: NewFunction,
    workspace_root: str,
    *,
    on_progress: Optional[Progress] = None,
) -> CreatedFunction:
    """Create the function, wait until it is active, download it into its workspace, and give it
    a first test event matching its template."""
    request = request.checked()
    report = on_progress or (lambda _text: None)
    role_arn, role_created = request.role_arn, False
    if role_arn is None:
        role_arn, role_created = ensure_basic_execution_role(target, report)
    client = aws.lambda_client(target)
    report(f"creating {request.name} ({request.describe()})…")
    try:
        _create(
            client, request, role_arn, role_is_new=role_created, report=report, sleep=time.sleep
        )
        _wait_until_active(client, request.name, sleep=time.sleep)
    except LambdaEditorError:
        raise
    except Exception as exc:
        raise explain(exc, f"create {request.name}", target.profile) from exc
    pulled = pull_function(target, request.name, workspace_root, on_progress=report)
    store = events.EventStore.for_workspace(pulled.workspace)
    if FIRST_EVENT not in store.names():  # an earlier workspace's events are carried over
        store.create(FIRST_EVENT, request.function_template.event_template)
    return CreatedFunction(pulled, request, role_arn, role_created)


def _create(
    client: Any,
    request: NewFunction,
    role_arn: str,
    *,
    role_is_new: bool,
    report: Progress,
    sleep: Callable[[float], None],
) -> None:
    template = request.function_template
    arguments = {
        "FunctionName": request.name,
        "Runtime": request.runtime,
        "Role": role_arn,
        "Handler": template.handler,
        "Code": {"ZipFile": template_zip(template)},
        "Description": f"{template.description} (from Lambda Editor's {template.name} template)",
        "Architectures": [request.architecture],
        "MemorySize": request.memory,
        "Timeout": request.timeout,
        "Environment": {"Variables": dict(template.environment)},
    }
    patience = ROLE_PROPAGATION_SECONDS if role_is_new else 0.0
    waited, delay = 0.0, 1.0
    while True:
        try:
            client.create_function(**arguments)
            return
        except Exception as exc:
            code, text = error_code(exc), str(exc)
            if code == "ResourceConflictException":
                raise LambdaEditorError(
                    f"A function named {request.name} already exists.",
                    "Pick another name, or download that function to edit it.",
                ) from exc
            if ROLE_NOT_ASSUMABLE not in text:
                raise
            if waited + delay > patience:
                raise LambdaEditorError(
                    f"{request.name} was not created: Lambda cannot assume the role {role_arn}.",
                    "Check that its trust policy lets lambda.amazonaws.com assume it; a role made "
                    "moments ago may need a few more seconds: try again.",
                ) from exc
        report("waiting for the new role to reach Lambda…")
        sleep(delay)
        waited, delay = waited + delay, min(delay * 2, 5.0)


def _wait_until_active(
    client: Any, name: str, *, sleep: Callable[[float], None], timeout: float = 300.0
) -> None:
    """A new function is Pending until Lambda has set it up; invoking it before fails."""
    deadline = time.monotonic() + timeout
    delays = poll_delays()
    while True:
        configuration = client.get_function_configuration(FunctionName=name)
        state = configuration.get("State", "Active")
        if state == "Active":
            return
        if state == "Failed" or time.monotonic() >= deadline:
            reason = configuration.get("StateReason") or f"it is still {state}"
            raise LambdaEditorError(
                f"{name} was created but is not active: {reason}.",
                "Check it in the Lambda console.",
            )
        sleep(next(delays))


def template_zip(template: FunctionTemplate) -> bytes:
    """The template's files as a deployment package (fixed times: the same bytes every time)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in template.files:
            info = zipfile.ZipInfo(path, date_time=_ZIP_TIME)
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, events.load_text(f"function_templates/{template.name}/{path}"))
    return buffer.getvalue()


def _as_list(value: Any) -> List[Any]:
    return list(value) if isinstance(value, list) else [value]
