"""Package resources ("Packages/<package>/<path>") and Sublime's JSON dialect.

A package is a folder (under Packages/, or one mapped there from elsewhere) or a zipped
`.sublime-package` in Installed Packages, as Package Control installs it. A file in the folder
overrides the same file of the archive, as in Sublime.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import zipfile
from typing import Any, Dict, Iterator, List, Optional, Tuple

from . import _core

RESOURCE_PREFIX = "Packages/"
ARCHIVE_SUFFIX = ".sublime-package"
SKIPPED_FOLDERS = {"__pycache__"}


def archives() -> Dict[str, str]:
    folder = _core.state.paths.installed_packages
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return {}
    return {
        name[: -len(ARCHIVE_SUFFIX)]: os.path.join(folder, name)
        for name in names
        if name.endswith(ARCHIVE_SUFFIX)
    }


def package_folder(name: str) -> str:
    paths = _core.state.paths
    return paths.mapped_packages.get(name) or os.path.join(paths.packages, name)


def package_names() -> List[str]:
    """Every package, in Sublime's order: Default first, User last."""
    paths = _core.state.paths
    names = set(paths.mapped_packages) | set(archives())
    if os.path.isdir(paths.packages):
        names |= {n for n in os.listdir(paths.packages) if os.path.isdir(package_folder(n))}

    def order(name: str) -> Tuple[int, str]:
        return ({"Default": 0, "User": 2}.get(name, 1), name.lower())

    return sorted(names, key=order)


def archive_of(package: str) -> Optional[str]:
    return archives().get(package)


def _split(resource: str) -> Tuple[str, str]:
    if not resource.startswith(RESOURCE_PREFIX):
        return "", ""
    package, _, inner = resource[len(RESOURCE_PREFIX) :].partition("/")
    return package, inner


def _files(package: str) -> Iterator[str]:
    """The package's files ("a/b.py"): the folder's, then the archive's not overridden."""
    seen = set()
    folder = package_folder(package)
    for root, folders, files in os.walk(folder):
        folders[:] = sorted(
            f for f in folders if not f.startswith(".") and f not in SKIPPED_FOLDERS
        )
        inner = os.path.relpath(root, folder).replace(os.sep, "/")
        for name in sorted(files):
            path = name if inner == "." else f"{inner}/{name}"
            seen.add(path)
            yield path
    archive = archive_of(package)
    if archive is not None:
        with zipfile.ZipFile(archive) as opened:
            for name in opened.namelist():
                if not name.endswith("/") and name not in seen:
                    yield name


def read_resource(resource: str) -> Optional[bytes]:
    package, inner = _split(resource)
    if not package or not inner:
        return None
    path = os.path.join(package_folder(package), *inner.split("/"))
    if os.path.isfile(path):
        with open(path, "rb") as handle:
            return handle.read()
    archive = archive_of(package)
    if archive is None:
        return None
    with zipfile.ZipFile(archive) as opened:
        try:
            return opened.read(inner)
        except KeyError:
            return None


def resource_file(resource: str) -> Optional[str]:
    """The file on disk behind a resource of a package folder, or None (zipped, or missing)."""
    package, inner = _split(resource)
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
    for name in package_names():
        root = os.path.abspath(package_folder(name))
        if full.startswith(root + os.sep):
            inner = os.path.relpath(full, root).replace(os.sep, "/")
            return f"{RESOURCE_PREFIX}{name}/{inner}"
    return None


def find_resources(pattern: str) -> List[str]:
    """Like Sublime: the glob is matched against each resource's file name."""
    return [
        f"{RESOURCE_PREFIX}{package}/{path}"
        for package in package_names()
        for path in _files(package)
        if fnmatch.fnmatchcase(path.rsplit("/", 1)[-1], pattern)
    ]


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
    for package in package_names():
        resource = f"{RESOURCE_PREFIX}{package}/{base_name}"
        data = read_resource(resource)
        if data is not None:
            layer = user if package == "User" else defaults
            layer.update(_parse_settings(resource, data.decode("utf-8")))
    return defaults, user


def _parse_settings(resource: str, text: str) -> Dict[str, Any]:
    try:
        values = decode_json(text) if text.strip() else {}
    except ValueError as error:
        _core.state.records.console.append(f"Error trying to parse settings: {resource}: {error}")
        return {}
    return values if isinstance(values, dict) else {}


def user_settings_file(base_name: str) -> str:
    return os.path.join(_core.state.paths.packages, "User", base_name)
