"""A function's URL: shown, created with the permissions it needs, deleted.

A URL with auth type NONE is public, and Lambda still checks the function's resource-based policy:
since October 2025 it must allow both `lambda:InvokeFunctionUrl` (condition
`lambda:FunctionUrlAuthType` = NONE) and `lambda:InvokeFunction` (condition
`lambda:InvokedViaFunctionUrl` = true) to everyone, or the URL answers 403. Creating is
idempotent: an existing URL and the statements already in the policy are recognised, only what is
missing is added. The URL of the unqualified function is handled, not an alias's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from . import aws
from .aws import AwsTarget
from .errors import LambdaEditorError, check_choice, error_code, explain

AUTH_NONE = "NONE"
AUTH_IAM = "AWS_IAM"
AUTH_TYPES = (AUTH_IAM, AUTH_NONE)
BUFFERED = "BUFFERED"
INVOKE_MODES = (BUFFERED, "RESPONSE_STREAM")

PUBLIC_WARNING = (
    "A URL with auth type NONE is public: anyone who learns it can invoke the function, as often "
    "as they like, and you pay for every run. The handler must check each request itself (a "
    "signing secret such as Slack's, a token)."
)


@dataclass(frozen=True)
class FunctionUrl:
    url: str
    function_arn: str
    auth_type: str
    invoke_mode: str
    cors_origins: Tuple[str, ...]

    @classmethod
    def from_answer(cls, answer: Dict[str, Any]) -> FunctionUrl:
        return cls(
            url=str(answer["FunctionUrl"]),
            function_arn=str(answer["FunctionArn"]),
            auth_type=str(answer["AuthType"]),
            invoke_mode=str(answer.get("InvokeMode") or BUFFERED),
            cors_origins=tuple((answer.get("Cors") or {}).get("AllowOrigins") or ()),
        )

    @property
    def is_public(self) -> bool:
        return self.auth_type == AUTH_NONE

    def describe(self) -> str:
        who = "public, no authentication" if self.is_public else "IAM-authenticated (SigV4)"
        cors = f", CORS for {', '.join(self.cors_origins)}" if self.cors_origins else ""
        return f"{self.url} ({who}, {self.invoke_mode}{cors})"


@dataclass(frozen=True)
class UrlChange:
    """What creating or deleting a URL did."""

    url: FunctionUrl
    changed: bool  # False: the URL already was (or was not) there
    statements: Tuple[str, ...]  # the statement ids added (create) or removed (delete)


@dataclass(frozen=True)
class _PublicPermission:
    """One statement a public URL needs: its id when we add it, the action, and the condition
    AddPermission writes for `parameter`."""

    statement_id: str
    action: str
    parameter: str
    value: Any
    condition: Tuple[str, str, str]  # operator, key, value as the policy holds it

    def grants_in(self, statement: Dict[str, Any], function_arn: str) -> bool:
        """True when `statement` allows everyone this action on the function, under no condition
        or under exactly this one."""
        condition = statement.get("Condition")
        return self._allows(statement, function_arn) and (
            not condition or self.is_condition(condition)
        )

    def added_by_url(self, statement: Dict[str, Any], function_arn: str) -> bool:
        """True for a statement that grants this only through a URL: what a URL's deletion
        leaves useless (a broader grant made for another reason stays)."""
        return self._allows(statement, function_arn) and self.is_condition(
            statement.get("Condition")
        )

    def is_condition(self, condition: Any) -> bool:
        operator, key, value = self.condition
        if not isinstance(condition, dict) or list(condition) != [operator]:
            return False
        values = condition[operator]
        return (
            isinstance(values, dict)
            and list(values) == [key]
            and str(values[key]).lower() == value.lower()
        )

    def _allows(self, statement: Dict[str, Any], function_arn: str) -> bool:
        return (
            statement.get("Effect") == "Allow"
            and statement.get("Principal") in ("*", {"AWS": "*"})
            and bool({self.action, "lambda:*"} & set(_as_list(statement.get("Action"))))
            and function_arn in _as_list(statement.get("Resource", function_arn))
        )


PUBLIC_PERMISSIONS = (
    _PublicPermission(
        "FunctionURLAllowPublicAccess",
        "lambda:InvokeFunctionUrl",
        "FunctionUrlAuthType",
        AUTH_NONE,
        ("StringEquals", "lambda:FunctionUrlAuthType", AUTH_NONE),
    ),
    _PublicPermission(
        "FunctionURLInvokeAllowPublicAccess",
        "lambda:InvokeFunction",
        "InvokedViaFunctionUrl",
        True,
        ("Bool", "lambda:InvokedViaFunctionUrl", "true"),
    ),
)


def get_function_url(target: AwsTarget, function: str) -> Optional[FunctionUrl]:
    """The function's URL, None when it has none."""
    try:
        return current_url(aws.lambda_client(target), function)
    except Exception as exc:
        raise explain(exc, f"read the URL of {function}", target.profile) from exc


