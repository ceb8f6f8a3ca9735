"""Which function a command is about: the window's own, else one picked from the list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import sublime

from ..aws import AwsTarget
from ..functions import FunctionSummary
from ..workspace import Workspace
from . import settings as package_settings
from .boto import boto3_ready
from .editing import pick_function
from .windows import load_workspace, workspace_root_of_window


@dataclass(frozen=True)
class FunctionChoice:
    target: AwsTarget
    function: str  # what AWS calls take: the ARN when known
    name: str
    workspace: Optional[Workspace]


def choose_function(window: sublime.Window, on_choice: Callable[[FunctionChoice], None]) -> None:
    """Call `on_choice` with the window's function, or with the one the user picks."""
    if not boto3_ready(window):
        return
    root = workspace_root_of_window(window)
    if root is not None:
        workspace = load_workspace(root)
        if workspace is not None:
            binding = workspace.binding
            on_choice(
                FunctionChoice(
                    binding.target, binding.function_arn, binding.function_name, workspace
                )
            )
        return
    settings = package_settings.load()

    def picked(function: FunctionSummary) -> None:
        on_choice(FunctionChoice(settings.target, function.arn, function.name, None))

    pick_function(window, settings, picked)
