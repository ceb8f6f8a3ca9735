"""Invoking a function, in AWS or locally, and keeping what came back.

Remote: Invoke with `LogType=Tail`, through a client whose read timeout follows the function's
current timeout and which never retries (a retried Invoke runs the function again). Local: the
handler runs through `local_runner`, and its outcome becomes the same `InvokeResult`, so the
panel, the CLI and the saved last result do not care where the code ran.

`invoke_and_keep` is the one sequence both front ends run: invoke as asked, then keep the result as
the workspace's last one.
"""

from __future__ import annotations

import base64
import binascii
import time
from dataclasses import dataclass, field, replace
from typing import Any, Dict, Mapping, Optional

from . import actions, aws
from .aws import AwsTarget
from .errors import LambdaEditorError, explain
from .events import check_payload_size
from .functions import read_configuration
from .interpreters import pick_interpreter, version_note
from .invoke_result import INVOCATION_TYPES, REQUEST_RESPONSE, InvokeResult
from .last_result import save_last_result
from .layers import LayerCache, default_layer_cache, function_layers, python_paths
from .local_runner import FunctionSpec, run_locally
from .workspace import Workspace, default_workspace_root

# Added to the function's timeout for the botocore read timeout: cold start, network, queueing.
READ_TIMEOUT_MARGIN_S = 30.0


@dataclass(frozen=True)
class Invocation:
    """What to invoke and how: in AWS (type, qualifier) or locally (in which Python)."""

    function: str  # a name or an ARN
    target: AwsTarget
    workspace: Optional[Workspace] = None  # keeps the result; a local run needs its code
    local: bool = False  # always synchronous, of the workspace's code: no type, no qualifier
    invocation_type: str = REQUEST_RESPONSE
    qualifier: Optional[str] = None
    interpreter: Optional[str] = None  # the Python of a local run (None: the runtime's)
    layer_cache: Optional[LayerCache] = None  # where a local run keeps the function's layers


def invoke_and_keep(invocation: Invocation, payload: bytes) -> InvokeResult:
    """Invoke once, as `invocation` says; the result is kept as the workspace's last one, when
    there is a workspace (failing to keep it is not an error: the invocation happened)."""
    workspace = invocation.workspace
    if invocation.local:
        if workspace is None:
            raise LambdaEditorError(
                f"There is no workspace of {invocation.function} to run locally.",
                "Download the function first.",
                next_action=actions.DOWNLOAD,
            )
        result = invoke_workspace_locally(
            workspace, payload, invocation.interpreter, invocation.layer_cache
        )
    else:
        result = invoke_remote(
            invocation.target,
            invocation.function,
            payload,
            invocation_type=invocation.invocation_type,
            qualifier=invocation.qualifier,
        )
    if workspace is not None:
        save_last_result(workspace.metadata_dir, result)
    return result


# ---- remote ----------------------------------------------------------------------------------


def invoke_client(
    target: AwsTarget, function_timeout: float, margin: float = READ_TIMEOUT_MARGIN_S
) -> Any:
    """A Lambda client for Invoke: read timeout above the function's timeout, no retries."""
    return aws.lambda_client(target, read_timeout=function_timeout + margin, max_attempts=1)


def invoke_remote(
    target: AwsTarget,
    function_name: str,
    payload: bytes,
    *,
    function_timeout: Optional[float] = None,
    invocation_type: str = REQUEST_RESPONSE,
    qualifier: Optional[str] = None,
    margin: float = READ_TIMEOUT_MARGIN_S,
) -> InvokeResult:
    """Invoke the deployed function once (never retried) and return what AWS answered.

    `function_timeout` (seconds) sizes the read timeout; when None, the function's current
    timeout is read first (one saved earlier may be stale: someone may have raised it since).
    """
    _check_request(payload, invocation_type)
    if function_timeout is None:
        function_timeout = int(read_configuration(target, function_name, qualifier)["Timeout"])
    client = invoke_client(target, function_timeout, margin)
    request: Dict[str, Any] = {
        "FunctionName": function_name,
        "InvocationType": invocation_type,
        "Payload": payload,
    }
    if invocation_type == REQUEST_RESPONSE:
        request["LogType"] = "Tail"  # Lambda accepts Tail for synchronous calls only
    if qualifier:
        request["Qualifier"] = qualifier
    invoked_at = time.time()
    try:
        response = client.invoke(**request)
        body = response["Payload"].read() if "Payload" in response else b""
    except Exception as exc:
        raise _explain_invoke_failure(exc, function_name, client, target.profile) from exc
    return InvokeResult(
        function_name=function_name_of(function_name),
        status_code=int(response.get("StatusCode", 0)),
        payload=body,
        invocation_type=invocation_type,
        executed_version=response.get("ExecutedVersion"),
        function_error=response.get("FunctionError"),
        log_tail=_decode_log_result(response.get("LogResult")),
        request_id=response.get("ResponseMetadata", {}).get("RequestId"),
        invoked_at=invoked_at,
    )


def function_name_of(function: str) -> str:
    """The function's name, also when it was given as an ARN (`arn:…:function:NAME[:QUALIFIER]`)."""
    parts = function.split(":")
    return parts[6] if function.startswith("arn:") and len(parts) > 6 else function


