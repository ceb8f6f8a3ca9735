"""Set up the development environment and run a task: `python3 scripts/dev.py TASK`.

Creates `.venv` beside the repository on first use and installs the package with its `dev` extra
(again whenever pyproject.toml changes), then runs the task inside it. Needs only Python 3 and PyPI.
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

TASKS = {
    "test": [[str(PYTHON), "-m", "pytest", "-q"]],
    "check": [
        [str(PYTHON), "-m", "ruff", "check", "."],
        [str(PYTHON), "-m", "ruff", "format", "--check", "."],
        [str(PYTHON), "-m", "mypy"],
        [
            str(PYTHON),
            "-m",
            "vermin",
            "-t=3.8-",
            "--violations",
            "--no-tips",
            "--exclude-regex",
            r"lambda_editor/sandbox/",
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
        run([sys.executable, "-m", "venv", str(VENV)])
    run([str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    run([str(PYTHON), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[dev]"])
    STAMP.write_text(wanted)


def run(command: list) -> None:
    print("$", " ".join(command), flush=True)
    completed = subprocess.run(command, cwd=ROOT, check=False)
    if completed.returncode != 0:
        sys.exit(completed.returncode)


def main() -> None:
    task = sys.argv[1] if len(sys.argv) > 1 else ""
    if task not in TASKS:
        sys.exit(f"usage: python3 scripts/dev.py {{{'|'.join(TASKS)}}} [extra pytest arguments]")
    ensure_environment()
    for command in TASKS[task]:
        run(command + (sys.argv[2:] if task == "test" else []))


if __name__ == "__main__":
    main()
