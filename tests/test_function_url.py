"""Function URLs through the core: what counts as a permission already there, old botocore."""

from __future__ import annotations

from typing import Any

import pytest

from lambda_editor import function_url
from lambda_editor.aws import AwsTarget
from lambda_editor.errors import LambdaEditorError
from lambda_editor.function_url import AUTH_NONE, create_function_url, delete_function_url


def target_of(sandbox: Any) -> AwsTarget:
    return AwsTarget(None, sandbox.region, sandbox.url)


def test_a_broader_grant_counts_and_survives_the_urls_deletion(
    sandbox: Any, functions: Any
) -> None:
    name = functions.create(prefix="url")
    sandbox.client().add_permission(
        FunctionName=name, StatementId="everyone", Action="lambda:InvokeFunction", Principal="*"
    )

    created = create_function_url(target_of(sandbox), name, auth_type=AUTH_NONE)
    after_create = set(functions.policy_statements(name))
    deleted = delete_function_url(target_of(sandbox), name)

    assert created.statements == ("FunctionURLAllowPublicAccess",)
    assert after_create == {"everyone", "FunctionURLAllowPublicAccess"}
    assert deleted is not None and deleted.statements == ("FunctionURLAllowPublicAccess",)
    assert set(functions.policy_statements(name)) == {"everyone"}
    assert delete_function_url(target_of(sandbox), name) is None


def test_a_grant_with_another_condition_does_not_count(sandbox: Any, functions: Any) -> None:
    name = functions.create(prefix="url")
    sandbox.client().add_permission(
        FunctionName=name,
        StatementId="from-my-account",
        Action="lambda:InvokeFunction",
        Principal="*",
        SourceAccount="123456789012",
    )

    created = create_function_url(target_of(sandbox), name, auth_type=AUTH_NONE)

    assert set(created.statements) == {
        "FunctionURLAllowPublicAccess",
        "FunctionURLInvokeAllowPublicAccess",
    }


def test_botocore_without_the_parameter_still_sends_it(
    sandbox: Any, functions: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sublime's Python 3.8 host has boto3 1.37, older than InvokedViaFunctionUrl."""
    name = functions.create(prefix="url")
    monkeypatch.setattr(function_url, "_add_permission_accepts", lambda _client, _name: False)

    create_function_url(target_of(sandbox), name, auth_type=AUTH_NONE)

    added = functions.policy_statements(name)
    assert added["FunctionURLInvokeAllowPublicAccess"]["Condition"] == {
        "Bool": {"lambda:InvokedViaFunctionUrl": "true"}
    }
    assert added["FunctionURLAllowPublicAccess"]["Condition"] == {
        "StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}
    }


def test_unknown_choices_are_refused_before_any_request() -> None:
    nowhere = AwsTarget(None, "us-east-1", "http://127.0.0.1:9")  # nothing listens there
    with pytest.raises(LambdaEditorError, match="Unknown auth type 'PUBLIC'"):
        create_function_url(nowhere, "any", auth_type="PUBLIC")


def test_a_statement_id_taken_by_another_grant_is_reported(sandbox: Any, functions: Any) -> None:
    name = functions.create(prefix="url")
    sandbox.client().add_permission(
        FunctionName=name,
        StatementId="FunctionURLAllowPublicAccess",
        Action="lambda:GetFunction",
        Principal="*",
    )

    with pytest.raises(LambdaEditorError) as refused:
        create_function_url(target_of(sandbox), name, auth_type=AUTH_NONE)

    assert "has a statement FunctionURLAllowPublicAccess" in str(refused.value)
    assert "answers 403" in str(refused.value)  # the URL exists, and the user is told
    assert sandbox.client().get_function_url_config(FunctionName=name)["AuthType"] == AUTH_NONE
