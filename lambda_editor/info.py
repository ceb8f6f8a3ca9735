"""A function at a glance: its configuration, layers, environment, tags, URL, versions and aliases,
and how the workspace stands against it.

Everything is read now (GetFunction, GetFunctionUrlConfig, ListVersionsByFunction, ListAliases);
what could not be read is said, never guessed. Environment values are secrets: they are shown
only when asked for, and masked otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from . import aws
from .aws import AwsTarget
from .errors import LambdaEditorError, explain
from .function_url import FunctionUrl, current_url
from .units import counted, format_size
from .versions import list_versions
from .workspace import Workspace

MASK = "••••••"


@dataclass(frozen=True)
class WorkspaceStatus:
    """How a workspace stands against the function as AWS holds it now."""

    root: str
    # Files that differ from what was last deployed from the workspace.
    local_changes: int
    # What someone changed in AWS since the download (or the last deploy from here): "code",
    # "configuration", or "" when nothing.
    changed_in_aws: str

    @property
    def in_sync(self) -> bool:
        return not self.local_changes and not self.changed_in_aws

    def describe(self) -> str:
        if self.in_sync:
            return "in sync: the files are what AWS runs"
        parts = []
        if self.local_changes:
            parts.append(f"local changes not deployed ({counted(self.local_changes, 'file')})")
        if self.changed_in_aws:
            parts.append(
                f"its {self.changed_in_aws} was changed in AWS since the download: a deploy "
                "from here is refused until you compare and choose"
            )
        return "; ".join(parts)


@dataclass(frozen=True)
class FunctionInfo:
    configuration: Dict[str, Any] = field(repr=False)  # holds environment values
    tags: Dict[str, str]
    url: Optional[FunctionUrl]
    versions: List[Dict[str, Any]]
    aliases: List[Dict[str, Any]]
    workspace: Optional[WorkspaceStatus]
    # What could not be read, one sentence each (a missing permission, for instance).
    unreadable: Tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return str(self.configuration["FunctionName"])

    @property
    def environment(self) -> Dict[str, str]:
        variables = (self.configuration.get("Environment") or {}).get("Variables") or {}
        return {str(key): str(value) for key, value in variables.items()}


def function_info(
    target: AwsTarget,
    function: str,
    workspace: Optional[Workspace] = None,
    exclude: Sequence[str] = (),
) -> FunctionInfo:
    """Everything about `function` (a name or an ARN), and the workspace's status if given."""
    client = aws.lambda_client(target)
    try:
        answer = client.get_function(FunctionName=function)
    except Exception as exc:
        raise explain(exc, f"read {function}", target.profile) from exc
    configuration = dict(answer["Configuration"])
    unreadable: List[str] = []
    url = _optional(lambda: current_url(client, function), "its function URL", unreadable)
    # Oldest first, as Lambda lists them.
    versions = _optional(lambda: list_versions(client, function)[::-1], "its versions", unreadable)
    aliases = _optional(lambda: _aliases(client, function), "its aliases", unreadable)
    if answer.get("TagsError"):
        unreadable.append(f"Its tags: {answer['TagsError'].get('Message', 'not readable')}.")
    return FunctionInfo(
        configuration=configuration,
        tags=dict(answer.get("Tags") or {}),
        url=url,
        versions=versions or [],
        aliases=aliases or [],
        workspace=workspace_status(workspace, configuration, exclude) if workspace else None,
        unreadable=tuple(unreadable),
    )


def _optional(read: Any, what: str, unreadable: List[str]) -> Any:
    """What `read()` returns; a failure is noted (not raised): the rest is still worth showing."""
    try:
        return read()
    except Exception as exc:
        error = explain(exc, f"read {what}")
        unreadable.append(str(error))
        return None


def _aliases(client: Any, function: str) -> List[Dict[str, Any]]:
    pages = client.get_paginator("list_aliases").paginate(FunctionName=function)
    return [alias for page in pages for alias in page["Aliases"]]


def workspace_status(
    workspace: Workspace, configuration: Mapping[str, Any], exclude: Sequence[str] = ()
) -> WorkspaceStatus:
    """Compares the workspace's files with its manifest and AWS's answer with its binding."""
    binding = workspace.binding
    if configuration.get("FunctionArn") != binding.function_arn:
        raise LambdaEditorError(
            f"The workspace {workspace.root} is bound to {binding.function_arn}, "
            f"not to {configuration.get('FunctionArn')}."
        )
    diff = workspace.undeployed_changes(exclude)
    local = len(diff.added) + len(diff.removed) + len(diff.changed)
    code = configuration.get("CodeSha256")
    # Ours: what was deployed from here, or an upload from here whose outcome was never seen.
    ours = {binding.code_sha256, *(upload.code_sha256 for upload in workspace.pending)}
    if code not in ours:
        changed = "code"
    elif configuration.get("RevisionId") != binding.revision_id and code == binding.code_sha256:
        changed = "configuration"
    else:
        changed = ""
    return WorkspaceStatus(workspace.root, local, changed)


# ---- presentation ----------------------------------------------------------------------------


