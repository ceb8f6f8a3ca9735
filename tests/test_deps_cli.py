"""Dependencies end to end: the CLI installs into vendor/, deploys, and the code imports them."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
import wheels
from test_cli import pull, run_cli

HANDLER = {
    "app.py": (
        '"""Reports the version of a vendored package."""\n\n\n'
        "def handler(event, context):\n"
        "    import tinypure\n\n"
        "    return {'version': tinypure.VERSION}\n"
    )
}


@pytest.fixture
def offline_pip(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """pip sees only wheels built here, through its environment variables."""
    wheelhouse = tmp_path / "wheelhouse"
    wheels.build_wheel(str(wheelhouse), "tinypure", "1.0")
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheelhouse))


def test_an_installed_package_is_deployed_and_imports_remotely_and_locally(
    sandbox: Any, functions: Any, tmp_path: Path, offline_pip: None
) -> None:
    name = functions.create(HANDLER)
    workspace = pull(sandbox, tmp_path, name)
    uploads = sandbox.stats.update_function_code.get(name, 0)

    installed = run_cli(
        sandbox,
        tmp_path,
        "deps",
        str(workspace),
        "tinypure",
        "--bootstrap",
        "--python",
        sys.executable,
    )

    assert installed.returncode == 0, installed.stderr
    assert (workspace / "vendor" / "tinypure" / "__init__.py").is_file()
    assert "Package size:" in installed.stderr
    assert sandbox.stats.update_function_code.get(name, 0) == uploads + 1
    source = (workspace / "app.py").read_text()
    assert source.startswith('"""Reports the version of a vendored package."""')
    assert source.count("vendor") >= 1
    for local in ([], ["--local"]):
        invoked = run_cli(sandbox, tmp_path, "invoke", name, "--json", *local, cwd=workspace)
        assert invoked.returncode == 0, invoked.stderr
        assert json.loads(invoked.stdout)["payload"] == {"version": "1.0"}

    again = run_cli(
        sandbox,
        tmp_path,
        "deps",
        str(workspace),
        "tinypure",
        "--bootstrap",
        "--no-deploy",
        "--python",
        sys.executable,
    )

    assert again.returncode == 0, again.stderr
    assert (workspace / "app.py").read_text() == source


def test_a_package_without_a_wheel_leaves_vendor_as_it_was(
    sandbox: Any, functions: Any, tmp_path: Path, offline_pip: None
) -> None:
    name = functions.create(HANDLER)
    workspace = pull(sandbox, tmp_path, name)

    failed = run_cli(
        sandbox, tmp_path, "deps", str(workspace), "no-such-package", "--python", sys.executable
    )

    assert failed.returncode == 1
    assert "no-such-package" in failed.stderr
    assert not (workspace / "vendor").exists()
