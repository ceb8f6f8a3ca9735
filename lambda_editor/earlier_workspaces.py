"""Workspaces that earlier versions kept in cache folders: found and offered, never lost.

Earlier versions kept workspaces in Sublime Text's cache folder (`<cache>/LambdaEditor/workspaces`)
and, for the command line, in the user's cache folder (`~/.cache/lambda-editor/workspaces`,
`~/Library/Caches/lambda-editor/workspaces`, `%LOCALAPPDATA%\\lambda-editor\\workspaces`). Cache
folders get cleaned, so workspaces now live in a data folder (`default_workspace_root`). The ones
still in the old places are listed beside the others and reused for their function where they
are: moving a folder that an editor has open would send the edits saved afterwards nowhere.
"""

from __future__ import annotations

import os
import sys
from typing import List, Optional

from .workspace import Workspace, list_workspaces


def earlier_workspace_roots(sublime_cache: Optional[str] = None) -> List[str]:
    """The former default roots that exist: Sublime's (given its cache folder), the CLI's."""
    roots = [os.path.join(sublime_cache, "LambdaEditor", "workspaces")] if sublime_cache else []
    roots.append(os.path.join(_user_cache(), "lambda-editor", "workspaces"))
    return [root for root in roots if os.path.isdir(root)]


def _user_cache() -> str:
    home = os.path.expanduser("~")
    if sys.platform == "win32":
        return os.environ.get("LOCALAPPDATA") or os.path.join(home, "AppData", "Local")
    if sys.platform == "darwin":
        return os.path.join(home, "Library", "Caches")
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    return xdg if os.path.isabs(xdg) else os.path.join(home, ".cache")


def earlier_workspaces(sublime_cache: Optional[str] = None) -> List[Workspace]:
    """Every valid workspace in the former default roots."""
    return [
        workspace
        for root in earlier_workspace_roots(sublime_cache)
        for workspace in list_workspaces(root)
    ]


def earlier_workspace_of(function_arn: str, sublime_cache: Optional[str] = None) -> Optional[str]:
    """The folder of the function's workspace in a former default root, if there is one."""
    for workspace in earlier_workspaces(sublime_cache):
        if workspace.binding.function_arn == function_arn:
            return workspace.root
    return None
