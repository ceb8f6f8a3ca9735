"""What differs between a workspace and the code deployed in AWS right now."""

from __future__ import annotations

import difflib
import os
import tempfile
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from . import aws
from .configuration import describe_changes, from_function
from .errors import LambdaEditorError, explain
from .folders import remove_tree
from .functions import download_code, get_function
from .packaging.extract import extract_package
from .packaging.manifest import Manifest, diff_manifests, excluded_here
from .swap import finish_interrupted_swap
from .workspace import CONFIGURATION_CHANGE, Workspace


def remote_diff(root: str, exclude: Sequence[str] = ()) -> str:
    """A unified diff from the deployed code (`deployed/…`) to the workspace (`local/…`)."""
    finish_interrupted_swap(root, "compared")
    workspace = Workspace.load(root)
    binding = workspace.binding
    scratch = tempfile.mkdtemp(prefix="lambda-editor-compare-")
    try:
        deployed_root = os.path.join(scratch, "deployed")
        try:
            code = get_function(aws.lambda_client(binding.target), binding.function_arn)
            archive = os.path.join(scratch, "code.zip")
            download_code(
                code.location,
                archive,
                code.configuration["CodeSha256"],
                ca_bundle=aws.ca_bundle(binding.target),
            )
        except LambdaEditorError:
            raise
        except Exception as exc:
            raise explain(exc, f"download {binding.function_name}", binding.profile) from exc
        deployed = extract_package(archive, deployed_root)
        local = workspace.local_manifest(exclude)
        header = (
            f"# {binding.function_name}: deployed {code.configuration.get('LastModified', '?')} "
            f"(left) against the workspace {root} (right)\n"
        )
        excluded = sorted({*excluded_here(root, deployed.manifest, local), *deployed.left_out})
        shown = {path: entry for path, entry in deployed.manifest.items() if path not in excluded}
        body = "".join(diff_trees(deployed_root, shown, root, local))
        body += "".join(
            f"Only in deployed, excluded here (the next deploy removes it): {path}\n"
            for path in excluded
        )
        body += configuration_differences(workspace, code.configuration)
    finally:
        remove_tree(scratch)
    return header + (body or "# No differences.\n")


def configuration_differences(workspace: Workspace, configuration: Dict[str, Any]) -> str:
    """What the workspace's configuration file changes against `configuration` (AWS's answer),
    environment values masked; empty without a file or a difference."""
    try:
        wanted = workspace.wanted_configuration()
    except LambdaEditorError as error:
        return f"# The configuration file is not valid: {error.message}\n"
    if wanted is None:
        return ""
    changes = describe_changes(from_function(configuration), wanted)
    if not changes:
        return ""
    lines = "".join(f"  {change}\n" for change in changes)
    return f"# Configuration: deployed → {CONFIGURATION_CHANGE}\n{lines}"


def diff_trees(
    left_root: str,
    left: Manifest,
    right_root: str,
    right: Manifest,
    labels: Tuple[str, str] = ("deployed", "local"),
) -> Iterator[str]:
    """Unified diff lines for every file that differs between two scanned trees."""
    old_label, new_label = labels
    changes = diff_manifests(left, right)
    for path in sorted(changes.added + changes.removed + changes.changed):
        old = _lines(left_root, path) if path in left else []
        new = _lines(right_root, path) if path in right else []
        if old is None or new is None:
            yield f"Binary files {old_label}/{path} and {new_label}/{path} differ\n"
            continue
        if old == new:  # the same text: a mode change, or an empty file on one side only
            yield _same_text(path, left, right, labels)
            continue
        yield from difflib.unified_diff(old, new, f"{old_label}/{path}", f"{new_label}/{path}")


def _same_text(path: str, left: Manifest, right: Manifest, labels: Tuple[str, str]) -> str:
    if path in left and path in right:
        return f"Mode of {path} changed: {left[path].mode:o} → {right[path].mode:o}\n"
    side = labels[1] if path in right else labels[0]
    return f"Only in {side}: {path} (empty)\n"


def _lines(root: str, path: str) -> Optional[List[str]]:
    """The file's lines, or None for a binary file."""
    with open(os.path.join(root, *path.split("/")), "rb") as handle:
        data = handle.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines
