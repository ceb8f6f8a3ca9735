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
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from . import __version__, aws, function_url
from .aws import AwsTarget
from .create import ARCHITECTURES, PYTHON_RUNTIMES, TEMPLATES, NewFunction, create_function
from .dependencies import (
    install_for_workspace,
    list_installed,
    plan_bootstrap_for_workspace,
    remove_dependency,
)
from .deploy import DeployEvent, DeployQueue, deploy_workspace
from .earlier_workspaces import earlier_workspaces
from .errors import LambdaEditorError, RemoteChangedError, explain
from .events import EventStore, parse_payload
from .functions import list_functions
from .invoke import (
    INVOCATION_TYPES,
    REQUEST_RESPONSE,
    InvokeResult,
    format_error,
    format_response,
    header_line,
    invoke_remote,
    invoke_workspace_locally,
    save_last_result,
)
from .invoke import to_json as invoke_json
from .packaging.manifest import Manifest, scan
from .pull import pull_function
from .units import format_size
from .versions import parse_weight, point_alias, publish_function, publish_workspace
from .workspace import Workspace, default_workspace_root, list_workspaces

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_REMOTE_CHANGED, EXIT_FUNCTION_ERROR = 0, 1, 2, 3, 4

WATCH_INTERVAL = 0.5  # seconds between two looks at the folder
WATCH_SETTLE = 0.3  # a burst of writes is one change once the folder is quiet this long
WATCH_SCAN_ATTEMPTS = 20  # looks at a folder that keeps changing before taking it as it is


class UsageError(LambdaEditorError):
    """The command line's words are off (argparse catches most; this is for the rest)."""


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
    # Seen before the first deploy starts: a change made while it builds is deployed next.
    changes = _changes(root, context.exclude, scan(root, context.exclude))
    queue.submit(root)
    try:
        for _change in changes:
            queue.submit(root)
    except KeyboardInterrupt:
        context.err("stopping: waiting for the running deploy to end…")
    finally:
        queue.wait_idle()  # a deploy cut short would leave the marker behind AWS
    return EXIT_OK


def _changes(
    root: str, exclude: Sequence[str], seen: Manifest, interval: float = WATCH_INTERVAL
) -> Iterator[Manifest]:
    """Yield once per settled burst of changes under `root` since `seen` (polling: no extra
    dependency)."""
    while True:
        time.sleep(interval)
        current = _scan_settled(root, exclude)
        if current != seen:
            seen = current
            yield current


def _scan_settled(root: str, exclude: Sequence[str]) -> Manifest:
    """The folder once a burst of writes (a formatter, a git checkout, an editor's temporary
    files appearing and vanishing mid-scan) is over."""
    previous: Optional[Manifest] = None
    for attempt in range(WATCH_SCAN_ATTEMPTS):
        try:
            current: Optional[Manifest] = scan(root, exclude)
        except LambdaEditorError:  # a file vanished between listing and reading it
            if attempt == WATCH_SCAN_ATTEMPTS - 1:
                raise  # not a passing write: a link out of the folder, a permission
            current = None
        if current is not None and current == previous:
            return current
        previous = current
        time.sleep(WATCH_SETTLE)
    return previous or scan(root, exclude)  # still changing: take it as it is now


def command_invoke(context: Context) -> int:
    options = context.options
    if options.local and (options.type != REQUEST_RESPONSE or options.qualifier):
        raise UsageError("--local runs the code synchronously: no --type or --qualifier")
    workspace = _workspace_of(context, options.name, required=options.local)
    try:
        payload = parse_payload(_payload_text(options, workspace), options.type)
    except LambdaEditorError as error:  # nothing is sent: the input is what needs fixing
        raise UsageError(error.message, error.hint) from error
    if options.local:
        assert workspace is not None
        result = invoke_workspace_locally(workspace, payload, options.python)
    else:
        result = invoke_remote(
            context.target,
            options.name,
            payload,
            invocation_type=options.type,
            qualifier=options.qualifier,
        )
    if workspace is not None:
        save_last_result(workspace.metadata_dir, result)
    _print_invoke_result(context, result)
    return EXIT_OK if result.succeeded else EXIT_FUNCTION_ERROR


def _workspace_of(context: Context, name: str, required: bool) -> Optional[Workspace]:
    """The workspace of function `name`: the current folder's, else one under the workspace root."""
    here = Workspace.find(os.getcwd())
    if here is not None and name in (here.binding.function_name, here.binding.function_arn):
        return here
    region = context.target.region
    for workspace in [*list_workspaces(context.workspace_root), *earlier_workspaces()]:
        binding = workspace.binding
        if name in (binding.function_name, binding.function_arn) and region in (
            None,
            binding.region,
        ):
            return workspace
    if required:
        raise LambdaEditorError(
            f"There is no workspace of {name} to run locally.",
            f"Download it first: python -m lambda_editor pull {name}",
        )
    return None


