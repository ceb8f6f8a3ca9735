"""Stand-in for Sublime Text's `sublime` module (build 4200), with the signatures of its stubs.

Only what the package and the stand-in's own `Default` plugin call is here. `Window`, `View` and
`Settings` are handles holding an id, as in Sublime: a handle to a closed window or view is falsy
or invalid, and its methods return empty values.
"""

from __future__ import annotations

import enum
import json
import os
import re
import sys
from typing import TYPE_CHECKING, Any, Dict

from . import _app, _core, _panels, _resources, _syntaxes

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from typing import Literal

    from .sublime_types import (
        DIP,
        CommandArgsLike,
        Kind,
        Point,
        Value,
        ValueLike,
        WindowLayout,
        WindowVariables,
    )


class NewFileFlags(enum.IntFlag):
    NONE = 0
    ENCODED_POSITION = 1
    TRANSIENT = 4
    FORCE_GROUP = 8
    SEMI_TRANSIENT = 16
    ADD_TO_SELECTION = 32
    REPLACE_MRU = 64
    CLEAR_TO_RIGHT = 128
    FORCE_CLONE = 256


ENCODED_POSITION = NewFileFlags.ENCODED_POSITION
TRANSIENT = NewFileFlags.TRANSIENT
FORCE_GROUP = NewFileFlags.FORCE_GROUP
SEMI_TRANSIENT = NewFileFlags.SEMI_TRANSIENT
ADD_TO_SELECTION = NewFileFlags.ADD_TO_SELECTION
REPLACE_MRU = NewFileFlags.REPLACE_MRU
CLEAR_TO_RIGHT = NewFileFlags.CLEAR_TO_RIGHT
FORCE_CLONE = NewFileFlags.FORCE_CLONE


class QuickPanelFlags(enum.IntFlag):
    NONE = 0
    MONOSPACE_FONT = 1
    KEEP_OPEN_ON_FOCUS_LOST = 2
    WANT_EVENT = 4


MONOSPACE_FONT = QuickPanelFlags.MONOSPACE_FONT
KEEP_OPEN_ON_FOCUS_LOST = QuickPanelFlags.KEEP_OPEN_ON_FOCUS_LOST
WANT_EVENT = QuickPanelFlags.WANT_EVENT


class DialogResult(enum.IntEnum):
    CANCEL = 0
    YES = 1
    NO = 2


DIALOG_CANCEL = DialogResult.CANCEL
DIALOG_YES = DialogResult.YES
DIALOG_NO = DialogResult.NO


class KindId(enum.IntEnum):
    AMBIGUOUS = 0
    KEYWORD = 1
    TYPE = 2
    FUNCTION = 3
    NAMESPACE = 4
    NAVIGATION = 5
    MARKUP = 6
    VARIABLE = 7
    SNIPPET = 8
    COLOR_REDISH = 9
    COLOR_ORANGISH = 10
    COLOR_YELLOWISH = 11
    COLOR_GREENISH = 12
    COLOR_CYANISH = 13
    COLOR_BLUISH = 14
    COLOR_PURPLISH = 15
    COLOR_PINKISH = 16
    COLOR_DARK = 17
    COLOR_LIGHT = 18


KIND_AMBIGUOUS = (KindId.AMBIGUOUS, "", "")
KIND_KEYWORD = (KindId.KEYWORD, "", "")
KIND_TYPE = (KindId.TYPE, "", "")
KIND_FUNCTION = (KindId.FUNCTION, "", "")
KIND_NAMESPACE = (KindId.NAMESPACE, "", "")
KIND_NAVIGATION = (KindId.NAVIGATION, "", "")
KIND_MARKUP = (KindId.MARKUP, "", "")
KIND_VARIABLE = (KindId.VARIABLE, "", "")
KIND_SNIPPET = (KindId.SNIPPET, "s", "Snippet")


def _host() -> Any:
    return _core.state.host


def version() -> str:
    return "4200"


def platform() -> Literal["osx", "linux", "windows"]:
    if sys.platform == "darwin":
        return "osx"
    if sys.platform.startswith("win"):
        return "windows"
    return "linux"


def executable_path() -> str:
    return _core.state.paths.executable


def packages_path() -> str:
    return _core.state.paths.packages


def installed_packages_path() -> str:
    return _core.state.paths.installed_packages


def cache_path() -> str:
    return _core.state.paths.cache


def status_message(msg: str) -> None:
    Window(_app.active_window_id()).status_message(msg)


