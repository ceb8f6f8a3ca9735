"""Replacing the whole text of a read-only view (an output panel, a report view)."""

from __future__ import annotations

import sublime
import sublime_plugin


def replace_text(view: sublime.View, text: str) -> None:
    view.run_command("lambda_replace_read_only_text", {"text": text})


class LambdaReplaceReadOnlyTextCommand(sublime_plugin.TextCommand):
    """Edits need a command: this one replaces the view's text and leaves it read-only."""

    def run(self, edit: sublime.Edit, text: str = "") -> None:
        self.view.set_read_only(False)
        self.view.replace(edit, sublime.Region(0, self.view.size()), text)
        self.view.set_read_only(True)
