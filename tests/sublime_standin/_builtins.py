"""Commands Sublime Text implements itself (not in Python), as far as this package needs them."""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, Optional

from . import _app, _core, _resources, sublime

Args = Dict[str, Any]
BUILTIN_PANELS = {"console", "find", "find_in_files", "replace", "incremental_find"}


def _new_window(args: Args) -> None:
    _app.new_window()


def _close_active_window(args: Args) -> None:
    _app.close_window(_app.active_window_id())


APPLICATION: Dict[str, Callable[[Args], None]] = {
    "new_window": _new_window,
    "close_window": _close_active_window,
}


def _show_panel(window_id: int, args: Args) -> None:
    window = _core.state.windows[window_id]
    panel = str(args.get("panel", ""))
    exists = panel in BUILTIN_PANELS or panel[len("output.") :] in window.panels
    if not panel.startswith("output.") and panel not in BUILTIN_PANELS:
        exists = False
    if not exists:
        _core.misuse(f"show_panel: there is no panel {panel!r}")
        return
    if args.get("toggle") and window.active_panel == panel:
        window.active_panel = None
    else:
        window.active_panel = panel


def _hide_panel(window_id: int, args: Args) -> None:
    window = _core.state.windows[window_id]
    panel = args.get("panel")
    if panel is None or panel == window.active_panel:
        window.active_panel = None


def _open_file(window_id: int, args: Args) -> None:
    """Open a file; "${packages}/..." and "res://Packages/..." name a package's file, which
    opens read-only from a zipped package."""
    window = sublime.Window(window_id)
    name = str(sublime.expand_variables(str(args.get("file", "")), window.extract_variables()))
    contents = args.get("contents")
    text = str(contents).replace("$0", "") if contents else None
    zipped = False
    resource = _resource_of(name)
    on_disk = _resources.resource_file(resource) if resource is not None else None
    if resource is not None and on_disk is None:
        data = _resources.read_resource(resource)
        if data is not None:
            name = os.path.join(sublime.packages_path(), *resource.split("/")[1:])
            text, zipped = data.decode("utf-8"), True
        elif name.startswith("res://"):
            _core.misuse(f"open_file: no resource {name!r}")
            return
    view_id = _app.open_file(window_id, on_disk or name, contents=text)
    if zipped:
        _core.state.views[view_id].read_only = True


def _resource_of(name: str) -> Optional[str]:
    """ "res://Packages/P/f" and "<Packages folder>/P/f" as the resource "Packages/P/f"."""
    if name.startswith("res://"):
        return name[len("res://") :]
    packages = os.path.abspath(sublime.packages_path())
    full = os.path.abspath(name)
    if full.startswith(packages + os.sep):
        return "Packages/" + os.path.relpath(full, packages).replace(os.sep, "/")
    return None


def _set_layout(window_id: int, args: Args) -> None:
    sublime.Window(window_id).set_layout(args)


def _focus_group(window_id: int, args: Args) -> None:
    sublime.Window(window_id).focus_group(int(args.get("group", 0)))


def _close_active_view(window_id: int, args: Args) -> None:
    view = sublime.Window(window_id).active_view()
    if view is not None:
        _app.close_view(view.view_id)


def _close_this_window(window_id: int, args: Args) -> None:
    _app.close_window(window_id)


WINDOW: Dict[str, Callable[[int, Args], None]] = {
    "show_panel": _show_panel,
    "hide_panel": _hide_panel,
    "open_file": _open_file,
    "set_layout": _set_layout,
    "focus_group": _focus_group,
    "close_file": _close_active_view,
    "close_window": _close_this_window,
}


def _append(view_id: int, args: Args) -> None:
    """`append` writes at the end; into a read-only view only with "force": true."""
    size = sublime.View(view_id).size()
    text = str(args.get("characters", ""))
    _app.modify(view_id, size, size, text, force=bool(args.get("force", False)))


def _save(view_id: int, args: Args) -> None:
    _app.save(view_id)


TEXT: Dict[str, Callable[[int, Args], None]] = {
    "append": _append,
    "save": _save,
}
