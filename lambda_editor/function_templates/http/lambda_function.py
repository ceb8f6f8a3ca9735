"""An HTTP endpoint behind a Lambda function URL.

Lambda hands over each request as an event in payload format 2.0 and sends back what the handler
returns: a status code, headers and a body. Create the URL with "Lambda: Function URL"
(`python -m lambda_editor url NAME --create`).

    GET  /?name=Ada   -> {"hello": "Ada"}
    POST /echo        -> {"received": <the JSON body>}
"""

import base64
import json


def lambda_handler(event, context):
    method = event["requestContext"]["http"]["method"]
    path = event.get("rawPath", "/")
    if method == "GET" and path == "/":
        name = (event.get("queryStringParameters") or {}).get("name", "world")
        return respond(200, {"hello": name})
    if method == "POST" and path == "/echo":
        try:
            return respond(200, {"received": json.loads(request_body(event) or "null")})
        except ValueError:
            return respond(400, {"error": "the body is not JSON"})
    return respond(404, {"error": f"nothing at {method} {path}"})


def request_body(event):
    """The body as text: function URLs base64-encode bodies that are not text or JSON."""
    body = event.get("body") or ""
    return base64.b64decode(body).decode("utf-8") if event.get("isBase64Encoded") else body


def respond(status, document):
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(document),
    }
