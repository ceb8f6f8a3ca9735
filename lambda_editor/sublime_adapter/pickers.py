"""Multi-step pickers, and the function a command acts on.

Each step's panel goes through `quick_panel`, which delivers an answer only once its panel has
closed: Sublime refuses a quick panel shown while another is open.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, Tuple

import sublime

from ..aws import AwsTarget
from ..functions import FunctionSummary
from ..layout import MARKER_FILE, METADATA_DIR
from ..pull import workspace_for_arn
from ..workspace import Workspace
from . import quick_panel
from . import settings as package_settings
from .boto import boto3_ready
from .editing import pick_function
from .windows import load_workspace, workspace_root_of_window


def choose(
    window: sublime.Window,
    items: List[sublime.QuickPanelItem],
    on_pick: Callable[[int], None],
    placeholder: str,
    selected: int = -1,
) -> None:
    """A quick panel; `on_pick` gets the index once the panel has closed, and never -1."""

    def on_select(index: int) -> None:
        if index >= 0:
            on_pick(index)

    quick_panel.show(window, items, on_select, placeholder=placeholder, selected_index=selected)


# A row of a panel of actions: its title, its detail, and what picking it does.
Action = Tuple[str, str, Callable[[], None]]


def choose_action(window: sublime.Window, actions: Sequence[Action], placeholder: str) -> None:
    """A panel of actions; picking one runs it."""
    choose(
        window,
        [
            sublime.QuickPanelItem(title, detail, "", sublime.KIND_NAVIGATION)
            for title, detail, _run in actions
        ],
        lambda index: actions[index][2](),
        placeholder,
    )


def ask(window: sublime.Window, caption: str, initial: str, on_done: Callable[[str], None]) -> None:
    """An input panel for the next step."""
    window.show_input_panel(caption, initial, on_done, None, None)


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
