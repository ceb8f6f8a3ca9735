"""A function at a glance in a read-only view: "Lambda: Function Info", and
"Lambda: Show Environment Values", which adds the values to that view after a confirmation."""

from __future__ import annotations

from typing import Dict, Optional

import sublime
import sublime_plugin

from ..info import FunctionInfo, environment_values, format_info, function_info
from . import settings as package_settings
from .pickers import ChosenFunction, with_function
from .runtime import run_off_ui

# The info each open view shows, by view id: environment values stay in memory, in no file.
_shown: Dict[int, FunctionInfo] = {}
# Views whose values are on show already.
_revealed: Dict[int, bool] = {}


class LambdaFunctionInfoCommand(sublime_plugin.WindowCommand):
    def run(self) -> None:
        with_function(self.window, self._read)

    def _read(self, choice: ChosenFunction) -> None:
        exclude = package_settings.load().exclude
        run_off_ui(
            lambda: function_info(choice.target, choice.function, choice.workspace, exclude),
            lambda info: show_info(self.window, info),
            window=self.window,
            status=f"reading {choice.name}…",
            long_running=True,
        )


def show_info(window: sublime.Window, info: FunctionInfo) -> None:
    view = window.new_file()
    view.set_scratch(True)
    view.set_name(f"{info.name} · Function Info")
    view.settings().set("word_wrap", False)
    _shown[view.id()] = info
    _append(view, format_info(info))
    view.set_read_only(True)


def _append(view: sublime.View, text: str) -> None:
    view.run_command("append", {"characters": text, "force": True})


def _info_of(view: Optional[sublime.View]) -> Optional[FunctionInfo]:
    return _shown.get(view.id()) if view is not None else None


class LambdaShowEnvironmentValuesCommand(sublime_plugin.WindowCommand):
    """Show the environment values in the active Function Info view, once confirmed."""

    def is_enabled(self) -> bool:
        view = self.window.active_view()
        info = _info_of(view)
        if view is None or info is None or not info.environment:
            return False
        return not _revealed.get(view.id(), False)  # on show already

    def run(self) -> None:
        view = self.window.active_view()
        info = _info_of(view)
        if view is None or info is None:
            return
        count = len(info.environment)
        if sublime.ok_cancel_dialog(
            f"Show the values of the {count} environment variables of {info.name}?\n\n"
            "They may be secrets: whoever sees your screen sees them. They are shown in this "
            "view only and never saved.",
            "Show Values",
        ):
            _revealed[view.id()] = True
            _append(view, "\n" + environment_values(info))


class LambdaFunctionInfoListener(sublime_plugin.EventListener):
    def on_close(self, view: sublime.View) -> None:
        _shown.pop(view.id(), None)
        _revealed.pop(view.id(), None)


__all__ = [
    "LambdaFunctionInfoCommand",
    "LambdaFunctionInfoListener",
    "LambdaShowEnvironmentValuesCommand",
]
