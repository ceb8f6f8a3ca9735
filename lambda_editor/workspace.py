"""A function's workspace: its files plus `.lambda-editor/function.json`, the marker binding them.

The marker holds `{"version": 1, "binding": {...}, "manifest": {...}}`: which function the folder
deploys to, and the manifest of what is deployed. It also keeps the function's environment
variables (for local invoke), so it is written readable by its owner only and never printed.
Keys a later version adds are ignored when loading.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import sys
import tempfile
import threading
import time
from dataclasses import MISSING, dataclass, field, fields, replace
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from .aws import AwsTarget
from .errors import LambdaEditorError
from .layout import BACKUP_MARKER_FILE, MARKER_FILE, METADATA_DIR
from .packaging.builder import BuiltPackage, build_package
from .packaging.manifest import (
    Manifest,
    ManifestDiff,
    diff_manifests,
    manifest_from_json,
    manifest_to_json,
    scan,
)

MARKER_VERSION = 1
_OWNER_ONLY_DIR = 0o700


def _utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _environment(config: Mapping[str, Any]) -> Dict[str, str]:
    variables = (config.get("Environment") or {}).get("Variables") or {}
    return {str(name): str(value) for name, value in variables.items()}


# Binding field <- how to read it from a Lambda FunctionConfiguration, for the keys it carries.
_FROM_CONFIGURATION: Dict[str, Tuple[str, Callable[[Mapping[str, Any]], Any]]] = {
    "function_arn": ("FunctionArn", lambda c: str(c["FunctionArn"])),
    "function_name": ("FunctionName", lambda c: str(c["FunctionName"])),
    "revision_id": ("RevisionId", lambda c: str(c["RevisionId"])),
    "code_sha256": ("CodeSha256", lambda c: str(c["CodeSha256"])),
    "runtime": ("Runtime", lambda c: c["Runtime"]),
    "handler": ("Handler", lambda c: c["Handler"]),
    "architectures": ("Architectures", lambda c: tuple(c["Architectures"])),
    "timeout": ("Timeout", lambda c: int(c["Timeout"])),
    "memory_size": ("MemorySize", lambda c: int(c["MemorySize"])),
    "environment": ("Environment", _environment),
}


_REQUIRED_TEXT = (
    "function_arn",
    "function_name",
    "account",
    "region",
    "revision_id",
    "code_sha256",
    "downloaded_at",
)


@dataclass(frozen=True)
class Binding:
    """Which function a workspace deploys to, and what we last knew about it."""

    function_arn: str
    function_name: str
    account: str
    region: str
    profile: Optional[str]
    endpoint_url: Optional[str]
    revision_id: str
    code_sha256: str
    runtime: Optional[str]
    handler: Optional[str]
    architectures: Tuple[str, ...]
    timeout: int
    memory_size: int
    environment: Dict[str, str] = field(repr=False)  # for local invoke; values never shown
    downloaded_at: str  # ISO 8601 UTC
    # The CodeSha256 of an upload whose outcome was never seen (a timeout while waiting, a crash):
    # if AWS holds that code, the changed RevisionId is ours, not someone else's.
    pending_code_sha256: Optional[str] = None

    @property
    def target(self) -> AwsTarget:
        return AwsTarget(self.profile, self.region, self.endpoint_url)

    @property
    def architecture(self) -> str:
        return self.architectures[0] if self.architectures else "x86_64"

    @classmethod
    def from_configuration(
        cls, config: Mapping[str, Any], profile: Optional[str], endpoint_url: Optional[str]
    ) -> Binding:
        """From GetFunction's `Configuration`; account and region come from the ARN."""
        missing = [key for key in ("FunctionArn", "FunctionName") if key not in config]
        if missing:
            raise LambdaEditorError(f"The function's configuration has no {missing[0]}.")
        defaults = cls(
            function_arn="",
            function_name="",
            account="",
            region="",
            profile=profile or None,
            endpoint_url=endpoint_url or None,
            revision_id="",
            code_sha256="",
            runtime=None,
            handler=None,
            architectures=(),
            timeout=3,
            memory_size=128,
            environment={},
            downloaded_at=_utc_now(),
        )
        return defaults.with_configuration(config)

    def with_configuration(self, config: Mapping[str, Any]) -> Binding:
        """This binding updated with what `config` carries (after a deploy: new RevisionId and
        CodeSha256); profile, endpoint and time of download stay."""
        try:
            changes = {
                name: read(config)
                for name, (key, read) in _FROM_CONFIGURATION.items()
                if key in config
            }
        except (TypeError, ValueError, AttributeError) as exc:
            raise LambdaEditorError(f"The function's configuration is malformed: {exc}.") from exc
        if "function_arn" in changes:
            changes["region"], changes["account"] = region_and_account(changes["function_arn"])
        return replace(self, **changes)

    def to_json(self) -> Dict[str, Any]:
        data = {item.name: getattr(self, item.name) for item in fields(self)}
        data["architectures"] = list(self.architectures)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Binding:
        """Raises KeyError, TypeError or ValueError on a malformed binding."""
        known = {item.name for item in fields(cls)}
        values = {name: value for name, value in data.items() if name in known}
        values["architectures"] = tuple(str(arch) for arch in values.get("architectures") or ())
        values["environment"] = dict(values.get("environment") or {})
        required = {
            item.name
            for item in fields(cls)
            if item.default is MISSING and item.default_factory is MISSING
        }
        missing = required - values.keys()
        if missing:
            raise KeyError(", ".join(sorted(missing)))
        for name in _REQUIRED_TEXT:
            if not isinstance(values[name], str):
                raise TypeError(f"{name} is not a string")
        values["timeout"], values["memory_size"] = (
            int(values["timeout"]),
            int(values["memory_size"]),
        )
        return cls(**values)


