"""The command line's `invoke`: in AWS or locally, the response on stdout."""

from __future__ import annotations

import argparse
import json
import os
from typing import Callable, Dict, Optional, Union

from ..errors import LambdaEditorError
from ..events import EventStore, parse_payload
from ..invoke import Invocation, invoke_and_keep
from ..invoke_result import INVOCATION_TYPES, REQUEST_RESPONSE, InvokeResult
from ..invoke_text import format_error, format_response, header_line
from ..layers import LayerCache, default_layer_cache
from ..workspace import Workspace
from .base import (
    EXIT_FUNCTION_ERROR,
    EXIT_OK,
    Context,
    UsageError,
    check_name,
    usage_errors,
    workspace_of,
)


def command_invoke(context: Context) -> int:
    options = context.options
    if options.local and (options.type != REQUEST_RESPONSE or options.qualifier):
        raise UsageError("--local runs the code synchronously: no --type or --qualifier")
    check_name(options.name)
    workspace = workspace_of(context, options.name)
    with usage_errors():  # the payload is refused before anything is sent
        payload = parse_payload(_payload_text(options, workspace), options.type)
    invocation = Invocation(
        options.name,
        context.target,
        workspace,
        local=options.local,
        invocation_type=options.type,
        qualifier=options.qualifier,
        interpreter=options.python,
        layer_cache=LayerCache(default_layer_cache(context.workspace_root)),
    )
    result = invoke_and_keep(invocation, payload)
    _print_invoke_result(context, result)
    return EXIT_OK if result.succeeded else EXIT_FUNCTION_ERROR


def _payload_text(options: argparse.Namespace, workspace: Optional[Workspace]) -> Union[str, bytes]:
    if options.payload is not None:
        return str(options.payload)
    if options.event is None:
        return "{}"
    if os.path.isfile(options.event) or workspace is None:
        try:
            with open(options.event, "rb") as handle:
                return handle.read()  # parse_payload decodes it, or says why it cannot
        except OSError as exc:
            raise LambdaEditorError(
                f"Cannot read the event file {options.event}: {exc.strerror}."
            ) from exc
    return EventStore.for_workspace(workspace).read(options.event)


def _print_invoke_result(context: Context, result: InvokeResult) -> None:
    if context.options.json:
        context.out(json.dumps(result.to_json(), indent=2))
        return
    context.err(header_line(result))
    if result.log_tail:
        context.err(result.log_tail.rstrip("\n"))
    if result.error_details is not None:
        context.err(format_error(result))
    context.out(format_response(result.payload))


COMMANDS: Dict[str, Callable[[Context], int]] = {"invoke": command_invoke}


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    invoke = commands.add_parser("invoke", help="invoke a function, in AWS or locally")
    invoke.add_argument("name", help="function name or ARN")
    payload = invoke.add_mutually_exclusive_group()
    payload.add_argument("--payload", help="the event as JSON text (default: {})")
    payload.add_argument(
        "--event", help="a JSON file, or the name of a test event of the workspace"
    )
    invoke.add_argument("--local", action="store_true", help="run the workspace's handler locally")
    invoke.add_argument("--qualifier", help="a version or alias (default: $LATEST)")
    invoke.add_argument("--type", default=REQUEST_RESPONSE, choices=INVOCATION_TYPES)
    invoke.add_argument("--python", help="the Python that runs a local invocation")
    invoke.add_argument("--json", action="store_true", help="print everything as one JSON object")
