"""A function's CloudWatch Logs: where they are, reading a time range, and which events are new.

Lambda writes a function's log to `/aws/lambda/NAME` (or the group its `LoggingConfig` names),
one stream per execution environment. `read_events` reads a time range with FilterLogEvents,
every page. `EventLedger` decides which events a tail has not shown yet, so a tail neither
repeats nor skips one, whether they come from Live Tail, from polling or from both.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from . import aws
from .aws import AwsTarget
from .errors import LambdaEditorError, NotFoundError, error_code, explain

DEFAULT_SINCE = "10m"
# CloudWatch Logs makes an event searchable a few seconds after its timestamp, sometimes more: a
# poll looks this far back again, so a late event is still found (and a seen one not repeated).
LATE_ARRIVAL_MS = 30_000

_DURATION = re.compile(r"^(\d+)\s*([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

EventKey = Tuple[str, int, int, str]


@dataclass(frozen=True)
class LogEvent:
    """One CloudWatch Logs event: when (epoch milliseconds), which stream, what, and when
    CloudWatch Logs took it in."""

    timestamp: int
    stream: str
    message: str
    ingestion_time: int = 0

    @property
    def key(self) -> EventKey:
        # Live Tail gives no event ids: an event is known by what it is. Copies of one line taken
        # in together share a key, and are counted (see EventLedger).
        return (self.stream, self.timestamp, self.ingestion_time, self.message)

    @property
    def text(self) -> str:
        """The message without the line break Lambda ends it with."""
        return self.message.rstrip("\r\n")

    def to_json(self) -> Dict[str, Any]:
        return {"timestamp": iso_time(self.timestamp), "stream": self.stream, "message": self.text}


@dataclass(frozen=True)
class LogSource:
    """Where a function's log is: its log group, by name and by ARN (Live Tail wants the ARN)."""

    function_name: str
    group: str
    group_arn: str

    @classmethod
    def of_configuration(cls, configuration: Mapping[str, Any]) -> LogSource:
        """From GetFunctionConfiguration's answer (the custom group of `LoggingConfig` if any)."""
        name = str(configuration["FunctionName"])
        custom = (configuration.get("LoggingConfig") or {}).get("LogGroup")
        group = str(custom or f"/aws/lambda/{name}")
        # arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME
        partition, region, account = _arn_parts(str(configuration["FunctionArn"]))
        return cls(name, group, f"arn:{partition}:logs:{region}:{account}:log-group:{group}")


def _arn_parts(function_arn: str) -> Tuple[str, str, str]:
    parts = function_arn.split(":")
    if len(parts) < 7 or parts[0] != "arn":
        raise LambdaEditorError(f"{function_arn!r} is not a Lambda function ARN.")
    return parts[1], parts[3], parts[4]


class LogGroupMissing(NotFoundError):
    """The log group does not exist (yet): the function never ran, or logs elsewhere."""

    def __init__(self, group: str) -> None:
        super().__init__(
            f"There are no logs in {group} yet.",
            "The function has not written any since the log group was made (or ever); "
            "invoke it, then look again.",
        )
        self.group = group


def log_source(target: AwsTarget, function: str) -> LogSource:
    """Where the function (a name or an ARN) writes its log, read from its configuration."""
    try:
        configuration = aws.lambda_client(target).get_function_configuration(FunctionName=function)
    except Exception as exc:
        raise explain(exc, f"read the configuration of {function}", target.profile) from exc
    return LogSource.of_configuration(configuration)


def logs_client(target: AwsTarget) -> Any:
    return aws.client(target, "logs")


def read_events(
    client: Any,
    group: str,
    start_ms: int,
    end_ms: Optional[int] = None,
    *,
    pattern: Optional[str] = None,
    streams: Sequence[str] = (),
) -> List[LogEvent]:
    """Every event of the group from `start_ms` (to `end_ms`), oldest first: all pages.

    Raises `LogGroupMissing` when the group does not exist; other failures are raised as they
    come (the caller knows what it was doing, to explain them).
    """
    request: Dict[str, Any] = {"logGroupName": group, "startTime": start_ms}
    if end_ms is not None:
        request["endTime"] = end_ms
    if pattern:
        request["filterPattern"] = pattern
    if streams:
        request["logStreamNames"] = list(streams)
    found: List[LogEvent] = []
    try:
        for page in client.get_paginator("filter_log_events").paginate(**request):
            found.extend(_events(page.get("events") or ()))
    except Exception as exc:
        if error_code(exc) == "ResourceNotFoundException":
            raise LogGroupMissing(group) from None
        raise
    # Stable: events of one millisecond keep the order CloudWatch gave them.
    return sorted(found, key=lambda event: event.timestamp)


