"""Answers the sandbox writes itself, shaped as AWS's: JSON documents, Lambda's errors, and the
error page a proxy would send."""

from __future__ import annotations

import json
import uuid
from http import HTTPStatus
from typing import Any, Dict

from werkzeug.wrappers import Response


def json_object(body: bytes) -> Dict[str, Any]:
    try:
        document = json.loads(body or b"{}")
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def json_response(status: int, document: Dict[str, Any]) -> Response:
    return Response(
        json.dumps(document),
        status=status,
        mimetype="application/json",
        headers={"x-amzn-RequestId": str(uuid.uuid4())},
    )


def error(status: int, code: str, message: str, message_key: str = "message") -> Response:
    """A Lambda error as botocore parses it: the code in `x-amzn-ErrorType`, the text in the body.

    `message_key` follows the service model: PreconditionFailedException and
    ResourceConflictException spell it `message`, ResourceNotFoundException `Message`.
    """
    fault = "Service" if status >= 500 else "User"
    response = json_response(status, {"Type": fault, message_key: message})
    response.headers["x-amzn-ErrorType"] = code
    return response


def error_page(status: int) -> Response:
    """An error page such as a proxy between the user and AWS sends."""
    title = f"{status} {HTTPStatus(status).phrase}"
    body = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>proxy</center>\r\n</body>\r\n</html>\r\n"
    )
    return Response(body, status=status, mimetype="text/html")
