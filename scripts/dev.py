"""Set up the development environment and run a task: `python3 scripts/dev.py TASK`.

Creates `.venv` beside the repository on first use and installs the package with its `dev` extra
(again whenever pyproject.toml changes), then runs the task inside it. Needs only Python 3 (3.10 or
newer somewhere on PATH, for the tools) and PyPI.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".lambda-editor-installed"
TOOLS_PYTHON = (3, 10)  # moto and the linters need it; the package itself runs on 3.8
CANDIDATES = ("python3", "python3.14", "python3.13", "python3.12", "python3.11", "python3.10")

TASKS = {
    "test": [[str(PYTHON), "-m", "pytest", "-q"]],
    "check": [
        [str(PYTHON), "-m", "ruff", "check", "."],
        [str(PYTHON), "-m", "ruff", "format", "--check", "."],
        [str(PYTHON), "-m", "mypy"],
        [
            str(BIN / "vermin"),  # the package runs on Sublime's Python 3.8 through 3.14
            "-t=3.8-",
            "--violations",
            "--no-tips",
            "--exclude-regex",
            r"lambda_editor/(sandbox|function_templates)/",
            "LambdaEditor.py",
            "lambda_editor",
        ],
    ],
    "demo": [[str(PYTHON), str(ROOT / "scripts" / "demo.py")]],
    "bench": [[str(PYTHON), str(ROOT / "benchmarks" / "run.py")]],
}


def ensure_environment() -> None:
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not PYTHON.exists():
        run([tools_python(), "-m", "venv", str(VENV)])
    run([str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    run([str(PYTHON), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[dev]"])
    STAMP.write_text(wanted)


def tools_python() -> str:
    """A Python new enough for the tools, by its real path."""
    if sys.version_info >= TOOLS_PYTHON:
        return sys.executable
    found = find_python(TOOLS_PYTHON, CANDIDATES)
    if found is None:
        sys.exit("The development tools need Python 3.10 or newer on PATH; none was found.")
    return found


def find_python(version: tuple, names: tuple) -> str | None:
    """The real path of a Python of at least `version` (exactly it, for 3.8) among `names`.

    The repository's `.python-version` says 3.8 (for Sublime Text), which makes version managers
    such as pyenv pick 3.8 inside it: each name is asked here and from the home folder.
    """
    exact = version == (3, 8)
    test = "==" if exact else ">="
    probe = f"import sys; print(sys.executable if sys.version_info[:2] {test} {version} else '')"
    for name in names:
        for folder in (ROOT, Path.home()):
            try:
                found = subprocess.run(
                    [name, "-c", probe], cwd=folder, capture_output=True, text=True, check=False
                ).stdout.strip()
            except OSError:
                break
            if found:
                return found
    return None


def run(command: list) -> None:
    print("$", " ".join(command), flush=True)
    completed = subprocess.run(command, cwd=ROOT, check=False)
    if completed.returncode != 0:
        sys.exit(completed.returncode)


# Sublime Text's 3.8 plugin host: the newest boto3 that still runs there, and the test runner.
PY38_VENV = ROOT / ".venv38"
PY38_REQUIREMENTS = ["boto3<1.38", "pytest", "pytest-timeout"]


def test_on_python38() -> None:
    """The suite on Python 3.8, where the package runs in Sublime's 3.8 host.

    The tests that need the local endpoint (moto: Python 3.10+) or the Sublime stubs skip
    themselves there; everything else runs. Skipped, with a note, where no Python 3.8 is found.
    """
    python = PY38_VENV / BIN.name / PYTHON.name
    if not python.exists():
        base = find_python((3, 8), ("python3.8",))
        if base is None:
            print("Python 3.8 was not found: the run on Sublime's 3.8 host is skipped.")
            return
        run([base, "-m", "venv", str(PY38_VENV)])
        run([str(python), "-m", "pip", "install", "--quiet", *PY38_REQUIREMENTS])
    run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *sys.argv[2:]])


def main() -> None:
    task = sys.argv[1] if len(sys.argv) > 1 else ""
    if task not in [*TASKS, "test38"]:
        sys.exit(f"usage: python3 scripts/dev.py {{{'|'.join([*TASKS, 'test38'])}}} [pytest args]")
    if task == "test38":
        test_on_python38()
        return
    ensure_environment()
    for command in TASKS[task]:
        run(command + (sys.argv[2:] if task == "test" else []))


if __name__ == "__main__":
    main()
