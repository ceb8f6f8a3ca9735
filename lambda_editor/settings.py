"""Every setting of the Sublime package, with its default, parsed from a plain mapping.

The Sublime adapter reads `LambdaEditor.sublime-settings` into a dict and hands it to
`Settings.from_mapping`, so defaults and validation live in one place. The command line reads no
settings file: its flags (`--profile`, `--region`, `--exclude`, `--python`…) carry the same values.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Tuple

from . import actions
from .aws import AwsTarget
from .errors import LambdaEditorError
from .history import DEFAULT_LIMITS, HistoryLimits
from .logs import DEFAULT_SINCE, parse_since
from .s3_upload import S3Location

_MB = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    profile: Optional[str] = None
    region: Optional[str] = None
    endpoint_url: Optional[str] = None
    workspace_root: Optional[str] = None
    exclude: Tuple[str, ...] = ()
    deploy_on_save: bool = True
    python_interpreter: Optional[str] = None
    history_count: int = DEFAULT_LIMITS.count
    history_size_mb: int = DEFAULT_LIMITS.total_bytes // _MB
    debug: bool = False  # the debug log: requests made, timings
    logs_since: str = DEFAULT_SINCE
    # Where packages over the direct-upload limit go (in the function's region); None: nowhere.
    s3_bucket: Optional[str] = None
    s3_prefix: str = ""

    @property
    def target(self) -> AwsTarget:
        return AwsTarget(self.profile, self.region, self.endpoint_url)

    @property
    def history_limits(self) -> HistoryLimits:
        return HistoryLimits(self.history_count, self.history_size_mb * _MB)

    @property
    def s3(self) -> Optional[S3Location]:
        return S3Location(self.s3_bucket, self.s3_prefix) if self.s3_bucket else None

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Settings:
        return cls(
            profile=_optional_text(values, "profile"),
            region=_optional_text(values, "region"),
            endpoint_url=_optional_text(values, "endpoint_url"),
            workspace_root=_optional_path(values, "workspace_root"),
            exclude=_patterns(values.get("exclude")),
            deploy_on_save=_flag(values, "deploy_on_save", default=True),
            python_interpreter=_optional_path(values, "python_interpreter"),
            history_count=_positive(values, "history_count", cls.history_count),
            history_size_mb=_positive(values, "history_size_mb", cls.history_size_mb),
            debug=_flag(values, "debug", default=False),
            logs_since=_since(values),
            s3_bucket=_bucket(values),
            s3_prefix=_optional_text(values, "s3_prefix") or "",
        )


def _optional_text(values: Mapping[str, Any], key: str) -> Optional[str]:
    """Empty strings and null both mean "not set": boto3's own resolution applies."""
    value = values.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _wrong_setting(f'The setting "{key}" must be a string, not {type(value).__name__}.')
    return value.strip() or None


def _optional_path(values: Mapping[str, Any], key: str) -> Optional[str]:
    """A path as people write it in settings: `~` is their home folder."""
    text = _optional_text(values, key)
    return os.path.expanduser(text) if text else None


def _flag(values: Mapping[str, Any], key: str, default: bool) -> bool:
    value = values.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise _wrong_setting(f'The setting "{key}" must be true or false, not {value!r}.')
    return value


def _positive(values: Mapping[str, Any], key: str, default: int) -> int:
    value = values.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise LambdaEditorError(
            f'The setting "{key}" must be a whole number of at least 1, not {value!r}.',
            "Fix it in Preferences → Package Settings → Lambda Editor → Settings.",
        )
    return value


def _since(values: Mapping[str, Any]) -> str:
    text = _optional_text(values, "logs_since") or DEFAULT_SINCE
    try:
        parse_since(text, 0)
    except LambdaEditorError as error:
        raise LambdaEditorError(
            f'The setting "logs_since" is off: {error.message}',
            "Fix it in Preferences → Package Settings → Lambda Editor → Settings.",
        ) from None
    return text


def _bucket(values: Mapping[str, Any]) -> Optional[str]:
    bucket = _optional_text(values, "s3_bucket")
    if bucket is None:
        return None
    try:
        return S3Location(bucket).checked().bucket
    except LambdaEditorError as error:
        raise _wrong_setting(f'The setting "s3_bucket" is off: {error}') from None


def _patterns(value: Any) -> Tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise _wrong_setting(
        'The setting "exclude" must be a list of glob patterns, e.g. ["tests/*", "*.md"].'
    )


def _wrong_setting(message: str) -> LambdaEditorError:
    return LambdaEditorError(message, "Fix it in the settings.", next_action=actions.EDIT_SETTINGS)