def info_rows(info: FunctionInfo, show_values: bool = False) -> List[Tuple[str, str]]:
    """(label, text) rows, in the order people look for them."""
    config = info.configuration
    rows = [
        ("Function", info.name),
        ("ARN", str(config.get("FunctionArn", ""))),
        ("Runtime", str(config.get("Runtime") or config.get("PackageType", ""))),
        ("Handler", str(config.get("Handler", ""))),
        ("Architecture", ", ".join(config.get("Architectures") or ["x86_64"])),
        ("Memory", f"{config.get('MemorySize', 128)} MB"),
        ("Ephemeral storage", f"{(config.get('EphemeralStorage') or {}).get('Size', 512)} MB"),
        ("Timeout", f"{config.get('Timeout', 3)} s"),
        ("Role", str(config.get("Role", ""))),
        ("State", _state(config)),
        ("Last update", _last_update(config)),
        ("Code", f"{format_size(int(config.get('CodeSize', 0)))}, {config.get('CodeSha256', '')}"),
        ("Last modified", str(config.get("LastModified", ""))),
    ]
    rows += [("Layer", _layer(layer)) for layer in config.get("Layers") or ()]
    rows += [
        ("Environment", f"{name} = {value if show_values else MASK}")
        for name, value in sorted(info.environment.items())
    ]
    rows += [("Tag", f"{key} = {value}") for key, value in sorted(info.tags.items())]
    if info.url:
        rows.append(("Function URL", f"{info.url.url} (auth {info.url.auth_type})"))
    rows += [("Version", _version(version)) for version in info.versions]
    rows += [("Alias", _alias(alias)) for alias in info.aliases]
    if info.workspace is not None:
        rows.append(("Workspace", f"{info.workspace.root}: {info.workspace.describe()}"))
    rows += [("Not shown", sentence) for sentence in info.unreadable]
    return rows


def format_info(info: FunctionInfo, show_values: bool = False) -> str:
    rows = info_rows(info, show_values)
    lines = _aligned(rows)
    if info.environment and not show_values:
        lines.append("")
        lines.append("Environment values are hidden (they may be secrets).")
    return "\n".join(lines) + "\n"


def environment_values(info: FunctionInfo) -> str:
    """The environment variables with their values, aligned as in `format_info`, for when they
    were asked for."""
    lines = _aligned(info_rows(info, show_values=True))
    return "\n".join(line for line in lines if line.startswith("Environment ")) + "\n"


def _aligned(rows: List[Tuple[str, str]]) -> List[str]:
    width = max(len(label) for label, _ in rows)
    return [f"{label.ljust(width)}  {text}".rstrip() for label, text in rows]


def info_json(info: FunctionInfo, show_values: bool = False) -> Dict[str, Any]:
    config = info.configuration
    environment = {
        name: (value if show_values else None) for name, value in info.environment.items()
    }
    return {
        "configuration": {
            key: value for key, value in config.items() if key not in ("Environment",)
        },
        "environment": environment,
        "tags": info.tags,
        "url": None
        if info.url is None
        else {"FunctionUrl": info.url.url, "AuthType": info.url.auth_type},
        "versions": [_pick(v, "Version", "Description", "LastModified") for v in info.versions],
        "aliases": [
            _pick(a, "Name", "FunctionVersion", "Description", "RoutingConfig")
            for a in info.aliases
        ],
        "workspace": None
        if info.workspace is None
        else {
            "root": info.workspace.root,
            "in_sync": info.workspace.in_sync,
            "local_changes": info.workspace.local_changes,
            "changed_in_aws": info.workspace.changed_in_aws or None,
        },
        "unreadable": list(info.unreadable),
    }


def _pick(record: Mapping[str, Any], *keys: str) -> Dict[str, Any]:
    return {key: record[key] for key in keys if key in record}


def _state(config: Mapping[str, Any]) -> str:
    state = str(config.get("State", "unknown"))
    reason = config.get("StateReason")
    return f"{state}: {reason}" if reason and state != "Active" else state


def _last_update(config: Mapping[str, Any]) -> str:
    status = str(config.get("LastUpdateStatus", "unknown"))
    reason = config.get("LastUpdateStatusReason")
    code = config.get("LastUpdateStatusReasonCode")
    if not reason:
        return status
    return f"{status}: {reason}" + (f" ({code})" if code else "")


def _layer(layer: Mapping[str, Any]) -> str:
    arn = str(layer.get("Arn", ""))
    return f"{arn} (version {arn.rsplit(':', 1)[-1]}, {format_size(int(layer.get('CodeSize', 0)))})"


def _version(version: Mapping[str, Any]) -> str:
    description = version.get("Description")
    text = f"{version.get('Version')} ({version.get('LastModified', '')})"
    return f"{text} {description}" if description else text


def _alias(alias: Mapping[str, Any]) -> str:
    text = f"{alias.get('Name')} → {alias.get('FunctionVersion')}"
    weights = ((alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights")) or {}
    for version, weight in weights.items():
        text += f" ({weight:.0%} to {version})"
    return text
