"""`python -m lambda_editor`: the command line over the same core as the Sublime package.

Exit status: 0 success, 1 an operational error (one line on stderr), 2 a usage error, 3 a deploy
refused because the function changed remotely, 4 an invoked function returned an error.
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import sys
import time
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from . import __version__, actions, cli_inspect, function_url
from .aws import AwsTarget
from .create import ARCHITECTURES, PYTHON_RUNTIMES, TEMPLATES, NewFunction, create_function
from .dependencies.bootstrap import BootstrapPlan
from .dependencies.dists import list_installed
from .dependencies.pip_install import PipOptions
from .dependencies.workflow import install_and_deploy, remove_and_deploy
from .deploy import DeployEvent, DeployQueue, deploy_workspace
from .earlier_workspaces import earlier_workspaces
from .errors import LambdaEditorError, RemoteChangedError, UnexpectedError, explain
from .events import EventStore, parse_payload
from .functions import check_function_name, list_functions
from .history import DEFAULT_LIMITS, HistoryLimits
from .invoke import Invocation, invoke_and_keep
from .invoke_result import INVOCATION_TYPES, REQUEST_RESPONSE, InvokeResult
from .invoke_text import format_error, format_response, header_line
from .layers import LayerCache, default_layer_cache
from .packaging.manifest import Manifest, scan
from .pull import pull_function
from .units import format_size
from .versions import parse_weight, point_alias, publish_function, publish_workspace
from .workspace import Workspace, default_workspace_root, list_workspaces

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_REMOTE_CHANGED, EXIT_FUNCTION_ERROR = 0, 1, 2, 3, 4

WATCH_INTERVAL = 0.5  # seconds between two looks at the folder
WATCH_SETTLE = 0.3  # a burst of writes is one change once the folder is quiet this long
WATCH_SCAN_ATTEMPTS = 20  # looks at a folder that keeps changing before taking it as it is

# How each next step the core suggests is taken on the command line.
ACTION_WORDS = {
    actions.DEPLOY: "Run `python -m lambda_editor push`.",
    actions.DOWNLOAD: "Run `python -m lambda_editor pull NAME`.",
    actions.INVOKE_IN_AWS: "Run `python -m lambda_editor invoke` without --local.",
    actions.NEW_TEST_EVENT: "Save it as .lambda-editor/events/NAME.json in the workspace.",
    actions.SELECT_PROFILE: "Pass --profile NAME.",
    actions.SELECT_REGION: "Pass --region NAME.",
    actions.CHOOSE_PYTHON: "Pass --python PATH.",
    actions.INSTALL_BOTO3: "Run `pip install boto3`.",
}


class UsageError(LambdaEditorError):
    """The command line's words are off (argparse catches most; this is for the rest)."""


class Context:
    """What every command gets: the parsed options and where to write."""

    def __init__(self, options: argparse.Namespace) -> None:
        self.options = options
        self.target = AwsTarget(options.profile, options.region, options.endpoint_url)
        self.exclude: Sequence[str] = tuple(options.exclude or ())
        self.workspace_root = options.workspace_root or default_workspace_root()
        self.history_limits = HistoryLimits(
            options.history_count, options.history_size_mb * 1024 * 1024
        )

    def out(self, text: str) -> None:
        print(text, flush=True)

    def err(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)


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
    _check_name(context.options.name)
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
    root = _workspace_root(context.options.dir)
    result = deploy_workspace(
        root,
        exclude=context.exclude,
        force=context.options.force,
        on_progress=context.err,
        history_limits=context.history_limits,
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
        context.err(event.message if event.error is None else _worded(event.error))

    queue = DeployQueue(
        lambda path, **kw: deploy_workspace(
            path, exclude=context.exclude, history_limits=context.history_limits, **kw
        ),
        report,
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
    _check_name(options.name)
    workspace = _workspace_of(context, options.name)
    try:
        payload = parse_payload(_payload_text(options, workspace), options.type)
    except LambdaEditorError as error:  # nothing is sent: the input is what needs fixing
        raise UsageError(error.message, error.hint) from error
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


def _workspace_of(context: Context, name: str) -> Optional[Workspace]:
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
    return None


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


def command_deps(context: Context) -> int:
    options = context.options
    directory, specs = _split_deps_arguments(options.arguments)
    root = _workspace_root(directory)
    if options.list:
        for dist in list_installed(root):
            context.out(f"{dist.name}=={dist.version}\t{format_size(dist.size)}")
        return EXIT_OK
    deploy = None if options.no_deploy else functools.partial(_deploy_and_print, context)
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


def _deploy_and_print(context: Context, root: str) -> None:
    result = deploy_workspace(
        root,
        exclude=context.exclude,
        on_progress=context.err,
        history_limits=context.history_limits,
    )
    context.out(result.describe())


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


def _worded(error: LambdaEditorError) -> str:
    """The error, then how its next step is taken on the command line."""
    return error.worded_for(ACTION_WORDS)


def command_sandbox(context: Context) -> int:
    from .sandbox import serve  # noqa: PLC0415 - needs moto, an optional extra

    serve(port=context.options.port, seed=context.options.seed, out=sys.stdout)
    return EXIT_OK


def _check_name(name: str) -> None:
    try:
        check_function_name(name)
    except LambdaEditorError as error:  # nothing was sent: the name is what needs fixing
        raise UsageError(error.message, error.hint) from error


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
    return _workspace_of(context, function)


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
COMMANDS.update(cli_inspect.COMMANDS)


def _at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lambda_editor",
        description="Edit deployed AWS Lambda functions: pull, change, push.",
    )
    parser.add_argument("--version", action="version", version=f"lambda-editor {__version__}")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="also write what failed in full (tracebacks, AWS's answers) and what was done",
    )
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
    parser.add_argument(
        "--history-count",
        type=_at_least_one,
        default=DEFAULT_LIMITS.count,
        metavar="N",
        help="deployed zips each workspace keeps (default: %(default)s)",
    )
    parser.add_argument(
        "--history-size-mb",
        type=_at_least_one,
        default=DEFAULT_LIMITS.total_bytes // (1024 * 1024),
        metavar="MB",
        help="megabytes of deployed zips each workspace keeps (default: %(default)s)",
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
    cli_inspect.add_parsers(commands)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    options = build_parser().parse_args(argv)
    if options.debug:
        _log_to_stderr()
    try:
        return COMMANDS[options.command](Context(options))
    except UsageError as error:
        print(f"usage error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_ERROR
    except Exception as exc:  # one line, whatever failed; the traceback goes to the debug log
        explained = explain(exc)
        print(f"error: {_worded(explained)}{_more(explained, options.debug)}", file=sys.stderr)
        return EXIT_REMOTE_CHANGED if isinstance(explained, RemoteChangedError) else EXIT_ERROR


def _more(error: LambdaEditorError, debug: bool) -> str:
    if isinstance(error, UnexpectedError):
        return "" if debug else " (--debug shows the details)"
    return ""


def _log_to_stderr() -> None:
    """--debug: the debug log (see `log`) on stderr. botocore's own stays off: it would print
    presigned URLs and request signatures."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("debug: %(message)s"))
    logger = logging.getLogger("lambda_editor")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
