"""The package's settings file, read into the core's `Settings`.

Read on the UI thread only; work off it gets the values it needs (the `Settings` are frozen).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List

import sublime

from ..errors import LambdaEditorError
from ..settings import Settings
from ..workspace import default_workspace_root
from .runtime import show_error, status
from .wording import worded

SETTINGS_FILE = "LambdaEditor.sublime-settings"
_KEYS = (
    "profile",
    "region",
    "endpoint_url",
    "workspace_root",
    "exclude",
    "deploy_on_save",
    "python_interpreter",
    "history_count",
    "history_size_mb",
    "debug",
    "logs_since",
    "s3_bucket",
    "s3_prefix",
)
_WATCH_TAG = "lambda_editor"


def load() -> Settings:
    """The settings; a wrong value is reported and its default used instead.

    Deploys use `load_strict`: a broken `exclude` must never upload what it meant to leave out.
    """
    values = _stored_values()
    try:
        return Settings.from_mapping(values)
    except LambdaEditorError as error:
        _report(error)
        return Settings.from_mapping(_valid_only(values))


def load_strict() -> Settings:
    """The settings, or the `LambdaEditorError` that says which one is wrong."""
    return Settings.from_mapping(_stored_values())


def _stored_values() -> Dict[str, Any]:
    stored = sublime.load_settings(SETTINGS_FILE)
    return {key: stored.get(key) for key in _KEYS if stored.has(key)}


def _valid_only(values: Dict[str, Any]) -> Dict[str, Any]:
    valid = {}
    for key, value in values.items():
        try:
            Settings.from_mapping({key: value})
        except LambdaEditorError:
            continue
        valid[key] = value
    return valid


_reported: List[str] = []  # each wrong setting gets one dialog, then status messages


def _report(error: LambdaEditorError) -> None:
    status(None, worded(error))
    if str(error) not in _reported:
        _reported.append(str(error))
        show_error(error)


def workspace_root(settings: Settings) -> str:
    return settings.workspace_root or default_workspace_root()


def remember(key: str, value: Any) -> None:
    """Store a choice (profile, region) in the user's settings file."""
    stored = sublime.load_settings(SETTINGS_FILE)
    stored.set(key, value)
    sublime.save_settings(SETTINGS_FILE)


def watch(on_change: Callable[[], None]) -> None:
    """`on_change()` on the UI thread whenever the settings change (the user saved them)."""
    sublime.load_settings(SETTINGS_FILE).add_on_change(_WATCH_TAG, on_change)


def unwatch() -> None:
    sublime.load_settings(SETTINGS_FILE).clear_on_change(_WATCH_TAG)
