"""Which files of a folder are packaged: exclude rules, the walk, links and modes.

Exclude patterns (`ALWAYS_EXCLUDED` plus the user's `exclude` setting) are `.gitignore` globs,
matched case-sensitively on every OS so a folder packs the same everywhere:

- `name`, `*.md`: no slash, matches the name of a file or folder at any depth; a matching folder is
  left out with everything in it.
- `tests/`: a trailing slash matches folders only.
- `docs/*`, `src/tests`, `/build`: a slash elsewhere anchors the pattern at the top of the folder
  and matches the whole relative path. `*`, `?` and `[abc]` match within one folder's name (so
  `src/*.py` leaves out `src/app.py`, not `src/lib/util.py`); `**` spans folders: `src/**/*.py`,
  `docs/**`. A leading `**/` unanchors the rest: `**/fixtures` is the same as `fixtures`.

Patterns only leave files out: `.gitignore`'s `!pattern`, which takes files back in, is refused
with a message rather than taken as a file name (a backslash before the `!` means the name).

Symbolic links are followed when they point inside the folder (the package holds a regular copy of
what they point to); a link pointing outside is refused with a message naming it, since following it
would upload files that are not part of the function. Dangling links are skipped.

Modes are normalised to 0o755 (any execute bit) or 0o644: Lambda only honours the execute bit, and
its runtime user must be able to read every file whatever the local umask was.
"""

from __future__ import annotations

import contextlib
import operator
import os
import re
import threading
from dataclasses import dataclass
from typing import (
    Callable,
    Dict,
    FrozenSet,
    Iterator,
    List,
    Mapping,
    NamedTuple,
    Optional,
    Sequence,
    Tuple,
)

from ..errors import LambdaEditorError, printable
from ..layout import METADATA_DIR, is_metadata_name

ALWAYS_EXCLUDED: Tuple[str, ...] = (METADATA_DIR, ".git", "__pycache__", "*.pyc", ".DS_Store")

EXECUTABLE_MODE = 0o755
REGULAR_MODE = 0o644
# Windows filesystems cannot store an execute bit: modes come from what is known to be deployed.
_FILESYSTEM_KEEPS_MODES = os.name != "nt"


class ExcludeRules:
    """Exclude patterns compiled once: a walk tests every path, and saves walk often.

    All patterns of one kind are joined into a single regular expression, so a path costs one
    match per kind whatever the number of patterns: names (no `/`) match the last path component,
    anchored patterns (with a `/`) the whole relative path; `dir/` patterns match folders only.
    """

    def __init__(self, patterns: Sequence[str]) -> None:
        # (anchored, folders only) -> the regular expressions of those patterns
        kinds: Dict[Tuple[bool, bool], List[str]] = {
            (anchored, folders_only): []
            for anchored in (False, True)
            for folders_only in (False, True)
        }
        for raw in patterns:
            pattern = _checked_pattern(raw.strip())
            folders_only = pattern.endswith("/")
            pattern = pattern.rstrip("/")
            while pattern.startswith("**/"):
                pattern = pattern[3:]
            if pattern:
                anchored = "/" in pattern
                kinds[anchored, folders_only].append(
                    _glob_regex(pattern.lstrip("/") if anchored else pattern)
                )
        self._file_name = _any_of(kinds[False, False])
        self._file_path = _any_of(kinds[True, False])
        self._folder_name = _any_of(kinds[False, False] + kinds[False, True])
        self._folder_path = _any_of(kinds[True, False] + kinds[True, True])

    @classmethod
    def compile(cls, exclude: Sequence[str] = ()) -> ExcludeRules:
        return cls((*ALWAYS_EXCLUDED, *exclude))

    def excludes(self, rel_path: str, is_dir: bool = False) -> bool:
        return self.excludes_entry(rel_path.rsplit("/", 1)[-1], rel_path, is_dir)

    def excludes_entry(self, name: str, rel_path: str, is_dir: bool) -> bool:
        """`excludes`, for a walk that knows the name already."""
        if is_dir:
            return bool(self._folder_name(name) or self._folder_path(rel_path))
        return bool(self._file_name(name) or self._file_path(rel_path))


