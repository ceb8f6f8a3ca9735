"""Clients: short connect timeouts where a retry follows, botocore's where none does."""

from __future__ import annotations

from lambda_editor import aws

TARGET = aws.AwsTarget(region="us-east-1", endpoint_url="http://127.0.0.1:9")


def test_retried_calls_give_up_connecting_after_a_few_seconds() -> None:
    """Offline or behind a dead VPN, three attempts of 60 s each would hold a command minutes."""
    config = aws.lambda_client(TARGET).meta.config

    assert config.connect_timeout == aws.RETRIED_CONNECT_TIMEOUT <= 10
    assert config.retries["mode"] == "standard"


def test_an_invoke_that_is_never_retried_keeps_its_one_attempts_full_time() -> None:
    config = aws.lambda_client(TARGET, read_timeout=900, max_attempts=1).meta.config

    assert config.connect_timeout == 60  # botocore's default
    assert config.read_timeout == 900
    assert config.retries["total_max_attempts"] == 1
