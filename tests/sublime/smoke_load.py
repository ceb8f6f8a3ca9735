"""In the real Sublime Text (SublimeText/UnitTesting): the package loads and every command that
the palette and the menu name is registered.

pytest never collects these (they are `smoke_*.py` and need Sublime): the workflow
`.github/workflows/sublime.yml` runs them with UnitTesting's actions.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Iterator, List, Set
from unittest import TestCase

import sublime
import sublime_plugin

PACKAGE = "LambdaEditor"
BUILT_IN = {"edit_settings"}  # Sublime's Default package provides it


def _entries(items: List[Any]) -> Iterator[Any]:
    for item in items:
        if "command" in item:
            yield item
        yield from _entries(item.get("children", []))


def _registered() -> Set[str]:
    window = sublime.active_window()
    names = {cls(window).name() for cls in sublime_plugin.window_command_classes}
    names |= {cls().name() for cls in sublime_plugin.application_command_classes}
    return names


class PackageLoads(TestCase):
    def test_the_plugin_and_its_adapter_are_loaded(self) -> None:
        self.assertIn(f"{PACKAGE}.{PACKAGE}", sys.modules)
        self.assertIn(f"{PACKAGE}.lambda_editor.sublime_adapter", sys.modules)

    def test_boto3_is_importable_in_the_plugin_host(self) -> None:
        boto = sys.modules[f"{PACKAGE}.lambda_editor.boto_install"]
        self.assertFalse(boto.missing_libraries(), "install boto3 into the Lib folder first")

    def test_every_palette_and_menu_command_is_registered(self) -> None:
        registered = _registered()
        for resource in ("Default.sublime-commands", "Main.sublime-menu"):
            text = sublime.load_resource(f"Packages/{PACKAGE}/{resource}")
            for entry in _entries(json.loads(text)):
                if entry["command"] not in BUILT_IN:
                    self.assertIn(entry["command"], registered, resource)
