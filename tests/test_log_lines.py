"""Lambda's log lines read and written compactly: platform lines, requests, JSON logs."""

from __future__ import annotations

import json

from lambda_editor.log_lines import (
    END,
    REPORT,
    START,
    cli_text,
    panel_text,
    read_line,
    understand,
)
from lambda_editor.logs import LogEvent

ID = "8f5e2c1a-0b3d-4e6f-9a7b-1c2d3e4f5a6b"
OTHER = "11111111-2222-4333-8444-555555555555"
STREAM = "2024/05/01/[$LATEST]4f2a1c0e9d8b7a6f5e4d3c2b1a0f9e8d"


def test_start_and_report_are_compact_and_end_is_left_out() -> None:
    start = read_line(f"START RequestId: {ID} Version: $LATEST\n")
    assert (start.kind, start.request_id, start.compact) == (START, ID, f"START {ID} $LATEST")
    end = read_line(f"END RequestId: {ID}\n")
    assert (end.kind, end.request_id, end.compact) == (END, ID, None)
    report = read_line(
        f"REPORT RequestId: {ID}\tDuration: 15.74 ms\tBilled Duration: 16 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 56 MB\tInit Duration: 130.49 ms\t\n"
    )
    assert report.kind == REPORT
    assert report.compact == (
        f"REPORT {ID} · Duration 15.74 ms · Billed 16 ms · Memory 56/128 MB · Init 130.49 ms"
    )


def test_a_timed_out_report_says_so() -> None:
    line = read_line(
        f"REPORT RequestId: {ID}\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 40 MB\tStatus: timeout"
    )
    assert line.compact is not None and line.compact.endswith("· timeout")
    errored = read_line(
        f"REPORT RequestId: {ID}\tDuration: 2.00 ms\tBilled Duration: 2 ms\t"
        "Memory Size: 128 MB\tStatus: error\tError Type: Runtime.ExitError"
    )
    assert errored.compact is not None
    assert errored.compact.endswith("· error (Runtime.ExitError)")


def test_json_log_format_lines() -> None:
    start = {"time": "t", "type": "platform.start", "record": {"requestId": ID, "version": "7"}}
    assert read_line(json.dumps(start)).compact == f"START {ID} 7"
    report = {
        "time": "t",
        "type": "platform.report",
        "record": {
            "requestId": ID,
            "metrics": {"durationMs": 2.5, "billedDurationMs": 3, "memorySizeMB": 128},
            "status": "success",
        },
    }
    assert read_line(json.dumps(report)).compact == (
        f"REPORT {ID} · Duration 2.50 ms · Billed 3 ms · Memory 128 MB"
    )
    done = {"time": "t", "type": "platform.runtimeDone", "record": {"requestId": ID}}
    assert read_line(json.dumps(done)).compact is None
    app = {"timestamp": "t", "level": "ERROR", "message": "boom", "requestId": ID}
    assert read_line(json.dumps(app)).request_id == ID


def test_lines_belong_to_the_request_running_in_their_stream() -> None:
    def event(stream: str, message: str) -> LogEvent:
        return LogEvent(1_700_000_000_000, stream, message + "\n")

    events = [
        event("a", f"START RequestId: {ID} Version: $LATEST"),
        event("b", f"START RequestId: {OTHER} Version: $LATEST"),
        event("a", "printed in a"),
        event("b", f"[INFO]\t2024-05-01T12:00:00.000Z\t{OTHER}\tlogged in b"),
        event("b", "printed in b"),
        event("a", f"END RequestId: {ID}"),
        event("a", f"REPORT RequestId: {ID}\tDuration: 1.00 ms"),
        event("a", "between requests"),
    ]
    assert [item.request_id for item in understand(events)] == [
        ID,
        OTHER,
        ID,
        OTHER,
        OTHER,
        ID,
        ID,
        None,
    ]


def test_panel_and_command_line_layout() -> None:
    event = LogEvent(
        1_700_000_000_123,
        STREAM,
        '[ERROR] ValueError: bad\rTraceback (most recent call last):\r  File "/var/task/app.py"\n',
    )
    text = panel_text(event, read_line(event.message))
    first, second, third = text.split("\n")
    assert first.endswith(".123 4f2a1c  [ERROR] ValueError: bad")
    indent = len(first) - len("[ERROR] ValueError: bad")
    assert second == " " * indent + "Traceback (most recent call last):"
    assert third == " " * indent + '  File "/var/task/app.py"'
    line = cli_text(event, read_line(event.message))
    assert line.split("\n")[0] == (f"2023-11-14T22:13:20.123Z\t{STREAM}\t[ERROR] ValueError: bad")
    assert line.split("\n")[1] == "\tTraceback (most recent call last):"
