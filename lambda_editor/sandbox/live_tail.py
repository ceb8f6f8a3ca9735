"""CloudWatch Logs Live Tail on the local endpoint, as AWS serves it.

moto 5.2 answers StartLiveTail with one update holding every event the groups ever had, then ends
the stream. AWS streams: a session start, then an update every second with the events ingested
during it (at most 500, `sampled` when there were more), until the client hangs up or the session
reaches 3 hours (a `SessionTimeoutException` in the stream). This does the same over an HTTP
response that stays open, in the event-stream encoding botocore reads.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from typing import Any, Dict, Iterator, List

from moto.core.eventstream import EventStreamEncoder
from werkzeug.wrappers import Response

from .answers import json_object
from .backend import MotoBackend
from .state import LiveTailTiming

OPERATION = "Logs_20140328.StartLiveTail"
# AWS's limit: an update holds at most 500 events.
UPDATE_LIMIT = 500
_MAX_GROUPS = 10


class LiveTail:
    """Serves StartLiveTail requests until the sandbox stops (`closing` is set)."""

    def __init__(self, moto: MotoBackend, timing: LiveTailTiming, closing: threading.Event) -> None:
        self._moto = moto
        self._timing = timing
        self._closing = closing
        self._encoder = EventStreamEncoder()

    def respond(self, account: str, region: str, body: bytes) -> Response:
        request = json_object(body)
        groups = request.get("logGroupIdentifiers")
        if not isinstance(groups, list) or not groups or len(groups) > _MAX_GROUPS:
            return _error(
                "InvalidParameterException",
                "logGroupIdentifiers must name between 1 and 10 log group ARNs.",
            )
        missing = self._moto.missing_log_groups(account, region, [str(arn) for arn in groups])
        if missing:
            message = f"The log group {missing[0]} does not exist."
            return _error("ResourceNotFoundException", message)
        pattern = str(request.get("logEventFilterPattern") or "")
        session = {
            "requestId": str(uuid.uuid4()),
            "sessionId": str(uuid.uuid4()),
            "logGroupIdentifiers": groups,
            "logStreamNames": [],
            "logStreamNamePrefixes": [],
            "logEventFilterPattern": pattern,
        }
        frames = self._frames(account, region, groups, pattern, session)
        return Response(
            frames,
            status=200,
            headers={"Content-Type": "application/vnd.amazon.eventstream"},
            direct_passthrough=True,
        )

    def _frames(
        self,
        account: str,
        region: str,
        groups: List[str],
        pattern: str,
        session: Dict[str, Any],
    ) -> Iterator[bytes]:
        next_id = self._moto.next_log_event_id()
        began = time.monotonic()
        yield self._event("initial-response", {})
        yield self._event("sessionStart", session)
        while not self._closing.wait(self._timing.interval_s):
            if time.monotonic() - began >= self._timing.session_limit_s:
                yield self._exception("SessionTimeoutException", "Session timed out after 3 hours.")
                return
            results, next_id = self._moto.log_events_from(account, region, groups, next_id, pattern)
            sampled = len(results) > UPDATE_LIMIT
            if sampled:
                kept = sorted(random.sample(range(len(results)), UPDATE_LIMIT))
                results = [results[index] for index in kept]
            update = {"sessionMetadata": {"sampled": sampled}, "sessionResults": results}
            yield self._event("sessionUpdate", update)

    def _event(self, event_type: str, payload: Dict[str, Any]) -> bytes:
        headers = {
            ":message-type": "event",
            ":event-type": event_type,
            ":content-type": "application/json",
        }
        return self._encoder.encode_message(headers, json.dumps(payload).encode())

    def _exception(self, code: str, message: str) -> bytes:
        headers = {
            ":message-type": "exception",
            ":exception-type": code,
            ":content-type": "application/json",
        }
        return self._encoder.encode_message(headers, json.dumps({"message": message}).encode())


def _error(code: str, message: str) -> Response:
    """A CloudWatch Logs error as botocore's JSON protocol reads it."""
    return Response(
        json.dumps({"__type": code, "message": message}),
        status=400,
        mimetype="application/x-amz-json-1.1",
    )