def region_and_account(arn: str) -> Tuple[str, str]:
    """`arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]` -> (region, account)."""
    parts = arn.split(":")
    if len(parts) < 7 or parts[0] != "arn" or parts[2] != "lambda" or parts[5] != "function":
        raise LambdaEditorError(f"{arn!r} is not a Lambda function ARN.")
    return parts[3], parts[4]


@dataclass(frozen=True)
class Workspace:
    """A folder bound to a function. Values are immutable: `with_deployment` returns a new one."""

    root: str
    binding: Binding
    manifest: Manifest  # what is deployed

    @property
    def metadata_dir(self) -> str:
        return os.path.join(self.root, METADATA_DIR)

    @property
    def marker_path(self) -> str:
        return os.path.join(self.metadata_dir, MARKER_FILE)

    @property
    def events_dir(self) -> str:
        return os.path.join(self.metadata_dir, "events")

    @classmethod
    def create(cls, root: str, binding: Binding, manifest: Manifest) -> Workspace:
        workspace = cls(os.path.abspath(root), binding, manifest)
        workspace.save()
        return workspace

    @classmethod
    def load(cls, root: str) -> Workspace:
        root = os.path.abspath(root)
        marker = _marker_path(root)
        try:
            with open(marker, encoding="utf-8") as source:
                data = json.load(source)
        except FileNotFoundError:
            raise LambdaEditorError(
                f"{root} is not a Lambda Editor workspace "
                f"(it has no {METADATA_DIR}/{MARKER_FILE}).",
                'Open the function with "Lambda: Edit Function…" '
                "or `python -m lambda_editor pull NAME`.",
            ) from None
        except OSError as exc:
            raise LambdaEditorError(f"Could not read {marker}: {exc.strerror or exc}.") from exc
        except ValueError as exc:  # JSON syntax or encoding
            raise _corrupt_marker(marker, f"not valid JSON ({exc})") from exc
        return cls(root, *_parse_marker(data, marker))

    @classmethod
    def find(cls, path: str) -> Optional[Workspace]:
        """The nearest workspace holding `path` (a file or folder), or None.

        Raises LambdaEditorError when the nearest marker is corrupt: a save there must not be
        silently ignored.
        """
        root = find_root(path)
        return cls.load(root) if root else None

    def save(self) -> None:
        """Write the marker atomically (temporary file + rename), readable by the owner only."""
        document = {
            "version": MARKER_VERSION,
            "binding": self.binding.to_json(),
            "manifest": manifest_to_json(self.manifest),
        }
        try:
            os.makedirs(self.metadata_dir, mode=_OWNER_ONLY_DIR, exist_ok=True)
            os.chmod(self.metadata_dir, _OWNER_ONLY_DIR)
            # Compact: json's C encoder serves only unindented output, and a large manifest
            # is written on every deploy.
            text = json.dumps(document, separators=(",", ":"), sort_keys=True)
            _write_atomically(self.marker_path, text)
        except OSError as exc:
            raise LambdaEditorError(
                f"Could not save the workspace marker {self.marker_path}: {exc.strerror or exc}."
            ) from exc

    def with_deployment(self, config: Mapping[str, Any], manifest: Manifest) -> Workspace:
        """After a deploy: the new configuration and deployed manifest. The caller saves."""
        return replace(self, binding=self.binding.with_configuration(config), manifest=manifest)

    def known_modes(self) -> Dict[str, int]:
        """Deployed file modes, for filesystems that cannot store an execute bit (Windows)."""
        return {path: entry.mode for path, entry in self.manifest.items()}

    def local_manifest(self, exclude: Sequence[str] = ()) -> Manifest:
        return scan(self.root, exclude, self.known_modes())

    def build_package(self, exclude: Sequence[str] = ()) -> BuiltPackage:
        """The zip to deploy, keeping deployed modes where the filesystem loses them."""
        return build_package(self.root, exclude, self.known_modes())

    def undeployed_changes(self, exclude: Sequence[str] = ()) -> ManifestDiff:
        return diff_manifests(self.manifest, self.local_manifest(exclude))

    def handler_path(self) -> Optional[str]:
        """The handler's source file, when the runtime is Python or Node.js and the file exists."""
        handler = self.binding.handler or ""
        runtime = self.binding.runtime or ""
        if "." not in handler:
            return None
        if runtime.startswith("python"):
            module = handler.rsplit(".", 1)[0].replace(".", "/")
            candidates = [f"{module}.py", f"{module}/__init__.py"]
        elif runtime.startswith("nodejs"):
            folder, _, name = handler.rpartition("/")
            module = posixpath.join(folder, name.split(".", 1)[0])
            candidates = [f"{module}{suffix}" for suffix in (".js", ".mjs", ".cjs")]
        else:
            return None
        for candidate in candidates:
            path = os.path.normpath(os.path.join(self.root, *candidate.split("/")))
            if path.startswith(self.root + os.sep) and os.path.isfile(path):
                return path
        return None


