"""The command line's edit loop: `list`, `pull`, `push`, `diff`, `watch`, `deps`, `sandbox`."""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from ..config_file import configuration_path
from ..dependencies.bootstrap import BootstrapPlan
from ..dependencies.dists import list_installed
from ..dependencies.pip_install import PipOptions
from ..dependencies.workflow import install_and_deploy, remove_and_deploy
from ..deploy import DeployEvent, DeployQueue, deploy_workspace
from ..errors import LambdaEditorError
from ..functions import list_functions
from ..packaging.manifest import Manifest, scan
from ..pull import pull_function
from ..units import format_size
from ..workspace import Workspace
from .base import (
    EXIT_OK,
    Context,
    UsageError,
    add_deploy_options,
    check_name,
    worded,
    workspace_root,
)

WATCH_INTERVAL = 0.5  # seconds between two looks at the folder
WATCH_SETTLE = 0.3  # a burst of writes is one change once the folder is quiet this long
WATCH_SCAN_ATTEMPTS = 20  # looks at a folder that keeps changing before taking it as it is


def command_list(context: Context) -> int:
    functions = list_functions(context.target)
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
    check_name(context.options.name)
    result = pull_function(
        context.target,
        context.options.name,
        context.workspace_root,
        destination=context.options.dir,
        exclude=context.exclude,
        keep_backup=context.options.force,
        on_progress=context.err,
        history_limits=context.history_limits,
    )
    for notice in result.notices:
        context.err(notice)
    if result.backup:
        context.err(f"your previous local copy was moved to {result.backup}")
    context.out(result.workspace.root)
    return EXIT_OK


def command_push(context: Context) -> int:
    deploy_and_print(context, workspace_root(context.options.dir), force=context.options.force)
    return EXIT_OK


def deploy_and_print(context: Context, root: str, force: bool = False) -> None:
    """Deploy, the outcome on stdout and what else to know on stderr."""
    result = deploy_workspace(
        root,
        exclude=context.exclude,
        force=force,
        on_progress=context.err,
        history_limits=context.history_limits,
        s3=context.s3,
    )
    context.out(result.describe())
    for notice in result.notices:
        context.err(notice)


def command_diff(context: Context) -> int:
    from ..compare import remote_diff  # noqa: PLC0415

    context.out(remote_diff(workspace_root(context.options.dir), context.exclude).rstrip("\n"))
    return EXIT_OK


def command_watch(context: Context) -> int:
    root = workspace_root(context.options.dir)
    name = Workspace.load(root).binding.function_name

    def report(event: DeployEvent) -> None:
        context.err(event.message if event.error is None else worded(event.error))

    s3 = context.s3
    queue = DeployQueue(
        lambda path, **kw: deploy_workspace(
            path, exclude=context.exclude, history_limits=context.history_limits, s3=s3, **kw
        ),
        report,
    )
    context.err(f"watching {root} for {name} (Ctrl-C to stop)")
    # Seen before the first deploy starts: a change made while it builds is deployed next.
    changes = _changes(root, context.exclude, _watched(root, context.exclude))
    queue.submit(root)
    try:
        for _change in changes:
            queue.submit(root)
    except KeyboardInterrupt:
        context.err("stopping: waiting for the running deploy to end…")
    finally:
        queue.wait_idle()  # a deploy cut short would leave the marker behind AWS
    return EXIT_OK


# What a watch compares: the files a deploy packages, and the configuration file's stat.
Watched = Tuple[Manifest, Optional[Tuple[int, int]]]


def _watched(root: str, exclude: Sequence[str]) -> Watched:
    try:
        found = os.stat(configuration_path(root))
        configuration: Optional[Tuple[int, int]] = (found.st_mtime_ns, found.st_size)
    except FileNotFoundError:
        configuration = None
    return scan(root, exclude), configuration


def _changes(
    root: str, exclude: Sequence[str], seen: Watched, interval: float = WATCH_INTERVAL
) -> Iterator[Watched]:
    """Yield once per settled burst of changes under `root` since `seen` (polling: no extra
    dependency)."""
    while True:
        time.sleep(interval)
        current = _scan_settled(root, exclude)
        if current != seen:
            seen = current
            yield current


