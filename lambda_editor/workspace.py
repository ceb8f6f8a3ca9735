"""A function's workspace: its files plus `.lambda-editor/function.json`, the marker binding them.

The marker (see `marker`) says which function the folder deploys to and what is deployed. It also
keeps the function's environment variables (for local invoke), so it is written readable by its
owner only and never printed.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import sys
import threading
import time
from dataclasses import dataclass, replace
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from . import actions, config_file
from .atomic_files import write_text_atomically
from .configuration import Configuration, changed_fields, from_function
from .errors import LambdaEditorError
from .folders import make_private_dir
from .layout import BACKUP_MARKER_FILE, CONFIGURATION_FILE, MARKER_FILE, METADATA_DIR
from .locking import workspace_lock
from .marker import Binding, DamagedMarkerError, Marker, PendingUpload, region_and_account
from .packaging.builder import BuiltPackage, build_package
from .packaging.manifest import Manifest, ManifestDiff, diff_manifests, scan

__all__ = ["Binding", "PendingUpload", "Workspace", "region_and_account", "workspace_lock"]

# How an undeployed change of the configuration file is listed among changed files.
CONFIGURATION_CHANGE = f"{METADATA_DIR}/{CONFIGURATION_FILE}"


@dataclass(frozen=True)
class Workspace:
    """A folder bound to a function. Values are immutable: `with_deployment` returns a new one."""

    root: str
    binding: Binding
    manifest: Manifest  # what is deployed
    pending: Tuple[PendingUpload, ...] = ()  # uploads whose outcome was never seen
    left_out: Tuple[str, ...] = ()  # deployed files a deploy from here leaves out
    # The fields of a configuration update whose outcome was never seen.
    pending_configuration: Optional[Configuration] = None

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
    def create(
        cls, root: str, binding: Binding, manifest: Manifest, left_out: Sequence[str] = ()
    ) -> Workspace:
        workspace = cls(os.path.abspath(root), binding, manifest, left_out=tuple(left_out))
        workspace.save()
        return workspace

    @classmethod
    def load(cls, root: str) -> Workspace:
        """The workspace at `root`, its marker checked whole (`DamagedMarkerError`).

        A workspace inside another is refused: which function its files belong to is unclear,
        so nothing is deployed from either path.
        """
        root = os.path.abspath(root)
        marker = _marker_path(root)
        try:
            with open(marker, "rb") as source:
                raw = source.read()
        except FileNotFoundError:
            raise LambdaEditorError(
                f"{root} is not a Lambda Editor workspace "
                f"(it has no {METADATA_DIR}/{MARKER_FILE}).",
                "Download the function first.",
                next_action=actions.DOWNLOAD,
            ) from None
        except OSError as exc:
            raise LambdaEditorError(f"Could not read {marker}: {exc.strerror or exc}.") from exc
        parsed = _parsed_markers.parse(marker, raw)
        _refuse_enclosing_workspace(root)
        # Copies: the parsed marker is kept for the next load.
        pending = tuple(replace(up, manifest=dict(up.manifest)) for up in parsed.pending)
        return cls(
            root,
            parsed.binding,
            dict(parsed.manifest),
            pending,
            parsed.left_out,
            parsed.pending_configuration,
        )

    @classmethod
    def find(cls, path: str) -> Optional[Workspace]:
        """The nearest workspace holding `path` (a file or folder), or None.

        Raises LambdaEditorError when the nearest marker is damaged or lies inside another
        workspace: a save there must not be silently ignored.
        """
        root = find_root(path)
        return cls.load(root) if root else None

    def save(self) -> None:
        """Write the marker atomically (temporary file + rename), readable by the owner only,
        holding the workspace's lock."""
        marker = Marker(
            self.binding, self.manifest, self.pending, self.left_out, self.pending_configuration
        )
        text = marker.to_text()  # compact: a large manifest is written on every deploy
        try:
            with workspace_lock(self.root):
                make_private_dir(self.metadata_dir)
                write_text_atomically(self.marker_path, text)
        except OSError as exc:
            raise LambdaEditorError(
                f"Could not save the workspace marker {self.marker_path}: {exc.strerror or exc}."
            ) from exc

    def with_deployment(self, config: Mapping[str, Any], manifest: Manifest) -> Workspace:
        """After a confirmed deploy: the new configuration and deployed manifest; no update is
        pending any more, and nothing deployed is left out. The caller saves."""
        return replace(
            self,
            binding=self.binding.with_configuration(config),
            manifest=manifest,
            pending=(),
            left_out=(),
            pending_configuration=None,
        )

    def with_configuration_deployed(self, config: Mapping[str, Any]) -> Workspace:
        """After a confirmed configuration update: its RevisionId and configuration recorded,
        no configuration update pending. The code recorded stays: a forced update confirms no
        code. The caller saves."""
        binding = replace(
            self.binding, revision_id=str(config["RevisionId"]), configuration=from_function(config)
        )
        return replace(self, binding=binding, pending_configuration=None)

    def with_pending_configuration(self, changes: Configuration) -> Workspace:
        """With a configuration update whose outcome is not known yet. The caller saves."""
        return replace(self, pending_configuration=dict(changes))

    def with_revision(self, config: Mapping[str, Any]) -> Workspace:
        """With the RevisionId (and CodeSha256) of an update of ours that failed: the files are
        still to be deployed, the next upload must carry that RevisionId. The caller saves."""
        return replace(self, binding=self.binding.with_configuration(config))

    def with_pending(self, code_sha256: str, manifest: Manifest) -> Workspace:
        """With one more upload whose outcome is not known yet. The caller saves."""
        kept = tuple(upload for upload in self.pending if upload.code_sha256 != code_sha256)
        return replace(self, pending=(*kept, PendingUpload(code_sha256, manifest)))

    def known_modes(self) -> Dict[str, int]:
        """Deployed file modes, for filesystems that cannot store an execute bit (Windows)."""
        return {path: entry.mode for path, entry in self.manifest.items()}

    def local_manifest(self, exclude: Sequence[str] = ()) -> Manifest:
        return scan(self.root, exclude, self.known_modes())

    def build_package(self, exclude: Sequence[str] = ()) -> BuiltPackage:
        """The zip to deploy, keeping deployed modes where the filesystem loses them."""
        return build_package(self.root, exclude, self.known_modes())

    def undeployed_changes(self, exclude: Sequence[str] = ()) -> ManifestDiff:
        """The files that differ from what is deployed; an edit of the configuration file that
        is not deployed is listed as a change of that file."""
        changes = diff_manifests(self.manifest, self.local_manifest(exclude))
        if self.configuration_changed():
            changes.changed.append(CONFIGURATION_CHANGE)
        return changes

    def wanted_configuration(self) -> Optional[Configuration]:
        """What the configuration file asks for, checked whole; None without a file."""
        return config_file.read(self.root, self.binding.configuration)

    def configuration_changed(self) -> bool:
        """Whether the configuration file asks for what is not deployed (a file that is not
        valid is an edit too; one without a recorded configuration cannot be compared)."""
        try:
            wanted = self.wanted_configuration()
        except LambdaEditorError:
            return True
        deployed = self.binding.configuration
        return wanted is not None and (deployed is None or bool(changed_fields(deployed, wanted)))

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