def error_message(msg: str) -> None:
    _core.check_not_importing("error_message")
    _panels.modal_dialog("error", msg)


def message_dialog(msg: str) -> None:
    _core.check_not_importing("message_dialog")
    _panels.modal_dialog("message", msg)


def ok_cancel_dialog(msg: str, ok_title: str = "", title: str = "") -> bool:
    _core.check_not_importing("ok_cancel_dialog")
    return bool(_panels.modal_dialog("ok_cancel", msg, (ok_title or "OK", "Cancel")))


def yes_no_cancel_dialog(
    msg: str,
    yes_title: str = "",
    no_title: str = "",
    title: str = "",
) -> DialogResult:
    _core.check_not_importing("yes_no_cancel_dialog")
    buttons = (yes_title or "Yes", no_title or "No", "Cancel")
    return DialogResult(_panels.modal_dialog("yes_no_cancel", msg, buttons))


def get_clipboard(size_limit: int = 16777216) -> str:
    return _core.state.clipboard[:size_limit]


def set_clipboard(text: str) -> None:
    _core.state.clipboard = text


def run_command(cmd: str, args: CommandArgsLike | None = None) -> None:
    _core.check_not_importing("run_command")
    _host().run_application_command(cmd, args)


def load_resource(name: str) -> str:
    return load_binary_resource(name).decode("utf-8").replace("\r\n", "\n")


def load_binary_resource(name: str) -> bytes:
    _core.check_not_importing("load_resource")
    data = _resources.read_resource(name)
    if data is None:
        raise FileNotFoundError(f'resource "{name}" not found')
    return data


def find_resources(pattern: str) -> list[str]:
    _core.check_not_importing("find_resources")
    return _resources.find_resources(pattern)


