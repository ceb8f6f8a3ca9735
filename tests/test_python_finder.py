"""find_python resolves a command to the interpreter that really runs, shims included."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Iterator

import pytest

from lambda_editor import python_finder
from lambda_editor.local_runner import FunctionSpec, choose_interpreter, run_locally
from lambda_editor.pip_platform import find_interpreter
from lambda_editor.python_finder import find_python

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the shims are shell scripts")


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(python_finder, "_found", {})
    yield


def write_script(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text("#!/bin/sh\n" + textwrap.dedent(body), encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def pyenv_like_shim(folder: Path) -> Path:
    """Runs the real Python only when PYENV_VERSION is set, as a pyenv shim needs its setup; each
    run is counted in `runs`."""
    return write_script(
        folder,
        "python3.99",
        f"""
        echo run >> "{folder / "runs"}"
        if [ -z "$PYENV_VERSION" ]; then
            echo "pyenv: python3.99: command not found" >&2
            exit 127
        fi
        exec "{sys.executable}" "$@"
        """,
    )


def probes(folder: Path) -> int:
    runs = folder / "runs"
    return len(runs.read_text().splitlines()) if runs.exists() else 0


def test_a_shim_resolves_to_the_interpreter_behind_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shim = pyenv_like_shim(tmp_path)
    monkeypatch.setenv("PYENV_VERSION", "3.99")

    found = find_python(str(shim))

    assert found is not None and found != str(shim)
    # It runs without the caller's environment, as the local runner starts it.
    completed = subprocess.run(
        [found, "-c", "print(6 * 7)"], env={}, capture_output=True, check=False
    )
    assert completed.stdout.strip() == b"42"


def test_the_local_runner_runs_a_handler_through_a_shim(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shim = pyenv_like_shim(tmp_path)
    monkeypatch.setenv("PYENV_VERSION", "3.99")
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text("def handler(event, context):\n    return 'ran'\n")

    interpreter = choose_interpreter(str(shim), "python3.99")
    result = run_locally(
        str(code),
        FunctionSpec(name="fn", handler="app.handler"),
        b"{}",
        interpreter=interpreter.path,
    )

    assert result.function_error is None, result.log
    assert result.payload == b'"ran"'


def test_pip_runs_with_the_interpreter_behind_the_shim(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shim = pyenv_like_shim(tmp_path)
    monkeypatch.setenv("PYENV_VERSION", "3.99")

    assert find_interpreter(str(shim)) == find_python(str(shim)) != str(shim)


def test_a_shim_that_does_not_run_is_not_a_python(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYENV_VERSION", raising=False)
    assert find_python(str(pyenv_like_shim(tmp_path))) is None


def test_a_command_that_prints_no_interpreter_is_not_a_python(tmp_path: Path) -> None:
    silent = write_script(tmp_path, "silent-python", "exit 0\n")
    nowhere = write_script(tmp_path, "lying-python", "echo /no/such/python\n")

    assert find_python(str(silent)) is None
    assert find_python(str(nowhere)) is None
    assert find_python(str(tmp_path / "missing-python")) is None


def test_a_name_is_probed_once_for_each_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pyenv_like_shim(tmp_path)
    monkeypatch.setenv("PYENV_VERSION", "3.99")
    monkeypatch.setenv("PATH", str(tmp_path) + os.pathsep + os.environ.get("PATH", ""))

    first = find_python("python3.99")
    assert find_python("python3.99") == first
    assert probes(tmp_path) == 1

    # Another PATH may hold another python3.99 (an activated virtualenv, a pyenv change).
    monkeypatch.setenv("PATH", os.environ["PATH"] + os.pathsep + str(tmp_path / "more"))
    assert find_python("python3.99") == first
    assert probes(tmp_path) == 2