def _any_of(regexes: List[str]) -> Callable[[str], Optional[re.Match[str]]]:
    """The match function of a regular expression matching any of these (nothing, if none)."""
    return re.compile("|".join(regexes) if regexes else r"(?!)").match


def _checked_pattern(pattern: str) -> str:
    """The pattern with `/` separators; refused when it would take files back in (`!name`)."""
    if pattern.startswith("!"):
        raise LambdaEditorError(
            f'The exclude pattern "{pattern}" would take files back in, which is not supported.',
            "Exclude patterns only leave files out: remove it, or narrow the patterns that "
            "match those files.",
        )
    if pattern.startswith("\\!"):
        pattern = pattern[1:]
    return pattern.replace("\\", "/")


def _glob_regex(pattern: str) -> str:
    """A `.gitignore` glob as a regular expression matching a whole relative path."""
    parts: List[str] = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            parts.append("(?:.*/)?")  # no folder, or any number of them
            index += 3
        elif pattern.startswith("**", index):
            parts.append(".*")
            index += 2
        elif pattern[index] == "*":
            parts.append("[^/]*")
            index += 1
        elif pattern[index] == "?":
            parts.append("[^/]")
            index += 1
        elif pattern[index] == "[" and "]" in pattern[index + 2 :]:
            end = pattern.index("]", index + 2)
            members = pattern[index + 1 : end]
            parts.append("[^" + members[1:] + "]" if members.startswith("!") else f"[{members}]")
            index = end + 1
        else:
            parts.append(re.escape(pattern[index]))
            index += 1
    return "".join(parts) + r"\Z"


# --- walking a folder -------------------------------------------------------------------------


class LocalFile(NamedTuple):
    """A file to package, as the walk found it (a tuple: a walk makes thousands)."""

    rel_path: str
    abs_path: str
    stat: os.stat_result


def within(path: str, folder: str) -> bool:
    try:
        return os.path.commonpath([path, folder]) == folder
    except ValueError:  # different drives
        return False


_this_thread = threading.local()
_BY_PATH = operator.attrgetter("rel_path")


@contextlib.contextmanager
def one_walk(root: str) -> Iterator[None]:
    """Within it, this thread walks `root` once: a deploy's check and its build see one listing.

    A file changed after the walk is packaged as the build reads it and described by what was
    read, as if the walk had taken that long; the next check sees the change.
    """
    key = os.path.abspath(root)
    listings: Dict[str, Dict[Tuple[str, ...], List[LocalFile]]] = getattr(
        _this_thread, "listings", {}
    )
    _this_thread.listings = listings
    outermost = key not in listings
    listings.setdefault(key, {})
    try:
        yield
    finally:
        if outermost:
            del listings[key]


def list_files(root: str, exclude: Sequence[str]) -> List[LocalFile]:
    """Every file to package under root, sorted by relative path."""
    root = os.path.abspath(root)  # absolute paths key the hash cache
    shared = getattr(_this_thread, "listings", {}).get(root)
    if shared is None:
        return _walk(root, exclude)
    key = tuple(exclude)
    if key not in shared:
        shared[key] = _walk(root, exclude)
    return list(shared[key])


def _walk(root: str, exclude: Sequence[str]) -> List[LocalFile]:
    if not os.path.isdir(root):
        raise LambdaEditorError(f"The folder {root} does not exist.")
    walker = _Walker(os.path.realpath(root), exclude)
    return sorted(walker.walk(root), key=_BY_PATH)


@dataclass(frozen=True)
class _Folder:
    path: str
    rel_path: str  # "" or ending with "/"
    real_path: str
    ancestors: FrozenSet[str]  # the real paths of the folders above it, to stop link loops


