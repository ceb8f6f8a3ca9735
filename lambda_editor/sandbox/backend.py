"""moto's server application and its Lambda models, used one request at a time.

This module imports moto and werkzeug at load: `server` imports it only once it has checked that
moto is installed. moto's backends are plain dicts and objects without locks, and the server
answers on several threads, so every use of moto goes through `MotoBackend`'s lock.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Set, Tuple

from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.models import LambdaFunction, lambda_backends
from moto.core.base_backend import BackendDict
from moto.core.config import default_user_config
from moto.logs.models import LogEvent, logs_backends
from moto.logs.utils import EventMessageFilter
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.test import run_wsgi_app
from werkzeug.wrappers import Response

from .invoke import FunctionLog
from .state import LATEST, FunctionKey

WSGIApp = Any


@dataclass
class MotoAnswer:
    """moto's complete response to one request."""

    status: int
    headers: List[Tuple[str, str]]
    body: bytes

    def json(self) -> Optional[Dict[str, Any]]:
        """The body as a JSON object, or None when it is not one (errors, empty bodies)."""
        if self.status >= 300 or not self.body:
            return None
        try:
            document = json.loads(self.body)
        except ValueError:
            return None
        return document if isinstance(document, dict) else None

    def with_json(self, document: Dict[str, Any]) -> MotoAnswer:
        return MotoAnswer(self.status, self.headers, json.dumps(document).encode())

    def response(self) -> Response:
        return Response(self.body, status=self.status, headers=self.headers)


class MotoBackend:
    """The moto server application plus direct reads of its Lambda functions."""

    def __init__(self) -> None:
        self._app = DomainDispatcherApplication(create_backend_app)
        self._lock = threading.Lock()
        # AWS managed policies (AWSLambdaBasicExecutionRole…) exist in every account, as in AWS.
        default_user_config["iam"]["load_aws_managed_policies"] = True

    @staticmethod
    def reset() -> None:
        """Forget everything moto holds in this process (functions, roles, buckets, ...)."""
        BackendDict.reset()

    def call(self, environ: Dict[str, Any]) -> MotoAnswer:
        """Run one request through moto and collect the whole answer."""
        with self._lock:
            app_iter, status, headers = run_wsgi_app(self._app, environ, buffered=True)
            try:
                body = b"".join(app_iter)
            finally:
                getattr(app_iter, "close", lambda: None)()
        # The body may be rewritten: the outgoing Response computes its own length.
        kept = [(key, value) for key, value in headers.items() if key.lower() != "content-length"]
        return MotoAnswer(int(status.split()[0]), kept, body)

    def function_arn(self, account: str, region: str, name: str) -> Optional[str]:
        """The unqualified ARN of an existing function, None when there is none."""
        with self._lock:
            function = _find(account, region, name, None)
            return function.function_arn if function else None

    def code(self, key: FunctionKey) -> Optional[Tuple[bytes, str]]:
        """The deployed zip of a function version and its CodeSha256."""
        account, region, name, version = key
        with self._lock:
            function = _find(account, region, name, version)
            if function is None or not getattr(function, "code_bytes", None):
                return None
            return function.code_bytes, function.code_sha_256

    def layer_version(self, arn: str) -> Optional[Tuple[Dict[str, Any], bytes]]:
        """GetLayerVersion's answer for a layer version ARN, and its zip; None when unknown."""
        parts = arn.split(":")  # arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION
        if len(parts) != 8 or parts[5] != "layer" or not parts[7].isdigit():
            return None
        with self._lock:
            try:
                found = lambda_backends[parts[4]][parts[3]].layers_versions_by_arn(arn)
            except (LambdaClientError, KeyError):
                return None
            if found is None:
                return None
            return found.get_layer_version(), found.code_bytes

    def layer_zip(self, arn: str) -> Optional[Tuple[bytes, str]]:
        """A layer version's zip and its CodeSha256; None when unknown."""
        found = self.layer_version(arn)
        return None if found is None else (found[1], str(found[0]["Content"]["CodeSha256"]))

    def statement_ids(
        self, account: str, region: str, name: str, qualifier: Optional[str]
    ) -> Optional[Set[str]]:
        """The statement ids in the policy of a function (version, alias); None: no function."""
        with self._lock:
            function = _find(account, region, name, qualifier)
            if function is None:
                return None
            return {str(statement.get("Sid")) for statement in function.policy.statements}

    def invocation_target(
        self, account: str, region: str, name: str, qualifier: Optional[str]
    ) -> Optional[Tuple[Dict[str, Any], bytes]]:
        """The configuration and zip of the function an Invoke names."""
        with self._lock:
            function = _find(account, region, name, qualifier)
            if function is None:
                return None
            return function.get_configuration(), getattr(function, "code_bytes", b"")

    def write_log(self, log: FunctionLog) -> None:
        """Append an invocation's log to CloudWatch Logs, creating its group and stream if new."""
        with self._lock:
            logs = logs_backends[log.account_id][log.region]
            logs.ensure_log_group(log.group)
            logs.ensure_log_stream(log.group, log.stream)
            logs.put_log_events(log.group, log.stream, log.events)

    def missing_log_groups(self, account: str, region: str, arns: List[str]) -> List[str]:
        """The log group ARNs among `arns` that name no existing group."""
        with self._lock:
            known = {group.arn for group in logs_backends[account][region].groups.values()}
        return [arn for arn in arns if arn not in known]

    @staticmethod
    def next_log_event_id() -> int:
        """The id the next log event will get: moto numbers every event, in ingestion order."""
        return int(LogEvent._event_id)

    def log_events_from(
        self, account: str, region: str, arns: List[str], first_id: int, pattern: str
    ) -> Tuple[List[Dict[str, Any]], int]:
        """Live Tail's view: the events ingested into the groups since event `first_id`, oldest
        first, and the id to continue from."""
        matches = EventMessageFilter(pattern).matches
        with self._lock:
            next_id = int(LogEvent._event_id)
            found = []
            for group in logs_backends[account][region].groups.values():
                if group.arn not in arns:
                    continue
                for stream in group.streams.values():
                    for event in stream.events:
                        if first_id <= event.event_id < next_id and matches(event.message):
                            found.append(_live_tail_result(group.arn, stream, event))
        found.sort(key=lambda result: (result["ingestionTime"], result["timestamp"]))
        return found, next_id


def _live_tail_result(group_arn: str, stream: Any, event: Any) -> Dict[str, Any]:
    return {
        "logStreamName": stream.log_stream_name,
        "logGroupIdentifier": group_arn,
        "message": event.message,
        "timestamp": event.timestamp,
        "ingestionTime": event.ingestion_time,
    }


def _find(
    account: str, region: str, name: str, qualifier: Optional[str]
) -> Optional[LambdaFunction]:
    qualifier = None if qualifier == LATEST else qualifier
    try:
        return lambda_backends[account][region].get_function(name, qualifier)
    except (LambdaClientError, KeyError):
        return None


class _QuietRequestHandler(MotoRequestHandler):
    """moto's request handler without the access log: code URLs carry a token, like a presigned
    URL, and must not be printed."""

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        return


def bind(app: WSGIApp, port: int) -> BaseWSGIServer:
    """A threaded HTTP server for `app` listening on 127.0.0.1:port (0: a free port)."""
    return make_server("127.0.0.1", port, app, threaded=True, request_handler=_QuietRequestHandler)