def encode_value(value: ValueLike, pretty: bool = False, update_text: str | None = None) -> str:
    if pretty or update_text is not None:
        return json.dumps(value, indent="\t", ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def decode_value(data: str) -> Value:
    try:
        value: Value = _resources.decode_json(data)
    except json.JSONDecodeError as error:
        raise ValueError(str(error)) from error
    return value


_VARIABLE = re.compile(r"\\(.)|\$\{(\w+)(?::([^}]*))?\}|\$(\w+)", re.DOTALL)


def _expand_text(text: str, variables: Mapping[str, str]) -> str:
    """Snippet-style `$name`, `${name}` and `${name:default}`; a backslash escapes."""

    def substitute(match: re.Match[str]) -> str:
        escaped, braced, default, bare = match.groups()
        if escaped is not None:
            return str(escaped)
        name = braced or bare
        return str(variables.get(name, default if default is not None else ""))

    return _VARIABLE.sub(substitute, text)


def expand_variables(value: ValueLike, variables: dict[str, str] | WindowVariables) -> Value:
    if isinstance(value, str):
        return _expand_text(value, variables)
    if isinstance(value, dict):
        return {key: expand_variables(item, variables) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [expand_variables(item, variables) for item in value]
    expanded: Value = _resources.to_value(value)
    return expanded


def load_settings(base_name: str) -> Settings:
    _core.check_not_importing("load_settings")
    with _core.lock:
        settings_id = _core.state.named_settings.get(base_name)
        if settings_id is None:
            settings = _core.new_settings()
            settings.base_name = base_name
            settings.defaults, settings.values = _resources.load_settings_layers(base_name)
            settings_id = _core.state.named_settings[base_name] = settings.id
    return Settings(settings_id)


def save_settings(base_name: str) -> None:
    _core.check_not_importing("save_settings")
    settings_id = _core.state.named_settings.get(base_name)
    if settings_id is None:
        return
    path = _resources.user_settings_file(base_name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(encode_value(_core.state.settings[settings_id].values, pretty=True) + "\n")


def set_timeout(callback: Callable[[], object], delay: int = 0) -> None:
    _core.check_not_importing("set_timeout")
    _core.schedule_ui(callback, delay)


def set_timeout_async(callback: Callable[[], object], delay: int = 0) -> None:
    _core.check_not_importing("set_timeout_async")
    _core.schedule_async(callback, delay)


def active_window() -> Window:
    _core.check_not_importing("active_window")
    return Window(_app.active_window_id())


def windows() -> list[Window]:
    _core.check_not_importing("windows")
    return [Window(window_id) for window_id in _core.state.window_order]


def _syntax(info: _syntaxes.SyntaxInfo) -> Syntax:
    return Syntax(info.path, info.name, info.hidden, info.scope)


def syntax_from_path(path: str) -> Syntax | None:
    info = _syntaxes.resolve(path)
    return _syntax(info) if info is not None else None


class Window:
    window_id: int

    def __init__(self, id: int) -> None:
        self.window_id = id

    def __hash__(self) -> int:
        return self.window_id

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Window) and other.window_id == self.window_id

    def __bool__(self) -> bool:
        return self.window_id != 0

    def __repr__(self) -> str:
        return f"Window({self.window_id!r})"

    def _state(self) -> _core.WindowState | None:
        return _core.window_state(self.window_id)

    def id(self) -> int:
        return self.window_id

    def is_valid(self) -> bool:
        return self._state() is not None

    def active_view(self) -> View | None:
        window = self._state()
        view_id = _app.active_view_id(window) if window is not None else 0
        return View(view_id) if view_id else None

    def run_command(self, cmd: str, args: CommandArgsLike | None = None) -> None:
        _host().run_window_command(self.window_id, cmd, args)

    def new_file(self, flags: NewFileFlags = NewFileFlags.NONE, syntax: str = "") -> View:
        if self._state() is None:
            return View(0)
        return View(_app.new_file(self.window_id, syntax))

    def open_file(
        self, fname: str, flags: NewFileFlags = NewFileFlags.NONE, group: int = -1
    ) -> View:
        if self._state() is None:
            return View(0)
        return View(_app.open_file(self.window_id, fname))

    def find_open_file(self, fname: str, group: int = -1) -> View | None:
        view_id = _app.find_open_file(self.window_id, fname)
        return View(view_id) if view_id else None

    def focus_group(self, idx: int) -> None:
        window = self._state()
        if window is not None and 0 <= idx < window.num_groups:
            window.active_group = idx
            view_id = _app.active_view_id(window, idx)
            if view_id:
                _app.focus_view(self.window_id, view_id)

    def bring_to_front(self) -> None:
        _app.focus_window(self.window_id)

    def views(self, *, include_transient: bool = False) -> list[View]:
        return [View(view_id) for view_id in _app.window_views(self.window_id)]

    def active_view_in_group(self, group: int) -> View | None:
        window = self._state()
        view_id = _app.active_view_id(window, group) if window is not None else 0
        return View(view_id) if view_id else None

    def set_layout(self, layout: WindowLayout) -> None:
        window = self._state()
        if window is None:
            return
        window.num_groups = max(len(layout.get("cells", [])), 1)
        window.active_group = min(window.active_group, window.num_groups - 1)
        for view_id in window.views:
            view = _core.state.views[view_id]
            view.group = min(view.group, window.num_groups - 1)

    def create_output_panel(self, name: str, unlisted: bool = False) -> View:
        if self._state() is None:
            return View(0)
        return View(_app.create_panel(self.window_id, name, unlisted, _app.OUTPUT_ELEMENT))

    def find_output_panel(self, name: str) -> View | None:
        window = self._state()
        view_id = window.panels.get(name, 0) if window is not None else 0
        return View(view_id) if view_id else None

    def destroy_output_panel(self, name: str) -> None:
        _app.destroy_panel(self.window_id, name)

    def active_panel(self) -> str | None:
        window = self._state()
        return window.active_panel if window is not None else None

    def show_input_panel(
        self,
        caption: str,
        initial_text: str,
        on_done: Callable[[str], None] | None,
        on_change: Callable[[str], None] | None,
        on_cancel: Callable[[], None] | None,
    ) -> View:
        if self._state() is None:
            return View(0)
        return View(
            _panels.show_input_panel(
                self.window_id, caption, initial_text, on_done, on_change, on_cancel
            )
        )

    def show_quick_panel(
        self,
        items: list[str] | list[list[str]] | list[QuickPanelItem],
        on_select: Callable[[int], None],
        flags: QuickPanelFlags = QuickPanelFlags.NONE,
        selected_index: int = -1,
        on_highlight: Callable[[int], None] | None = None,
        placeholder: str | None = None,
    ) -> None:
        _panels.show_quick_panel(
            self.window_id, items, on_select, flags, selected_index, on_highlight, placeholder
        )

    def _set_ui_visible(self, element: str, flag: bool) -> None:
        window = self._state()
        if window is not None:
            window.ui_visible[element] = bool(flag)

    def set_sidebar_visible(self, flag: bool, animate: bool = False) -> None:
        self._set_ui_visible("side_bar", flag)

    def set_tabs_visible(self, flag: bool) -> None:
        self._set_ui_visible("tabs", flag)

    def folders(self) -> list[str]:
        data = self.project_data()
        folders: Any = data.get("folders", []) if isinstance(data, dict) else []
        paths = [f.get("path") for f in folders if isinstance(f, dict)]
        return [os.path.abspath(os.path.expanduser(p)) for p in paths if isinstance(p, str)]

    def project_data(self) -> Value:
        window = self._state()
        data: Value = _resources.to_value(window.project_data) if window is not None else None
        return data

    def set_project_data(self, data: ValueLike) -> None:
        window = self._state()
        if window is not None:
            window.project_data = _resources.to_value(data)

    def extract_variables(self) -> WindowVariables:
        variables: Dict[str, str] = {"packages": packages_path(), "platform": platform().title()}
        if variables["platform"] == "Osx":
            variables["platform"] = "OSX"
        view = self.active_view()
        file_name = view.file_name() if view is not None else None
        if file_name:
            base, extension = os.path.splitext(os.path.basename(file_name))
            variables.update(
                file=file_name,
                file_path=os.path.dirname(file_name),
                file_name=os.path.basename(file_name),
                file_base_name=base,
                file_extension=extension.lstrip("."),
            )
        folders = self.folders()
        if folders:
            variables["folder"] = folders[0]
        return variables

    def status_message(self, msg: str) -> None:
        _core.check_not_importing("status_message")
        record = _core.StatusRecord(self.window_id, msg, _core.current_thread_kind())
        _core.state.records.status_messages.append(record)


class Region:
    __slots__ = ("a", "b", "xpos")
    a: Point
    b: Point
    xpos: DIP

    def __init__(self, a: Point, b: Point | None = None, xpos: DIP = -1) -> None:
        self.a = a
        self.b = a if b is None else b
        self.xpos = xpos

    def __repr__(self) -> str:
        if self.xpos == -1:
            return f"Region({self.a}, {self.b})"
        return f"Region({self.a}, {self.b}, xpos={self.xpos})"

    def __eq__(self, rhs: object) -> bool:
        return isinstance(rhs, Region) and self.a == rhs.a and self.b == rhs.b

    __hash__ = None  # type: ignore[assignment]  # mutable, so unhashable like Sublime's

    def begin(self) -> Point:
        return min(self.a, self.b)

    def end(self) -> Point:
        return max(self.a, self.b)


class View:
    view_id: int
    settings_object: Settings | None

    def __init__(self, id: int) -> None:
        self.view_id = id
        self.settings_object = None

    def __hash__(self) -> int:
        return self.view_id

    def __eq__(self, other: object) -> bool:
        return isinstance(other, View) and other.view_id == self.view_id

    def __bool__(self) -> bool:
        return self.view_id != 0

    def __repr__(self) -> str:
        return f"View({self.view_id!r})"

    def _state(self) -> _core.ViewState | None:
        return _core.view_state(self.view_id)

    def _text(self) -> str:
        view = self._state()
        return view.text if view is not None else ""

    def id(self) -> int:
        return self.view_id

    def is_valid(self) -> bool:
        return self._state() is not None

    def window(self) -> Window | None:
        view = self._state()
        if view is None or _core.window_state(view.window_id) is None:
            return None
        return Window(view.window_id)

    def file_name(self) -> str | None:
        view = self._state()
        return view.file_name if view is not None else None

    def name(self) -> str:
        view = self._state()
        return view.name if view is not None else ""

    def set_name(self, name: str) -> None:
        view = self._state()
        if view is not None:
            view.name = name

    def is_loading(self) -> bool:
        view = self._state()
        return view is not None and view.loading

    def is_dirty(self) -> bool:
        view = self._state()
        return view is not None and view.dirty

    def is_read_only(self) -> bool:
        view = self._state()
        return view is not None and view.read_only

    def set_read_only(self, read_only: bool) -> None:
        view = self._state()
        if view is not None:
            view.read_only = bool(read_only)

    def set_scratch(self, scratch: bool) -> None:
        view = self._state()
        if view is not None:
            view.scratch = bool(scratch)
            view.dirty = view.dirty and not view.scratch

    def size(self) -> int:
        return len(self._text())

    def run_command(self, cmd: str, args: CommandArgsLike | None = None) -> None:
        _host().run_text_command(self.view_id, cmd, args)

    def substr(self, x: Region | Point) -> str:
        text = self._text()
        if isinstance(x, Region):
            return text[max(x.begin(), 0) : x.end()]
        return text[x] if 0 <= x < len(text) else "\x00"

    def settings(self) -> Settings:
        if not self.settings_object:
            view = self._state()
            self.settings_object = Settings(view.settings_id if view is not None else 0)
        return self.settings_object

    def assign_syntax(self, syntax: str | Syntax) -> None:
        if self.is_valid():
            _app.assign_syntax(self.view_id, syntax.path if isinstance(syntax, Syntax) else syntax)

    def syntax(self) -> Syntax | None:
        path = self.settings().get("syntax")
        return syntax_from_path(path) if isinstance(path, str) else None

    def match_selector(self, pt: Point, selector: str) -> bool:
        """Matched against the syntax's base scope: the stand-in does not tokenise text."""
        syntax = self.syntax()
        return syntax is not None and _syntaxes.matches(syntax.scope, selector)

    def set_status(self, key: str, value: str) -> None:
        view = self._state()
        if view is None:
            return
        if value:
            view.status[key] = value
        else:
            view.status.pop(key, None)

    def get_status(self, key: str) -> str:
        view = self._state()
        return view.status.get(key, "") if view is not None else ""

    def erase_status(self, key: str) -> None:
        view = self._state()
        if view is not None:
            view.status.pop(key, None)


class Settings:
    settings_id: int

    def __init__(self, id: int) -> None:
        self.settings_id = id

    def __repr__(self) -> str:
        return f"Settings({self.settings_id!r})"

    def _state(self) -> _core.SettingsState:
        settings = _core.settings_state(self.settings_id)
        return settings if settings is not None else _core.SettingsState(id=0)

    def _merged(self) -> Dict[str, Any]:
        settings = self._state()
        return {**settings.defaults, **settings.values}

    def _changed(self) -> None:
        if self.settings_id not in _core.state.settings:
            return
        if _core.is_ui_thread():
            _app.settings_changed(self.settings_id)
        else:  # the callbacks run on the UI thread
            settings_id = self.settings_id
            _core.schedule_ui(lambda: _app.settings_changed(settings_id))

    def __contains__(self, key: str) -> bool:
        return key in self._merged()

    def update(
        self,
        other: Settings | Mapping[str, ValueLike] | Iterable[tuple[str, ValueLike]] = (),
        /,
        **kwargs: ValueLike,
    ) -> None:
        pairs = other._merged().items() if isinstance(other, Settings) else dict(other).items()
        for key, value in [*pairs, *kwargs.items()]:
            self.set(key, value)

    def get(self, key: str, default: ValueLike | None = None) -> Value:
        merged = self._merged()
        value: Any = _resources.to_value(merged[key]) if key in merged else default
        return value  # type: ignore[no-any-return]

    def has(self, key: str) -> bool:
        return key in self

    def set(self, key: str, value: ValueLike) -> None:
        stored = _resources.to_value(value)
        with _core.lock:
            self._state().values[key] = stored
        self._changed()

    def erase(self, key: str) -> None:
        with _core.lock:
            removed = self._state().values.pop(key, _MISSING)
        if removed is not _MISSING:
            self._changed()

    def add_on_change(self, tag: str, callback: Callable[[], None]) -> None:
        with _core.lock:
            self._state().callbacks.setdefault(tag, []).append(callback)

    def clear_on_change(self, tag: str) -> None:
        with _core.lock:
            self._state().callbacks.pop(tag, None)


_MISSING = object()


class Syntax:
    path: str
    name: str
    hidden: bool
    scope: str

    def __init__(self, path: str, name: str, hidden: bool, scope: str) -> None:
        self.path = path
        self.name = name
        self.hidden = hidden
        self.scope = scope

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Syntax) and self.path == other.path

    def __hash__(self) -> int:
        return hash(self.path)

    def __repr__(self) -> str:
        return f"Syntax({self.path!r}, {self.name!r}, {self.hidden!r}, {self.scope!r})"


class QuickPanelItem:
    trigger: str
    details: str | list[str] | tuple[str]
    annotation: str
    kind: Kind

    def __init__(
        self,
        trigger: str,
        details: str | list[str] | tuple[str] = "",
        annotation: str = "",
        kind: Kind = KIND_AMBIGUOUS,
    ) -> None:
        self.trigger = trigger
        self.details = details
        self.annotation = annotation
        self.kind = kind

    def __repr__(self) -> str:
        return (
            f"QuickPanelItem({self.trigger!r}, {self.details!r}, "
            f"{self.annotation!r}, {self.kind!r})"
        )
