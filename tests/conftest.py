"""Shared fixtures: an isolated AWS environment and the local endpoint."""

from __future__ import annotations

import os
from typing import Iterator

import pytest


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
    from lambda_editor.sandbox import Sandbox

    with Sandbox(update_delay=0.2) as running:
        yield running
