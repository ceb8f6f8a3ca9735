"""Resource-based policy statements as Lambda writes them.

moto 5.2 keeps AddPermission's `FunctionUrlAuthType` and `InvokedViaFunctionUrl` in the statement
as they came, and accepts a statement id twice. Lambda writes both as conditions
(`StringEquals lambda:FunctionUrlAuthType`, `Bool lambda:InvokedViaFunctionUrl`) and refuses a
statement id already in the policy with 409 ResourceConflictException. A tool that recognises the
statements it added (a function URL's public permissions) depends on both. moto stores what it
stores; AddPermission's and GetPolicy's answers are rewritten on the way out.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, Tuple

# AddPermission parameters that Lambda writes as a condition: parameter → (operator, key, value).
_AS_CONDITIONS: Dict[str, Tuple[str, str, Callable[[Any], str]]] = {
    "FunctionUrlAuthType": ("StringEquals", "lambda:FunctionUrlAuthType", str),
    "InvokedViaFunctionUrl": ("Bool", "lambda:InvokedViaFunctionUrl", lambda v: str(v).lower()),
}


def as_lambda_writes(statement: Dict[str, Any]) -> Dict[str, Any]:
    """A statement as moto stored it, with its condition parameters moved into `Condition`."""
    written = dict(statement)
    for parameter, (operator, key, text) in _AS_CONDITIONS.items():
        if parameter in written:
            value = written.pop(parameter)
            condition = written.setdefault("Condition", {})
            condition.setdefault(operator, {})[key] = text(value)
    return written


def add_permission_answer(document: Dict[str, Any]) -> Dict[str, Any]:
    """AddPermission's answer: `Statement` is the statement as a JSON string."""
    statement = json.loads(document["Statement"])
    return {**document, "Statement": json.dumps(as_lambda_writes(statement))}


def get_policy_answer(document: Dict[str, Any]) -> Dict[str, Any]:
    """GetPolicy's answer: `Policy` is the whole policy as a JSON string."""
    policy = json.loads(document["Policy"])
    policy["Statement"] = [as_lambda_writes(item) for item in policy.get("Statement", [])]
    return {**document, "Policy": json.dumps(policy)}


def duplicate_statement_message(statement_id: str) -> str:
    return (
        f"The statement id ({statement_id}) provided already exists. Please provide a new "
        "statement id, or remove the existing statement."
    )
