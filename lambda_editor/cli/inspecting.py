"""The command line's `logs`, `info` and `events`: looking at a deployed function."""

from __future__ import annotations

import argparse
import json
import time
from typing import Callable, Dict, List, Optional

from ..console_events import (
    PRIVATE_EVENTS_NOTE,
    console_events,
    import_console_events,
    share_event,
)
from ..errors import LambdaEditorError
from ..events import EventStore
from ..info import format_info, function_info, info_json
from ..log_lines import RequestTracker, ShownEvent, cli_text, understand
from ..log_tail import LogTail
from ..logs import DEFAULT_SINCE, LogEvent, log_source, parse_since, recent_events
from ..request_log import request_log
from .base import Context, usage_errors, workspace_named

# How far back `logs --request` looks for the request's START when --since is not given.
REQUEST_SEARCH_SINCE = "1d"


def command_logs(context: Context) -> int:
    options = context.options
    source = log_source(context.target, options.name)
    since_ms = _since(options.since or DEFAULT_SINCE)
    printer = _EventPrinter(context, options.json)
    if options.request:
        search_from = _since(options.since or REQUEST_SEARCH_SINCE)
        found = request_log(context.target, source, options.request, search_from)
        printer.print(found.events)
        if not found.complete:
            context.err("the request's REPORT line has not arrived yet: its log may go on")
        return 0
    if not options.follow:
        events = recent_events(context.target, source, since_ms, options.filter)
        printer.print(events)
        if not events:
            context.err(f"no log events in {source.group} since {time.ctime(since_ms / 1000)}")
        return 0
    tail = LogTail(
        context.target,
        source,
        printer.print,
        context.err,
        pattern=options.filter,
        start_ms=since_ms,
    )
    context.err(f"following {source.group} (Ctrl-C to stop)")
    try:
        tail.run()
    except KeyboardInterrupt:
        tail.stop()
    return 0


class _EventPrinter:
    """One event a line (a message's further lines indented), or one JSON object a line."""

    def __init__(self, context: Context, as_json: bool) -> None:
        self._context = context
        self._as_json = as_json
        self._tracker = RequestTracker()

    def print(self, events: List[LogEvent]) -> None:
        for item in understand(events, self._tracker):
            text = _json_line(item) if self._as_json else _text_line(item)
            if text is not None:
                self._context.out(text)


def _json_line(item: ShownEvent) -> str:
    return json.dumps(item.to_json(), ensure_ascii=False)


def _text_line(item: ShownEvent) -> Optional[str]:
    return cli_text(item.event, item.line) if item.shown else None


def _since(text: str) -> int:
    with usage_errors():
        return parse_since(text, time.time())


def command_info(context: Context) -> int:
    options = context.options
    workspace = workspace_named(context, options.function)
    target = workspace.binding.target if workspace else context.target
    function = workspace.binding.function_arn if workspace else options.function
    info = function_info(target, function, workspace, context.exclude)
    if options.json:
        context.out(json.dumps(info_json(info, options.show_values), indent=2))
    else:
        context.out(format_info(info, options.show_values).rstrip("\n"))
    return 0


def command_events(context: Context) -> int:
    options = context.options
    workspace = workspace_named(context, options.function)
    if workspace is None and (options.import_events or options.share):
        raise LambdaEditorError(
            f"There is no workspace of {options.function} to keep test events in.",
            f"Download it first: python -m lambda_editor pull {options.function}",
        )
    target = workspace.binding.target if workspace else context.target
    name = workspace.binding.function_name if workspace else options.function
    store = EventStore.for_workspace(workspace) if workspace else None
    if options.share:
        assert store is not None
        context.err(share_event(target, name, store, options.share).summary())
        return 0
    if options.import_events:
        assert store is not None
        context.err(import_console_events(target, name, store).summary())
        context.err(PRIVATE_EVENTS_NOTE)
        return 0
    shared = console_events(target, name)
    local = store.names() if store else []
    for event in sorted(set(shared) | set(local), key=str.lower):
        where = ["workspace"] * (event in local) + ["console"] * (event in shared)
        context.out(f"{event}\t{' and '.join(where)}")
    context.err(PRIVATE_EVENTS_NOTE)
    return 0


COMMANDS: Dict[str, Callable[[Context], int]] = {
    "logs": command_logs,
    "info": command_info,
    "events": command_events,
}


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    logs = commands.add_parser("logs", help="print a function's log, or follow it")
    logs.add_argument("name", help="function name or ARN")
    logs.add_argument(
        "--since", help=f"a duration (10m, 2h, 1d) or an ISO time (default: {DEFAULT_SINCE})"
    )
    logs.add_argument("--follow", "-f", action="store_true", help="keep printing new lines")
    logs.add_argument("--filter", help="a CloudWatch Logs filter pattern")
    logs.add_argument("--request", metavar="ID", help="the whole log of one request")
    logs.add_argument("--json", action="store_true", help="one JSON object a line")

    info = commands.add_parser("info", help="a function's configuration at a glance")
    info.add_argument("function", metavar="NAME|DIR", help="function name or ARN, or a workspace")
    info.add_argument("--json", action="store_true", help="print one JSON object")
    info.add_argument(
        "--show-values", action="store_true", help="show environment values (they may be secrets)"
    )

    events = commands.add_parser(
        "events", help="test events: the workspace's and the console's shareable ones"
    )
    events.add_argument("function", metavar="NAME|DIR", help="function name or ARN, or a workspace")
    action = events.add_mutually_exclusive_group()
    action.add_argument(
        "--import",
        dest="import_events",
        action="store_true",
        help="copy the console's shareable events into the workspace",
    )
    action.add_argument(
        "--share", metavar="EVENT", help="publish a workspace event as a shareable console event"
    )
