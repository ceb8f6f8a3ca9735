"""What an invocation answered, wherever the code ran: the same value for AWS and a local run.

Its JSON form (`InvokeResult.to_json`) is what the command line's `--json` prints and what a
workspace keeps as its last result.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Any, Callable, Dict, Mapping, Optional, Pattern, Tuple

REQUEST_RESPONSE = "RequestResponse"
EVENT = "Event"
DRY_RUN = "DryRun"
# Invoke's InvocationType values, in the order a picker offers them.
INVOCATION_TYPES = (REQUEST_RESPONSE, EVENT, DRY_RUN)

# REPORT line field → (pattern, type), e.g. "Billed Duration: 16 ms".
_REPORT_FIGURES: Dict[str, Tuple[Pattern[str], Callable[[str], Any]]] = {
    "duration_ms": (re.compile(r"(?:^|\t)Duration: ([\d.]+) ms"), float),
    "billed_duration_ms": (re.compile(r"Billed Duration: (\d+) ms"), int),
    "memory_size_mb": (re.compile(r"Memory Size: (\d+) MB"), int),
    "max_memory_used_mb": (re.compile(r"Max Memory Used: (\d+) MB"), int),
    "init_duration_ms": (re.compile(r"Init Duration: ([\d.]+) ms"), float),
}


@dataclass(frozen=True)
class ReportFigures:
    """The figures of the platform's REPORT log line."""

    duration_ms: Optional[float] = None
    billed_duration_ms: Optional[int] = None
    memory_size_mb: Optional[int] = None
    max_memory_used_mb: Optional[int] = None
    init_duration_ms: Optional[float] = None

    @classmethod
    def from_log(cls, log: str) -> Optional[ReportFigures]:
        """From the last REPORT line of the log; None when the log has none."""
        lines = [line for line in log.splitlines() if line.startswith("REPORT RequestId:")]
        if not lines:
            return None
        figures: Dict[str, Any] = {}
        for name, (pattern, convert) in _REPORT_FIGURES.items():
            match = pattern.search(lines[-1])
            if match:
                figures[name] = convert(match.group(1))
        return cls(**figures)


@dataclass(frozen=True)
class FunctionErrorDetails:
    error_type: str
    error_message: str
    stack_trace: Tuple[str, ...]


@dataclass(frozen=True)
class InvokeResult:
    function_name: str
    status_code: int
    payload: bytes = b""
    invocation_type: str = REQUEST_RESPONSE
    executed_version: Optional[str] = None
    function_error: Optional[str] = None  # Lambda's FunctionError: "Unhandled", "Handled"
    log_tail: str = ""
    local: bool = False
    warnings: Tuple[str, ...] = ()
    # The invocation's RequestId and when it was sent (epoch seconds): its whole log is found by
    # them in CloudWatch Logs.
    request_id: Optional[str] = None
    invoked_at: Optional[float] = None

    @property
    def succeeded(self) -> bool:
        return self.function_error is None

    @property
    def log_is_partial(self) -> bool:
        """True when CloudWatch Logs holds more of the request's log than the result: the tail
        is the last 4 KB (or there is none, for an asynchronous invoke)."""
        if self.local or not self.request_id or self.invocation_type == DRY_RUN:
            return False
        return f"START RequestId: {self.request_id}" not in self.log_tail

    @property
    def report(self) -> Optional[ReportFigures]:
        return ReportFigures.from_log(self.log_tail)

    @property
    def response_is_json(self) -> bool:
        return payload_kind(self.payload)[0] == "json"

    @property
    def error_details(self) -> Optional[FunctionErrorDetails]:
        """errorType, errorMessage and stackTrace from the payload, when the function failed."""
        if self.function_error is None:
            return None
        kind, value = payload_kind(self.payload)
        if kind != "json" or not isinstance(value, dict):
            return FunctionErrorDetails("", payload_text(self.payload), ())
        trace = value.get("stackTrace")
        frames = tuple(str(frame) for frame in trace) if isinstance(trace, list) else ()
        return FunctionErrorDetails(
            str(value.get("errorType", "")), str(value.get("errorMessage", "")), frames
        )

    def to_json(self) -> Dict[str, Any]:
        """The result as one JSON object."""
        kind, value = payload_kind(self.payload)
        report = self.report
        details = self.error_details
        return {
            "function_name": self.function_name,
            "invocation_type": self.invocation_type,
            "status_code": self.status_code,
            "executed_version": self.executed_version,
            "function_error": self.function_error,
            "payload_format": kind,
            "payload": value,
            "log_tail": self.log_tail,
            "local": self.local,
            "warnings": list(self.warnings),
            "request_id": self.request_id,
            "invoked_at": self.invoked_at,
            "report": None if report is None else asdict(report),
            "error": None
            if details is None
            else {
                "error_type": details.error_type,
                "error_message": details.error_message,
                "stack_trace": list(details.stack_trace),
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> InvokeResult:
        """The inverse of `to_json` (a JSON response comes back re-serialised, same value)."""
        kind, value = data.get("payload_format"), data.get("payload")
        if kind == "json":
            payload = json.dumps(value).encode("utf-8")
        else:
            payload = str(value or "").encode("utf-8")
        return cls(
            function_name=str(data["function_name"]),
            status_code=int(data["status_code"]),
            payload=payload,
            invocation_type=str(data.get("invocation_type", REQUEST_RESPONSE)),
            executed_version=data.get("executed_version"),
            function_error=data.get("function_error"),
            log_tail=str(data.get("log_tail", "")),
            local=bool(data.get("local", False)),
            warnings=tuple(data.get("warnings", ())),
            request_id=data.get("request_id"),
            invoked_at=data.get("invoked_at"),
        )


def payload_text(payload: bytes) -> str:
    return payload.decode("utf-8", errors="replace")


def payload_kind(payload: bytes) -> Tuple[str, Any]:
    """("empty", None), ("json", the parsed value) or ("text", the decoded text)."""
    if not payload:
        return "empty", None
    text = payload_text(payload)
    try:
        return "json", json.loads(text)
    except ValueError:
        return "text", text
