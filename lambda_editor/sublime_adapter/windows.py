"""Windows bound to workspaces: finding the workspace of a window or view, opening one."""

from __future__ import annotations

from typing import List, Optional

import sublime

from ..errors import LambdaEditorError
from ..layout import METADATA_DIR
from ..workspace import Workspace, find_root
from .runtime import show_error


def workspace_root_of_view(view: sublime.View) -> Optional[str]:
    file_name = view.file_name()
    return find_root(file_name) if file_name else None


def workspace_root_of_window(window: sublime.Window) -> Optional[str]:
    """The workspace the window is bound to: its active file's, else its first bound folder's.

    Only looks for the marker, so `is_enabled` may call it on the UI thread.
    """
    view = window.active_view()
    root = workspace_root_of_view(view) if view else None
    bound = (folder for folder in window.folders() if find_root(folder) == folder)
    return root or next(bound, None)


def load_workspace(root: Optional[str]) -> Optional[Workspace]:
    """The workspace at `root`; a damaged marker is reported, not raised into Sublime."""
    if root is None:
        return None
    try:
        return Workspace.load(root)
    except LambdaEditorError as error:
        show_error(error)
        return None


def workspace_of_window(window: sublime.Window) -> Optional[Workspace]:
    return load_workspace(workspace_root_of_window(window))


def bound_workspace(window: sublime.Window) -> Optional[Workspace]:
    """The window's workspace for a command that needs one: says why when there is none."""
    root = workspace_root_of_window(window)
    if root is None:
        show_error(
            LambdaEditorError(
                "This window is not bound to a Lambda function.",
                'Open one with "Lambda: Edit Function…" or "Lambda: Open Workspace…".',
            )
        )
    return load_workspace(root)


def windows_of(root: str) -> List[sublime.Window]:
    return [window for window in sublime.windows() if root in window.folders()]


def open_workspace_window(workspace: Workspace) -> sublime.Window:
    """Focus the window already bound to the workspace, or open a new one with its handler file."""
    existing = windows_of(workspace.root)
    if existing:
        window = existing[0]
        window.bring_to_front()
    else:
        sublime.run_command("new_window")
        window = sublime.active_window()
        window.set_project_data(
            {
                "folders": [
                    {
                        "path": workspace.root,
                        "name": workspace.binding.function_name,
                        "folder_exclude_patterns": [METADATA_DIR, "__pycache__"],
                    }
                ]
            }
        )
    handler = workspace.handler_path()
    if handler:
        window.open_file(handler)
    return window
