"""Understanding Lambda's log lines and writing them compactly.

Lambda's platform writes START, END and REPORT lines around each invocation (as text, or as JSON
records with `LoggingConfig.LogFormat: JSON`); the Python runtime's logging lines carry the
request id; an environment runs one invocation at a time, so its stream's other lines belong to
the request between its START and its END. Errors and tracebacks are recognised so the panel's
syntax (`LambdaLog.sublime-syntax`) can make them stand out.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from .invoke_result import ReportFigures
from .invoke_text import report_parts
from .logs import LogEvent, iso_time

START, END, REPORT, LINE = "start", "end", "report", "line"

_TEXT_PLATFORM = re.compile(r"^(START|END|REPORT) RequestId: (?P<id>[0-9A-Za-z-]+)")
_VERSION = re.compile(r"Version: (\S+)")
_STATUS = re.compile(r"\tStatus: (\w+)(?:\tError Type: (\S+))?")
# The runtime's logging format: "[INFO]\t2024-05-01T12:00:00.000Z\t<request id>\tmessage".
_LOGGING_LINE = re.compile(r"^\[[A-Z]+\]\t\S+\t(?P<id>[0-9a-f]{8}-[0-9a-f-]{27})\t")
_JSON_PLATFORM = {"platform.start": START, "platform.runtimeDone": END, "platform.report": REPORT}
# JSON report metrics → ReportFigures fields.
_JSON_METRICS = {
    "durationMs": "duration_ms",
    "billedDurationMs": "billed_duration_ms",
    "memorySizeMB": "memory_size_mb",
    "maxMemoryUsedMB": "max_memory_used_mb",
    "initDurationMs": "init_duration_ms",
}
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")
# How the panel tells streams (execution environments) apart: this many characters of their id.
STREAM_TAG_LENGTH = 6


@dataclass(frozen=True)
class LogLine:
    """What a log message is: a platform line (START, END, REPORT) of a request, or a line."""

    kind: str
    request_id: Optional[str]
    # The compact text for people; None for lines that add nothing (END: REPORT follows).
    compact: Optional[str]


def read_line(message: str) -> LogLine:
    text = message.rstrip("\r\n")
    if text.startswith("{"):
        record = _json_object(text)
        if record is not None:
            return _read_json_line(text, record)
    platform = _TEXT_PLATFORM.match(text)
    if platform:
        kind = platform.group(1).lower()
        return _platform_line(kind, platform.group("id"), text)
    logging_line = _LOGGING_LINE.match(text)
    return LogLine(LINE, logging_line.group("id") if logging_line else None, text)


def _json_object(text: str) -> Optional[Dict[str, Any]]:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _read_json_line(text: str, record: Dict[str, Any]) -> LogLine:
    kind = _JSON_PLATFORM.get(str(record.get("type", "")))
    details = _member(record, "record")
    if kind is None:
        request_id = record.get("requestId")
        return LogLine(LINE, str(request_id) if request_id else None, text)
    request_id = str(details.get("requestId", ""))
    if kind == START:
        return _start_line(request_id, str(details.get("version", "")))
    if kind == END:
        return LogLine(END, request_id, None)
    metrics = _member(details, "metrics")
    figures = ReportFigures(
        **{field: metrics[key] for key, field in _JSON_METRICS.items() if key in metrics}
    )
    status = str(details.get("status", "success"))
    return LogLine(REPORT, request_id, _report_text(request_id, figures, status, None))


def _member(record: Dict[str, Any], key: str) -> Dict[str, Any]:
    value = record.get(key)
    return value if isinstance(value, dict) else {}


def _platform_line(kind: str, request_id: str, text: str) -> LogLine:
    if kind == END:
        return LogLine(END, request_id, None)
    if kind == START:
        version = _VERSION.search(text)
        return _start_line(request_id, version.group(1) if version else "")
    figures = ReportFigures.from_log(text) or ReportFigures()
    status = _STATUS.search(text)
    return LogLine(
        REPORT,
        request_id,
        _report_text(
            request_id,
            figures,
            status.group(1) if status else "success",
            status.group(2) if status else None,
        ),
    )


def _start_line(request_id: str, version: str) -> LogLine:
    return LogLine(START, request_id, f"START {request_id} {version}".rstrip())


def _report_text(
    request_id: str, figures: ReportFigures, status: str, error_type: Optional[str]
) -> str:
    parts = [f"REPORT {request_id}", *report_parts(figures)]
    if status != "success":
        parts.append(status + (f" ({error_type})" if error_type else ""))
    return " · ".join(parts).rstrip()


class RequestTracker:
    """Which request each line belongs to: its own id, else the request running in its stream."""

    def __init__(self) -> None:
        self._running: Dict[str, str] = {}

    def request_of(self, event: LogEvent, line: LogLine) -> Optional[str]:
        if line.kind == START and line.request_id:
            self._running[event.stream] = line.request_id
        elif line.kind == REPORT:
            self._running.pop(event.stream, None)
        return line.request_id or self._running.get(event.stream)


def panel_text(event: LogEvent, line: LogLine) -> str:
    """`12:03:04.123 4f2a1c  message`, local time; a message's further lines indented under it."""
    assert line.compact is not None
    clock = time.strftime("%H:%M:%S", time.localtime(event.timestamp / 1000))
    head = f"{clock}.{event.timestamp % 1000:03d} {stream_tag(event.stream)}  "
    return _indented(head, line.compact, " " * len(head))


def cli_text(event: LogEvent, line: LogLine) -> str:
    """`2024-05-01T12:03:04.123Z<TAB>stream<TAB>message`; a message's further lines indented."""
    assert line.compact is not None
    return _indented(f"{iso_time(event.timestamp)}\t{event.stream}\t", line.compact, "\t")


def _indented(head: str, text: str, indent: str) -> str:
    first, *rest = _LINE_BREAKS.split(text)
    return "\n".join([head + first] + [indent + line for line in rest])


def stream_tag(stream: str) -> str:
    """A short name for a stream: the start of the environment's id after `[version]`."""
    instance = stream.rsplit("]", 1)[-1] or stream
    return instance[:STREAM_TAG_LENGTH].ljust(STREAM_TAG_LENGTH)


@dataclass(frozen=True)
class ShownEvent:
    """An event as a front end shows it: what it is, and the request it belongs to."""

    event: LogEvent
    line: LogLine
    request_id: Optional[str]

    @property
    def shown(self) -> bool:
        return self.line.compact is not None

    def to_json(self) -> Dict[str, Any]:
        return {**self.event.to_json(), "requestId": self.request_id}


def understand(
    events: List[LogEvent], tracker: Optional[RequestTracker] = None
) -> List[ShownEvent]:
    """Each event read, and given its request (the tracker remembers streams across calls)."""
    tracker = tracker or RequestTracker()
    shown = []
    for event in events:
        line = read_line(event.message)
        shown.append(ShownEvent(event, line, tracker.request_of(event, line)))
    return shown
