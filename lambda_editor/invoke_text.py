"""An invoke result as people read it: the result panel, and the command line's output."""

from __future__ import annotations

import json
from typing import List

from .invoke_result import DRY_RUN, EVENT, InvokeResult, ReportFigures, payload_kind


def header_line(result: InvokeResult) -> str:
    """'my-fn · $LATEST · 200 · Duration 15.74 ms · Billed 16 ms · Memory 56/128 MB · Init …'"""
    parts = [result.function_name + (" (local)" if result.local else "")]
    if result.executed_version:
        parts.append(result.executed_version)
    parts.append(str(result.status_code))
    if result.invocation_type == EVENT:
        parts.append("queued for asynchronous invocation")
    elif result.invocation_type == DRY_RUN:
        parts.append("dry run: the call would be allowed")
    report = result.report
    if report is not None:
        parts.extend(report_parts(report))
    return " · ".join(parts)


def report_parts(report: ReportFigures) -> List[str]:
    """['Duration 15.74 ms', 'Billed 16 ms', 'Memory 56/128 MB', 'Init 130.49 ms'], as known."""
    parts = []
    if report.duration_ms is not None:
        parts.append(f"Duration {report.duration_ms:.2f} ms")
    if report.billed_duration_ms is not None:
        parts.append(f"Billed {report.billed_duration_ms} ms")
    if report.memory_size_mb is not None:
        used = f"{report.max_memory_used_mb}/" if report.max_memory_used_mb is not None else ""
        parts.append(f"Memory {used}{report.memory_size_mb} MB")
    if report.init_duration_ms is not None:
        parts.append(f"Init {report.init_duration_ms:.2f} ms")
    return parts


def format_error(result: InvokeResult) -> str:
    """'Unhandled: ZeroDivisionError: division by zero' then the stack trace, a frame a line."""
    details = result.error_details
    if details is None:
        return ""
    summary = ": ".join(part for part in (details.error_type, details.error_message) if part)
    lines = [f"{result.function_error}: {summary}"]
    for frame in details.stack_trace:
        lines.extend(frame.rstrip("\n").splitlines())
    return "\n".join(lines)


def format_response(payload: bytes) -> str:
    """Pretty-printed JSON, or the raw text when the response is not JSON."""
    kind, value = payload_kind(payload)
    if kind == "json":
        return json.dumps(value, indent=2, ensure_ascii=False)
    return "" if value is None else str(value)


def format_result(result: InvokeResult) -> str:
    """The text of the result panel."""
    head = [header_line(result)] + [f"Note: {warning}" for warning in result.warnings]
    blocks = ["\n".join(head)]
    if result.function_error:
        blocks.append(format_error(result))
    if result.payload:
        blocks.append("Response:\n" + format_response(result.payload))
    if result.log_tail:
        blocks.append("Log:\n" + result.log_tail.rstrip("\n"))
    return "\n\n".join(blocks) + "\n"