def find_root(path: str) -> Optional[str]:
    """The folder of the nearest workspace holding `path`, without reading its marker.

    Cheap enough for the UI thread (a few `stat` calls): menus ask it to enable commands.
    """
    folder = os.path.abspath(path)
    if not os.path.isdir(folder):
        folder = os.path.dirname(folder)
    while True:
        if os.path.isfile(_marker_path(folder)):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _marker_path(root: str) -> str:
    return os.path.join(root, METADATA_DIR, MARKER_FILE)


def _corrupt_marker(marker: str, why: str) -> LambdaEditorError:
    return LambdaEditorError(
        f"The workspace marker {marker} is corrupt: {why}.",
        "Download the function again (your files are kept in a backup folder).",
    )


def _parse_marker(data: Any, marker: str) -> Tuple[Binding, Manifest]:
    if not isinstance(data, dict):
        raise _corrupt_marker(marker, "it does not hold a JSON object")
    try:
        binding = Binding.from_json(data["binding"])
    except KeyError as exc:
        raise _corrupt_marker(marker, f"the binding lacks {exc.args[0]}") from exc
    except (TypeError, ValueError, AttributeError) as exc:
        raise _corrupt_marker(marker, f"the binding is malformed ({exc})") from exc
    try:
        manifest = manifest_from_json(data.get("manifest", {}))
    except LambdaEditorError as exc:
        raise _corrupt_marker(marker, exc.message.rstrip(".")) from exc
    return binding, manifest


def _write_atomically(path: str, text: str) -> None:
    folder = os.path.dirname(path)
    # mkstemp creates the file readable and writable by its owner only (0o600).
    descriptor, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=folder)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as sink:
            sink.write(text)
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


# --- where workspaces live --------------------------------------------------------------------

_SAFE_PATH_PART = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*$")


def workspace_path(workspace_root: str, account: str, region: str, function_name: str) -> str:
    """`<workspace_root>/<account>/<region>/<function>`."""
    for part in (account, region, function_name):
        if not _SAFE_PATH_PART.match(part):
            raise LambdaEditorError(f"{part!r} cannot name a workspace folder.")
    return os.path.join(os.path.abspath(workspace_root), account, region, function_name)


