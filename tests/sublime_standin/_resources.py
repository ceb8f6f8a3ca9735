"""Package resources ("Packages/<package>/<path>") and Sublime's JSON dialect.

A resource comes from a mapped package folder (the repository, for the package under test) or from
the stand-in's own Packages folder (User, and packages a test writes there).
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
from typing import Any, Dict, Iterator, List, Optional, Tuple

from . import _core

# Folders a checkout has that an installed package would not, and that are slow to walk.
SKIPPED_FOLDERS = {"__pycache__", "node_modules"}

RESOURCE_PREFIX = "Packages/"


def package_folders() -> List[Tuple[str, str]]:
    """(name, folder) of every package, in Sublime's order: Default first, User last."""
    paths = _core.state.paths
    folders = dict(paths.mapped_packages)
    if os.path.isdir(paths.packages):
        for name in os.listdir(paths.packages):
            full = os.path.join(paths.packages, name)
            if os.path.isdir(full) and name not in folders:
                folders[name] = full

    def order(name: str) -> Tuple[int, str]:
        return ({"Default": 0, "User": 2}.get(name, 1), name.lower())

    return [(name, folders[name]) for name in sorted(folders, key=order)]


def package_folder(name: str) -> str:
    paths = _core.state.paths
    return paths.mapped_packages.get(name) or os.path.join(paths.packages, name)


def resource_file(resource: str) -> Optional[str]:
    """The file behind "Packages/<package>/<path>", or None when there is none."""
    if not resource.startswith(RESOURCE_PREFIX):
        return None
    package, _, inner = resource[len(RESOURCE_PREFIX) :].partition("/")
    if not package or not inner:
        return None
    path = os.path.join(package_folder(package), *inner.split("/"))
    return path if os.path.isfile(path) else None


def real_path(path: str) -> str:
    """A path inside the Packages folder, redirected when its package is mapped elsewhere."""
    full = os.path.abspath(path)
    packages = os.path.abspath(_core.state.paths.packages)
    if not full.startswith(packages + os.sep):
        return full
    package, _, inner = os.path.relpath(full, packages).partition(os.sep)
    mapped = _core.state.paths.mapped_packages.get(package)
    return os.path.join(mapped, inner) if mapped else full


def resource_name(path: str) -> Optional[str]:
    """The resource name of a file inside a package folder, or None."""
    full = os.path.abspath(path)
    for name, folder in package_folders():
        root = os.path.abspath(folder)
        if full.startswith(root + os.sep):
            inner = os.path.relpath(full, root).replace(os.sep, "/")
            return f"{RESOURCE_PREFIX}{name}/{inner}"
    return None


def all_resources() -> Iterator[str]:
    for name, folder in package_folders():
        for root, folders, files in os.walk(folder):
            folders[:] = sorted(f for f in folders if not _skipped(f))
            inner = os.path.relpath(root, folder).replace(os.sep, "/")
            prefix = (
                f"{RESOURCE_PREFIX}{name}/" if inner == "." else f"{RESOURCE_PREFIX}{name}/{inner}/"
            )
            for file_name in sorted(files):
                yield prefix + file_name


def _skipped(folder: str) -> bool:
    return folder.startswith(".") or folder in SKIPPED_FOLDERS


def find_resources(pattern: str) -> List[str]:
    """Like Sublime: the glob is matched against each resource's file name."""
    return [r for r in all_resources() if fnmatch.fnmatchcase(r.rsplit("/", 1)[-1], pattern)]


def read_resource(resource: str) -> Optional[bytes]:
    path = resource_file(resource)
    if path is None:
        return None
    with open(path, "rb") as handle:
        return handle.read()


# Strings are matched first, so that "//" or a quote inside one is left alone.
_STRING_OR_COMMENT = re.compile(r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/', re.DOTALL)
_STRING_OR_TRAILING_COMMA = re.compile(r'("(?:\\.|[^"\\])*")|,(\s*[}\]])', re.DOTALL)


def decode_json(text: str) -> Any:
    """Sublime's JSON: comments and trailing commas allowed. Raises ValueError when invalid."""
    code = _STRING_OR_COMMENT.sub(lambda m: m.group(1) or " ", text)
    code = _STRING_OR_TRAILING_COMMA.sub(lambda m: m.group(1) or m.group(2), code)
    return json.loads(code)


def to_value(value: Any) -> Any:
    """What Sublime stores for a value: JSON types only, copied (tuples become lists)."""
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError) as error:
        raise ValueError(f"value is not a JSON type: {value!r}") from error


def load_settings_layers(base_name: str) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """(defaults merged from every package, the User package's values) for a settings file."""
    defaults: Dict[str, Any] = {}
    user: Dict[str, Any] = {}
    for name, folder in package_folders():
        path = os.path.join(folder, base_name)
        if os.path.isfile(path):
            layer = user if name == "User" else defaults
            layer.update(_read_settings_file(path))
    return defaults, user


def _read_settings_file(path: str) -> Dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    try:
        values = decode_json(text) if text.strip() else {}
    except ValueError as error:
        _core.state.records.console.append(f"Error trying to parse settings: {path}: {error}")
        return {}
    return values if isinstance(values, dict) else {}


def user_settings_file(base_name: str) -> str:
    return os.path.join(_core.state.paths.packages, "User", base_name)
