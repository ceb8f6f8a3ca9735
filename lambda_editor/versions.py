"""Versions and aliases: publishing what the workspace saw deployed, pointing an alias at a version
(optionally sending a share of its traffic to a second one), and the qualifiers an invoke can name.

A publish from a workspace carries the CodeSha256 and RevisionId the workspace recorded, so Lambda
publishes exactly the code the workspace saw deployed, or refuses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from . import aws
from .aws import AwsTarget
from .errors import LambdaEditorError, RemoteChangedError, error_code, explain
from .invoke import function_name_of
from .workspace import Workspace, workspace_lock

LATEST = "$LATEST"
DESCRIPTION_LIMIT = 256  # characters, for versions and aliases
_ALIAS_NAME = re.compile(r"^(?!\d+$)[A-Za-z0-9_-]{1,128}$")
_VERSION = re.compile(r"^(?:\$LATEST|[1-9]\d*)$")


@dataclass(frozen=True)
class PublishedVersion:
    function_name: str
    version: str
    code_sha256: str
    description: str

    def describe(self) -> str:
        return (
            f"{self.function_name}: version {self.version} published "
            f"(CodeSha256 {self.code_sha256})"
        )


def publish_workspace(
    root: str,
    *,
    description: str = "",
    force: bool = False,
    exclude: Sequence[str] = (),
) -> PublishedVersion:
    """Publish the code the workspace saw deployed as a new version.

    Refused when the workspace holds changes that were never deployed (the version would not hold
    what the user sees) unless `force`; refused by Lambda (`RemoteChangedError`) when the function
    changed in AWS since the workspace last saw it, forced or not.
    """
    _check_description(description)
    with workspace_lock(root):  # not while a deploy of this workspace runs
        workspace = Workspace.load(root)
        binding = workspace.binding
        changes = workspace.undeployed_changes(exclude)
        if changes and not force:
            raise UndeployedChangesError(binding.function_name, changes.summary())
        try:
            answer = aws.lambda_client(binding.target).publish_version(
                FunctionName=binding.function_arn,
                CodeSha256=binding.code_sha256,
                RevisionId=binding.revision_id,
                Description=description,
            )
        except Exception as exc:
            if _is_stale(exc):
                raise RemoteChangedError(
                    f"{binding.function_name} was not published: it was changed in AWS since "
                    "this workspace last saw it, and the version would hold code you have not "
                    "seen.",
                    "Compare the two or re-download it, then publish again.",
                ) from exc
            raise explain(exc, f"publish {binding.function_name}", binding.profile) from exc
    return _published(answer)


def publish_function(target: AwsTarget, name: str, *, description: str = "") -> PublishedVersion:
    """Publish the function's $LATEST as it is in AWS (for a function without a workspace)."""
    _check_description(description)
    try:
        client = aws.lambda_client(target)
        answer = client.publish_version(FunctionName=name, Description=description)
    except Exception as exc:
        raise explain(exc, f"publish {name}", target.profile) from exc
    return _published(answer)


class UndeployedChangesError(LambdaEditorError):
    """A publish refused because the version would not hold the files the user sees."""

    def __init__(self, name: str, summary: str) -> None:
        super().__init__(
            f"{name} was not published: the workspace holds changes that were never deployed "
            f"({summary}).",
            "Deploy them first so the version holds what you see, or publish anyway: the "
            "version then holds what is deployed, not your files.",
        )


def _published(answer: Dict[str, Any]) -> PublishedVersion:
    return PublishedVersion(
        function_name=str(answer["FunctionName"]),
        version=str(answer["Version"]),
        code_sha256=str(answer["CodeSha256"]),
        description=str(answer.get("Description") or ""),
    )


def _is_stale(exc: BaseException) -> bool:
    """Lambda's refusals of a publish whose RevisionId or CodeSha256 is not $LATEST's."""
    code = error_code(exc)
    return code == "PreconditionFailedException" or (
        code == "InvalidParameterValueException" and "CodeSHA256" in str(exc)
    )


def _check_description(description: str) -> None:
    if len(description) > DESCRIPTION_LIMIT:
        raise LambdaEditorError(
            f"The description is {len(description)} characters long; Lambda accepts "
            f"{DESCRIPTION_LIMIT} at most.",
            "Shorten it.",
        )


# --- aliases ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alias:
    function_name: str
    name: str
    version: str
    # A second version and the share of invocations it gets (0 < weight < 1), if any.
    weights: Dict[str, float]

    def describe(self) -> str:
        return f"{self.function_name}:{self.name} → {self.routing()}"

    def routing(self) -> str:
        """`version 3`, or `version 3 (10% to version 2)`."""
        shares = ", ".join(
            f"{weight * 100:g}% to version {v}" for v, weight in self.weights.items()
        )
        return f"version {self.version}" + (f" ({shares})" if shares else "")

    @classmethod
    def from_answer(cls, function_name: str, answer: Dict[str, Any]) -> Alias:
        routing = answer.get("RoutingConfig") or {}
        weights = routing.get("AdditionalVersionWeights") or {}
        return cls(
            function_name=function_name,
            name=str(answer["Name"]),
            version=str(answer["FunctionVersion"]),
            weights={str(version): float(weight) for version, weight in weights.items()},
        )


