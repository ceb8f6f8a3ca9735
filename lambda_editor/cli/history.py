"""The command line's `history` and `rollback`: the zips deployed from a workspace, and going back
to one of them."""

from __future__ import annotations

import argparse
import functools
import json
import os
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

from ..rollback import (
    HistoryItem,
    entry_diff,
    find_entry,
    history_items,
    recorded_when,
    rollback,
)
from .base import EXIT_OK, Context, UsageError, add_deploy_options, workspace_root
from .deploying import deploy_and_print


def command_history(context: Context) -> int:
    options = context.options
    root = workspace_root(options.dir)
    if options.diff:
        entry = find_entry(root, options.diff)
        context.out(entry_diff(root, entry, context.exclude).rstrip("\n"))
        return EXIT_OK
    items = history_items(root)
    if options.json:
        context.out(json.dumps([_item_json(item) for item in items], indent=2))
    elif not items:
        context.err(f"the history of {root} is empty")
    for item in [] if options.json else items:
        context.out(item.describe())
    return EXIT_OK


def _item_json(item: HistoryItem) -> Dict[str, Any]:
    entry, changes = item.entry, item.changes
    return {
        "number": item.number,
        "id": entry.entry_id,
        "kind": entry.kind,
        "recorded_at": entry.recorded_at,
        "code_sha256": entry.code_sha256,
        "revision_id": entry.revision_id,
        "size": entry.size,
        "changes": None if changes is None else changes.__dict__,
        "deployed_now": item.deployed_now,
    }


def command_rollback(context: Context) -> int:
    options = context.options
    directory, wanted = _split_rollback_arguments(options.arguments)
    root = workspace_root(directory)
    entry = find_entry(root, wanted)
    context.err(f"rolling back to the {entry.kind} code of {recorded_when(entry)}…")
    deploy = functools.partial(deploy_and_print, context, force=options.force)
    rollback(
        root,
        entry,
        exclude=context.exclude,
        deploy=None if options.no_deploy else deploy,
        on_restored=lambda outcome: context.err(outcome.describe()),
    )
    return EXIT_OK


def _split_rollback_arguments(arguments: Sequence[str]) -> Tuple[Optional[str], Optional[str]]:
    """`rollback [DIR] [ENTRY]`: a lone argument is the folder when it is an existing one."""
    if len(arguments) > 2:
        raise UsageError("rollback takes a workspace folder and an entry, at most")
    if len(arguments) == 2:
        return arguments[0], arguments[1]
    if arguments and os.path.isdir(arguments[0]):
        return arguments[0], None
    return None, arguments[0] if arguments else None


COMMANDS: Dict[str, Callable[[Context], int]] = {
    "history": command_history,
    "rollback": command_rollback,
}


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    listing = commands.add_parser(
        "history", help="the zips deployed from a workspace, newest first, and what each changed"
    )
    listing.add_argument("dir", nargs="?", help="the workspace (default: the current folder)")
    listing.add_argument(
        "--diff", metavar="ENTRY", help="what differs between an entry and the workspace"
    )
    listing.add_argument("--json", action="store_true", help="print a JSON array")

    back = commands.add_parser(
        "rollback",
        help="restore the workspace to an entry of its history (your files kept in a backup), "
        "then deploy it",
    )
    back.add_argument(
        "arguments",
        nargs="*",
        metavar="[DIR] [ENTRY]",
        help="the workspace, and the entry's number or id (default: the one before the newest)",
    )
    back.add_argument("--no-deploy", action="store_true", help="restore the files only")
    back.add_argument(
        "--force", action="store_true", help="deploy even if the function changed remotely"
    )
    add_deploy_options(back)