class _ParsedMarkers:
    """The markers this process parsed last, each with its exact bytes: a deploy reads the
    marker on every save, and bytes unchanged since they were checked need no second check."""

    def __init__(self, kept: int = 8) -> None:
        self._kept = kept
        self._by_path: Dict[str, Tuple[bytes, Marker]] = {}  # least recently parsed first
        self._lock = threading.Lock()

    def parse(self, path: str, raw: bytes) -> Marker:
        """The marker these bytes hold, checked whole (`DamagedMarkerError`)."""
        with self._lock:
            known = self._by_path.get(path)
        if known is not None and known[0] == raw:
            return known[1]
        try:
            data = json.loads(raw.decode("utf-8"))
        except RecursionError:
            raise DamagedMarkerError(path, "nests too deeply") from None
        except ValueError as exc:  # JSON syntax or encoding (NaN and the like fail the checks)
            raise DamagedMarkerError(path, f"is not valid JSON ({exc})") from exc
        parsed = Marker.from_json(data, path)
        with self._lock:
            self._by_path.pop(path, None)
            self._by_path[path] = (raw, parsed)
            while len(self._by_path) > self._kept:
                del self._by_path[next(iter(self._by_path))]
        return parsed


_parsed_markers = _ParsedMarkers()


def find_root(path: str) -> Optional[str]:
    """The folder of the nearest workspace holding `path`, without reading its marker.

    Cheap enough for the UI thread (a few `stat` calls): menus ask it to enable commands. A
    workspace inside another is found, and refused when loaded (`Workspace.load`).
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


def _refuse_enclosing_workspace(root: str) -> None:
    outer = find_root(os.path.dirname(root))
    if outer is not None:
        raise LambdaEditorError(
            f"{root} is a workspace inside the workspace {outer}: which function its files "
            "belong to is unclear, so nothing is deployed from it.",
            f"Move one of them elsewhere, or delete {os.path.join(root, METADATA_DIR)} if that "
            "folder is not a workspace of its own.",
        )


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


def unused_backup_path(root: str) -> str:
    """`<root>.backup-YYYYmmdd-HHMMSS` beside the folder, numbered when that name is taken."""
    base = f"{os.path.abspath(root)}.backup-{_backup_stamp()}"
    backup, attempt = base, 1
    while os.path.lexists(backup):
        attempt += 1
        backup = f"{base}-{attempt}"
    return backup


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
    backup = unused_backup_path(root)
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
