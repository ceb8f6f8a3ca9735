"""Multi-step pickers, and the function a command acts on.

Sublime refuses a quick panel shown while another is open ("Quick Panel Unavailable", and
`on_select` never comes), which is the case inside a panel's `on_select`: the next step is shown
from a `set_timeout` instead.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, List, Optional

import sublime

from ..aws import AwsTarget
from ..functions import FunctionSummary
from ..layout import MARKER_FILE, METADATA_DIR
from ..pull import workspace_for_arn
from ..workspace import Workspace
from . import settings as package_settings
from .boto import boto3_ready
from .editing import pick_function
from .windows import load_workspace, workspace_root_of_window


def later(step: Callable[[], None]) -> None:
    """Run the next step of a picker once the current panel is gone."""
    sublime.set_timeout(step, 0)


def choose(
    window: sublime.Window,
    items: List[sublime.QuickPanelItem],
    on_pick: Callable[[int], None],
    placeholder: str,
    selected: int = -1,
) -> None:
    """A quick panel, shown after the current step; `on_pick` gets the index, never -1."""

    def on_select(index: int) -> None:
        if index >= 0:
            on_pick(index)

    later(
        lambda: window.show_quick_panel(
            items, on_select, selected_index=selected, placeholder=placeholder
        )
    )


def ask(window: sublime.Window, caption: str, initial: str, on_done: Callable[[str], None]) -> None:
    """An input panel, shown after the current step."""

    def show() -> None:
        window.show_input_panel(caption, initial, on_done, None, None)

    later(show)


@dataclass(frozen=True)
class ChosenFunction:
    """The function a command acts on: where it is, and its workspace when it has one."""

    target: AwsTarget
    function: str  # its ARN
    name: str
    workspace: Optional[Workspace]


def with_function(window: sublime.Window, on_function: Callable[[ChosenFunction], None]) -> None:
    """The window's function, or one picked from the account's list."""
    if not boto3_ready(window):
        return
    root = workspace_root_of_window(window)
    if root is not None:
        workspace = load_workspace(root)
        if workspace is not None:
            binding = workspace.binding
            on_function(
                ChosenFunction(
                    binding.target, binding.function_arn, binding.function_name, workspace
                )
            )
        return
    settings = package_settings.load()

    def picked(summary: FunctionSummary) -> None:
        root = workspace_for_arn(package_settings.workspace_root(settings), summary.arn)
        has_workspace = os.path.isfile(os.path.join(root, METADATA_DIR, MARKER_FILE))
        workspace = load_workspace(root) if has_workspace else None
        target = workspace.binding.target if workspace else settings.target
        on_function(ChosenFunction(target, summary.arn, summary.name, workspace))

    pick_function(window, settings, picked)
