"""`python -m lambda_editor`: the command line over the same core as the Sublime package.

Exit status: 0 success, 1 an operational error (one line on stderr), 2 a usage error, 3 a deploy
refused because the function changed remotely, 4 an invoked function returned an error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Callable, Dict, List, Optional, Sequence

from . import __version__, aws
from .aws import AwsTarget
from .deploy import DeployEvent, DeployQueue, deploy_workspace
from .errors import LambdaEditorError, RemoteChangedError, explain
from .functions import list_functions
from .package import scan
from .pull import pull_function
from .units import format_size
from .workspace import Workspace, default_workspace_root

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_REMOTE_CHANGED, EXIT_FUNCTION_ERROR = 0, 1, 2, 3, 4

WATCH_INTERVAL = 0.5  # seconds between two looks at the folder
WATCH_SETTLE = 0.3  # a burst of writes is one change once the folder is quiet this long


class Context:
    """What every command gets: the parsed options and where to write."""

    def __init__(self, options: argparse.Namespace) -> None:
        self.options = options
        self.target = AwsTarget(options.profile, options.region, options.endpoint_url)
        self.exclude: Sequence[str] = tuple(options.exclude or ())
        self.workspace_root = options.workspace_root or default_workspace_root()

    def out(self, text: str) -> None:
        print(text, flush=True)

    def err(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)


def command_list(context: Context) -> int:
    try:
        functions = list_functions(aws.lambda_client(context.target))
    except Exception as exc:
        raise explain(exc, "list functions", context.target.profile) from exc
    if context.options.json:
        context.out(json.dumps([function.to_json() for function in functions], indent=2))
        return EXIT_OK
    for function in functions:
        context.out(
            f"{function.name}\t{function.runtime or function.package_type}\t"
            f"{function.architecture}\t{format_size(function.code_size)}\t{function.last_modified}"
        )
    return EXIT_OK


def command_pull(context: Context) -> int:
    result = pull_function(
        context.target,
        context.options.name,
        context.workspace_root,
        destination=context.options.dir,
        exclude=context.exclude,
        keep_backup=context.options.force,
        on_progress=context.err,
    )
    if result.backup:
        context.err(f"your previous local copy was moved to {result.backup}")
    context.out(result.workspace.root)
    return EXIT_OK


def command_push(context: Context) -> int:
    root = _workspace_root(context.options.dir)
    result = deploy_workspace(
        root, exclude=context.exclude, force=context.options.force, on_progress=context.err
    )
    context.out(result.describe())
    return EXIT_OK


def command_diff(context: Context) -> int:
    from .compare import remote_diff  # noqa: PLC0415

    context.out(remote_diff(_workspace_root(context.options.dir), context.exclude).rstrip("\n"))
    return EXIT_OK


def command_watch(context: Context) -> int:
    root = _workspace_root(context.options.dir)
    name = Workspace.load(root).binding.function_name

    def report(event: DeployEvent) -> None:
        context.err(event.message)

    queue = DeployQueue(
        lambda path, **kw: deploy_workspace(path, exclude=context.exclude, **kw), report
    )
    context.err(f"watching {root} for {name} (Ctrl-C to stop)")
    queue.submit(root)
    try:
        for _change in _changes(root, context.exclude):
            queue.submit(root)
    except KeyboardInterrupt:
        context.err("stopping: waiting for the running deploy to end…")
        queue.wait_idle()
    return EXIT_OK


def _changes(root: str, exclude: Sequence[str], interval: float = WATCH_INTERVAL):  # type: ignore[no-untyped-def]
    """Yield once per settled burst of changes under `root` (polling: no extra dependency)."""
    seen = scan(root, exclude)
    while True:
        time.sleep(interval)
        current = scan(root, exclude)
        if current == seen:
            continue
        while True:  # let a burst of writes (a formatter, a git checkout) finish
            time.sleep(WATCH_SETTLE)
            settled = scan(root, exclude)
            if settled == current:
                break
            current = settled
        seen = current
        yield current


def command_sandbox(context: Context) -> int:
    from .sandbox import serve  # noqa: PLC0415 - needs moto, an optional extra

    serve(port=context.options.port, seed=context.options.seed, out=sys.stdout)
    return EXIT_OK


def _workspace_root(directory: Optional[str]) -> str:
    workspace = Workspace.find(os.path.abspath(directory or os.getcwd()))
    if workspace is None:
        raise LambdaEditorError(
            f"{os.path.abspath(directory or os.getcwd())} is not inside a Lambda Editor workspace.",
            "Run `python -m lambda_editor pull NAME` first, or pass the workspace folder.",
        )
    return workspace.root


COMMANDS: Dict[str, Callable[[Context], int]] = {
    "list": command_list,
    "pull": command_pull,
    "push": command_push,
    "diff": command_diff,
    "watch": command_watch,
    "sandbox": command_sandbox,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lambda_editor",
        description="Edit deployed AWS Lambda functions: pull, change, push.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--profile", help="AWS profile (default: AWS_PROFILE or the default)")
    parser.add_argument("--region", help="AWS region (default: from the profile or AWS_REGION)")
    parser.add_argument(
        "--endpoint-url", help="a Lambda-compatible endpoint (the sandbox, LocalStack)"
    )
    parser.add_argument(
        "--workspace-root", help="where workspaces live (default: a per-user cache folder)"
    )
    parser.add_argument(
        "--exclude",
        action="append",
        metavar="GLOB",
        help="leave matching files out of the package (repeatable)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    listing = commands.add_parser("list", help="list the functions")
    listing.add_argument("--json", action="store_true", help="print a JSON array")

    pull = commands.add_parser("pull", help="download a function into its workspace")
    pull.add_argument("name", help="function name or ARN")
    pull.add_argument("--dir", help="download into this folder instead of the workspace")
    pull.add_argument(
        "--force",
        action="store_true",
        help="re-download even over undeployed changes (they are kept in a backup)",
    )

    push = commands.add_parser("push", help="deploy a workspace")
    push.add_argument("dir", nargs="?", help="the workspace (default: the current folder)")
    push.add_argument(
        "--force", action="store_true", help="deploy even if the function changed remotely"
    )

    diff = commands.add_parser("diff", help="show what differs between the workspace and AWS")
    diff.add_argument("dir", nargs="?", help="the workspace (default: the current folder)")

    watch = commands.add_parser("watch", help="deploy on every change under the workspace")
    watch.add_argument("dir", nargs="?", help="the workspace (default: the current folder)")

    sandbox = commands.add_parser(
        "sandbox", help="run a local Lambda endpoint (needs the sandbox extra)"
    )
    sandbox.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    sandbox.add_argument("--seed", action="store_true", help="create a few sample functions")
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    options = build_parser().parse_args(argv)
    try:
        return COMMANDS[options.command](Context(options))
    except RemoteChangedError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_REMOTE_CHANGED
    except LambdaEditorError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_ERROR
    except Exception as exc:  # an unexpected failure still gets one line, not a traceback
        print(f"error: {explain(exc)}", file=sys.stderr)
        return EXIT_ERROR
