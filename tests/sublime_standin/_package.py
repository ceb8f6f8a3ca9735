"""The package as Package Control ships it: a `.sublime-package` zip made by `git archive`.

`git archive` leaves out what `.gitattributes` marks `export-ignore` (the tests, the sandbox, the
CI files), exactly as Package Control's release does. The archive is made from the working tree as
it is now, uncommitted changes included: its files are staged into a temporary index (the real
one is left alone), and that tree is archived.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
import zipfile
from typing import Dict, Mapping, Optional

_built: Dict[str, str] = {}  # repository → the archive made from it in this test run


class NotAGitCheckout(RuntimeError):
    """The repository has no git metadata: the package cannot be archived as it ships."""


def _git(repository: str, *args: str, index: Optional[str] = None) -> str:
    env = dict(os.environ, GIT_INDEX_FILE=index) if index else None
    completed = subprocess.run(
        ["git", "-C", repository, *args],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    return completed.stdout.strip()


def build(repository: str) -> str:
    """The path of the repository's `.sublime-package`, made once per test run."""
    if repository in _built:
        return _built[repository]
    try:
        real_index = _git(repository, "rev-parse", "--path-format=absolute", "--git-path", "index")
    except (OSError, subprocess.CalledProcessError) as error:
        raise NotAGitCheckout(f"{repository} is not a git checkout: {error}") from error
    folder = tempfile.mkdtemp(prefix="sublime-package-")
    atexit.register(shutil.rmtree, folder, True)
    index = os.path.join(folder, "index")
    if os.path.isfile(real_index):
        shutil.copyfile(real_index, index)  # only changed files are hashed again
    _git(repository, "add", "--all", "--", ".", index=index)
    tree = _git(repository, "write-tree", index=index)
    archive = os.path.join(folder, "package.zip")
    _git(repository, "archive", "--format=zip", "-o", archive, tree)
    _built[repository] = archive
    return archive


def changed_copy(archive: str, destination: str, changes: Mapping[str, str]) -> None:
    """A copy of the archive with some files replaced or added (`path → text`): an upgrade."""
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(
        destination, "w", zipfile.ZIP_DEFLATED
    ) as copy:
        for info in source.infolist():
            if info.filename not in changes:
                copy.writestr(info, source.read(info))
        for path, text in changes.items():
            copy.writestr(path, text)
