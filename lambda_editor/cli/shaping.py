"""The command line's `config`, `publish`, `alias`, `url` and `create`: shaping a function beyond
its code."""

from __future__ import annotations

import argparse
import json
import os
from typing import Callable, Dict, List, Optional, Sequence

from .. import configuration, function_url
from ..configure import function_configuration, open_configuration
from ..create import ARCHITECTURES, TEMPLATES, NewFunction, create_function
from ..errors import LambdaEditorError
from ..limits import PYTHON_RUNTIMES
from ..versions import parse_weight, point_alias, publish_function, publish_workspace
from ..workspace import Workspace
from .base import (
    EXIT_OK,
    Context,
    usage_errors,
    workspace_named,
    workspace_of,
    workspace_root,
)


def command_config(context: Context) -> int:
    """The configuration a workspace's file asks for (written first if there is none), and what
    of it is not deployed; for a function without a workspace, the one AWS holds."""
    options = context.options
    workspace = workspace_named(context, options.function)
    if workspace is None:
        document = function_configuration(context.target, options.function)
        changes: List[str] = []
    else:
        path = open_configuration(workspace.root)
        workspace = Workspace.load(workspace.root)  # the configuration it may have recorded
        deployed = workspace.binding.configuration or {}
        wanted = workspace.wanted_configuration() or {}
        document = {**deployed, **wanted}
        changes = configuration.describe_changes(deployed, wanted, options.show_values)
        context.err(path)
    shown = document if options.show_values else configuration.masked(document)
    if options.json:
        context.out(json.dumps(shown, indent=2, ensure_ascii=False))
    else:
        context.out("\n".join(configuration.format_lines(document, options.show_values)))
    if changes:
        context.err("not deployed yet:")
        for change in changes:
            context.err(f"  {change}")
    return EXIT_OK


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
        return Workspace.load(workspace_root(function))
    return workspace_of(context, function)


def command_alias(context: Context) -> int:
    options = context.options
    with usage_errors():
        weighted = parse_weight(options.weight) if options.weight else None
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
    with usage_errors():
        request = request.checked()  # before any request is made
    created = create_function(
        context.target, request, context.workspace_root, on_progress=context.err
    )
    context.err(f"created {request.name} ({request.describe()}) running as {created.role_arn}")
    next_step = request.function_template.next_step
    if next_step:
        context.err(f"next: {next_step}")
    context.out(created.pulled.workspace.root)
    return EXIT_OK


COMMANDS: Dict[str, Callable[[Context], int]] = {
    "config": command_config,
    "publish": command_publish,
    "alias": command_alias,
    "url": command_url,
    "create": command_create,
}


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    config = commands.add_parser(
        "config", help="a function's configuration, as its workspace's file asks for it"
    )
    config.add_argument("function", metavar="NAME|DIR", help="function name or ARN, or a workspace")
    config.add_argument("--json", action="store_true", help="print one JSON object")
    config.add_argument(
        "--show-values", action="store_true", help="show environment values (they may be secrets)"
    )

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