def _check_request(payload: bytes, invocation_type: str) -> None:
    if invocation_type not in INVOCATION_TYPES:
        raise LambdaEditorError(
            f'"{invocation_type}" is not an invocation type.', f"Use one of {INVOCATION_TYPES}."
        )
    check_payload_size(payload, invocation_type)


def _decode_log_result(log_result: Optional[str]) -> str:
    if not log_result:
        return ""
    try:
        return base64.b64decode(log_result).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError):
        return log_result


def _explain_invoke_failure(
    exc: Exception, function_name: str, client: Any, profile: Optional[str]
) -> LambdaEditorError:
    from botocore.exceptions import ReadTimeoutError  # noqa: PLC0415 - boto3 is loaded lazily

    if isinstance(exc, ReadTimeoutError):
        waited = client.meta.config.read_timeout
        return LambdaEditorError(
            f"Could not invoke {function_name}: no answer within {waited:g} s.",
            "The function may still be running (it was not invoked again); check its logs.",
        )
    return explain(exc, f"invoke {function_name}", profile)


# ---- local -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HandlerCredentials:
    """What a local handler gets for its own AWS calls: variables, or why there are none."""

    # AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ...: secrets, kept out of repr.
    variables: Mapping[str, str] = field(default_factory=dict, repr=False)
    # Why `variables` is empty, for the user (never a secret); "" when they are there.
    missing_reason: str = ""


def handler_credentials(target: AwsTarget) -> HandlerCredentials:
    """The target's credentials as the variables a local handler's boto3 reads.

    Never raises: without boto3 or working credentials the variables are empty (a handler that
    never calls AWS still runs) and `missing_reason` says why. The values are secrets: pass them
    to `invoke_local`, never to a log.
    """
    try:
        credentials = aws.session(target).get_credentials()
        frozen = credentials.get_frozen_credentials() if credentials else None
    except Exception as exc:
        return HandlerCredentials(
            missing_reason=str(explain(exc, "read the AWS credentials", target.profile))
        )
    if frozen is None or not frozen.access_key or not frozen.secret_key:
        profile = target.profile or "default"
        return HandlerCredentials(missing_reason=f"none are configured for profile {profile}.")
    env = {"AWS_ACCESS_KEY_ID": frozen.access_key, "AWS_SECRET_ACCESS_KEY": frozen.secret_key}
    if frozen.token:
        env["AWS_SESSION_TOKEN"] = frozen.token
    if target.endpoint_url:
        env["AWS_ENDPOINT_URL"] = target.endpoint_url
    return HandlerCredentials(env)


def invoke_local(
    root: str,
    spec: FunctionSpec,
    payload: bytes,
    *,
    interpreter: Optional[str] = None,
    credentials: Optional[HandlerCredentials] = None,
) -> InvokeResult:
    """Run the workspace's handler in a local Python (see `local_runner`); the whole log is kept.

    `interpreter` is the Python chosen by the user (None: the runtime's pythonX.Y on PATH, else
    python3). Without `credentials` the handler gets none, silently; with ones that are missing,
    the result carries a warning saying why.
    """
    check_payload_size(payload, REQUEST_RESPONSE)
    if spec.runtime and not spec.runtime.startswith("python"):
        raise LambdaEditorError(
            f"Only Python functions run locally; this one runs on {spec.runtime}.",
            "Invoke it in AWS instead.",
            next_action=actions.INVOKE_IN_AWS,
        )
    python = pick_interpreter(interpreter, spec.runtime)
    credentials = credentials or HandlerCredentials()
    run = run_locally(
        root, spec, payload, interpreter=python.path, credentials=credentials.variables
    )
    warnings = [
        version_note(
            python, spec.runtime, "The handler ran", "its behaviour may differ from Lambda's"
        )
    ]
    if credentials.missing_reason:
        warnings.append(
            f"No AWS credentials were passed to the handler: {credentials.missing_reason}"
        )
    return InvokeResult(
        function_name=spec.name,
        status_code=200,
        payload=run.payload,
        executed_version=run.executed_version,
        function_error=run.function_error,
        log_tail=run.log,
        local=True,
        request_id=run.request_id,
        warnings=tuple(warning for warning in warnings if warning),
    )


def invoke_workspace_locally(
    workspace: Workspace,
    payload: bytes,
    interpreter: Optional[str] = None,
    layer_cache: Optional[LayerCache] = None,
) -> InvokeResult:
    """Run a workspace's handler locally, with the credentials of the profile it came from and
    the function's layers (downloaded into `layer_cache` once)."""
    binding = workspace.binding
    spec = FunctionSpec.from_binding(binding)
    layers_note = ""
    try:
        arns = function_layers(binding)
    except LambdaEditorError as error:  # a workspace from before layers were recorded, offline
        arns = ()
        layers_note = f"It ran without its layers, which could not be read: {error.message}"
    if arns:
        cache = layer_cache or LayerCache(default_layer_cache(default_workspace_root()))
        folders = cache.layer_folders(binding.target, arns)
        spec = replace(spec, python_paths=tuple(python_paths(folders, binding.runtime)))
    result = invoke_local(
        workspace.root,
        spec,
        payload,
        interpreter=interpreter,
        credentials=handler_credentials(binding.target),
    )
    if layers_note:
        result = replace(result, warnings=(*result.warnings, layers_note))
    return result
