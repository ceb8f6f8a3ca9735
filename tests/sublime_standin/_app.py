"""What Sublime Text's application does behind the API: windows, views, focus, files, panels.

Events go to the plugin host (`_core.state.host`), which calls the listeners: blocking events run
at once on the UI thread (re-entrantly, as in Sublime) and `*_async` ones on the async thread.
"""

from __future__ import annotations

import os
from typing import List, Optional

from . import _core, _resources, _syntaxes
from ._core import ViewState, WindowState

OUTPUT_ELEMENT = "output:output"
INPUT_ELEMENT = "input:input"


def _event(name: str, view_id: int, deferred: bool = False) -> None:
    """A view event and its `_async` twin."""
    host = _core.state.host
    host.view_event(name, view_id, deferred=deferred)
    host.view_event(f"{name}_async", view_id)


def new_window() -> int:
    with _core.lock:
        window = WindowState(id=_core.new_id())
        _core.state.windows[window.id] = window
        _core.state.window_order.insert(0, window.id)
    _core.state.host.window_event("on_new_window", window.id)
    _core.state.host.window_event("on_new_window_async", window.id)
    return window.id


def active_window_id() -> int:
    order = _core.state.window_order
    return order[0] if order else 0


def focus_window(window_id: int) -> None:
    with _core.lock:
        order = _core.state.window_order
        if window_id in order:
            order.remove(window_id)
            order.insert(0, window_id)


def close_window(window_id: int) -> None:
    window = _core.state.windows.get(window_id)
    if window is None:
        return
    _core.state.host.window_event("on_pre_close_window", window_id)
    for view_id in list(window.views):
        close_view(view_id)
    for name in list(window.panels):
        destroy_panel(window_id, name)
    with _core.lock:
        del _core.state.windows[window_id]
        _core.state.window_order.remove(window_id)


def new_view(
    window_id: int, file_name: Optional[str] = None, text: str = "", element: Optional[str] = None
) -> int:
    with _core.lock:
        view = ViewState(
            id=_core.new_id(),
            window_id=window_id,
            settings_id=_core.new_settings({"syntax": "Packages/Text/Plain text.tmLanguage"}).id,
            element=element,
            file_name=file_name,
            text=text,
        )
        _core.state.views[view.id] = view
        window = _core.state.windows.get(window_id)
        if window is not None and element is None:
            view.group = window.active_group
            window.views.append(view.id)
    return view.id


def new_file(window_id: int, syntax: str = "") -> int:
    view_id = new_view(window_id)
    if syntax:
        assign_syntax(view_id, syntax)
    _event("on_new", view_id)
    focus_view(window_id, view_id)
    return view_id


def open_file(window_id: int, fname: str, contents: Optional[str] = None) -> int:
    """The file's view, brought to front if open, else opened: like Sublime, it shows at once and
    loads later (`is_loading()` until then, its text empty); `on_load` follows the loading."""
    path = _resources.real_path(os.path.expanduser(fname))
    existing = find_open_file(window_id, path)
    if existing:
        focus_view(window_id, existing)
        return existing
    view_id = new_view(window_id, file_name=path)
    _core.state.views[view_id].loading = True
    assign_syntax(view_id, _syntaxes.for_file(path))
    focus_view(window_id, view_id)
    _core.schedule_ui(lambda: _load(view_id, path, contents))
    return view_id


def _load(view_id: int, path: str, contents: Optional[str]) -> None:
    view = _core.state.views.get(view_id)
    if view is None:
        return
    text = _read_text(path)
    view.text = (contents or "") if text is None else text
    view.loading = False
    _event("on_load", view_id)


def _read_text(path: str) -> Optional[str]:
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8", errors="replace", newline=None) as handle:
        return handle.read()


def find_open_file(window_id: int, path: str) -> int:
    window = _core.state.windows.get(window_id)
    if window is None:
        return 0
    wanted = os.path.normcase(os.path.abspath(path))
    for view_id in window.views:
        name = _core.state.views[view_id].file_name
        if name is not None and os.path.normcase(name) == wanted:
            return view_id
    return 0


def active_view_id(window: WindowState, group: Optional[int] = None) -> int:
    for view_id in reversed(window.focus_history):
        view = _core.state.views.get(view_id)
        if view is not None and view_id in window.views and group in (None, view.group):
            return view_id
    return 0


