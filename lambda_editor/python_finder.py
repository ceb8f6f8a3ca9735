"""Finding a Python on PATH that really runs, and the interpreter behind it.

A name on PATH is not enough: pyenv and asdf put shims there for every version they know, and a shim
for a version that is not active exits with an error instead of running Python. A shim that does
run still depends on the caller's environment and folder (PYENV_VERSION, .python-version), which
the local runner does not pass on. So the probe asks the interpreter for `sys.executable`, and that
real path is what callers get: the shim is resolved once, here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from typing import Dict, Optional, Tuple

_PROBE_TIMEOUT = 15.0
# Written as bytes: a path that the locale cannot encode still comes back whole.
_PROBE = "import os, sys; sys.stdout.buffer.write(os.fsencode(sys.executable))"
# (name, PATH) → the interpreter's real path, or None when it does not run.
_found: Dict[Tuple[str, str], Optional[str]] = {}
_lock = threading.Lock()


def find_python(name: str) -> Optional[str]:
    """The real path (`sys.executable`) of `name`, a command or a path, when it runs; else None."""
    key = (name, os.environ.get("PATH", ""))
    with _lock:
        if key in _found:
            return _found[key]
    command = shutil.which(os.path.expanduser(name))
    found = _probe(command) if command else None
    with _lock:
        _found[key] = found
    return found


def _probe(command: str) -> Optional[str]:
    try:
        completed = subprocess.run(
            [command, "-c", _PROBE],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            timeout=_PROBE_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    # The last line: a sitecustomize may print before the probe runs.
    lines = os.fsdecode(completed.stdout).splitlines()
    executable = lines[-1].strip() if lines else ""
    if completed.returncode != 0 or not os.path.isfile(executable):
        return None
    return executable