def _payload_text(options: argparse.Namespace, workspace: Optional[Workspace]) -> str:
    if options.payload is not None:
        return str(options.payload)
    if options.event is None:
        return "{}"
    if os.path.isfile(options.event) or workspace is None:
        try:
            with open(options.event, encoding="utf-8") as handle:
                return handle.read()
        except OSError as exc:
            raise LambdaEditorError(
                f"Cannot read the event file {options.event}: {exc.strerror}."
            ) from exc
    return EventStore.for_workspace(workspace).read(options.event)


def _print_invoke_result(context: Context, result: InvokeResult) -> None:
    if context.options.json:
        context.out(json.dumps(invoke_json(result), indent=2))
        return
    context.err(header_line(result))
    if result.log_tail:
        context.err(result.log_tail.rstrip("\n"))
    if result.error is not None:
        context.err(format_error(result))
    context.out(format_response(result.payload))


def command_deps(context: Context) -> int:
    options = context.options
    directory, specs = _split_deps_arguments(options.arguments)
    root = _workspace_root(directory)
    if options.list:
        for dist in list_installed(root):
            context.out(f"{dist.name}=={dist.version}\t{format_size(dist.size)}")
        return EXIT_OK
    if options.remove:
        for name in options.remove:
            removed = remove_dependency(root, name)
            context.err(f"removed {removed.name} {removed.version}")
    else:
        if not specs and not options.requirements:
            raise UsageError("name at least one package, or --requirements FILE")
        result = install_for_workspace(
            Workspace.load(root),
            specs,
            options.requirements,
            interpreter=options.python,
            allow_source_for=options.allow_source or (),
            exclude=context.exclude,
            on_output=context.err,
        )
        if result.size_report is not None:
            context.err(result.size_report.summary())
        _offer_bootstrap(context, Workspace.load(root), options.bootstrap)
    if not options.no_deploy:
        context.out(
            deploy_workspace(root, exclude=context.exclude, on_progress=context.err).describe()
        )
    return EXIT_OK


def _split_deps_arguments(arguments: Sequence[str]) -> Tuple[Optional[str], List[str]]:
    """`deps [DIR] [SPEC ...]`: the first argument is the folder when it is an existing one."""
    if arguments and os.path.isdir(arguments[0]):
        return arguments[0], list(arguments[1:])
    return None, list(arguments)


def _offer_bootstrap(context: Context, workspace: Workspace, write: bool) -> None:
    plan = plan_bootstrap_for_workspace(workspace)
    if not plan.needed or plan.path is None:
        return
    if not write:
        context.err(
            f"Lambda only puts the task root on sys.path: {plan.preview}\n"
            "Add them with --bootstrap, or by hand."
        )
        return
    with open(plan.path, "w", encoding="utf-8", newline="") as handle:
        handle.write(plan.new_source)
    context.err(f"added the vendor/ bootstrap lines to {plan.path}")


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
    "invoke": command_invoke,
    "deps": command_deps,
    "sandbox": command_sandbox,
}


# --- versions, aliases, function URLs, new functions ------------------------------------------


def command_publish(context: Context) -> int:
    options = context.options
    workspace = _workspace_to_publish(context, options.function)
    if workspace is None:
        result = publish_function(context.target, options.function, description=options.description)
    else:
        result = publish_workspace(
            workspace.root,
            description=options.description,
            force=options.force,
            exclude=context.exclude,
        )
    context.err(result.describe())
    context.out(result.version)
    return EXIT_OK


def _workspace_to_publish(context: Context, function: Optional[str]) -> Optional[Workspace]:
    """The workspace a publish names: a folder (the current one by default), or the workspace
    of a function name; None for a function without one."""
    if function is None or os.path.isdir(function):
        return Workspace.load(_workspace_root(function))
    return _workspace_of(context, function, required=False)


def command_alias(context: Context) -> int:
    options = context.options
    try:
        weighted = parse_weight(options.weight) if options.weight else None
    except LambdaEditorError as error:
        raise UsageError(error.message, error.hint) from error
    alias = point_alias(
        context.target, options.function, options.alias, options.version, weighted=weighted
    )
    context.out(alias.describe())
    return EXIT_OK