def focus_view(window_id: int, view_id: int) -> None:
    window = _core.state.windows.get(window_id)
    if window is None or view_id not in window.views:
        return
    previous = active_view_id(window)
    with _core.lock:
        window.active_group = _core.state.views[view_id].group
        if view_id in window.focus_history:
            window.focus_history.remove(view_id)
        window.focus_history.append(view_id)
    if previous != view_id:
        if previous:
            _event("on_deactivated", previous)
        _event("on_activated", view_id)


def close_view(view_id: int) -> bool:
    view = _core.state.views.get(view_id)
    if view is None:
        return False
    _core.state.host.view_event("on_pre_close", view_id)
    window = _core.state.windows.get(view.window_id)
    with _core.lock:
        view.window_id = 0  # on_close sees a view out of its window, its file name still known
        if window is not None and view_id in window.views:
            window.views.remove(view_id)
            if view_id in window.focus_history:
                window.focus_history.remove(view_id)
    _core.state.host.close_view(view_id, forget=lambda: _core.state.views.pop(view_id, None))
    if window is not None:
        following = active_view_id(window)
        if following:
            _event("on_activated", following)
    return True


def create_panel(window_id: int, name: str, unlisted: bool, element: str) -> int:
    window = _core.state.windows[window_id]
    existing = window.panels.get(name)
    if existing:
        return existing
    view_id = new_view(window_id, element=element)
    with _core.lock:
        window.panels[name] = view_id
        if unlisted:
            window.unlisted_panels.add(name)
    return view_id


def destroy_panel(window_id: int, name: str) -> None:
    window = _core.state.windows.get(window_id)
    if window is None or name not in window.panels:
        return
    with _core.lock:
        view_id = window.panels.pop(name)
        window.unlisted_panels.discard(name)
        if window.active_panel == f"output.{name}":
            window.active_panel = None
        _core.state.views.pop(view_id, None)


def modify(view_id: int, begin: int, end: int, text: str, force: bool = False) -> int:
    """Replace [begin, end) of the buffer; a read-only view is left alone unless `force`."""
    view = _core.state.views.get(view_id)
    if view is None or (view.read_only and not force):
        return 0
    with _core.lock:
        begin, end = sorted((_clamp(view, begin), _clamp(view, end)))
        view.text = view.text[:begin] + text + view.text[end:]
        view.dirty = view.element is None and not view.scratch
    _event("on_modified", view_id)
    return len(text)


def _clamp(view: ViewState, point: int) -> int:
    return min(max(point, 0), len(view.text))


def save(view_id: int) -> None:
    """Sublime's save: on_pre_save, write the file, on_post_save (each with its async twin)."""
    view = _core.state.views[view_id]
    if view.file_name is None:
        raise ValueError("this view has no file: Sublime would ask for a name (use a file view)")
    _event("on_pre_save", view_id)
    os.makedirs(os.path.dirname(view.file_name), exist_ok=True)
    with open(view.file_name, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(view.text)
    view.dirty = False
    _event("on_post_save", view_id)
    reload_settings_file(view.file_name)


def reload_settings_file(path: str) -> None:
    """Sublime reloads settings whose file changed, and tells their `add_on_change` callbacks."""
    base_name = os.path.basename(path)
    settings_id = _core.state.named_settings.get(base_name)
    if settings_id is None or _resources.resource_name(path) is None:
        return
    settings = _core.state.settings[settings_id]
    defaults, user = _resources.load_settings_layers(base_name)
    if (defaults, user) == (settings.defaults, settings.values):
        return
    with _core.lock:
        settings.defaults, settings.values = defaults, user
    _core.schedule_ui(lambda: settings_changed(settings_id))


def settings_changed(settings_id: int) -> None:
    settings = _core.state.settings.get(settings_id)
    if settings is None:
        return
    for callbacks in list(settings.callbacks.values()):
        for callback in list(callbacks):
            _core.trap("settings on_change callback", callback)


def assign_syntax(view_id: int, syntax: str) -> None:
    found = _syntaxes.resolve(syntax)
    if found is None:
        _core.misuse(f"assign_syntax: no such syntax {syntax!r}")
        return
    settings = _core.state.settings[_core.state.views[view_id].settings_id]
    settings.values["syntax"] = found.path
    settings_changed(settings.id)


def window_views(window_id: int) -> List[int]:
    window = _core.state.windows.get(window_id)
    return list(window.views) if window is not None else []
