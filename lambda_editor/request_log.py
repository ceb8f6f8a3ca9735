"""The whole log of one invocation, found by its RequestId (an invoke's tail holds the last 4 KB).

The request's START line names the stream (its execution environment); the environment runs one
invocation at a time, so the request's log is that stream from its START to its REPORT.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

from .aws import AwsTarget
from .errors import LambdaEditorError, explain
from .log_lines import REPORT, START, read_line
from .logs import LogEvent, LogSource, logs_client, read_events


@dataclass(frozen=True)
class RequestLog:
    request_id: str
    events: List[LogEvent]
    # False while the REPORT line has not reached CloudWatch Logs (the function may still run).
    complete: bool


def request_log(target: AwsTarget, source: LogSource, request_id: str, since_ms: int) -> RequestLog:
    """The log of request `request_id`, which started after `since_ms` (epoch milliseconds)."""
    client = logs_client(target)
    try:
        markers = read_events(client, source.group, since_ms, pattern=f'"{request_id}"')
        start, report = _platform_events(markers, request_id)
        if start is None:
            raise LambdaEditorError(
                f"The log of request {request_id} is not in {source.group}.",
                "CloudWatch Logs shows a log a few seconds after the invocation: try again "
                "shortly (or look further back).",
            )
        end_ms = report.timestamp if report is not None else None
        events = read_events(client, source.group, start.timestamp, end_ms, streams=[start.stream])
    except Exception as exc:
        raise explain(exc, f"read the log of request {request_id}", target.profile) from exc
    return RequestLog(request_id, _between(events, start, report), report is not None)


def _platform_events(
    events: List[LogEvent], request_id: str
) -> Tuple[Optional[LogEvent], Optional[LogEvent]]:
    start = report = None
    for event in events:
        line = read_line(event.message)
        if line.request_id != request_id:
            continue
        if line.kind == START and start is None:
            start = event
        elif line.kind == REPORT and start is not None and event.stream == start.stream:
            report = event
    return start, report


def _between(events: List[LogEvent], start: LogEvent, report: Optional[LogEvent]) -> List[LogEvent]:
    """From START to REPORT: the lines of the previous and next requests sharing a millisecond
    with them are left out."""
    keys = [event.key for event in events]
    first = keys.index(start.key) if start.key in keys else 0
    last = keys.index(report.key, first) if report is not None and report.key in keys else None
    return events[first : None if last is None else last + 1]
