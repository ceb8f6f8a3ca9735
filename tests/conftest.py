"""Shared fixtures: an isolated AWS environment and the local endpoint."""

from __future__ import annotations

import io
import json
import os
import time
import urllib.request
import uuid
import zipfile
from typing import Any, Callable, Dict, Iterator, Mapping, Optional

import pytest
from sublime_standin.fixture import sublime_app  # noqa: F401 - the Sublime stand-in, for every test


@pytest.fixture(autouse=True)
def isolated_aws(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never read the developer's AWS files or reach AWS with real credentials."""
    home = tmp_path_factory.mktemp("aws-home")
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    from lambda_editor import aws

    aws.reset_sessions()


@pytest.fixture(scope="session")
def sandbox() -> Iterator[object]:
    """One local Lambda endpoint for the whole run (fast updates, so waits stay short)."""
    pytest.importorskip("moto", reason="the local endpoint needs moto (Python 3.10 and newer)")
    from lambda_editor.sandbox import Sandbox

    with Sandbox(update_delay=0.2) as running:
        yield running


def eventually(check: Callable[[], Any], timeout: float = 20.0) -> bool:
    """Whether `check()` comes true within `timeout` seconds, polling."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def zip_files(files: Mapping[str, str], modes: Optional[Mapping[str, int]] = None) -> bytes:
    """A function zip with unix modes, as the Lambda console would make it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, text in files.items():
            info = zipfile.ZipInfo(path, (2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o100000 | (modes or {}).get(path, 0o644)) << 16
            info.create_system = 3
            archive.writestr(info, text)
    return buffer.getvalue()


HELLO = {
    "app.py": (
        "import os\n\n\n"
        "def handler(event, context):\n"
        "    return {'hello': event.get('name', 'world'), 'color': os.environ.get('COLOR')}\n"
    )
}


class FunctionFactory:
    """Creates uniquely named functions on the shared sandbox."""

    def __init__(self, sandbox: Any) -> None:
        self.sandbox = sandbox
        self.client = sandbox.client()
        from lambda_editor.sandbox import ensure_role

        self.role = ensure_role(sandbox.url, sandbox.region)

    def create(self, files: Optional[Mapping[str, str]] = None, **options: Any) -> str:
        """A new function's name (see `configure`)."""
        return str(self.configure(files, **options)["FunctionName"])

    def configure(
        self,
        files: Optional[Mapping[str, str]] = None,
        *,
        name: Optional[str] = None,
        prefix: str = "fn",
        handler: str = "app.handler",
        timeout: int = 3,
        environment: Optional[Dict[str, str]] = None,
        **configuration: Any,
    ) -> Dict[str, Any]:
        """Create a Python 3.12 function of `files` (HELLO when None), named `name` or uniquely
        after `prefix`, and wait until it is active; CreateFunction's answer. `configuration`
        adds to the request or overrides it."""
        request: Dict[str, Any] = {
            "FunctionName": name or f"{prefix}-{uuid.uuid4().hex[:8]}",
            "Runtime": "python3.12",
            "Role": self.role,
            "Handler": handler,
            "Code": {"ZipFile": zip_files(files or HELLO)},
            "Timeout": timeout,
            "Environment": {"Variables": environment or {"COLOR": "blue"}},
            **configuration,
        }
        created: Dict[str, Any] = self.client.create_function(**request)
        self.client.get_waiter("function_active_v2").wait(FunctionName=request["FunctionName"])
        return created

    def update_code(self, name: str, files: Mapping[str, str]) -> None:
        """Someone else deploys `files` to the function, once any update under way has ended."""
        self._settle(name)
        self.client.update_function_code(FunctionName=name, ZipFile=zip_files(files))
        self._settle(name)

    def update_configuration(self, name: str, **settings: Any) -> None:
        """Someone else changes the function's configuration, waiting until it is applied."""
        self._settle(name)
        self.client.update_function_configuration(FunctionName=name, **settings)
        self._settle(name)

    def _settle(self, name: str) -> None:
        self.client.get_waiter("function_updated_v2").wait(FunctionName=name)

    def policy_statements(self, name: str) -> Dict[str, Dict[str, Any]]:
        """The function's resource policy, statement by statement id."""
        policy = json.loads(self.client.get_policy(FunctionName=name)["Policy"])
        return {statement["Sid"]: statement for statement in policy["Statement"]}

    def deployed_files(self, name: str) -> Dict[str, bytes]:
        """The function's code as the endpoint serves it now."""
        location = self.client.get_function(FunctionName=name)["Code"]["Location"]
        with urllib.request.urlopen(location) as response:
            archive = zipfile.ZipFile(io.BytesIO(response.read()))
        return {info.filename: archive.read(info) for info in archive.infolist()}


@pytest.fixture(scope="session")
def functions(sandbox: Any) -> FunctionFactory:
    return FunctionFactory(sandbox)


@pytest.fixture
def lam(sandbox: Any) -> Any:
    """A Lambda client of the local endpoint."""
    return sandbox.client("lambda")