def parse_weight(text: str) -> Tuple[str, float]:
    """`VERSION=WEIGHT` (e.g. `2=0.1`): the second version and the share it gets."""
    version, separator, weight_text = text.partition("=")
    try:
        weight = float(weight_text)
    except ValueError:
        weight = -1.0
    if not separator or not 0 < weight < 1:
        raise LambdaEditorError(
            f"{text!r} is not VERSION=WEIGHT with a weight between 0 and 1.",
            "Write e.g. 2=0.1 to send 10% of the invocations to version 2.",
        )
    return version.strip(), weight


def point_alias(
    target: AwsTarget,
    function: str,
    alias: str,
    version: str,
    *,
    weighted: Optional[Tuple[str, float]] = None,
) -> Alias:
    """Create `alias` on `version`, or move it there; `weighted` sends a share of its invocations
    to a second version, and without it any earlier share is removed.

    An existing alias is updated with the RevisionId just read: a move made meanwhile by someone
    else is refused, not overwritten.
    """
    _check_alias(alias, version, weighted)
    routing = {"AdditionalVersionWeights": dict([weighted]) if weighted else {}}
    try:
        lambda_client = aws.lambda_client(target)
        existing = _current_alias(lambda_client, function, alias)
        if existing is None:
            arguments: Dict[str, Any] = {"RoutingConfig": routing} if weighted else {}
            answer = lambda_client.create_alias(
                FunctionName=function, Name=alias, FunctionVersion=version, **arguments
            )
        else:
            answer = lambda_client.update_alias(
                FunctionName=function,
                Name=alias,
                FunctionVersion=version,
                RoutingConfig=routing,
                RevisionId=existing["RevisionId"],
            )
    except Exception as exc:
        raise explain(exc, f"point the alias {alias} of {function}", target.profile) from exc
    return Alias.from_answer(function_name_of(function), answer)


def _current_alias(client: Any, function: str, alias: str) -> Optional[Dict[str, Any]]:
    try:
        return dict(client.get_alias(FunctionName=function, Name=alias))
    except Exception as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        raise


def _check_alias(alias: str, version: str, weighted: Optional[Tuple[str, float]]) -> None:
    if not _ALIAS_NAME.match(alias):
        raise LambdaEditorError(
            f"{alias!r} cannot name an alias.",
            "Use up to 128 letters, digits, dashes and underscores, not only digits.",
        )
    if not _VERSION.match(version):
        raise LambdaEditorError(f"{version!r} is not a version: write a number or $LATEST.")
    if weighted is None:
        return
    second, _weight = weighted
    if not _VERSION.match(second) or LATEST in (version, second):
        raise LambdaEditorError(
            "A weighted alias routes between two published versions, not $LATEST.",
            "Publish a version first, then point the alias at version numbers.",
        )
    if second == version:
        raise LambdaEditorError(f"The alias already points at version {version}: pick another.")


# --- what an invoke can name ------------------------------------------------------------------


@dataclass(frozen=True)
class Qualifier:
    """$LATEST, a published version or an alias, as a picker shows it."""

    name: str
    kind: str  # "latest", "alias" or "version"
    detail: str


def list_versions(client: Any, function: str) -> List[Dict[str, Any]]:
    """The published versions' configurations, newest first ($LATEST left out)."""
    versions = [
        configuration
        for page in client.get_paginator("list_versions_by_function").paginate(
            FunctionName=function
        )
        for configuration in page["Versions"]
        if configuration["Version"] != LATEST
    ]
    return sorted(versions, key=lambda configuration: -int(configuration["Version"]))


def list_aliases(client: Any, function: str) -> List[Alias]:
    name = function_name_of(function)
    return sorted(
        (
            Alias.from_answer(name, answer)
            for page in client.get_paginator("list_aliases").paginate(FunctionName=function)
            for answer in page["Aliases"]
        ),
        key=lambda alias: alias.name,
    )


def list_qualifiers(target: AwsTarget, function: str) -> List[Qualifier]:
    """$LATEST, then the aliases, then the published versions (newest first)."""
    try:
        client = aws.lambda_client(target)
        aliases = list_aliases(client, function)
        versions = list_versions(client, function)
    except Exception as exc:
        raise explain(exc, f"list the versions of {function}", target.profile) from exc
    return [
        Qualifier(LATEST, "latest", "the code and configuration deployed now"),
        *(Qualifier(alias.name, "alias", alias.routing()) for alias in aliases),
        *(
            Qualifier(str(config["Version"]), "version", _version_detail(config))
            for config in versions
        ),
    ]


def _version_detail(configuration: Dict[str, Any]) -> str:
    """`the description · 2024-05-01 12:00`."""
    published = str(configuration.get("LastModified", ""))[:16].replace("T", " ")
    return " · ".join(part for part in (configuration.get("Description"), published) if part)