def _events(raw: Iterable[Mapping[str, Any]]) -> List[LogEvent]:
    return [
        LogEvent(
            int(event["timestamp"]),
            str(event.get("logStreamName", "")),
            event["message"],
            int(event.get("ingestionTime") or 0),
        )
        for event in raw
    ]


def live_tail_events(results: Iterable[Mapping[str, Any]]) -> List[LogEvent]:
    """A Live Tail update's `sessionResults` as events."""
    return _events(results)


def recent_events(
    target: AwsTarget, source: LogSource, start_ms: int, pattern: Optional[str] = None
) -> List[LogEvent]:
    """The function's events since `start_ms`, oldest first (none when it has never logged)."""
    try:
        return read_events(logs_client(target), source.group, start_ms, pattern=pattern)
    except LogGroupMissing:
        return []
    except Exception as exc:
        raise explain(exc, f"read the logs of {source.function_name}", target.profile) from exc


def parse_since(text: str, now_s: float) -> int:
    """A start time in epoch milliseconds from `10m`, `2h`, `30s`, `1d`, or an ISO 8601 time.

    An ISO time without an offset is the local time, as people read clocks.
    """
    value = text.strip()
    duration = _DURATION.match(value.lower())
    if duration:
        seconds = int(duration.group(1)) * _UNIT_SECONDS[duration.group(2)]
        return int((now_s - seconds) * 1000)
    try:
        moment = datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    except ValueError:
        raise LambdaEditorError(
            f'"{text}" is neither a duration nor a time.',
            "Write a duration such as 10m, 2h or 1d, or a time such as 2024-05-01T12:00:00Z.",
        ) from None
    if moment.tzinfo is None:
        moment = moment.astimezone()  # local time
    return int(moment.timestamp() * 1000)


def iso_time(timestamp_ms: int) -> str:
    """2024-05-01T12:03:04.123Z"""
    moment = datetime.fromtimestamp(timestamp_ms / 1000, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{timestamp_ms % 1000:03d}Z"


class EventLedger:
    """Which events a tail has delivered, so none is shown twice and none is left out.

    Events are known by (stream, timestamp, ingestion time, message) and counted. Each source
    says how many copies of an event it saw: a poll of a time window sees every copy in it, a
    Live Tail session each copy taken in after it began, once. Copies of one key were taken in
    together, so a source sees all of them or none; an event is new while a source has seen
    more copies of it than were delivered. Counts older than the window polls look at are
    forgotten.
    """

    def __init__(self, start_ms: int) -> None:
        self.start_ms = start_ms
        self.newest_ms = start_ms
        self._delivered: Counter[EventKey] = Counter()
        self._streamed: Counter[EventKey] = Counter()

    def window_start(self, now_ms: int) -> int:
        """Where the next poll starts: far enough back for late events, never before the start.

        The earlier of our clock and the newest event sets it, so a clock running ahead of
        AWS's does not skip events.
        """
        return max(self.start_ms, min(now_ms, self.newest_ms) - LATE_ARRIVAL_MS)

    def from_window(self, events: Sequence[LogEvent], window_start: int) -> List[LogEvent]:
        """The new events among every event of a window (a poll's complete answer)."""
        seen = Counter(event.key for event in events)
        fresh: List[LogEvent] = []
        for event in reversed(events):  # the last copies of a repeated line are the new ones
            key = event.key
            if seen[key] > self._delivered[key]:
                seen[key] -= 1
                fresh.append(event)
        fresh.reverse()
        for event in fresh:
            self._delivered[event.key] += 1
        self._note(fresh)
        self._forget_before(window_start)
        return fresh

    def from_stream(self, events: Sequence[LogEvent]) -> List[LogEvent]:
        """The new events among those a Live Tail update brought (each copy comes once)."""
        fresh = []
        for event in events:
            key = event.key
            self._streamed[key] += 1
            if self._streamed[key] > self._delivered[key]:
                self._delivered[key] = self._streamed[key]
                fresh.append(event)
        self._note(fresh)
        self._forget_before(self.newest_ms - 10 * LATE_ARRIVAL_MS)
        return fresh

    def _note(self, events: Sequence[LogEvent]) -> None:
        if events:
            self.newest_ms = max(self.newest_ms, *(event.timestamp for event in events))

    def _forget_before(self, timestamp_ms: int) -> None:
        for counter in (self._delivered, self._streamed):
            for key in [key for key in counter if key[1] < timestamp_ms]:
                del counter[key]
