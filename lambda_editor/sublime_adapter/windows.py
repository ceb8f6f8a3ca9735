"""Windows bound to workspaces: finding the workspace of a window or view, opening one."""

from __future__ import annotations

import os
from typing import List, Optional

import sublime

from ..workspace import MARKER_DIR, MARKER_FILE, Workspace


def workspace_of_view(view: sublime.View) -> Optional[Workspace]:
    file_name = view.file_name()
    return Workspace.find(file_name) if file_name else None


def workspace_of_window(window: sublime.Window) -> Optional[Workspace]:
    """The workspace the window is bound to: its active file's, else its first bound folder's."""
    view = window.active_view()
    workspace = workspace_of_view(view) if view else None
    if workspace:
        return workspace
    for folder in window.folders():
        if os.path.isfile(os.path.join(folder, MARKER_DIR, MARKER_FILE)):
            return Workspace.load(folder)
    return None


def windows_of(root: str) -> List[sublime.Window]:
    return [window for window in sublime.windows() if root in window.folders()]


def open_workspace_window(workspace: Workspace) -> sublime.Window:
    """Focus the window already bound to the workspace, or open a new one with its handler file."""
    existing = windows_of(workspace.root)
    if existing:
        window = existing[0]
    else:
        sublime.run_command("new_window")
        window = sublime.active_window()
        window.set_project_data(
            {
                "folders": [
                    {
                        "path": workspace.root,
                        "name": workspace.binding.function_name,
                        "folder_exclude_patterns": [MARKER_DIR, "__pycache__"],
                    }
                ]
            }
        )
    handler = workspace.handler_path()
    if handler:
        window.open_file(handler)
    return window
