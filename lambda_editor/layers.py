"""A function's layers for local runs: downloaded once, kept in a cache, put on `sys.path`.

Lambda extracts each layer into `/opt`, in the order the function lists them (a later layer
overwrites an earlier one's files), and its Python runtime puts `/opt/python/lib/pythonX.Y/
site-packages` and then `/opt/python` on `sys.path`, after the function's folder. Locally each
layer version is extracted into a folder of its own in a cache shared by every workspace (a layer
version never changes, so its ARN names its content); `python_paths` orders those folders so the
same module wins as on Lambda.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Sequence, Tuple

from . import aws
from .aws import AwsTarget
from .errors import LambdaEditorError, error_code, explain
from .events import write_json_file
from .folders import make_private_dir, remove_tree
from .functions import download_code
from .packaging.extract import extract_package

# The cache keeps at most this much (the layers in use are kept whatever their size).
DEFAULT_CACHE_LIMIT = 1024 * 1024 * 1024


def default_layer_cache(workspace_root: str) -> str:
    """The layer cache beside the workspace root's folder: `<root>/../layers`."""
    return os.path.join(os.path.dirname(os.path.abspath(workspace_root)), "layers")


@dataclass(frozen=True)
class LayerCache:
    """Extracted layer versions by ARN, readable by their owner only, within a size limit."""

    root: str
    limit: int = DEFAULT_CACHE_LIMIT

    def folder(self, arn: str) -> str:
        return os.path.join(self.root, hashlib.sha256(arn.encode()).hexdigest()[:32])

    def layer_folders(
        self,
        target: AwsTarget,
        arns: Sequence[str],
        on_progress: Callable[[str], None] = lambda _text: None,
    ) -> List[str]:
        """Each layer's extracted folder, in the function's order; missing ones downloaded."""
        self._prepare()
        folders = []
        downloaded = False
        for arn in arns:
            folder = self.folder(arn)
            if not os.path.isdir(folder):
                on_progress(f"downloading the layer {arn}…")
                self._download(target, arn, folder)
                downloaded = True
            _touch(folder + ".json")
            folders.append(folder)
        if downloaded:
            self.trim(keep=folders)
        return folders

    def trim(self, keep: Sequence[str] = ()) -> None:
        """Forget the least recently used layers until the cache is within its limit."""
        entries = []
        for record in glob.glob(os.path.join(self.root, "*.json")):
            folder = record[: -len(".json")]
            if os.path.isdir(folder):
                entries.append((_mtime(record), _recorded_size(record), folder))
        total = sum(size for _, size, _ in entries)
        for _, size, folder in sorted(entries):
            if total <= self.limit:
                return
            if folder in keep:
                continue
            _remove(folder)
            total -= size

    def _prepare(self) -> None:
        try:
            make_private_dir(self.root)
        except OSError as exc:
            raise LambdaEditorError(
                f"Could not make the layer cache {self.root}: {exc.strerror or exc}."
            ) from exc

    def _download(self, target: AwsTarget, arn: str, folder: str) -> None:
        content = _layer_content(target, arn)
        with tempfile.TemporaryDirectory(prefix=".download-", dir=self.root) as scratch:
            archive = os.path.join(scratch, "layer.zip")
            try:
                download_code(
                    content["Location"],
                    archive,
                    content["CodeSha256"],
                    ca_bundle=aws.ca_bundle(target),
                )
            except LambdaEditorError as error:
                raise LambdaEditorError(
                    f"Could not download the layer {arn}: {error.message}", error.hint
                ) from None
            try:
                extract_package(archive, folder)
            except LambdaEditorError:
                if not os.path.isdir(folder):  # another process extracted it first: as good
                    raise
        size = sum(
            os.path.getsize(os.path.join(top, name))
            for top, _, names in os.walk(folder)
            for name in names
        )
        write_json_file(
            folder + ".json", {"arn": arn, "code_sha256": content["CodeSha256"], "size": size}
        )


def function_layers(binding: Any) -> Tuple[str, ...]:
    """The layer version ARNs of a workspace's function (a `workspace.Binding`): as recorded, or
    read from AWS for a workspace made before they were recorded."""
    if binding.layers is not None:
        return tuple(binding.layers)
    try:
        configuration = aws.lambda_client(binding.target).get_function_configuration(
            FunctionName=binding.function_arn
        )
    except Exception as exc:
        action = f"read the layers of {binding.function_name}"
        raise explain(exc, action, binding.profile) from exc
    return tuple(str(layer["Arn"]) for layer in configuration.get("Layers") or ())


def _layer_content(target: AwsTarget, arn: str) -> Any:
    """GetLayerVersionByArn's `Content`: where to download (presigned: never logged) and its
    CodeSha256."""
    try:
        return aws.lambda_client(target).get_layer_version_by_arn(Arn=arn)["Content"]
    except Exception as exc:
        if error_code(exc) in {"AccessDeniedException", "AccessDenied"}:
            raise LambdaEditorError(
                f"Cannot read the layer {arn}: access denied.",
                "Your IAM identity needs lambda:GetLayerVersion on it (a layer of another "
                "account must be shared with yours).",
            ) from None
        raise explain(exc, f"read the layer {arn}", target.profile) from exc


def python_paths(folders: Sequence[str], runtime: Optional[str]) -> List[str]:
    """The `sys.path` entries of the layers, as Lambda's Python runtime would see them.

    Lambda looks in `python/lib/pythonX.Y/site-packages` before `python/`, and in one `/opt`
    where a later layer's files replace an earlier one's: so within each kind of folder the
    later layers come first.
    """
    version = runtime if runtime and runtime.startswith("python") else None
    paths = []
    for folder in reversed(folders):
        pattern = os.path.join(folder, "python", "lib", version or "python3*", "site-packages")
        paths.extend(sorted(path for path in glob.glob(pattern) if os.path.isdir(path)))
    paths.extend(
        os.path.join(folder, "python")
        for folder in reversed(folders)
        if os.path.isdir(os.path.join(folder, "python"))
    )
    return paths


def _touch(path: str) -> None:
    with contextlib.suppress(OSError):  # a missing record only makes the layer look old
        os.utime(path)


def _mtime(path: str) -> float:
    try:
        return os.path.getmtime(path)
    except OSError:
        return 0.0


def _recorded_size(record: str) -> int:
    try:
        with open(record, encoding="utf-8") as stream:
            return int(json.load(stream)["size"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def _remove(folder: str) -> None:
    """Out of the cache at once (renamed), then deleted."""
    trash = f"{folder}.removing-{time.time_ns()}"
    try:
        os.rename(folder, trash)
    except OSError:
        return
    remove_tree(trash)
    with contextlib.suppress(OSError):
        os.remove(folder + ".json")
