"""Installing boto3 into Sublime Text's library folder with an external Python's pip.

Package Control has no boto3 for the 3.8 and 3.14 plugin hosts, so this puts the libraries where
the host already looks: a data folder's `Lib/pythonXY` that is on the host's `sys.path`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from .errors import LambdaEditorError

# boto3 and everything it needs; the same list as dependencies.json.
LIBRARIES = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3")

# botocore requires `urllib3<1.27` on Python < 3.10, behind an environment marker that pip
# evaluates with the Python running it, not with `--python-version`: so the pin is explicit.
_URLLIB3_FOR_OLD_PYTHON = "urllib3<1.27"
_URLLIB3_2_FROM_PYTHON = (3, 10)

_LIBRARY_FOLDER = re.compile(r"[\\/]Lib[\\/]python(\d)(\d+)$")


@dataclass(frozen=True)
class LibraryFolder:
    path: str
    on_sys_path: bool  # False: derived from the Packages folder, and the host may not read it

    @property
    def warning(self) -> Optional[str]:
        """What to tell the user before installing into a folder the host may not read."""
        if self.on_sys_path:
            return None
        return (
            f"Note: {self.path} is not on the plugin host's sys.path, so Sublime Text may not "
            'load boto3 from it. If it is still missing after a restart, see "Installing boto3" '
            "in the README."
        )


def library_folder(
    sys_path: Sequence[str], packages_path: str, version: Tuple[int, int]
) -> LibraryFolder:
    """The folder of the running plugin host's libraries (e.g. `<data>/Lib/python38`).

    The host's own version's folder on `sys.path` first; else the newest other `Lib/pythonXY` on
    it (the 3.14 host of some builds reads `Lib/python38`); else the folder derived from the
    Packages folder, which sits beside `Lib/` in the data folder, flagged as not on `sys.path`.
    """
    on_path: Dict[Tuple[int, int], str] = {}
    for entry in sys_path:
        match = _LIBRARY_FOLDER.search(entry.rstrip("\\/"))
        if match:
            on_path.setdefault((int(match.group(1)), int(match.group(2))), entry)
    if on_path:
        return LibraryFolder(on_path.get(version) or on_path[max(on_path)], on_sys_path=True)
    derived = os.path.join(os.path.dirname(packages_path), "Lib", f"python{version[0]}{version[1]}")
    return LibraryFolder(derived, on_sys_path=False)


def pip_command(interpreter: str, target: str, version: Tuple[int, int]) -> List[str]:
    """pip for the plugin host's Python, not the interpreter's: all these libraries are pure wheels.

    `--python-version` makes pip pick releases that still support the host (boto3 dropped 3.8 in
    1.38.0), and pip only allows it together with `--only-binary=:all:`. `--no-compile`: bytecode
    of the interpreter's Python has no use in the host's library folder.
    """
    return [
        interpreter,
        "-m",
        "pip",
        "install",
        "--upgrade",
        "--disable-pip-version-check",
        "--no-input",
        "--progress-bar",
        "off",
        "--no-compile",
        "--target",
        target,
        "--python-version",
        f"{version[0]}.{version[1]}",
        "--only-binary=:all:",
        *requirements(version),
    ]


def requirements(version: Tuple[int, int]) -> List[str]:
    """The requirement specifiers of LIBRARIES for a host of this Python version."""
    old_python = version < _URLLIB3_2_FROM_PYTHON
    return [
        _URLLIB3_FOR_OLD_PYTHON if name == "urllib3" and old_python else name for name in LIBRARIES
    ]


def require_writable(target: str) -> None:
    """Refuse early, with a way out, when the library folder cannot be written."""
    existing = target
    while not os.path.isdir(existing) and os.path.dirname(existing) != existing:
        existing = os.path.dirname(existing)
    if not os.access(existing, os.W_OK):
        raise LambdaEditorError(
            f"Cannot install boto3: {existing} is not writable.",
            'Install it by hand (see the README, "Installing boto3").',
        )
