"""The distributions in a site folder (`vendor/`, or pip's `--target`): their `.dist-info`.

A distribution's name and version come from its METADATA, its files from its RECORD. RECORD
entries that would lead out of the folder are ignored: removing a distribution never deletes
anything outside it.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import posixpath
import re
from dataclasses import dataclass
from email.parser import HeaderParser
from typing import Dict, Iterator, List, Optional, Set, Tuple

from ..layout import VENDOR_DIR

# pip --target installs into <home>/lib/python and then moves everything under <home> into the
# target, so RECORD paths are relative to that lib folder: `../../bin/tool` is the target's bin/.
_PIP_TARGET_LIB = "lib/python"


def canonical_name(name: str) -> str:
    """PEP 503 normalisation: `Foo_Bar.baz` → `foo-bar-baz`."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class InstalledDist:
    name: str
    version: str
    size: int  # bytes of the files its RECORD lists that are present


@dataclass(frozen=True)
class Dist:
    name: str
    version: str
    dist_info: str  # folder name inside the site folder
    files: Tuple[str, ...]  # posix paths relative to the site folder, from RECORD

    def top_level(self) -> Set[str]:
        return {path.split("/", 1)[0] for path in self.files} | {self.dist_info}

    @property
    def pinned(self) -> str:
        return f"{self.name}=={self.version}"


def read_dists(site: str) -> Dict[str, Dist]:
    """The distributions in a site folder, by canonical name."""
    if not os.path.isdir(site):
        return {}
    dists = (
        _read_dist(site, entry)
        for entry in sorted(os.listdir(site))
        if entry.endswith(".dist-info") and os.path.isdir(os.path.join(site, entry))
    )
    return {canonical_name(dist.name): dist for dist in dists}


def _read_dist(site: str, dist_info: str) -> Dist:
    folder = os.path.join(site, dist_info)
    stem_name, _, stem_version = dist_info[: -len(".dist-info")].partition("-")
    headers = HeaderParser().parsestr(read_text(os.path.join(folder, "METADATA")))
    return Dist(
        name=headers.get("Name") or stem_name,
        version=headers.get("Version") or stem_version,
        dist_info=dist_info,
        files=tuple(_record_files(read_text(os.path.join(folder, "RECORD")))),
    )


def read_text(path: str) -> str:
    """A small text file's content; "" when it does not exist."""
    try:
        with open(path, encoding="utf-8", errors="replace") as source:
            return source.read()
    except FileNotFoundError:
        return ""


def _record_files(record: str) -> Iterator[str]:
    for row in csv.reader(io.StringIO(record)):
        path = _site_relative(row[0]) if row else None
        if path is not None:
            yield path


def _site_relative(entry: str) -> Optional[str]:
    """A RECORD entry as a path inside the site folder; None for anything that would leave it."""
    if not entry or entry.startswith("/") or "\\" in entry or ":" in entry:
        return None
    path = posixpath.normpath(posixpath.join(_PIP_TARGET_LIB, entry))
    if path.startswith(_PIP_TARGET_LIB + "/"):
        return path[len(_PIP_TARGET_LIB) + 1 :]
    if path in {".", ".."} or path.startswith("../"):
        return None
    return path


def dist_size(site: str, dist: Dist) -> int:
    total = 0
    for path in dist.files:
        with contextlib.suppress(OSError):
            total += os.lstat(os.path.join(site, *path.split("/"))).st_size
    return total


def installed(site: str, dist: Dist) -> InstalledDist:
    return InstalledDist(dist.name, dist.version, dist_size(site, dist))


def list_installed(root: str) -> List[InstalledDist]:
    """The distributions in root/vendor, sorted by name."""
    vendor = os.path.join(root, VENDOR_DIR)
    return sorted(
        (installed(vendor, dist) for dist in read_dists(vendor).values()),
        key=lambda dist: canonical_name(dist.name),
    )
