"""Installing boto3 into Sublime Text's library folder with an external Python's pip.

Package Control has no boto3 for the 3.8 and 3.14 plugin hosts, so this puts the libraries where
the host already looks: the data folder's `Lib/pythonXY`, which is on the host's `sys.path`.
"""

from __future__ import annotations

import os
import re
from typing import List, Sequence, Tuple

from .errors import LambdaEditorError

# boto3 and everything it needs; the same list as dependencies.json.
LIBRARIES = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3")

_LIBRARY_FOLDER = re.compile(r"[\\/]Lib[\\/]python(\d)(\d+)$")


def library_folder(sys_path: Sequence[str], packages_path: str, version: Tuple[int, int]) -> str:
    """The folder of the running plugin host's libraries (e.g. `<data>/Lib/python38`).

    The host puts it on `sys.path`; when it is not found there (an unusual install) it is derived
    from the Packages folder, which sits beside `Lib/` in the data folder.
    """
    wanted = f"python{version[0]}{version[1]}"
    for entry in sys_path:
        match = _LIBRARY_FOLDER.search(entry.rstrip("\\/"))
        if match and f"python{match.group(1)}{match.group(2)}" == wanted:
            return entry
    return os.path.join(os.path.dirname(packages_path), "Lib", wanted)


def pip_command(interpreter: str, target: str, version: Tuple[int, int]) -> List[str]:
    """pip for the plugin host's Python, not the interpreter's: all these libraries are pure wheels.

    `--python-version` makes pip pick releases that still support the host (boto3 dropped 3.8 in
    1.38.0), and pip only allows it together with `--only-binary=:all:`.
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
        "--target",
        target,
        "--python-version",
        f"{version[0]}.{version[1]}",
        "--only-binary=:all:",
        *LIBRARIES,
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
