"""The WSGI layer in front of moto that makes the endpoint answer like AWS Lambda.

Where moto 5.2 differs from AWS, and what this layer does about it:
- `Code.Location` points at an AWS host that cannot be fetched: it is rewritten to a URL of this
  endpoint that serves the function's zip, bound by a token to the code it was issued for. Layer
  versions' `Content.Location` (moto: `s3://`) likewise, and GetLayerVersionByArn is answered.
- Configurations have no RevisionId and updates finish at once: `FunctionRegistry` adds the
  RevisionId and the InProgress phase, and stale or concurrent updates are refused (412, 409).
- ListFunctions returns every function at once: it is paged here (at most 50 a page, as AWS;
  `listing`).
- Invoke would need Docker: the request is checked as Lambda checks it (type, size, JSON; DryRun
  answered), then goes to the sandbox's `InvokeHandler`, which by default runs the code here.
- UpdateFunctionConfiguration ignores `EphemeralStorage` and `LoggingConfig`, and no answer
  has a `LoggingConfig`: both are kept and answered here (`settings`).
- PublishVersion ignores `CodeSha256`: a hash that is not $LATEST's is refused here (400).
- AddPermission keeps function URL parameters as they come and accepts a statement id twice: they
  become conditions, and a statement id in use is refused (409), as Lambda does (`permissions`).
- A new IAM role is usable at once: CreateFunction refuses it while it propagates (`roles`).
- ListVersionsByFunction and ListAliases find no function named by its ARN: they get its name.
- CloudWatch Logs: StartLiveTail streams as AWS does (`live_tail`); FilterLogEvents always
  interleaves the streams, as AWS has done since 2019 (moto only when asked).
- EventBridge Schemas, which moto lacks, holds the console's shareable test events (`schemas`).
Everything else (IAM, CloudWatch Logs, S3, other Lambda calls) is moto's own answer. Requests
naming a function may meet the faults a test planned (`faults`).
"""

from __future__ import annotations

import io
import json
import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, Optional, Tuple
from urllib.parse import parse_qs, quote, unquote

from werkzeug.wrappers import Response

from .answers import error, error_page, json_object, json_response
from .backend import MotoAnswer, MotoBackend
from .downloads import DOWNLOAD_PATH, Downloads
from .faults import Faults
from .invoke import (
    InvokeHandler,
    InvokeRequest,
    InvokeResponse,
    answer_without_running,
    service_error,
)
from .listing import function_page, page_request
from .live_tail import OPERATION as START_LIVE_TAIL
from .live_tail import LiveTail
from .permissions import add_permission_answer, duplicate_statement_message, get_policy_answer
from .roles import ROLE_NOT_ASSUMABLE, RolePropagation
from .schemas import PATH_PREFIX as SCHEMAS_PATH
from .schemas import SchemaRegistries
from .settings import FunctionSettings
from .state import LATEST, FunctionKey, FunctionRegistry, UpdateRefused

_log = logging.getLogger(__name__)

_FUNCTION_PATH = re.compile(r"^/2015-03-31/functions(?:/(?P<name>[^/]+)(?:/(?P<sub>[^/]+))?)?/?$")
_LAYERS_PATH = re.compile(r"^/2018-10-31/layers(?:/[^/]+/versions(?:/\d+)?)?/?$")
# SigV4: "Credential=AKID/20240101/us-east-1/lambda/aws4_request"; moto picks the region likewise.
_CREDENTIAL_REGION = re.compile(r"Credential=[^/,\s]+/\d{8}/(?P<region>[a-z0-9-]+)/")
_MOTO_TIME = re.compile(r"^(?P<seconds>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(?P<fraction>\d+))?Z$")

