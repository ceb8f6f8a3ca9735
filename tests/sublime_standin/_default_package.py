"""Sublime Text's `Default` package commands that are plugins themselves: `edit_settings`.

Written against the stand-in API the way Default/settings.py is: a new window with the package's
settings on the left and the user's on the right.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Optional

from . import sublime, sublime_plugin

PLATFORM_NAMES = {"osx": "OSX", "windows": "Windows", "linux": "Linux"}
TWO_COLUMNS: Dict[str, Any] = {
    "cols": [0.0, 0.5, 1.0],
    "rows": [0.0, 1.0],
    "cells": [[0, 0, 1, 1], [1, 0, 2, 1]],
}


class EditSettingsCommand(sublime_plugin.ApplicationCommand):
    def run(  # type: ignore[override]  # Sublime passes the command's arguments
        self, base_file: str, user_file: Optional[str] = None, default: Optional[str] = None
    ) -> None:
        variables = {"packages": "${packages}", "platform": PLATFORM_NAMES[sublime.platform()]}
        base_file = str(sublime.expand_variables(base_file.replace("\\", "\\\\"), variables))
        base_path = base_file.replace("${packages}", "res://Packages")
        file_name = os.path.basename(base_file)
        if base_path[len("res://") :] not in sublime.find_resources(file_name):
            sublime.error_message(f'The settings file "{base_path}" could not be opened')
            return
        if user_file is None:
            user_file = os.path.join(sublime.packages_path(), "User", file_name)
        else:
            user_file = str(sublime.expand_variables(user_file.replace("\\", "\\\\"), variables))

        sublime.run_command("new_window")
        window = sublime.active_window()
        window.run_command("set_layout", TWO_COLUMNS)
        window.focus_group(0)
        window.run_command("open_file", {"file": base_file})
        window.focus_group(1)
        window.run_command("open_file", {"file": user_file, "contents": default})
        window.set_tabs_visible(True)
        window.set_sidebar_visible(False)
        self._mark_views(window, user_file, default)

    def _mark_views(self, window: sublime.Window, user_file: str, default: Optional[str]) -> None:
        base_view = window.active_view_in_group(0)
        user_view = window.active_view_in_group(1)
        if base_view is None or user_view is None:
            return
        base_view.settings().update(
            edit_settings_view="base", edit_settings_other_view_id=user_view.id()
        )
        user_view.settings().update(
            edit_settings_view="user", edit_settings_other_view_id=base_view.id()
        )
        if not os.path.exists(user_file):
            user_view.set_scratch(True)
            user_view.settings().set("edit_settings_default", (default or "").replace("$0", ""))
