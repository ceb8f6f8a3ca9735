"""The package's output panels and diff views, wrapped once."""

from __future__ import annotations

import sublime

PANEL_NAME = "lambda_editor"  # invoke results
PIP_PANEL = "lambda_editor_pip"  # pip's output: an install must not lose it to an invoke
JSON_SYNTAX = "Packages/JSON/JSON.sublime-syntax"
PLAIN_SYNTAX = "Packages/Text/Plain text.tmLanguage"
DIFF_SYNTAX = "Packages/Diff/Diff.sublime-syntax"


def show_diff(window: sublime.Window, title: str, diff: str) -> None:
    """A read-only scratch view of a unified diff."""
    view = window.new_file(syntax=DIFF_SYNTAX)
    view.set_name(title)
    view.set_scratch(True)
    view.run_command("append", {"characters": diff})
    view.set_read_only(True)


class OutputPanel:
    """Lambda Editor's output panel in a window: pip output, invoke results."""

    def __init__(self, window: sublime.Window, name: str = PANEL_NAME) -> None:
        self.window = window
        self.name = name
        self.view = window.find_output_panel(name) or window.create_output_panel(name)
        settings = self.view.settings()
        settings.set("word_wrap", False)
        settings.set("line_numbers", False)
        settings.set("gutter", False)
        settings.set("scroll_past_end", False)

    def clear(self, syntax: str = PLAIN_SYNTAX) -> OutputPanel:
        self.view = self.window.create_output_panel(self.name)
        self.view.assign_syntax(syntax)
        return self

    def append(self, text: str) -> None:
        self.view.run_command("append", {"characters": text, "force": True, "scroll_to_end": True})

    def show(self) -> None:
        self.window.run_command("show_panel", {"panel": f"output.{self.name}"})

    def text(self) -> str:
        return self.view.substr(sublime.Region(0, self.view.size()))