def command_url(context: Context) -> int:
    options = context.options
    if options.delete:
        deleted = function_url.delete_function_url(context.target, options.function)
        if deleted is None:
            context.err(f"{options.function} has no URL")
        else:
            context.err(f"deleted {deleted.url.url}")
            _report_statements(context, "removed", deleted.statements)
        return EXIT_OK
    if not options.create:
        found = function_url.get_function_url(context.target, options.function)
        if found is None:
            raise LambdaEditorError(
                f"{options.function} has no URL.",
                f"Create one: python -m lambda_editor url {options.function} --create",
            )
        context.err(found.describe())
        context.out(found.url)
        return EXIT_OK
    if options.auth == function_url.AUTH_NONE:
        context.err(f"warning: {function_url.PUBLIC_WARNING}")
    change = function_url.create_function_url(
        context.target,
        options.function,
        auth_type=options.auth,
        cors_origins=options.cors or (),
        invoke_mode=options.invoke_mode,
    )
    context.err(("created " if change.changed else "already there: ") + change.url.describe())
    _report_statements(context, "added", change.statements)
    context.out(change.url.url)
    return EXIT_OK


def _report_statements(context: Context, verb: str, statements: Sequence[str]) -> None:
    if statements:
        context.err(f"{verb} the resource-based policy statements {', '.join(statements)}")


def command_create(context: Context) -> int:
    options = context.options
    request = NewFunction(
        name=options.name,
        template=options.template,
        runtime=options.runtime,
        architecture=options.arch,
        memory=options.memory,
        timeout=options.timeout,
        role_arn=options.role,
    )
    try:
        request = request.checked()  # before any request is made
    except LambdaEditorError as error:
        raise UsageError(error.message, error.hint) from error
    created = create_function(
        context.target, request, context.workspace_root, on_progress=context.err
    )
    context.err(f"created {request.name} ({request.describe()}) running as {created.role_arn}")
    next_step = request.function_template.next_step
    if next_step:
        context.err(f"next: {next_step}")
    context.out(created.pulled.workspace.root)
    return EXIT_OK


def _add_shape_parsers(commands: Any) -> None:
    publish = commands.add_parser(
        "publish", help="publish what is deployed as a new version (its number on stdout)"
    )
    publish.add_argument(
        "function", nargs="?", metavar="NAME|DIR", help="a function or its workspace (default: .)"
    )
    publish.add_argument("--description", default="", help="the version's description")
    publish.add_argument(
        "--force",
        action="store_true",
        help="publish even when the workspace holds changes that were never deployed",
    )

    alias = commands.add_parser("alias", help="create an alias or point it at a version")
    alias.add_argument("function", metavar="NAME", help="function name or ARN")
    alias.add_argument("alias", metavar="ALIAS")
    alias.add_argument("version", metavar="VERSION", help="a version number or $LATEST")
    alias.add_argument(
        "--weight",
        metavar="VERSION=WEIGHT",
        help="send a share of the invocations to a second version, e.g. 2=0.1",
    )

    url = commands.add_parser("url", help="print the function's URL, or create or delete it")
    url.add_argument("function", metavar="NAME", help="function name or ARN")
    action = url.add_mutually_exclusive_group()
    action.add_argument("--create", action="store_true", help="create it if there is none")
    action.add_argument("--delete", action="store_true", help="delete it")
    url.add_argument(
        "--auth",
        choices=function_url.AUTH_TYPES,
        default=function_url.AUTH_IAM,
        help="with --create: AWS_IAM (signed requests, the default) or NONE (public)",
    )
    url.add_argument(
        "--cors", action="append", metavar="ORIGIN", help="with --create: allow this origin"
    )
    url.add_argument(
        "--invoke-mode", choices=function_url.INVOKE_MODES, default=function_url.BUFFERED
    )

    create = commands.add_parser(
        "create", help="create a function from a template, then download it"
    )
    create.add_argument("name", help="the new function's name")
    create.add_argument("--template", choices=list(TEMPLATES), default="hello")
    create.add_argument("--runtime", choices=PYTHON_RUNTIMES, default=PYTHON_RUNTIMES[0])
    create.add_argument("--arch", choices=ARCHITECTURES, default=ARCHITECTURES[0])
    create.add_argument("--memory", type=int, metavar="MB", help="default: the template's")
    create.add_argument("--timeout", type=int, metavar="SECONDS", help="default: the template's")
    create.add_argument(
        "--role",
        metavar="ARN",
        help="the execution role (default: lambda-editor-basic-execution, created if missing)",
    )


COMMANDS.update(
    {
        "publish": command_publish,
        "alias": command_alias,
        "url": command_url,
        "create": command_create,
    }
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lambda_editor",
        description="Edit deployed AWS Lambda functions: pull, change, push.",
    )
    parser.add_argument("--version", action="version", version=f"lambda-editor {__version__}")
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

    sandbox = commands.add_parser(
        "sandbox", help="run a local Lambda endpoint (needs the sandbox extra)"
    )
    sandbox.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    sandbox.add_argument("--seed", action="store_true", help="create a few sample functions")
    _add_shape_parsers(commands)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    options = build_parser().parse_args(argv)
    try:
        return COMMANDS[options.command](Context(options))
    except UsageError as error:
        print(f"usage error: {error}", file=sys.stderr)
        return EXIT_USAGE
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
