"""Set up the development environment and run a task: `python3 scripts/dev.py TASK`.

Creates `.venv` beside the repository on first use and installs the package with its `dev` extra
(again whenever pyproject.toml changes), then runs the task inside it. Needs only Python 3 (3.10 or
newer somewhere on PATH, for the tools) and PyPI.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".lambda-editor-installed"
TOOLS_PYTHON = (3, 10)  # moto and the linters need it; the package itself runs on 3.8
# The newest Python found runs the tools and the suite: Sublime's newest host is Python 3.14.
NEWEST_FIRST = ("python3.14", "python3.13", "python3.12", "python3.11", "python3.10", "python3")

TASKS = {
    # Tests spend much of their time waiting on the local endpoint and on processes: one worker
    # a CPU (pytest-xdist) halves the suite's time on two cores.
    "test": [[str(PYTHON), "-m", "pytest", "-q", "--numprocesses=auto"]],
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
    # The Sublime Text builds the package claims (scripts/sublime_api.py).
    "api": [[str(PYTHON), str(ROOT / "scripts" / "sublime_api.py")]],
    # What users install, and the release (scripts/release.py).
    "archive": [[str(PYTHON), str(ROOT / "scripts" / "release.py"), "archive"]],
    "wheel": [[str(PYTHON), str(ROOT / "scripts" / "release.py"), "wheel"]],
    "release": [[str(PYTHON), str(ROOT / "scripts" / "release.py"), "release"]],
}
PASSES_ARGUMENTS = ("test", "release", "bench")


def ensure_environment() -> None:
    prepare_venv(VENV, DEV_REQUIREMENTS)


def prepare_venv(venv: Path, requirements: list[str], base_python: str | None = None) -> Path:
    """`venv`'s Python, with `requirements` installed again whenever they or pyproject change.

    The venv is made with `base_python`, by default the newest Python found for the tools.
    """
    python = venv / BIN.name / PYTHON.name
    stamp = venv / STAMP.name
    wanted = hashlib.sha256(
        (ROOT / "pyproject.toml").read_bytes() + "\n".join(requirements).encode()
    ).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted:
        return python
    if not python.exists():
        run([base_python or tools_python(), "-m", "venv", str(venv)])
    run([str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    run([str(python), "-m", "pip", "install", "--quiet", *requirements])
    stamp.write_text(wanted)
    return python


def tools_python() -> str:
    """The newest Python found (3.10 at least, for the tools), by its real path."""
    found = find_python(TOOLS_PYTHON, NEWEST_FIRST)
    if found is not None:
        return found
    if sys.version_info >= TOOLS_PYTHON:
        return sys.executable
    sys.exit("The development tools need Python 3.10 or newer on PATH; none was found.")


def find_python(version: tuple[int, int], names: tuple[str, ...]) -> str | None:
    """The real path of a Python of at least `version` (exactly it, for 3.8) among `names`.

    The repository's `.python-version` says 3.8 (for Sublime Text), which makes version managers
    such as pyenv pick 3.8 inside it: each name is asked here, from the home folder, and with
    every Python that pyenv has enabled at once.
    """
    exact = version == (3, 8)
    test = "==" if exact else ">="
    probe = f"import sys; print(sys.executable if sys.version_info[:2] {test} {version} else '')"
    attempts = [(ROOT, None), (Path.home(), None), (Path.home(), _every_pyenv_version())]
    for name in names:
        for folder, environment in attempts:
            try:
                found = subprocess.run(
                    [name, "-c", probe],
                    cwd=folder,
                    env=environment,
                    capture_output=True,
                    text=True,
                    check=False,
                ).stdout.strip()
            except OSError:
                break
            if found:
                return found
    return None


def _every_pyenv_version() -> dict[str, str] | None:
    """The environment in which pyenv's shims run any installed Python, or None without pyenv."""
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return None
    listed = subprocess.run(
        [pyenv, "versions", "--bare"], capture_output=True, text=True, check=False
    ).stdout.split()
    return {**os.environ, "PYENV_VERSION": ":".join(listed)} if listed else None


def run(command: list[str]) -> None:
    print("$", " ".join(command), flush=True)
    completed = subprocess.run(command, cwd=ROOT, check=False)
    if completed.returncode != 0:
        sys.exit(completed.returncode)


# The suite again on the oldest Python the package supports (Sublime's 3.8 plugin host) and on the
# newest one found, unless `.venv` has it already. Python 3.8 cannot build the package (its build
# backend needs 3.9): the suite runs from the source tree with boto3 (pip picks 1.37, the last for
# 3.8) and the runner; moto and the stubs need 3.10, and their tests skip themselves there.
OLDEST = (3, 8)
DEV_REQUIREMENTS = ["--editable", f"{ROOT}[dev]"]
OLDEST_REQUIREMENTS = ["boto3", "pytest", "pytest-timeout"]


def test_on_other_pythons() -> None:
    """The suite on the oldest and the newest Python found; each skipped with a note if absent."""
    tools_version = _version_of(str(PYTHON))
    for label, python in (
        ("oldest", find_python(OLDEST, ("python3.8",))),
        ("newest", find_python(TOOLS_PYTHON, NEWEST_FIRST)),
    ):
        if python is None:
            print(f"No {label} Python was found: the suite's run on it is skipped.")
            continue
        version = _version_of(python)
        if version == tools_version:
            print(f"The {label} Python is {version}, which `dev.py test` runs on: not run again.")
            continue
        major, minor = (int(number) for number in version.split("."))
        with_tools = (major, minor) >= TOOLS_PYTHON
        requirements = DEV_REQUIREMENTS if with_tools else OLDEST_REQUIREMENTS
        venv_python = prepare_venv(ROOT / f".venv-{version}", requirements, python)
        print(f"The suite on Python {version} ({label}):", flush=True)
        parallel = ["--numprocesses=auto"] if with_tools else []  # pytest-xdist is a dev tool
        pytest = [str(venv_python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *parallel]
        run([*pytest, *sys.argv[2:]])


def _version_of(python: str) -> str:
    return subprocess.run(
        [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def main() -> None:
    task = sys.argv[1] if len(sys.argv) > 1 else ""
    if task not in [*TASKS, "test-pythons"]:
        sys.exit(f"usage: python3 scripts/dev.py {{{'|'.join([*TASKS, 'test-pythons'])}}} [args]")
    if task == "test-pythons":
        test_on_other_pythons()
        return
    ensure_environment()
    for command in TASKS[task]:
        run(command + (sys.argv[2:] if task in PASSES_ARGUMENTS else []))


if __name__ == "__main__":
    main()