def create_function_url(
    target: AwsTarget,
    function: str,
    *,
    auth_type: str = AUTH_IAM,
    cors_origins: Sequence[str] = (),
    invoke_mode: str = BUFFERED,
) -> UrlChange:
    """The function's URL, created if it has none; for NONE, the public permissions it lacks.

    A URL that exists with another auth type is left alone (refused): changing who may call it is
    a deletion and a new creation, deliberately.
    """
    check_choice("auth type", auth_type, AUTH_TYPES)
    check_choice("invoke mode", invoke_mode, INVOKE_MODES)
    client = aws.lambda_client(target)
    doing = f"create the URL of {function}"
    try:
        url = current_url(client, function)
        created = url is None
        if url is None:
            arguments: Dict[str, Any] = {"AuthType": auth_type, "InvokeMode": invoke_mode}
            if cors_origins:
                arguments["Cors"] = _cors(cors_origins)
            url = FunctionUrl.from_answer(
                client.create_function_url_config(FunctionName=function, **arguments)
            )
    except Exception as exc:
        raise explain(exc, doing, target.profile) from exc
    if url.auth_type != auth_type:
        raise LambdaEditorError(
            f"{function} already has a URL with auth type {url.auth_type}: {url.url}.",
            "Delete it first to create one with another auth type.",
        )
    added: Tuple[str, ...] = ()
    if url.is_public:
        try:
            added = _add_public_permissions(client, function, url.function_arn)
        except Exception as exc:
            error = explain(exc, f"allow public calls to the URL of {function}", target.profile)
            raise LambdaEditorError(
                f"{error.message} The URL {url.url} exists but answers 403 until it has them.",
                error.hint or "Run the same command again once that is fixed.",
            ) from exc
    return UrlChange(url, created, added)


def delete_function_url(target: AwsTarget, function: str) -> Optional[UrlChange]:
    """Delete the URL and the statements that only served it; None when there was no URL."""
    client = aws.lambda_client(target)
    try:
        url = current_url(client, function)
        if url is None:
            return None
        client.delete_function_url_config(FunctionName=function)
        removed = []
        for statement in _statements(client, function):
            if any(p.added_by_url(statement, url.function_arn) for p in PUBLIC_PERMISSIONS):
                client.remove_permission(FunctionName=function, StatementId=statement["Sid"])
                removed.append(str(statement["Sid"]))
    except Exception as exc:
        raise explain(exc, f"delete the URL of {function}", target.profile) from exc
    return UrlChange(url, True, tuple(removed))


def current_url(client: Any, function: str) -> Optional[FunctionUrl]:
    """The function's URL read with `client`, None when it has none (failures are raised)."""
    try:
        return FunctionUrl.from_answer(client.get_function_url_config(FunctionName=function))
    except Exception as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        raise


def _statements(client: Any, function: str) -> List[Dict[str, Any]]:
    """The statements of the function's resource-based policy (none: no policy yet)."""
    try:
        policy = json.loads(client.get_policy(FunctionName=function)["Policy"])
    except Exception as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return []
        raise
    return [item for item in _as_list(policy.get("Statement")) if isinstance(item, dict)]


def _add_public_permissions(client: Any, function: str, function_arn: str) -> Tuple[str, ...]:
    statements = _statements(client, function)
    added = []
    for permission in PUBLIC_PERMISSIONS:
        if any(permission.grants_in(statement, function_arn) for statement in statements):
            continue
        try:
            _add_statement(client, function, permission)
        except Exception as exc:
            if error_code(exc) != "ResourceConflictException" or "already exists" not in str(exc):
                raise
            # The id is taken: by this statement added meanwhile (fine), or by another one.
            if not any(
                permission.grants_in(s, function_arn) for s in _statements(client, function)
            ):
                raise LambdaEditorError(
                    f"The policy of {function} has a statement {permission.statement_id} that "
                    f"does not allow everyone {permission.action}.",
                    "Remove that statement, then create the URL again.",
                ) from exc
            continue
        added.append(permission.statement_id)
    return tuple(added)


def _add_statement(client: Any, function: str, permission: _PublicPermission) -> None:
    arguments = {
        "FunctionName": function,
        "StatementId": permission.statement_id,
        "Action": permission.action,
        "Principal": "*",
    }
    if _add_permission_accepts(client, permission.parameter):
        client.add_permission(**arguments, **{permission.parameter: permission.value})
        return

    # botocore older than the parameter (Sublime's Python 3.8 host has boto3 1.37) refuses it
    # before sending: it goes into the JSON body, where Lambda reads it.
    def add_to_body(params: Dict[str, Any], **_: Any) -> None:
        body = json.loads(params["body"] or b"{}")
        body[permission.parameter] = permission.value
        params["body"] = json.dumps(body).encode()

    event = "before-call.lambda.AddPermission"
    client.meta.events.register(event, add_to_body)
    try:
        client.add_permission(**arguments)
    finally:
        client.meta.events.unregister(event, add_to_body)


def _add_permission_accepts(client: Any, parameter: str) -> bool:
    """Whether this botocore knows AddPermission's `parameter` (it refuses unknown ones)."""
    operation = client.meta.service_model.operation_model("AddPermission")
    return parameter in operation.input_shape.members


def _cors(origins: Sequence[str]) -> Dict[str, Any]:
    return {"AllowOrigins": list(origins), "AllowMethods": ["*"], "AllowHeaders": ["content-type"]}


def _as_list(value: Any) -> List[Any]:
    return list(value) if isinstance(value, list) else [value]
