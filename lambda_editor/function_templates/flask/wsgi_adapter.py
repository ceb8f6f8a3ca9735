"""Runs a WSGI application (Flask) for a Lambda event, and answers in the event's format.

Two formats arrive: payload format 2.0 from function URLs and API Gateway HTTP APIs, and format
1.0 from API Gateway REST APIs (proxy integration). Bodies that are not text travel base64-encoded
both ways. A REST API's stage is not part of the path the app sees.
"""

import base64
import io
import sys
from urllib.parse import unquote_to_bytes, urlencode

# Response content types sent as text; anything else is base64-encoded for Lambda.
TEXT_TYPES = ("text/", "application/json", "application/javascript", "application/xml")


def handle(app, event, context):
    """The Lambda response to `event`, from `app`."""
    version2 = event.get("version") == "2.0"
    started = {}
    written = []

    def start_response(status, headers, exc_info=None):
        started["status"], started["headers"] = int(status.split(" ", 1)[0]), headers
        return written.append

    result = app(wsgi_environ(event, context, version2), start_response)
    try:
        written.extend(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return lambda_response(started["status"], started["headers"], b"".join(written), version2)


def wsgi_environ(event, context, version2):
    if version2:
        http = event["requestContext"]["http"]
        method, source_ip = http["method"], http.get("sourceIp", "")
        # WSGI wants the decoded path, as latin-1 text of its bytes (PEP 3333).
        path = unquote_to_bytes(event.get("rawPath", "/")).decode("latin-1")
        query = event.get("rawQueryString", "")
        headers = dict(event.get("headers") or {})
        if event.get("cookies"):
            headers["cookie"] = "; ".join(event["cookies"])
    else:
        method, path = event["httpMethod"], event.get("path") or "/"
        source_ip = (event["requestContext"].get("identity") or {}).get("sourceIp", "")
        parameters = event.get("multiValueQueryStringParameters") or {}
        query = urlencode(
            [(name, value) for name, values in parameters.items() for value in values]
        )
        multi = event.get("multiValueHeaders") or {}
        headers = {name: ",".join(values) for name, values in multi.items()}
        headers = headers or dict(event.get("headers") or {})
    headers = {name.lower(): value for name, value in headers.items()}
    body = event.get("body") or ""
    data = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8")
    environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": headers.get("host", "lambda"),
        "SERVER_PORT": headers.get("x-forwarded-port", "443"),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": source_ip,
        "CONTENT_TYPE": headers.get("content-type", ""),
        "CONTENT_LENGTH": str(len(data)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": headers.get("x-forwarded-proto", "https"),
        "wsgi.input": io.BytesIO(data),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "lambda.event": event,
        "lambda.context": context,
    }
    for name, value in headers.items():
        if name not in ("content-type", "content-length"):
            environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def lambda_response(status, headers, body, version2):
    content_type = next((value for name, value in headers if name.lower() == "content-type"), "")
    text = None
    if content_type.startswith(TEXT_TYPES):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = None
    response = {
        "statusCode": status,
        "body": text if text is not None else base64.b64encode(body).decode("ascii"),
        "isBase64Encoded": text is None,
    }
    if version2:
        single = {}
        for name, value in headers:
            if name.lower() != "set-cookie":
                single[name] = f"{single[name]},{value}" if name in single else value
        response["headers"] = single
        response["cookies"] = [value for name, value in headers if name.lower() == "set-cookie"]
    else:
        multi = {}
        for name, value in headers:
            multi.setdefault(name, []).append(value)
        response["multiValueHeaders"] = multi
    return response
