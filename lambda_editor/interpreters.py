"""The Python that runs pip and local invocations: found on PATH, and checked to really run.

A name on PATH is not enough: pyenv and asdf put shims there for every version they know, and a shim
for a version that is not active exits with an error instead of running Python. A shim that does
run still depends on the caller's environment and folder (PYENV_VERSION, .python-version), which
the local runner does not pass on. So one probe asks the interpreter for `sys.executable` and its
version, and that real path is what callers get: the shim is resolved once, here.

A probe that succeeded is remembered while the command and PATH stay the same; a failed one is
not, so a Python installed (or a pyenv version activated) after a failed look is found at once.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

from . import actions
from .errors import LambdaEditorError
from .processes import run_to_end

_PROBE_TIMEOUT = 15.0
# The executable written as bytes (a path the locale cannot encode still comes back whole), then
# the version on a line of its own.
_PROBE = (
    "import os, sys; sys.stdout.buffer.write(os.fsencode(sys.executable)"
    " + ('\\n%d.%d' % sys.version_info[:2]).encode())"
)
_RUNTIME = re.compile(r"^python(\d+)\.(\d+)$")
_VERSION = re.compile(r"^(\d+)\.(\d+)$")
# After the runtime's own pythonX.Y: Windows installs often have no `python3` command.
_FALLBACKS = ("python3", "python")

Version = Tuple[int, int]


@dataclass(frozen=True)
class Interpreter:
    path: str  # its real path (`sys.executable`), shims resolved
    version: Version


# (command, its identity, PATH) -> the interpreter behind it; only successful probes.
_found: Dict[Tuple[str, Tuple[int, int, int], str], Interpreter] = {}
_lock = threading.Lock()


def find_python(name: str) -> Optional[Interpreter]:
    """The interpreter that `name` (a command or a path) runs, when it runs; else None."""
    command = shutil.which(os.path.expanduser(name))
    if command is None:
        return None
    try:
        st = os.stat(command)
    except OSError:
        return None
    key = (command, (st.st_ino, st.st_size, st.st_mtime_ns), os.environ.get("PATH", ""))
    with _lock:
        known = _found.get(key)
    if known is not None:
        return known
    found = _probe(command)
    if found is not None:
        with _lock:
            _found[key] = found
    return found


def _probe(command: str) -> Optional[Interpreter]:
    try:
        completed = run_to_end([command, "-c", _PROBE], timeout=_PROBE_TIMEOUT)
    except OSError:
        return None
    # The last two lines: a sitecustomize may print before the probe runs.
    lines = os.fsdecode(completed.output).splitlines()
    if completed.status != 0 or len(lines) < 2:
        return None
    executable, version = lines[-2].strip(), _VERSION.match(lines[-1].strip())
    if version is None or not os.path.isfile(executable):
        return None
    return Interpreter(executable, (int(version[1]), int(version[2])))


def runtime_version(runtime: Optional[str]) -> Optional[Version]:
    """(3, 12) for `python3.12`; None for any other runtime."""
    match = _RUNTIME.match(runtime or "")
    return (int(match[1]), int(match[2])) if match else None


def pick_interpreter(chosen: Optional[str], runtime: Optional[str]) -> Interpreter:
    """The Python to run a function's code or pip with: the one the user chose, else the
    function's runtime (`python3.12`) on PATH, else python3 or python.

    Never the editor's embedded Python: it has no pip, and it is not the one the user manages.
    """
    if chosen:
        found = find_python(chosen)
        if found is None:
            raise LambdaEditorError(
                f"{chosen!r} is not an executable Python.",
                "Choose the full path of a Python 3 (e.g. /usr/bin/python3), or none to use "
                "the one on PATH.",
                next_action=actions.CHOOSE_PYTHON,
            )
        return found
    names = ((runtime,) if runtime and runtime_version(runtime) else ()) + _FALLBACKS
    for name in names:
        found = find_python(name)
        if found is not None:
            return found
    raise LambdaEditorError(
        "No Python 3 was found on PATH.",
        "Install Python 3, or choose the full path of one.",
        next_action=actions.CHOOSE_PYTHON,
    )


def version_note(interpreter: Interpreter, runtime: Optional[str], runs: str, risk: str) -> str:
    """A note when the interpreter is not the runtime's Python version, else "": `{runs} with
    Python 3.11 but the function runs python3.12: {risk}.` and what to do about it."""
    wanted = runtime_version(runtime)
    if wanted is None or interpreter.version == wanted:
        return ""
    have = ".".join(map(str, interpreter.version))
    return (
        f"{runs} with Python {have} but the function runs {runtime}: {risk}. "
        f"Choose a {runtime} as the Python interpreter to avoid it."
    )
