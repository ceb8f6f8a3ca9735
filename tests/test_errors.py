"""Every failure becomes one message that says what failed, why and what to do next."""

from __future__ import annotations

from typing import Any, Dict

import pytest
from botocore import exceptions as bx

from lambda_editor import actions, cli
from lambda_editor.errors import (
    BotoMissingError,
    LambdaEditorError,
    NotFoundError,
    UnexpectedError,
    explain,
)


def client_error(code: str, operation: str = "ListFunctions", message: str = "m") -> bx.ClientError:
    return bx.ClientError({"Error": {"Code": code, "Message": message}}, operation)


def test_an_expired_sso_session_names_the_login_command() -> None:
    error = explain(
        bx.TokenRetrievalError(provider="sso", error_msg="expired"), "list functions", "work"
    )

    assert "SSO session has expired" in error.message
    assert "aws sso login --profile work" in error.hint


def test_access_denied_names_the_missing_iam_action() -> None:
    error = explain(client_error("AccessDeniedException", "UpdateFunctionCode"), "deploy my-fn")

    assert error.message == "Could not deploy my-fn: access denied."
    assert "lambda:UpdateFunctionCode" in error.hint


@pytest.mark.parametrize(
    ("exception", "expected"),
    [
        (bx.NoCredentialsError(), "no AWS credentials"),
        (bx.NoRegionError(), "no AWS region"),
        (bx.ProfileNotFound(profile="nope"), "nope"),
        (bx.EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), "http://127.0.0.1:9"),
        (client_error("TooManyRequestsException"), "throttling"),
        (client_error("ExpiredTokenException"), "expired or invalid"),
        (OSError(28, "No space left on device"), "No space left on device"),
    ],
)
def test_common_failures_get_a_message_and_a_next_step(exception: Exception, expected: str) -> None:
    error = explain(exception, "list functions")

    assert expected in str(error)
    assert error.message.startswith("Could not list functions")


def test_a_missing_function_is_a_not_found_error() -> None:
    error = explain(
        client_error("ResourceNotFoundException", message="Function not found: x"), "get x"
    )

    assert isinstance(error, NotFoundError)
    assert "Function not found: x" in error.message


def test_our_own_errors_pass_through_unchanged() -> None:
    original = LambdaEditorError("already clear", "do this")

    assert explain(original, "anything") is original
    assert str(original) == "already clear do this"


def test_missing_boto3_says_how_to_get_it_in_sublime_and_on_the_command_line() -> None:
    error = BotoMissingError("No module named 'boto3'")

    assert error.message == "boto3 is not installed for this Python (No module named 'boto3')."
    assert error.next_action == actions.INSTALL_BOTO3
    assert error.worded_for(cli.ACTION_WORDS).endswith(" Run `pip install boto3`.")


def test_every_next_step_is_worded_on_the_command_line() -> None:
    # The command line reads no settings file: its flags carry them.
    assert set(cli.ACTION_WORDS) == set(actions.ALL) - {actions.EDIT_SETTINGS}


def test_a_message_of_the_core_names_no_front_ends_command() -> None:
    error = BotoMissingError()

    assert "Lambda:" not in str(error) and "pip install" not in str(error)
    assert str(error) == error.worded_for({})


def test_an_error_page_instead_of_an_aws_answer_is_one_line_naming_the_operation() -> None:
    page = "<html>\r\n<head><title>Access denied</title></head>\r\n<body>\r\n<h1>Blocked</h1>"
    response = {
        "Error": {"Code": "403", "Message": page},
        "ResponseMetadata": {"HTTPStatusCode": 403},
    }

    error = explain(bx.ClientError(response, "GetFunction"), "get my-fn")  # type: ignore[arg-type]

    assert error.message == (
        "Could not get my-fn: GetFunction got an HTTP 403 web page instead of an answer from AWS "
        '("Access denied").'
    )
    assert "proxy" in error.hint


def test_an_aws_error_names_the_operation_and_the_status_on_one_line() -> None:
    response = {
        "Error": {"Code": "ServiceException", "Message": "first line\nsecond line"},
        "ResponseMetadata": {"HTTPStatusCode": 500},
    }

    error = explain(bx.ClientError(response, "UpdateFunctionCode"), "deploy f")  # type: ignore[arg-type]

    assert str(error) == (
        "Could not deploy f: UpdateFunctionCode failed (HTTP 500, ServiceException): "
        "first line second line."
    )


def test_an_unexpected_exception_keeps_its_traceback_in_the_debug_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    answer: Dict[str, Any] = {}
    try:
        answer["Configuration"]
    except KeyError as exc:
        error = explain(exc, "get my-fn")

    assert isinstance(error, UnexpectedError)
    assert str(error) == "Could not get my-fn: KeyError: 'Configuration'"
    [record] = caplog.records
    assert record.name == "lambda_editor" and record.exc_info is not None
    assert "while trying to get my-fn" in record.getMessage()
