"""The Python that runs pip and local invocations: shims resolved, the runtime's preferred."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Iterator

import pytest

from lambda_editor import actions, interpreters
from lambda_editor.errors import LambdaEditorError
from lambda_editor.interpreters import Interpreter, find_python, pick_interpreter, version_note
from lambda_editor.local_runner import FunctionSpec, run_locally

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the shims are shell scripts")


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(interpreters, "_found", {})
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

    assert found is not None and found.path != str(shim)
    assert found.version == sys.version_info[:2]
    # It runs without the caller's environment, as the local runner starts it.
    completed = subprocess.run(
        [found.path, "-c", "print(6 * 7)"], env={}, capture_output=True, check=False
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

    interpreter = pick_interpreter(str(shim), "python3.99")
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

    python = pick_interpreter(str(shim), "python3.12")
    assert python == find_python(str(shim))
    assert python.path != str(shim)


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


def fake_python(folder: Path, name: str, version: str) -> Path:
    """A command that answers the probe as a Python of `version` would, from its own path."""
    return write_script(folder, name, f'printf "%s\\n{version}" "$0"\n')


@pytest.fixture
def bin_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The only folder on PATH."""
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(folder))
    return folder


def test_the_runtimes_python_comes_first_then_python3_then_python(bin_folder: Path) -> None:
    runtime = fake_python(bin_folder, "python3.12", "3.12")
    python3 = fake_python(bin_folder, "python3", "3.11")

    assert pick_interpreter(None, "python3.12") == Interpreter(str(runtime), (3, 12))
    assert pick_interpreter(None, "python3.13").path == str(python3)
    assert pick_interpreter(None, "nodejs20.x").path == str(python3)
    python3.unlink()
    python = fake_python(bin_folder, "python", "3.10")
    assert pick_interpreter(None, None).path == str(python)


def test_a_chosen_python_wins_and_must_run(bin_folder: Path) -> None:
    fake_python(bin_folder, "python3.12", "3.12")
    mine = fake_python(bin_folder, "mine", "3.9")

    assert pick_interpreter(str(mine), "python3.12") == Interpreter(str(mine), (3, 9))
    with pytest.raises(LambdaEditorError, match="'/nowhere/python3' is not an executable") as bad:
        pick_interpreter("/nowhere/python3", "python3.12")
    assert bad.value.next_action == actions.CHOOSE_PYTHON


def test_no_python_on_path_says_what_to_do(bin_folder: Path) -> None:
    with pytest.raises(LambdaEditorError, match="No Python 3 was found on PATH") as missing:
        pick_interpreter(None, "python3.12")
    assert missing.value.next_action == actions.CHOOSE_PYTHON


def test_a_python_installed_after_a_failed_look_is_found(
    bin_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert find_python("python3.98") is None
    fake_python(bin_folder, "python3.98", "3.98")
    assert find_python("python3.98") == Interpreter(str(bin_folder / "python3.98"), (3, 98))

    monkeypatch.delenv("PYENV_VERSION", raising=False)
    shim = pyenv_like_shim(bin_folder)
    assert find_python(str(shim)) is None
    monkeypatch.setenv("PYENV_VERSION", "3.99")  # the version activated meanwhile
    assert find_python(str(shim)) is not None


def test_a_python_of_another_version_than_the_runtime_gets_a_note() -> None:
    python = Interpreter("/usr/bin/python3", (3, 11))

    note = version_note(python, "python3.12", "Note: pip runs", "wheels may be wrong")
    assert note == (
        "Note: pip runs with Python 3.11 but the function runs python3.12: wheels may be wrong. "
        "Choose a python3.12 as the Python interpreter to avoid it."
    )
    assert version_note(python, "python3.11", "Note: pip runs", "wheels may be wrong") == ""
    assert version_note(python, "nodejs20.x", "Note: pip runs", "wheels may be wrong") == ""