def _scan_settled(root: str, exclude: Sequence[str]) -> Watched:
    """The folder once a burst of writes (a formatter, a git checkout, an editor's temporary
    files appearing and vanishing mid-scan) is over."""
    previous: Optional[Watched] = None
    for attempt in range(WATCH_SCAN_ATTEMPTS):
        try:
            current: Optional[Watched] = _watched(root, exclude)
        except LambdaEditorError:  # a file vanished between listing and reading it
            if attempt == WATCH_SCAN_ATTEMPTS - 1:
                raise  # not a passing write: a link out of the folder, a permission
            current = None
        if current is not None and current == previous:
            return current
        previous = current
        time.sleep(WATCH_SETTLE)
    return previous or _watched(root, exclude)  # still changing: take it as it is now


def command_deps(context: Context) -> int:
    options = context.options
    directory, specs = _split_deps_arguments(options.arguments)
    root = workspace_root(directory)
    if options.list:
        for dist in list_installed(root):
            context.out(f"{dist.name}=={dist.version}\t{format_size(dist.size)}")
        return EXIT_OK
    deploy = None if options.no_deploy else functools.partial(deploy_and_print, context)
    if options.remove:
        remove_and_deploy(root, options.remove, deploy=deploy, on_output=context.err)
        return EXIT_OK
    if not specs and not options.requirements:
        raise UsageError("name at least one package, or --requirements FILE")
    install_and_deploy(
        Workspace.load(root),
        specs,
        options.requirements,
        add_bootstrap=functools.partial(_add_bootstrap, context),
        deploy=deploy,
        pip=PipOptions(interpreter=options.python, allow_source_for=options.allow_source or ()),
        exclude=context.exclude,
        on_output=context.err,
    )
    return EXIT_OK


def _add_bootstrap(context: Context, plan: BootstrapPlan) -> bool:
    """--bootstrap adds the lines; without it, they are shown."""
    if not context.options.bootstrap:
        context.err(
            f"Lambda only puts the function's folder on sys.path: {plan.preview}"
            "Add them with --bootstrap, or by hand."
        )
    return bool(context.options.bootstrap)


def _split_deps_arguments(arguments: Sequence[str]) -> Tuple[Optional[str], List[str]]:
    """`deps [DIR] [SPEC ...]`: the first argument is the folder when it is an existing one."""
    if arguments and os.path.isdir(arguments[0]):
        return arguments[0], list(arguments[1:])
    return None, list(arguments)


def command_sandbox(context: Context) -> int:
    from ..sandbox import serve  # noqa: PLC0415 - needs moto, an optional extra

    serve(port=context.options.port, seed=context.options.seed, out=sys.stdout)
    return EXIT_OK


COMMANDS: Dict[str, Callable[[Context], int]] = {
    "list": command_list,
    "pull": command_pull,
    "push": command_push,
    "diff": command_diff,
    "watch": command_watch,
    "deps": command_deps,
    "sandbox": command_sandbox,
}


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
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
    add_deploy_options(push)

    diff = commands.add_parser("diff", help="show what differs between the workspace and AWS")
    diff.add_argument("dir", nargs="?", help="the workspace (default: the current folder)")

    watch = commands.add_parser("watch", help="deploy on every change under the workspace")
    watch.add_argument("dir", nargs="?", help="the workspace (default: the current folder)")
    add_deploy_options(watch)

    deps = commands.add_parser(
        "deps", help="pip-install packages into vendor/ for Lambda's platform, then deploy"
    )
    deps.add_argument(
        "arguments",
        nargs="*",
        metavar="[DIR] SPEC",
        help="the workspace, then requirement specifiers",
    )
    deps.add_argument("--requirements", "-r", help="install a requirements file")
    deps.add_argument(
        "--remove", action="append", metavar="NAME", help="remove an installed package"
    )
    deps.add_argument("--list", action="store_true", help="list what vendor/ holds")
    deps.add_argument(
        "--allow-source",
        action="append",
        metavar="NAME",
        help="allow a source build of a pure-Python package that has no wheel",
    )
    deps.add_argument(
        "--bootstrap",
        action="store_true",
        help="add the lines that put vendor/ on sys.path to the handler",
    )
    deps.add_argument("--no-deploy", action="store_true", help="do not deploy afterwards")
    deps.add_argument("--python", help="the Python that runs pip (default: python3)")
    add_deploy_options(deps)

    sandbox = commands.add_parser(
        "sandbox", help="run a local Lambda endpoint (needs the sandbox extra)"
    )
    sandbox.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    sandbox.add_argument("--seed", action="store_true", help="create a few sample functions")