# (method, sub-resource) → operation, for paths that name a function.
_OPERATIONS = {
    ("GET", ""): "GetFunction",
    ("DELETE", ""): "DeleteFunction",
    ("GET", "configuration"): "GetFunctionConfiguration",
    ("PUT", "configuration"): "UpdateFunctionConfiguration",
    ("PUT", "code"): "UpdateFunctionCode",
    ("POST", "invocations"): "Invoke",
    ("POST", "versions"): "PublishVersion",
    ("POST", "policy"): "AddPermission",
    ("GET", "policy"): "GetPolicy",
    ("GET", "versions"): "ListVersionsByFunction",
    ("GET", "aliases"): "ListAliases",
}
_LISTED_BY_NAME_ONLY = ("ListVersionsByFunction", "ListAliases")
# Updates that put the function InProgress; PublishVersion is refused during one but starts none.
_PHASED_UPDATES = ("UpdateFunctionCode", "UpdateFunctionConfiguration")
_GUARDED = (*_PHASED_UPDATES, "PublishVersion")

_FILTER_LOG_EVENTS = "Logs_20140328.FilterLogEvents"
_FORM = "application/x-www-form-urlencoded"


@dataclass
class _Call:
    """One incoming request, its body read and the account and region it addresses."""

    environ: Dict[str, Any]
    body: bytes
    account: str
    region: str

    @property
    def method(self) -> str:
        return str(self.environ["REQUEST_METHOD"])

    def param(self, name: str) -> Optional[str]:
        values = parse_qs(self.environ.get("QUERY_STRING", "")).get(name)
        return values[0] if values else None


