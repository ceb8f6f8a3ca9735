"""Walking and removing folder trees without recursion; folders only their owner can read.

`os.walk` (before Python 3.12) and `shutil.rmtree` recurse once per folder level, so a tree nested
a thousand folders deep (a crafted archive, a runaway script) raises RecursionError instead of
being walked or removed. These keep their own stack.
"""

from __future__ import annotations

import contextlib
import os
from typing import Iterator, List, Tuple

OWNER_ONLY = 0o700


def make_private_dir(path: str) -> None:
    """Create the folder (and its parents) if needed; it is readable by its owner only."""
    os.makedirs(path, mode=OWNER_ONLY, exist_ok=True)
    os.chmod(path, OWNER_ONLY)


def walk_tree(top: str) -> Iterator[Tuple[str, List[str], List[str]]]:
    """`os.walk(top)` without recursion: (folder, subfolder names, other names), top-down.

    Links are never followed: a link to a folder is listed with the files. Removing a name from
    the subfolder list skips that subfolder. Folders that cannot be read are skipped.
    """
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                listed = [(entry.name, entry.is_dir(follow_symlinks=False)) for entry in entries]
        except OSError:
            continue
        folders = [name for name, is_dir in listed if is_dir]
        files = [name for name, is_dir in listed if not is_dir]
        yield folder, folders, files
        stack.extend(os.path.join(folder, name) for name in reversed(folders))


def remove_tree(path: str) -> None:
    """Remove a file, a link or a folder with everything in it, as far as possible.

    Like `shutil.rmtree(path, ignore_errors=True)`, without recursion: what cannot be removed
    stays, and nothing is raised (cleanups run while another error is being reported).
    """
    if not os.path.isdir(path) or os.path.islink(path):
        with contextlib.suppress(OSError):
            os.unlink(path)
        return
    folders: List[str] = []
    for folder, _subfolders, files in walk_tree(path):
        folders.append(folder)
        for name in files:
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(folder, name))
    for folder in reversed(folders):  # the deepest first
        with contextlib.suppress(OSError):
            os.rmdir(folder)
