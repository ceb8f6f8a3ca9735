"""The package's settings file, read into the core's `Settings`."""

from __future__ import annotations

from typing import Any, Dict

import sublime

from ..settings import Settings
from ..workspace import default_workspace_root

SETTINGS_FILE = "LambdaEditor.sublime-settings"
_KEYS = (
    "profile",
    "region",
    "endpoint_url",
    "workspace_root",
    "exclude",
    "deploy_on_save",
    "python_interpreter",
)


def load() -> Settings:
    stored = sublime.load_settings(SETTINGS_FILE)
    values: Dict[str, Any] = {key: stored.get(key) for key in _KEYS if stored.has(key)}
    return Settings.from_mapping(values)


def workspace_root(settings: Settings) -> str:
    return settings.workspace_root or default_workspace_root(sublime.cache_path())


def remember(key: str, value: Any) -> None:
    """Store a choice (profile, region) in the user's settings file."""
    stored = sublime.load_settings(SETTINGS_FILE)
    stored.set(key, value)
    sublime.save_settings(SETTINGS_FILE)
