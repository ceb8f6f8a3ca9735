"""Errors the user can act on: what failed, why, and what to do next.

Every failure that reaches the Sublime adapter or the CLI is a `LambdaEditorError`. `explain`
turns the exceptions that boto3, botocore and the OS raise into one, so no layer shows a traceback.
"""

from __future__ import annotations

import html
import re
from typing import Mapping, Optional, Sequence

from . import actions
from .log import log_unexpected, logger


def printable(text: str, limit: int = 80) -> str:
    """Text for a one-line message: bytes that were not UTF-8 (a Linux file name, a command-line
    argument) shown as `\\xNN`, control characters escaped, at most `limit` characters."""
    try:
        data = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that no undecodable byte made
        data = text.encode("utf-8", "backslashreplace")
    shown = "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in data.decode("utf-8", "backslashreplace")
    )
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


PROXY_HINT = (
    "A proxy or firewall may be in the way: check your network, the endpoint_url setting and "
    "HTTPS_PROXY."
)


class LambdaEditorError(Exception):
    """A failure with a message for the user and, when there is one, the next step to take.

    `next_action` (one of `actions`) is that step, for the front end to say how it is taken there.
    """

    def __init__(self, message: str, hint: str = "", next_action: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.next_action = next_action

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message

    def worded_for(self, action_words: Mapping[str, str]) -> str:
        """The message and hint, then how to take the suggested action in one front end."""
        how = action_words.get(self.next_action, "")
        return f"{self} {how}" if how else str(self)


def check_choice(what: str, value: str, choices: Sequence[str]) -> None:
    """Refuse a value that is not one of `choices`, naming them."""
    if value not in choices:
        raise LambdaEditorError(f"Unknown {what} {value!r}.", f"Use one of {', '.join(choices)}.")


class RemoteChangedError(LambdaEditorError):
    """The function was deployed by someone else since this workspace was downloaded."""


class NotFoundError(LambdaEditorError):
    """The function (or version, or alias) does not exist where we looked."""


class UnexpectedError(LambdaEditorError):
    """An exception nobody foresaw (a bug, most likely): its traceback is in the debug log."""


class BotoMissingError(LambdaEditorError):
    """boto3 cannot be imported in this Python (Sublime's plugin host without the library)."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "boto3 is not installed for this Python" + (f" ({detail})." if detail else "."),
            "Install boto3 for it.",
            next_action=actions.INSTALL_BOTO3,
        )


# The IAM action each API call needs, to name it in an AccessDenied message.
_IAM_ACTIONS = {
    "ListFunctions": "lambda:ListFunctions",
    "GetFunction": "lambda:GetFunction",
    "GetFunctionConfiguration": "lambda:GetFunctionConfiguration",
    "UpdateFunctionCode": "lambda:UpdateFunctionCode",
    "UpdateFunctionConfiguration": "lambda:UpdateFunctionConfiguration",
    "Invoke": "lambda:InvokeFunction",
    "GetCallerIdentity": "sts:GetCallerIdentity",
    "FilterLogEvents": "logs:FilterLogEvents",
    # versions and aliases
    "PublishVersion": "lambda:PublishVersion",
    "ListVersionsByFunction": "lambda:ListVersionsByFunction",
    "GetAlias": "lambda:GetAlias",
    "CreateAlias": "lambda:CreateAlias",
    "UpdateAlias": "lambda:UpdateAlias",
    "ListAliases": "lambda:ListAliases",
    # function URLs
    "GetFunctionUrlConfig": "lambda:GetFunctionUrlConfig",
    "CreateFunctionUrlConfig": "lambda:CreateFunctionUrlConfig",
    "DeleteFunctionUrlConfig": "lambda:DeleteFunctionUrlConfig",
    "GetPolicy": "lambda:GetPolicy",
    "AddPermission": "lambda:AddPermission",
    "RemovePermission": "lambda:RemovePermission",
    # new functions
    "CreateFunction": "lambda:CreateFunction and iam:PassRole on the execution role",
    "ListRoles": "iam:ListRoles",
    "CreateRole": "iam:CreateRole",
    "AttachRolePolicy": "iam:AttachRolePolicy",
    # watching a function: logs, layers, the console's test events
    "StartLiveTail": "logs:StartLiveTail",
    "GetLayerVersionByArn": "lambda:GetLayerVersion",
    "DescribeRegistry": "schemas:DescribeRegistry",
    "CreateRegistry": "schemas:CreateRegistry",
    "DescribeSchema": "schemas:DescribeSchema",
    "CreateSchema": "schemas:CreateSchema",
    "UpdateSchema": "schemas:UpdateSchema",
    # packages over 50 MB, through S3
    "PutObject": "s3:PutObject on the bucket",
    "CreateMultipartUpload": "s3:PutObject on the bucket",
    "UploadPart": "s3:PutObject on the bucket",
    "CompleteMultipartUpload": "s3:PutObject on the bucket",
    "DeleteObject": "s3:DeleteObject on the bucket",
}


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore `ClientError` ("" for any other exception)."""
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


# Operations whose permission is not granted on an existing function.
_NOT_ON_A_FUNCTION = {
    "CreateFunction",
    "ListRoles",
    "CreateRole",
    "AttachRolePolicy",
    "PutObject",
    "CreateMultipartUpload",
    "UploadPart",
    "CompleteMultipartUpload",
    "DeleteObject",
}

_THROTTLING_CODES = {"TooManyRequestsException", "ThrottlingException", "Throttling"}
_EXPIRED_CODES = {"ExpiredToken", "ExpiredTokenException", "RequestExpired"}


def explain(
    exc: BaseException, action: str = "", profile: Optional[str] = None
) -> LambdaEditorError:
    """Turn any exception raised while talking to AWS into a `LambdaEditorError`.

    `action` names what we were doing ("list functions", "deploy my-fn"); `profile` is the AWS
    profile in use, to write the exact `aws sso login` command. The message is one line; what
    it leaves out (an error page, a traceback) goes to the debug log.
    """
    if isinstance(exc, LambdaEditorError):
        return exc
    doing = f"Could not {action}" if action else "The request failed"
    try:
        from botocore import exceptions as bx  # noqa: PLC0415 - boto3 may be missing in Sublime
    except ImportError:
        return _unexpected(exc, doing, action)
    profile_flag = f" --profile {profile}" if profile else ""

    if isinstance(
        exc, (bx.SSOTokenLoadError, bx.UnauthorizedSSOTokenError, bx.TokenRetrievalError)
    ):
        return LambdaEditorError(
            f"{doing}: the AWS SSO session has expired or was never started.",
            f"Run `aws sso login{profile_flag}` in a terminal, then try again.",
        )
    if isinstance(exc, bx.ProfileNotFound):
        return LambdaEditorError(
            f"{doing}: {exc}.",
            "Pick one of your profiles, or fix ~/.aws/config.",
            next_action=actions.SELECT_PROFILE,
        )
    if isinstance(exc, bx.NoCredentialsError):
        return LambdaEditorError(
            f"{doing}: no AWS credentials were found.",
            "Configure a profile (`aws configure` or `aws configure sso`), then pick it.",
            next_action=actions.SELECT_PROFILE,
        )
    if isinstance(exc, bx.NoRegionError):
        return LambdaEditorError(
            f"{doing}: no AWS region is set.",
            "Pick a region.",
            next_action=actions.SELECT_REGION,
        )
    if isinstance(exc, bx.ClientError):
        return _explain_client_error(exc, doing, profile_flag)
    if isinstance(exc, (bx.ReadTimeoutError, bx.ConnectTimeoutError)):
        return LambdaEditorError(
            f"{doing}: AWS did not answer in time.", "Check your connection and try again."
        )
    if isinstance(exc, bx.EndpointConnectionError):
        return LambdaEditorError(
            f"{doing}: could not connect to {exc.kwargs.get('endpoint_url', 'AWS')}.",
            "Check your connection, the region and the endpoint_url setting.",
        )
    if isinstance(exc, bx.BotoCoreError):
        logger.debug("%s: %s", doing, exc)
        return LambdaEditorError(f"{doing}: {_one_line(str(exc))}.")
    if isinstance(exc, OSError):
        return LambdaEditorError(f"{doing}: {_one_line(str(exc.strerror or exc))}.")
    return _unexpected(exc, doing, action)


def _unexpected(exc: BaseException, doing: str, action: str) -> UnexpectedError:
    log_unexpected(exc, action)
    return UnexpectedError(f"{doing}: {type(exc).__name__}: {_one_line(str(exc))}")


def _explain_client_error(exc: BaseException, doing: str, profile_flag: str) -> LambdaEditorError:
    response = getattr(exc, "response", None) or {}
    code = error_code(exc)
    full_message = str(response.get("Error", {}).get("Message", ""))
    operation = str(getattr(exc, "operation_name", ""))
    status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    logger.debug("%s: %s answered HTTP %s %s: %s", doing, operation, status, code, full_message)
    if _is_web_page(full_message):
        return LambdaEditorError(
            f"{doing}: {operation} got an HTTP {status or code} web page instead of an answer from "
            f"AWS ({_page_title(full_message)}).",
            PROXY_HINT,
        )
    message = _one_line(full_message).rstrip(".")

    if code in {
        "AccessDeniedException",
        "AccessDenied",
        "UnauthorizedOperation",
        "ForbiddenException",
    }:
        needed = _IAM_ACTIONS.get(operation, f"the permission for {operation}")
        scope = "" if operation in _NOT_ON_A_FUNCTION else " on this function"
        return LambdaEditorError(
            f"{doing}: access denied.", f"Your IAM identity needs {needed}{scope}."
        )
    if code in _EXPIRED_CODES or code in {
        "UnrecognizedClientException",
        "InvalidSignatureException",
    }:
        return LambdaEditorError(
            f"{doing}: the AWS credentials are expired or invalid ({code}).",
            f"Refresh them (for SSO: `aws sso login{profile_flag}`) and try again.",
        )
    if code == "ResourceNotFoundException":
        return NotFoundError(
            f"{doing}: {message or 'not found'}.", "Check the name and the region."
        )
    if code in _THROTTLING_CODES:
        return LambdaEditorError(
            f"{doing}: AWS is throttling requests.", "Wait a few seconds and try again."
        )
    if code == "ResourceConflictException":
        return LambdaEditorError(
            f"{doing}: another update of this function is in progress.",
            "Wait for it to finish and try again.",
        )
    parts = [f"HTTP {status}" if status else "", "" if code == str(status) else code]
    said = ", ".join(part for part in parts if part)
    return LambdaEditorError(
        f"{doing}: {operation} failed ({said}){f': {message}' if message else ''}."
    )


_WEB_PAGE = re.compile(r"<\s*(!doctype|html|head|body|title)\b", re.IGNORECASE)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def _is_web_page(text: str) -> bool:
    return bool(_WEB_PAGE.search(text))


def _page_title(page: str) -> str:
    title = _TITLE.search(page)
    text = title.group(1) if title else _TAG.sub(" ", page)
    return f'"{_one_line(html.unescape(text), 100)}"'


def _one_line(text: str, limit: int = 300) -> str:
    """The text on one line, shortened: messages from AWS, botocore or a proxy may span many."""
    return printable(" ".join(text.split()), limit)
