"""Small, valid wheels and source distributions for pip to install without a network.

Standard library only: a source distribution made here carries this file as its build backend's
helper, so pip can build it in an isolated environment with nothing to download.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import tarfile
import zipfile
from typing import Dict, List, Mapping, Optional, Sequence

PURE_TAG = "py3-none-any"


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def _expanded_tags(tag: str) -> List[str]:
    """`py2.py3-none-any` → ["py2-none-any", "py3-none-any"] (a WHEEL file lists each)."""
    pythons, abis, platforms = tag.split("-")
    return [
        f"{python}-{abi}-{platform}"
        for python in pythons.split(".")
        for abi in abis.split(".")
        for platform in platforms.split(".")
    ]


def build_wheel(
    directory: str,
    name: str,
    version: str,
    tag: str = PURE_TAG,
    files: Optional[Mapping[str, str]] = None,
    *,
    requires: Sequence[str] = (),
    requires_python: str = "",
) -> str:
    """Write `{name}-{version}-{tag}.whl` into directory holding `files` (path → text).

    Without `files`, the wheel holds the package `name/__init__.py` defining VERSION and TAG.
    `requires` are its Requires-Dist lines. Returns the wheel's path.
    """
    stem = name.replace("-", "_")
    contents: Dict[str, str] = dict(
        files or {f"{stem}/__init__.py": f"VERSION = {version!r}\nTAG = {tag!r}\n"}
    )
    dist_info = f"{stem}-{version}.dist-info"
    contents[f"{dist_info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        + (f"Requires-Python: {requires_python}\n" if requires_python else "")
        + "".join(f"Requires-Dist: {requirement}\n" for requirement in requires)
    )
    pure = tag.endswith("-none-any")
    contents[f"{dist_info}/WHEEL"] = (
        "Wheel-Version: 1.0\nGenerator: tests.wheels\n"
        f"Root-Is-Purelib: {'true' if pure else 'false'}\n"
        + "".join(f"Tag: {expanded}\n" for expanded in _expanded_tags(tag))
    )
    record = [_record_line(path, text.encode()) for path, text in sorted(contents.items())]
    contents[f"{dist_info}/RECORD"] = "\n".join([*record, f"{dist_info}/RECORD,,"]) + "\n"
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"{stem}-{version}-{tag}.whl")
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in contents.items():
            archive.writestr(member, text)
    return path


def unpack_wheel(wheel: str, site: str) -> None:
    """Install a wheel the simple way pip does for pure-Python and platlib files: unzip it."""
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)


_BACKEND = """\
import os

import _tinywheels

NAME, VERSION, TAG = {name!r}, {version!r}, {tag!r}


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return os.path.basename(_tinywheels.build_wheel(wheel_directory, NAME, VERSION, TAG))
"""

_PYPROJECT = """\
[build-system]
requires = []
build-backend = "tiny_backend"
backend-path = ["."]
"""


def build_sdist(directory: str, name: str, version: str, wheel_tag: str = PURE_TAG) -> str:
    """Write `{name}-{version}.tar.gz`, whose in-tree build backend makes a wheel tagged
    `wheel_tag` (a platform tag imitates a package with compiled code). Returns its path."""
    with open(__file__, encoding="utf-8") as source:
        helper = source.read()
    top = f"{name}-{version}"
    members = {
        "pyproject.toml": _PYPROJECT,
        "tiny_backend.py": _BACKEND.format(name=name, version=version, tag=wheel_tag),
        "_tinywheels.py": helper,
        "PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
    }
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f"{top}.tar.gz")
    with tarfile.open(path, "w:gz") as archive:
        for member, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{top}/{member}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path
