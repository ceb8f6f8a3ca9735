""" "Lambda: Select Profile" and "Lambda: Select Region", remembered in the settings."""

from __future__ import annotations

from typing import Callable, List

import sublime
import sublime_plugin

from .. import aws
from . import quick_panel
from . import settings as package_settings
from .boto import boto3_ready
from .editing import forget_function_lists
from .runtime import run_off_ui, status

_DEFAULT = "(default)"


def _choose(window: sublime.Window, key: str, options: List[str], current: str, label: str) -> None:
    items = [_DEFAULT, *options]
    selected = items.index(current) if current in items else 0

    def on_select(index: int) -> None:
        if index < 0:
            return
        value = None if index == 0 else items[index]
        package_settings.remember(key, value)
        aws.reset_sessions()
        forget_function_lists()
        status(window, f"{label} set to {value or 'the default'}")

    quick_panel.show(window, items, on_select, selected_index=selected, placeholder=f"AWS {label}")


def _choose_off_ui(
    window: sublime.Window, key: str, label: str, load: Callable[[], List[str]]
) -> None:
    current = getattr(package_settings.load(), key) or _DEFAULT
    run_off_ui(load, lambda options: _choose(window, key, options, current, label), window=window)


class LambdaSelectProfileCommand(sublime_plugin.WindowCommand):
    """Pick the AWS profile (SSO profiles included) from ~/.aws/config and credentials."""

    def run(self) -> None:
        if boto3_ready(self.window):
            _choose_off_ui(self.window, "profile", "profile", aws.available_profiles)


class LambdaSelectRegionCommand(sublime_plugin.WindowCommand):
    """Pick the AWS region where Lambda functions are listed."""

    def run(self) -> None:
        if boto3_ready(self.window):
            target = package_settings.load().target
            _choose_off_ui(self.window, "region", "region", lambda: aws.available_regions(target))


__all__ = ["LambdaSelectProfileCommand", "LambdaSelectRegionCommand"]
