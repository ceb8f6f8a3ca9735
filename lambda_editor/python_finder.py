"""Finding a Python on PATH that really runs.

A name on PATH is not enough: pyenv and asdf put shims there for every version they know, and a shim
for a version that is not active exits with an error instead of running Python.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from typing import Dict, Optional

_PROBE_TIMEOUT = 15.0
_working: Dict[str, bool] = {}
_lock = threading.Lock()


def find_python(name: str) -> Optional[str]:
    """The full path of `name` (a command or a path) when it is a Python that runs, else None."""
    path = shutil.which(os.path.expanduser(name))
    if path is None:
        return None
    with _lock:
        known = _working.get(path)
    if known is None:
        known = _runs(path)
        with _lock:
            _working[path] = known
    return path if known else None


def _runs(path: str) -> bool:
    try:
        completed = subprocess.run(
            [path, "-c", "import sys"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=_PROBE_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return completed.returncode == 0
