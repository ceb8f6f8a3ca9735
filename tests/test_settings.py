from __future__ import annotations

import os

import pytest

from lambda_editor.aws import AwsTarget
from lambda_editor.errors import LambdaEditorError
from lambda_editor.history import DEFAULT_LIMITS, HistoryLimits
from lambda_editor.settings import Settings


def test_defaults_leave_aws_resolution_to_boto3() -> None:
    settings = Settings.from_mapping({})

    assert settings.target == AwsTarget(None, None, None)
    assert settings.deploy_on_save is True
    assert settings.exclude == ()
    assert settings.debug is False


def test_empty_strings_mean_not_set_and_values_are_kept() -> None:
    settings = Settings.from_mapping(
        {
            "profile": "",
            "region": " eu-west-1 ",
            "endpoint_url": "http://127.0.0.1:5000",
            "exclude": ["*.md"],
        }
    )

    assert settings.target == AwsTarget(None, "eu-west-1", "http://127.0.0.1:5000")
    assert settings.exclude == ("*.md",)


def test_paths_may_start_with_the_home_folder() -> None:
    settings = Settings.from_mapping({"workspace_root": "~/lambda", "python_interpreter": "~/py"})

    assert settings.workspace_root == os.path.join(os.path.expanduser("~"), "lambda")
    assert settings.python_interpreter == os.path.join(os.path.expanduser("~"), "py")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("region", 3),
        ("exclude", "*.md"),
        ("exclude", [1]),
        ("deploy_on_save", "false"),
        ("history_count", 0),
        ("history_size_mb", "100"),
        ("history_count", True),
        ("debug", 1),
        ("s3_bucket", 5),
        ("s3_bucket", "My_Bucket"),
        ("s3_prefix", ["deploys"]),
    ],
)
def test_a_wrong_type_names_the_setting(key: str, value: object) -> None:
    with pytest.raises(LambdaEditorError, match=key):
        Settings.from_mapping({key: value})


def test_the_history_limits_come_from_two_settings() -> None:
    assert Settings.from_mapping({}).history_limits == DEFAULT_LIMITS
    limits = Settings.from_mapping({"history_count": 3, "history_size_mb": 20}).history_limits
    assert limits == HistoryLimits(count=3, total_bytes=20 * 1024 * 1024)


def test_debug_turns_on_the_debug_log() -> None:
    assert Settings.from_mapping({"debug": True}).debug is True


def test_logs_since_is_a_duration_or_a_time() -> None:
    assert Settings.from_mapping({}).logs_since == "10m"
    assert Settings.from_mapping({"logs_since": "1h"}).logs_since == "1h"
    assert Settings.from_mapping({"logs_since": "2024-05-01T12:00:00Z"}).logs_since.startswith(
        "2024"
    )
    with pytest.raises(LambdaEditorError, match='"logs_since"'):
        Settings.from_mapping({"logs_since": "a while"})


def test_s3_settings_name_where_large_packages_go() -> None:
    assert Settings.from_mapping({}).s3 is None
    settings = Settings.from_mapping({"s3_bucket": "my-deploys", "s3_prefix": "lambda/"})

    assert settings.s3 is not None
    assert (settings.s3.bucket, settings.s3.prefix) == ("my-deploys", "lambda/")
    key = settings.s3.key_for("my-fn", "YWJj")
    assert key.startswith("lambda/my-fn-") and key.endswith("-616263.zip")