class _Walker:
    def __init__(self, real_root: str, exclude: Sequence[str]) -> None:
        self.real_root = real_root
        self.rules = ExcludeRules.compile(exclude)

    def walk(self, root: str) -> List[LocalFile]:
        """The files under root. A stack, not recursion: a tree may be nested thousands deep."""
        found: List[LocalFile] = []
        stack = [_Folder(root, "", self.real_root, frozenset([self.real_root]))]
        while stack:
            stack.extend(self._visit(stack.pop(), found))
        return found

    def _visit(self, folder: _Folder, found: List[LocalFile]) -> List[_Folder]:
        """Add the folder's files to `found`; its subfolders to visit."""
        subfolders: List[_Folder] = []
        excludes = self.rules.excludes_entry
        prefix = os.path.join(folder.path, "")
        with _listing(folder.path) as entries:
            for entry in entries:
                name = entry.name
                rel_path = folder.rel_path + name
                is_dir = entry.is_dir()
                if excludes(name, rel_path, is_dir) or (
                    is_dir and is_metadata_name(name)  # a workspace's own, at any depth
                ):
                    continue
                if entry.is_symlink():
                    real_path = os.path.realpath(prefix + name)
                    if not os.path.exists(real_path):
                        continue  # a dangling link holds nothing to package
                    _check_link_target(rel_path, real_path, self.real_root, folder.ancestors)
                    if self._leads_into_excluded(real_path):
                        continue  # a link into .lambda-editor must not upload the marker
                elif is_dir:
                    real_path = os.path.join(folder.real_path, name)
                if is_dir:
                    ancestors = folder.ancestors | {real_path}
                    subfolders.append(_Folder(prefix + name, f"{rel_path}/", real_path, ancestors))
                elif entry.is_file():
                    if not rel_path.isascii():
                        _check_name(rel_path)
                    found.append(LocalFile(rel_path, prefix + name, entry.stat()))
        return subfolders

    def _leads_into_excluded(self, real_path: str) -> bool:
        parts = os.path.relpath(real_path, self.real_root).split(os.sep)
        return any(
            is_metadata_name(parts[depth])
            or self.rules.excludes("/".join(parts[: depth + 1]), is_dir=depth < len(parts) - 1)
            for depth in range(len(parts))
        )


# Listed through its descriptor, a folder's files are stat-ed by name, not by their whole path.
_LISTS_BY_DESCRIPTOR = os.scandir in os.supports_fd


@contextlib.contextmanager
def _listing(path: str) -> Iterator[Iterator[os.DirEntry]]:  # type: ignore[type-arg]
    """The folder's entries, as `os.scandir` lists them."""
    if not _LISTS_BY_DESCRIPTOR:
        with os.scandir(path) as entries:
            yield entries
        return
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        with os.scandir(descriptor) as entries:
            yield entries
    finally:
        os.close(descriptor)


def _check_name(rel_path: str) -> None:
    """A zip entry's name is UTF-8 text; Linux allows file names that are not."""
    try:
        rel_path.encode("utf-8")
    except UnicodeEncodeError:
        raise LambdaEditorError(
            f"Cannot package {printable(rel_path, 200)}: its name is not valid UTF-8, which a zip "
            "archive needs.",
            "Rename it, or add it to the exclude setting.",
        ) from None


def _check_link_target(
    rel_path: str, target: str, real_root: str, ancestors: FrozenSet[str]
) -> None:
    if not within(target, real_root):
        raise LambdaEditorError(
            f"{rel_path} is a link to {target}, outside the function's folder.",
            "Copy what it points to into the folder, or add the link to the exclude setting.",
        )
    if target in ancestors:
        raise LambdaEditorError(
            f"{rel_path} is a link to a folder that contains it, which would repeat forever.",
            "Remove the link, or add it to the exclude setting.",
        )


def normalised_mode(st_mode: int) -> int:
    return EXECUTABLE_MODE if st_mode & 0o111 else REGULAR_MODE


def mode_of(local: LocalFile, known_modes: Optional[Mapping[str, int]]) -> int:
    if not _FILESYSTEM_KEEPS_MODES and known_modes and local.rel_path in known_modes:
        return normalised_mode(known_modes[local.rel_path])
    return normalised_mode(local.stat.st_mode)