def default_workspace_root() -> str:
    """A per-user data folder shared by the Sublime package and the command line, so both see
    the same workspaces: `~/.local/share/lambda-editor/workspaces` (`$XDG_DATA_HOME`) on Linux,
    `~/Library/Application Support/Lambda Editor/workspaces` on macOS,
    `%LOCALAPPDATA%\\Lambda Editor\\workspaces` on Windows (local, not roaming: `vendor/` makes
    workspaces large).

    Never a cache folder (cleaners empty those) nor the temp folder: undeployed edits and test
    events are the user's data.
    """
    home = os.path.expanduser("~")
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA") or os.path.join(home, "AppData", "Local")
        return os.path.join(local, "Lambda Editor", "workspaces")
    if sys.platform == "darwin":
        support = os.path.join(home, "Library", "Application Support")
        return os.path.join(support, "Lambda Editor", "workspaces")
    xdg = os.environ.get("XDG_DATA_HOME", "")
    data = xdg if os.path.isabs(xdg) else os.path.join(home, ".local", "share")
    return os.path.join(data, "lambda-editor", "workspaces")


def _backup_stamp() -> str:
    return time.strftime("%Y%m%d-%H%M%S")  # local time: the name is read by people


_locks: Dict[str, threading.RLock] = {}
_locks_guard = threading.Lock()


def workspace_lock(root: str) -> threading.RLock:
    """The lock a deploy holds for its whole run and a download for its swap.

    So a deploy never records its upload in a marker that a re-download replaced meanwhile, and a
    re-download judges the old copy only once its deploy ended. (Within this process: the Sublime
    plugin, or one CLI command.)
    """
    key = os.path.normcase(os.path.abspath(root))
    with _locks_guard:
        return _locks.setdefault(key, threading.RLock())


def backup_workspace(root: str, source: Optional[str] = None) -> str:
    """Move the folder (or `source`, the copy of it moved aside) to
    `<root>.backup-YYYYmmdd-HHMMSS`, beside it; that path.

    The backup is unbound (its marker renamed to `BACKUP_MARKER_FILE`): saving a file in it must not
    deploy the old copy over the function.
    """
    root = os.path.abspath(root)
    source = os.path.abspath(source or root)
    if not os.path.isdir(source):
        raise LambdaEditorError(f"Cannot back up {source}: it is not a folder.")
    base = f"{root}.backup-{_backup_stamp()}"
    backup, attempt = base, 1
    while os.path.lexists(backup):
        attempt += 1
        backup = f"{base}-{attempt}"
    try:
        os.rename(source, backup)
    except OSError as exc:
        raise LambdaEditorError(
            f"Could not back up {root}: {exc.strerror or exc}.",
            "Close programs using files in it and try again.",
        ) from exc
    marker = _marker_path(backup)
    if os.path.isfile(marker):
        os.replace(marker, os.path.join(backup, METADATA_DIR, BACKUP_MARKER_FILE))
    return backup


def list_workspaces(workspace_root: str) -> List[Workspace]:
    """Every valid workspace at `<workspace_root>/<account>/<region>/<function>`, sorted by path.

    Backups, half-extracted folders and folders with a corrupt marker are left out.
    """
    found: List[Workspace] = []
    for account in _subfolders(workspace_root):
        for region in _subfolders(account):
            for folder in _subfolders(region):
                workspace = _load_if_valid(folder)
                if workspace is not None and _is_canonical(workspace, workspace_root):
                    found.append(workspace)
    return sorted(found, key=lambda workspace: workspace.root)


def _subfolders(folder: str) -> List[str]:
    try:
        with os.scandir(folder) as entries:
            return [entry.path for entry in entries if entry.is_dir(follow_symlinks=False)]
    except OSError:
        return []


def _load_if_valid(folder: str) -> Optional[Workspace]:
    if not os.path.isfile(_marker_path(folder)):
        return None
    try:
        return Workspace.load(folder)
    except LambdaEditorError:
        return None


def _is_canonical(workspace: Workspace, workspace_root: str) -> bool:
    binding = workspace.binding
    try:
        expected = workspace_path(
            workspace_root, binding.account, binding.region, binding.function_name
        )
    except LambdaEditorError:
        return False
    return os.path.normcase(expected) == os.path.normcase(workspace.root)
