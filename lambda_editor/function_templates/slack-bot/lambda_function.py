"""A Slack slash command answered by this function, through its function URL.

Set-up:
1. Create a public URL for the function ("Lambda: Function URL" with auth type NONE, or
   `python -m lambda_editor url NAME --create --auth NONE`) and paste it as the Request URL of
   the slash command in your Slack app.
2. Put the app's signing secret (Slack app → Basic Information → Signing Secret) in the
   function's environment variable SLACK_SIGNING_SECRET.

The URL is public: every request's signature is checked with that secret, and requests older than
five minutes are refused (they may be replays). Slack waits 3 seconds for the answer, so answer at
once; post anything slower to the `response_url` that Slack sends with the command.
"""

import base64
import hashlib
import hmac
import json
import os
import time
from urllib.parse import parse_qs

MAX_AGE_SECONDS = 5 * 60


def lambda_handler(event, context):
    secret = os.environ.get("SLACK_SIGNING_SECRET", "")
    if not secret:
        print("SLACK_SIGNING_SECRET is not set: every request is refused")
        return respond(500, "This command is not set up yet.")
    body = request_body(event)
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    if not signed_by_slack(secret, headers, body):
        print("refused a request without a valid Slack signature")
        return respond(401, "Invalid signature.")
    form = {name: values[0] for name, values in parse_qs(body).items()}
    if form.get("ssl_check") == "1":  # Slack checking the certificate: nothing to answer
        return respond(200, "")
    return answer(form)


def answer(form):
    """The reply Slack shows; `ephemeral` shows it to the user who typed the command only."""
    text = form.get("text", "").strip() or "(nothing)"
    message = {"response_type": "ephemeral", "text": f"{form.get('command', '')} received: {text}"}
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(message),
    }


def signed_by_slack(secret, headers, body):
    """Slack's request signature: v0=HMAC-SHA256(secret, "v0:<timestamp>:<body>")."""
    timestamp = headers.get("x-slack-request-timestamp", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_AGE_SECONDS:
        return False
    signed = f"v0:{timestamp}:{body}".encode()
    expected = "v0=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers.get("x-slack-signature", ""))


def request_body(event):
    """The raw body: function URLs base64-encode form posts (API Gateway may not)."""
    body = event.get("body") or ""
    return base64.b64decode(body).decode("utf-8") if event.get("isBase64Encoded") else body


def respond(status, text):
    return {"statusCode": status, "headers": {"content-type": "text/plain"}, "body": text}