class SandboxApp:
    """The WSGI application the sandbox serves: moto with AWS's behaviour filled in."""

    def __init__(
        self,
        moto: MotoBackend,
        registry: FunctionRegistry,
        account_id: str,
        default_region: str,
        invoke_handler: Callable[[], InvokeHandler],
        *,
        live_tail: LiveTail,
        schemas: SchemaRegistries,
        faults: Faults,
        roles: Optional[RolePropagation] = None,
    ) -> None:
        self._moto = moto
        self._live_tail = live_tail
        self._schemas = schemas
        self._faults = faults
        self._registry = registry
        self._account_id = account_id
        self._default_region = default_region
        self._invoke_handler = invoke_handler
        self._roles = roles or RolePropagation()
        # A statement id is checked and added in one step.
        self._policy_lock = threading.Lock()
        self._downloads = Downloads(moto)
        self._settings = FunctionSettings()

    def __call__(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> Any:
        try:
            response = self._respond(environ)
        except Exception as exc:
            # Any failure must reach the SDK as an AWS-shaped error, not as a dropped connection.
            _log.exception("The sandbox failed to answer %s", environ.get("PATH_INFO"))
            message = f"The local endpoint failed: {exc!r}"
            response = error(500, "ServiceException", message, "Message")
        return response(environ, start_response)

    def _respond(self, environ: Dict[str, Any]) -> Response:
        path = environ.get("PATH_INFO", "")
        download = DOWNLOAD_PATH.match(path)
        if download and environ["REQUEST_METHOD"] in ("GET", "HEAD"):
            return self._downloads.serve(download, environ.get("QUERY_STRING", ""))
        call = self._call(environ)
        if _LAYERS_PATH.match(path):
            return self._layer_request(call)
        if path.startswith(SCHEMAS_PATH):
            query = environ.get("QUERY_STRING", "")
            return self._schemas.respond(
                call.method, path, query, call.body, account=call.account, region=call.region
            )
        operation = environ.get("HTTP_X_AMZ_TARGET", "")
        if operation == START_LIVE_TAIL:
            return self._live_tail.respond(call.account, call.region, call.body)
        if operation == _FILTER_LOG_EVENTS:
            _replace_body(call, {**json_object(call.body), "interleaved": True})
        match = _FUNCTION_PATH.match(path)
        if match is None:
            return self._other_service(call)
        if match.group("name") is None:
            if call.method == "GET":
                return self._list_functions(call)
            return self._create_function(call)
        return self._function_request(call, match)

    def _function_request(self, call: _Call, match: re.Match[str]) -> Response:
        name, qualifier = split_function_identifier(match.group("name"))
        qualifier = call.param("Qualifier") or qualifier
        operation = _OPERATIONS.get((call.method, match.group("sub") or ""), "")
        if operation in _LISTED_BY_NAME_ONLY:
            # moto finds no function by ARN here: it gets the name, as Lambda would resolve it.
            path = f"/2015-03-31/functions/{quote(name)}/{match['sub']}"
            call.environ["PATH_INFO"] = call.environ["RAW_URI"] = path
        fault = self._faults.take(operation, name)
        if fault is None:
            return self._operation(call, operation, name, qualifier)
        response = self._operation(call, operation, name, qualifier) if fault.applied else None
        if fault.delay:
            time.sleep(fault.delay)
        if response is not None and fault.status < 300:
            return response
        if fault.page:
            return error_page(fault.status)
        return error(fault.status, fault.code, "Injected by the sandbox's planned faults.")

    def _operation(
        self, call: _Call, operation: str, name: str, qualifier: Optional[str]
    ) -> Response:
        if operation == "Invoke":
            return self._invoke(call, name, qualifier)
        if operation == "AddPermission":
            return self._add_permission(call, name, qualifier)
        if operation == "GetPolicy":
            return self._rewritten(self._moto.call(call.environ), get_policy_answer)
        if operation in _GUARDED:
            return self._update(call, operation, name)
        answer = self._forward(call)
        if operation == "DeleteFunction" and answer.status < 300:
            self._registry.forget(call.account, call.region, name, qualifier)
        return answer.response()

    def _call(self, environ: Dict[str, Any]) -> _Call:
        body = _read_body(environ)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        # moto takes the account from this header; any credentials are accepted.
        account = environ.setdefault("HTTP_X_MOTO_ACCOUNT_ID", self._account_id)
        found = _CREDENTIAL_REGION.search(environ.get("HTTP_AUTHORIZATION", ""))
        region = found.group("region") if found else self._default_region
        return _Call(environ, body, account, region)

    def _forward(self, call: _Call) -> MotoAnswer:
        return self._decorated(call, self._moto.call(call.environ))

    def _update(self, call: _Call, operation: str, name: str) -> Response:
        if operation == "UpdateFunctionCode":
            self._registry.count_update_code(name)
        arn = self._moto.function_arn(call.account, call.region, name)
        request = json_object(call.body)
        if arn is None or request.get("DryRun"):
            return self._forward(call).response()  # moto answers "not found" or validates only
        key = (call.account, call.region, name, LATEST)
        try:
            self._registry.begin_update(key, arn, request.get("RevisionId"))
        except UpdateRefused as refusal:
            return error(refusal.status, refusal.code, refusal.message)
        starts_phase = operation in _PHASED_UPDATES
        applied = False
        try:
            if operation == "PublishVersion":
                mismatch = self._code_mismatch(call, name, request.get("CodeSha256"))
                if mismatch is not None:
                    return mismatch
            answer = self._moto.call(call.environ)
            applied = answer.status < 300
            if applied and operation == "UpdateFunctionConfiguration":
                self._settings.apply(key[:3], request)
        finally:
            self._registry.finish_update(key, applied, starts_phase)
        return self._decorated(call, answer).response()

    def _code_mismatch(self, call: _Call, name: str, expected: Optional[str]) -> Optional[Response]:
        """PublishVersion's refusal when `CodeSha256` is not the code of $LATEST."""
        found = self._moto.code((call.account, call.region, name, LATEST))
        current = found[1] if found else None
        if expected is None or expected == current:
            return None
        return error(
            400,
            "InvalidParameterValueException",
            f"CodeSHA256 ({expected}) is different from current CodeSHA256 in $LATEST "
            f"({current}). Please try again with the CodeSHA256 in $LATEST.",
        )

    def _add_permission(self, call: _Call, name: str, qualifier: Optional[str]) -> Response:
        statement_id = str(json_object(call.body).get("StatementId", ""))
        with self._policy_lock:
            ids = self._moto.statement_ids(call.account, call.region, name, qualifier)
            if ids is not None and statement_id in ids:
                message = duplicate_statement_message(statement_id)
                return error(409, "ResourceConflictException", message)
            return self._rewritten(self._moto.call(call.environ), add_permission_answer)

    @staticmethod
    def _rewritten(
        answer: MotoAnswer, rewrite: Callable[[Dict[str, Any]], Dict[str, Any]]
    ) -> Response:
        document = answer.json()
        return (answer if document is None else answer.with_json(rewrite(document))).response()

    def _create_function(self, call: _Call) -> Response:
        request = json_object(call.body)
        if self._roles.is_propagating(call.account, str(request.get("Role", ""))):
            return error(400, "InvalidParameterValueException", ROLE_NOT_ASSUMABLE)
        created = self._moto.call(call.environ)
        if created.status < 300:
            function = (call.account, call.region, str(request.get("FunctionName", "")))
            self._settings.forget(function)  # a function made again under a deleted one's name
            self._settings.apply(function, request)
        return self._decorated(call, created).response()

    def _other_service(self, call: _Call) -> Response:
        """IAM, CloudWatch Logs, S3…: moto's answer; the roles IAM created are noted."""
        answer = self._moto.call(call.environ)
        if str(call.environ.get("CONTENT_TYPE", "")).startswith(_FORM):  # IAM's query protocol
            query = str(call.environ.get("QUERY_STRING", ""))
            self._roles.saw_iam_request(call.account, query, call.body, answer.status)
        return answer.response()

    def _decorated(self, call: _Call, answer: MotoAnswer) -> MotoAnswer:
        """moto's answer, each configuration in it completed as AWS would send it."""
        document = answer.json()
        if document is None:
            return answer
        for configuration in _configurations(document):
            key = configuration_key(configuration)
            if key:
                _normalise_last_modified(configuration)
                configuration.update(self._registry.describe(key))
                self._settings.complete(key[:3], configuration)
        code, function = document.get("Code"), document.get("Configuration")
        if isinstance(code, dict) and "Location" in code and isinstance(function, dict):
            key = configuration_key(function)
            assert key is not None  # GetFunction's configuration always has its FunctionArn
            code["Location"] = self._downloads.url(
                _host(call), "code", key, str(function.get("CodeSha256", ""))
            )
        return answer.with_json(document)

    def _layer_request(self, call: _Call) -> Response:
        """Layer versions, their `Content.Location` a URL of this endpoint (moto: `s3://`).

        GetLayerVersionByArn, which moto lacks, is answered here."""
        if call.param("find") == "LayerVersion":
            found = self._moto.layer_version(call.param("Arn") or "")
            if found is None:
                message = f"The resource you requested does not exist: {call.param('Arn')}"
                return error(404, "ResourceNotFoundException", message, "Message")
            document = found[0]
        else:
            answer = self._moto.call(call.environ)
            parsed = answer.json()
            if parsed is None:
                return answer.response()
            document = parsed
        content, arn = document.get("Content"), str(document.get("LayerVersionArn", ""))
        parts = arn.split(":")  # arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION
        if isinstance(content, dict) and len(parts) == 8:
            key = (parts[4], parts[3], parts[6], parts[7])
            content["Location"] = self._downloads.url(
                _host(call), "layer", key, str(content.get("CodeSha256", ""))
            )
        status = 201 if call.method == "POST" else 200
        return Response(json.dumps(document), status=status, mimetype="application/json")

    def _list_functions(self, call: _Call) -> Response:
        try:
            limit, after = page_request(call.param("MaxItems"), call.param("Marker"))
        except ValueError as exc:
            return error(400, "InvalidParameterValueException", str(exc))
        answer = self._forward(call)
        document = answer.json()
        if document is None:
            return answer.response()
        return json_response(200, function_page(document.get("Functions", []), limit, after))

    def _invoke(self, call: _Call, name: str, qualifier: Optional[str]) -> Response:
        self._registry.count_invoke(name)
        target = self._moto.invocation_target(call.account, call.region, name, qualifier)
        if target is None:
            arn = f"arn:aws:lambda:{call.region}:{call.account}:function:{name}"
            arn += f":{qualifier}" if qualifier else ""
            return error(404, "ResourceNotFoundException", f"Function not found: {arn}", "Message")
        configuration, code = target
        headers = {
            key[5:].replace("_", "-").title(): str(value)
            for key, value in call.environ.items()
            if key.startswith("HTTP_")
        }
        request = InvokeRequest(
            account_id=call.account,
            region=call.region,
            function_name=name,
            qualifier=qualifier,
            payload=call.body,
            headers=headers,
            configuration=configuration,
            code=code,
        )
        result = answer_without_running(request) or self._run_handler(request)
        mimetype = None if _has_header(result.headers, "content-type") else "application/json"
        return Response(
            result.payload, status=result.status, headers=result.headers, mimetype=mimetype
        )

    def _run_handler(self, request: InvokeRequest) -> InvokeResponse:
        try:
            return self._invoke_handler()(request)
        except Exception as exc:
            _log.exception("The invoke handler failed for %s", request.function_name)
            return service_error(500, "ServiceException", f"The local runner failed: {exc!r}")


def split_function_identifier(identifier: str) -> Tuple[str, Optional[str]]:
    """(name, qualifier) from a name, `name:qualifier`, a partial ARN or a full ARN."""
    parts = unquote(identifier).split(":")
    if len(parts) >= 3 and "function" in parts[1:-1]:
        parts = parts[parts.index("function", 1) + 1 :]
    return parts[0], (parts[1] if len(parts) > 1 else None)


def configuration_key(configuration: Dict[str, Any]) -> Optional[FunctionKey]:
    """The registry key of a configuration: account, region and name from its ARN, and version."""
    arn = str(configuration.get("FunctionArn", ""))
    parts = arn.split(":")  # arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
    if len(parts) < 7 or parts[5] != "function":
        return None
    return parts[4], parts[3], parts[6], str(configuration.get("Version") or LATEST)


def _configurations(document: Dict[str, Any]) -> Iterator[Dict[str, Any]]:
    """Every function configuration in a Lambda answer, whatever operation it comes from."""
    if "FunctionArn" in document and "CodeSha256" in document:
        yield document
    if isinstance(document.get("Configuration"), dict):
        yield document["Configuration"]
    for listed in ("Functions", "Versions"):
        for configuration in document.get(listed) or []:
            if isinstance(configuration, dict):
                yield configuration


def _normalise_last_modified(configuration: Dict[str, Any]) -> None:
    """moto writes 2024-05-01T12:00:00.123456000Z; Lambda writes 2024-05-01T12:00:00.123+0000."""
    found = _MOTO_TIME.match(str(configuration.get("LastModified", "")))
    if found:
        fraction = (found.group("fraction") or "").ljust(3, "0")[:3]
        configuration["LastModified"] = f"{found.group('seconds')}.{fraction}+0000"


def _read_body(environ: Dict[str, Any]) -> bytes:
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    if length:
        return bytes(stream.read(int(length)))
    if environ.get("wsgi.input_terminated"):  # chunked transfer: the server ends the stream
        return bytes(stream.read())
    return b""


def _replace_body(call: _Call, document: Dict[str, Any]) -> None:
    call.body = json.dumps(document).encode()
    call.environ["wsgi.input"] = io.BytesIO(call.body)
    call.environ["CONTENT_LENGTH"] = str(len(call.body))


def _host(call: _Call) -> str:
    return str(call.environ.get("HTTP_HOST") or call.environ.get("SERVER_NAME", "127.0.0.1"))


def _has_header(headers: Dict[str, str], name: str) -> bool:
    return any(key.lower() == name for key in headers)
