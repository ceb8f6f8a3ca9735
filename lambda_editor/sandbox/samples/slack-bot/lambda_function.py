"""A Slack slash command (e.g. `/hello ping`) behind API Gateway's proxy integration.

Slack POSTs the command form-encoded; API Gateway passes that body in the event (base64 when
`isBase64Encoded`). The reply is JSON that Slack shows in the channel.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import sys
import time
from typing import Any, Dict, Mapping
from urllib.parse import parse_qs

# Packages installed for this function live in vendor/: Lambda only puts the task root on sys.path.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "vendor"))

# Slack's advice against replayed requests: refuse those signed more than five minutes ago.
MAX_REQUEST_AGE_SECONDS = 300


def lambda_handler(event: Dict[str, Any], context: Any) -> Dict[str, Any]:
    body = _raw_body(event)
    if not _signature_accepted(event.get("headers") or {}, body):
        return _reply(401, {"text": "The request is not signed by Slack."})
    form = {key: values[0] for key, values in parse_qs(body).items()}
    return _reply(200, {"response_type": "in_channel", "text": answer(form)})


def answer(form: Mapping[str, str]) -> str:
    """The text to post for the command's form fields (command, text, user_name, ...)."""
    command = form.get("command", "/hello")
    user = form.get("user_name", "there")
    verb, _, rest = form.get("text", "").strip().partition(" ")
    if not verb:
        return f"Hi {user}! Try `{command} ping` or `{command} echo some words`."
    if verb == "ping":
        return "pong"
    if verb == "echo":
        return rest or "(nothing to echo)"
    return f"Sorry {user}, `{command}` does not know `{verb}`."


def _raw_body(event: Dict[str, Any]) -> str:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return base64.b64decode(body).decode("utf-8")
    return str(body)


def _signature_accepted(headers: Mapping[str, str], body: str) -> bool:
    lowered = {key.lower(): value for key, value in headers.items()}
    signature = lowered.get("x-slack-signature")
    timestamp = lowered.get("x-slack-request-timestamp", "")
    if not signature:
        # Unsigned requests (test events) pass only where REQUIRE_SIGNATURE is "false", as in
        # the sandbox; never set that in production.
        return os.environ.get("REQUIRE_SIGNATURE", "true").lower() == "false"
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_REQUEST_AGE_SECONDS:
        return False
    secret = os.environ.get("SLACK_SIGNING_SECRET", "").encode()
    basestring = f"v0:{timestamp}:{body}".encode()
    expected = "v0=" + hmac.new(secret, basestring, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def _reply(status: int, message: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(message),
    }
