"""Stand-in for Sublime Text's `sublime` module (build 4200), with the signatures of its stubs.

`Window`, `View`, `Settings` and `Buffer` are handles holding an id, as in Sublime: a handle to a
closed window or view is falsy or invalid, and its methods return empty values.
"""

from __future__ import annotations

import enum
import hashlib
import html
import json
import os
import platform as _host_platform
import re
import sys
from typing import TYPE_CHECKING, Any, Dict, Generic, List, TypeVar

from . import _app, _core, _panels, _resources, _syntaxes

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping
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

_T_Value = TypeVar("_T_Value")


class HoverZone(enum.IntEnum):
    TEXT = 1
    GUTTER = 2
    MARGIN = 3


HOVER_TEXT = HoverZone.TEXT
HOVER_GUTTER = HoverZone.GUTTER
HOVER_MARGIN = HoverZone.MARGIN


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


class FindFlags(enum.IntFlag):
    NONE = 0
    LITERAL = 1
    IGNORECASE = 2
    WHOLEWORD = 4
    REVERSE = 8
    WRAP = 16


LITERAL = FindFlags.LITERAL
IGNORECASE = FindFlags.IGNORECASE
WHOLEWORD = FindFlags.WHOLEWORD
REVERSE = FindFlags.REVERSE
WRAP = FindFlags.WRAP


class QuickPanelFlags(enum.IntFlag):
    NONE = 0
    MONOSPACE_FONT = 1
    KEEP_OPEN_ON_FOCUS_LOST = 2
    WANT_EVENT = 4


MONOSPACE_FONT = QuickPanelFlags.MONOSPACE_FONT
KEEP_OPEN_ON_FOCUS_LOST = QuickPanelFlags.KEEP_OPEN_ON_FOCUS_LOST
WANT_EVENT = QuickPanelFlags.WANT_EVENT


class PopupFlags(enum.IntFlag):
    NONE = 0
    COOPERATE_WITH_AUTO_COMPLETE = 2
    HIDE_ON_MOUSE_MOVE = 4
    HIDE_ON_MOUSE_MOVE_AWAY = 8
    KEEP_ON_SELECTION_MODIFIED = 16
    HIDE_ON_CHARACTER_EVENT = 32


HTML = 1
COOPERATE_WITH_AUTO_COMPLETE = PopupFlags.COOPERATE_WITH_AUTO_COMPLETE
HIDE_ON_MOUSE_MOVE = PopupFlags.HIDE_ON_MOUSE_MOVE
HIDE_ON_MOUSE_MOVE_AWAY = PopupFlags.HIDE_ON_MOUSE_MOVE_AWAY
KEEP_ON_SELECTION_MODIFIED = PopupFlags.KEEP_ON_SELECTION_MODIFIED
HIDE_ON_CHARACTER_EVENT = PopupFlags.HIDE_ON_CHARACTER_EVENT


class RegionFlags(enum.IntFlag):
    NONE = 0
    DRAW_EMPTY = 1
    HIDE_ON_MINIMAP = 2
    DRAW_EMPTY_AS_OVERWRITE = 4
    PERSISTENT = 16
    DRAW_NO_FILL = 32
    HIDDEN = 128
    DRAW_NO_OUTLINE = 256
    DRAW_SOLID_UNDERLINE = 512
    DRAW_STIPPLED_UNDERLINE = 1024
    DRAW_SQUIGGLY_UNDERLINE = 2048
    NO_UNDO = 8192


DRAW_EMPTY = RegionFlags.DRAW_EMPTY
HIDE_ON_MINIMAP = RegionFlags.HIDE_ON_MINIMAP
DRAW_EMPTY_AS_OVERWRITE = RegionFlags.DRAW_EMPTY_AS_OVERWRITE
PERSISTENT = RegionFlags.PERSISTENT
DRAW_NO_FILL = RegionFlags.DRAW_NO_FILL
DRAW_OUTLINED = DRAW_NO_FILL
DRAW_NO_OUTLINE = RegionFlags.DRAW_NO_OUTLINE
DRAW_SOLID_UNDERLINE = RegionFlags.DRAW_SOLID_UNDERLINE
DRAW_STIPPLED_UNDERLINE = RegionFlags.DRAW_STIPPLED_UNDERLINE
DRAW_SQUIGGLY_UNDERLINE = RegionFlags.DRAW_SQUIGGLY_UNDERLINE
NO_UNDO = RegionFlags.NO_UNDO
HIDDEN = RegionFlags.HIDDEN


class QueryOperator(enum.IntEnum):
    EQUAL = 0
    NOT_EQUAL = 1
    REGEX_MATCH = 2
    NOT_REGEX_MATCH = 3
    REGEX_CONTAINS = 4
    NOT_REGEX_CONTAINS = 5


OP_EQUAL = QueryOperator.EQUAL
OP_NOT_EQUAL = QueryOperator.NOT_EQUAL
OP_REGEX_MATCH = QueryOperator.REGEX_MATCH
OP_NOT_REGEX_MATCH = QueryOperator.NOT_REGEX_MATCH
OP_REGEX_CONTAINS = QueryOperator.REGEX_CONTAINS
OP_NOT_REGEX_CONTAINS = QueryOperator.NOT_REGEX_CONTAINS


class PointClassification(enum.IntFlag):
    NONE = 0
    WORD_START = 1
    WORD_END = 2
    PUNCTUATION_START = 4
    PUNCTUATION_END = 8
    SUB_WORD_START = 16
    SUB_WORD_END = 32
    LINE_START = 64
    LINE_END = 128
    EMPTY_LINE = 256


CLASS_WORD_START = PointClassification.WORD_START
CLASS_WORD_END = PointClassification.WORD_END
CLASS_PUNCTUATION_START = PointClassification.PUNCTUATION_START
CLASS_PUNCTUATION_END = PointClassification.PUNCTUATION_END
CLASS_SUB_WORD_START = PointClassification.SUB_WORD_START
CLASS_SUB_WORD_END = PointClassification.SUB_WORD_END
CLASS_LINE_START = PointClassification.LINE_START
CLASS_LINE_END = PointClassification.LINE_END
CLASS_EMPTY_LINE = PointClassification.EMPTY_LINE


class AutoCompleteFlags(enum.IntFlag):
    NONE = 0
    INHIBIT_WORD_COMPLETIONS = 8
    INHIBIT_EXPLICIT_COMPLETIONS = 16
    DYNAMIC_COMPLETIONS = 32
    INHIBIT_REORDER = 128


INHIBIT_WORD_COMPLETIONS = AutoCompleteFlags.INHIBIT_WORD_COMPLETIONS
INHIBIT_EXPLICIT_COMPLETIONS = AutoCompleteFlags.INHIBIT_EXPLICIT_COMPLETIONS
DYNAMIC_COMPLETIONS = AutoCompleteFlags.DYNAMIC_COMPLETIONS
INHIBIT_REORDER = AutoCompleteFlags.INHIBIT_REORDER


class CompletionItemFlags(enum.IntFlag):
    NONE = 0
    KEEP_PREFIX = 1


COMPLETION_FLAG_KEEP_PREFIX = CompletionItemFlags.KEEP_PREFIX


class DialogResult(enum.IntEnum):
    CANCEL = 0
    YES = 1
    NO = 2


DIALOG_CANCEL = DialogResult.CANCEL
DIALOG_YES = DialogResult.YES
DIALOG_NO = DialogResult.NO


class UIElement(enum.IntEnum):
    SIDE_BAR = 1
    MINIMAP = 2
    TABS = 4
    STATUS_BAR = 8
    MENU = 16
    OPEN_FILES = 32


class PhantomLayout(enum.IntEnum):
    INLINE = 0
    BELOW = 1
    BLOCK = 2


LAYOUT_INLINE = PhantomLayout.INLINE
LAYOUT_BELOW = PhantomLayout.BELOW
LAYOUT_BLOCK = PhantomLayout.BLOCK


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


KIND_ID_AMBIGUOUS = KindId.AMBIGUOUS
KIND_ID_KEYWORD = KindId.KEYWORD
KIND_ID_TYPE = KindId.TYPE
KIND_ID_FUNCTION = KindId.FUNCTION
KIND_ID_NAMESPACE = KindId.NAMESPACE
KIND_ID_NAVIGATION = KindId.NAVIGATION
KIND_ID_MARKUP = KindId.MARKUP
KIND_ID_VARIABLE = KindId.VARIABLE
KIND_ID_SNIPPET = KindId.SNIPPET
KIND_ID_COLOR_REDISH = KindId.COLOR_REDISH
KIND_ID_COLOR_ORANGISH = KindId.COLOR_ORANGISH
KIND_ID_COLOR_YELLOWISH = KindId.COLOR_YELLOWISH
KIND_ID_COLOR_GREENISH = KindId.COLOR_GREENISH
KIND_ID_COLOR_CYANISH = KindId.COLOR_CYANISH
KIND_ID_COLOR_BLUISH = KindId.COLOR_BLUISH
KIND_ID_COLOR_PURPLISH = KindId.COLOR_PURPLISH
KIND_ID_COLOR_PINKISH = KindId.COLOR_PINKISH
KIND_ID_COLOR_DARK = KindId.COLOR_DARK
KIND_ID_COLOR_LIGHT = KindId.COLOR_LIGHT
KIND_AMBIGUOUS = (KindId.AMBIGUOUS, "", "")
KIND_KEYWORD = (KindId.KEYWORD, "", "")
KIND_TYPE = (KindId.TYPE, "", "")
KIND_FUNCTION = (KindId.FUNCTION, "", "")
KIND_NAMESPACE = (KindId.NAMESPACE, "", "")
KIND_NAVIGATION = (KindId.NAVIGATION, "", "")
KIND_MARKUP = (KindId.MARKUP, "", "")
KIND_VARIABLE = (KindId.VARIABLE, "", "")
KIND_SNIPPET = (KindId.SNIPPET, "s", "Snippet")


class SymbolSource(enum.IntEnum):
    ANY = 0
    INDEX = 1
    OPEN_FILES = 2


SYMBOL_SOURCE_ANY = SymbolSource.ANY
SYMBOL_SOURCE_INDEX = SymbolSource.INDEX
SYMBOL_SOURCE_OPEN_FILES = SymbolSource.OPEN_FILES


class SymbolType(enum.IntEnum):
    ANY = 0
    DEFINITION = 1
    REFERENCE = 2


SYMBOL_TYPE_ANY = SymbolType.ANY
SYMBOL_TYPE_DEFINITION = SymbolType.DEFINITION
SYMBOL_TYPE_REFERENCE = SymbolType.REFERENCE


class CompletionFormat(enum.IntEnum):
    TEXT = 0
    SNIPPET = 1
    COMMAND = 2


COMPLETION_FORMAT_TEXT = CompletionFormat.TEXT
COMPLETION_FORMAT_SNIPPET = CompletionFormat.SNIPPET
COMPLETION_FORMAT_COMMAND = CompletionFormat.COMMAND


_NO_FILE_TYPES: List[Any] = []
_NO_ANNOTATIONS: List[str] = []
_CLIPBOARD_LIMIT = 16777216


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


def arch() -> Literal["x32", "x64", "arm64"]:
    machine = _host_platform.machine().lower()
    return "arm64" if machine in ("arm64", "aarch64") else "x64"


def channel() -> Literal["dev", "stable"]:
    return "stable"


def executable_path() -> str:
    return _core.state.paths.executable


def executable_hash() -> tuple[str, str, str]:
    with open(executable_path(), "rb") as handle:
        digest = hashlib.md5(handle.read()).hexdigest()
    return (version(), platform() + "_" + arch(), digest)


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


def open_dialog(
    callback: Callable[[str | list[str] | None], None],
    file_types: list[tuple[str, list[str]]] = _NO_FILE_TYPES,
    directory: str | None = None,
    multi_select: bool = False,
    allow_folders: bool = False,
) -> None:
    _panels.file_dialog("open", callback, directory)


def save_dialog(
    callback: Callable[[str | None], None],
    file_types: list[tuple[str, list[str]]] = _NO_FILE_TYPES,
    directory: str | None = None,
    name: str | None = None,
    extension: str | None = None,
) -> None:
    _panels.file_dialog("save", callback, directory)


def select_folder_dialog(
    callback: Callable[[str | list[str] | None], None],
    directory: str | None = None,
    multi_select: bool = False,
) -> None:
    _panels.file_dialog("select_folder", callback, directory)


def run_command(cmd: str, args: CommandArgsLike | None = None) -> None:
    _core.check_not_importing("run_command")
    _host().run_application_command(cmd, args)


def format_command(cmd: str, args: CommandArgsLike | None = None) -> str:
    if args is None:
        return cmd
    encoded = json.dumps(args, ensure_ascii=False, check_circular=False, separators=(",", ":"))
    return f"{cmd} {encoded}"


def html_format_command(cmd: str, args: CommandArgsLike | None = None) -> str:
    return html.escape(format_command(cmd, args), quote=True)


def command_url(cmd: str, args: CommandArgsLike | None = None) -> str:
    return f"subl:{html_format_command(cmd, args)}"


def get_clipboard_async(
    callback: Callable[[str], None], size_limit: int = _CLIPBOARD_LIMIT
) -> None:
    text = get_clipboard(size_limit)
    _core.schedule_ui(lambda: callback(text))


def get_clipboard(size_limit: int = _CLIPBOARD_LIMIT) -> str:
    text = _core.state.clipboard
    return text if len(text) <= size_limit else ""


def set_clipboard(text: str) -> None:
    _core.state.clipboard = text


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


def list_syntaxes() -> list[Syntax]:
    return [_syntax(info) for info in _syntaxes.all_syntaxes()]


def syntax_from_path(path: str) -> Syntax | None:
    info = _syntaxes.resolve(path)
    return _syntax(info) if info is not None else None


def find_syntax_by_name(name: str) -> list[Syntax]:
    return [s for s in list_syntaxes() if s.name == name]


def find_syntax_by_scope(scope: str) -> list[Syntax]:
    return [s for s in list_syntaxes() if s.scope == scope]


class Window:
    window_id: int
    settings_object: Settings | None
    template_settings_object: Settings | None

    def __init__(self, id: int) -> None:
        self.window_id = id
        self.settings_object = None
        self.template_settings_object = None

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
        encoded = bool(flags & NewFileFlags.ENCODED_POSITION)
        return View(_app.open_file(self.window_id, fname, encoded_position=encoded))

    def find_open_file(self, fname: str, group: int = -1) -> View | None:
        view_id = _app.find_open_file(self.window_id, fname)
        return View(view_id) if view_id else None

    def num_groups(self) -> int:
        window = self._state()
        return window.num_groups if window is not None else 0

    def active_group(self) -> int:
        window = self._state()
        return window.active_group if window is not None else -1

    def focus_group(self, idx: int) -> None:
        window = self._state()
        if window is not None and 0 <= idx < window.num_groups:
            window.active_group = idx
            view_id = _app.active_view_id(window, idx)
            if view_id:
                _app.focus_view(self.window_id, view_id)

    def focus_view(self, view: View) -> None:
        if view:
            _app.focus_view(self.window_id, view.view_id)

    def bring_to_front(self) -> None:
        _app.focus_window(self.window_id)

    def get_view_index(self, view: View) -> tuple[int, int]:
        window = self._state()
        state = _core.view_state(view.view_id) if view else None
        if window is None or state is None or view.view_id not in window.views:
            return (-1, -1)
        in_group = [v for v in window.views if _core.state.views[v].group == state.group]
        return (state.group, in_group.index(view.view_id))

    def views(self, *, include_transient: bool = False) -> list[View]:
        return [View(view_id) for view_id in _app.window_views(self.window_id)]

    def active_view_in_group(self, group: int) -> View | None:
        window = self._state()
        view_id = _app.active_view_id(window, group) if window is not None else 0
        return View(view_id) if view_id else None

    def views_in_group(self, group: int) -> list[View]:
        return [v for v in self.views() if _core.state.views[v.view_id].group == group]

    def layout(self) -> WindowLayout:
        window = self._state()
        layout: WindowLayout = _resources.to_value(window.layout) if window is not None else {}
        return layout

    def set_layout(self, layout: WindowLayout) -> None:
        window = self._state()
        if window is None:
            return
        window.layout = _resources.to_value(layout)
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

    def panels(self) -> list[str]:
        window = self._state()
        if window is None:
            return []
        names = [f"output.{n}" for n in window.panels if n not in window.unlisted_panels]
        return ["console", "find", "find_in_files", "replace", "incremental_find", *names]

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

    def _ui_visible(self, element: str) -> bool:
        window = self._state()
        return window is not None and window.ui_visible.get(element, True)

    def _set_ui_visible(self, element: str, flag: bool) -> None:
        window = self._state()
        if window is not None:
            window.ui_visible[element] = bool(flag)

    def is_sidebar_visible(self) -> bool:
        return self._ui_visible("side_bar")

    def set_sidebar_visible(self, flag: bool, animate: bool = False) -> None:
        self._set_ui_visible("side_bar", flag)

    def is_minimap_visible(self) -> bool:
        return self._ui_visible("minimap")

    def set_minimap_visible(self, flag: bool) -> None:
        self._set_ui_visible("minimap", flag)

    def is_status_bar_visible(self) -> bool:
        return self._ui_visible("status_bar")

    def set_status_bar_visible(self, flag: bool) -> None:
        self._set_ui_visible("status_bar", flag)

    def get_tabs_visible(self) -> bool:
        return self._ui_visible("tabs")

    def set_tabs_visible(self, flag: bool) -> None:
        self._set_ui_visible("tabs", flag)

    def is_menu_visible(self) -> bool:
        return self._ui_visible("menu")

    def set_menu_visible(self, flag: bool) -> None:
        self._set_ui_visible("menu", flag)

    def folders(self) -> list[str]:
        data = self.project_data()
        folders: Any = data.get("folders", []) if isinstance(data, dict) else []
        paths = [f.get("path") for f in folders if isinstance(f, dict)]
        return [os.path.abspath(os.path.expanduser(p)) for p in paths if isinstance(p, str)]

    def project_file_name(self) -> str | None:
        return None

    def workspace_file_name(self) -> str | None:
        return None

    def project_data(self) -> Value:
        window = self._state()
        data: Value = _resources.to_value(window.project_data) if window is not None else None
        return data

    def set_project_data(self, data: ValueLike) -> None:
        window = self._state()
        if window is not None:
            window.project_data = _resources.to_value(data)

    def settings(self) -> Settings:
        if not self.settings_object:
            window = self._state()
            self.settings_object = Settings(window.settings_id if window is not None else 0)
        return self.settings_object

    def template_settings(self) -> Settings:
        if not self.template_settings_object:
            window = self._state()
            settings_id = window.template_settings_id if window is not None else 0
            self.template_settings_object = Settings(settings_id)
        return self.template_settings_object

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


class Edit:
    edit_token: int

    def __init__(self, token: int) -> None:
        self.edit_token = token

    def __repr__(self) -> str:
        return f"Edit({self.edit_token!r})"


class Region:
    __slots__ = ("a", "b", "xpos")
    a: Point
    b: Point
    xpos: DIP

    def __init__(self, a: Point, b: Point | None = None, xpos: DIP = -1) -> None:
        self.a = a
        self.b = a if b is None else b
        self.xpos = xpos

    def __iter__(self) -> Iterator[Point]:
        return iter((self.a, self.b))

    def __str__(self) -> str:
        return f"({self.a}, {self.b})"

    def __repr__(self) -> str:
        if self.xpos == -1:
            return f"Region({self.a}, {self.b})"
        return f"Region({self.a}, {self.b}, xpos={self.xpos})"

    def __len__(self) -> int:
        return self.size()

    def __eq__(self, rhs: object) -> bool:
        return isinstance(rhs, Region) and self.a == rhs.a and self.b == rhs.b

    __hash__ = None  # type: ignore[assignment]  # mutable, so unhashable like Sublime's

    def __lt__(self, rhs: Region) -> bool:
        if self.begin() == rhs.begin():
            return self.end() < rhs.end()
        return self.begin() < rhs.begin()

    def __contains__(self, v: Region | Point) -> bool:
        if isinstance(v, Region):
            return v.a in self and v.b in self
        if isinstance(v, int):
            return self.begin() <= v <= self.end()
        raise TypeError(f"in <Region> requires int or Region as left operand, not {type(v)}")

    def to_tuple(self) -> tuple[Point, Point]:
        return (self.a, self.b)

    def empty(self) -> bool:
        return self.a == self.b

    def begin(self) -> Point:
        return min(self.a, self.b)

    def end(self) -> Point:
        return max(self.a, self.b)

    def size(self) -> int:
        return abs(self.a - self.b)

    def contains(self, x: Region | Point) -> bool:
        return x in self

    def cover(self, region: Region) -> Region:
        a = min(self.begin(), region.begin())
        b = max(self.end(), region.end())
        return Region(a, b) if self.a < self.b else Region(b, a)

    def intersection(self, region: Region) -> Region:
        if self.end() <= region.begin() or self.begin() >= region.end():
            return Region(0)
        return Region(max(self.begin(), region.begin()), min(self.end(), region.end()))

    def intersects(self, region: Region) -> bool:
        lb, le, rb, re_ = self.begin(), self.end(), region.begin(), region.end()
        return (
            (lb == rb and le == re_)
            or lb < rb < le
            or lb < re_ < le
            or rb < lb < re_
            or rb < le < re_
        )


class Selection:
    view_id: int

    def __init__(self, id: int) -> None:
        self.view_id = id

    def _regions(self) -> list[Region]:
        view = _core.view_state(self.view_id)
        return [Region(a, b) for a, b in view.selection] if view is not None else []

    def _set(self, regions: Iterable[Region]) -> None:
        view = _core.view_state(self.view_id)
        if view is not None:
            view.selection = sorted({(r.a, r.b) for r in regions}, key=min)

    def __iter__(self) -> Iterator[Region]:
        return iter(self._regions())

    def __len__(self) -> int:
        return len(self._regions())

    def __getitem__(self, index: int) -> Region:
        return self._regions()[index]

    def __delitem__(self, index: int) -> None:
        regions = self._regions()
        del regions[index]
        self._set(regions)

    def __eq__(self, rhs: object) -> bool:
        return isinstance(rhs, Selection) and list(self) == list(rhs)

    __hash__ = None  # type: ignore[assignment]  # unhashable like Sublime's

    def __lt__(self, rhs: Selection | None) -> bool:
        return rhs is not None and self._regions() < rhs._regions()

    def __bool__(self) -> bool:
        return self.view_id != 0 and len(self) > 0

    def __repr__(self) -> str:
        return f"Selection({self.view_id!r})"

    def is_valid(self) -> bool:
        return _core.view_state(self.view_id) is not None

    def clear(self) -> None:
        self._set([])

    def add(self, x: Region | Point) -> None:
        self._set([*self._regions(), x if isinstance(x, Region) else Region(x)])

    def add_all(self, regions: Iterable[Region | Point]) -> None:
        for region in regions:
            self.add(region)

    def subtract(self, region: Region) -> None:
        self._set(r for r in self._regions() if not region.contains(r))

    def contains(self, region: Region) -> bool:
        return any(r.contains(region) for r in self._regions())


class View:
    view_id: int
    selection: Selection
    settings_object: Settings | None

    def __init__(self, id: int) -> None:
        self.view_id = id
        self.selection = Selection(id)
        self.settings_object = None

    def __len__(self) -> int:
        return self.size()

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

    def buffer_id(self) -> int:
        view = self._state()
        return view.buffer_id if view is not None else 0

    def buffer(self) -> Buffer:
        return Buffer(self.buffer_id())

    def element(self) -> str | None:
        view = self._state()
        return view.element if view is not None else None

    def is_valid(self) -> bool:
        return self._state() is not None

    def is_primary(self) -> bool:
        return self.is_valid()

    def window(self) -> Window | None:
        view = self._state()
        if view is None or _core.window_state(view.window_id) is None:
            return None
        return Window(view.window_id)

    def clones(self) -> list[View]:
        return []

    def file_name(self) -> str | None:
        view = self._state()
        return view.file_name if view is not None else None

    def close(self, on_close: Callable[[bool], None] = lambda did_close: None) -> bool:
        closed = _app.close_view(self.view_id)
        _core.schedule_ui(lambda: on_close(closed))
        return closed

    def retarget(self, new_fname: str) -> None:
        view = self._state()
        if view is not None:
            view.file_name = os.path.abspath(new_fname)

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

    def is_scratch(self) -> bool:
        view = self._state()
        return view is not None and view.scratch

    def set_scratch(self, scratch: bool) -> None:
        view = self._state()
        if view is not None:
            view.scratch = bool(scratch)
            view.dirty = view.dirty and not view.scratch

    def encoding(self) -> str:
        view = self._state()
        return view.encoding if view is not None else ""

    def set_encoding(self, encoding_name: str) -> None:
        view = self._state()
        if view is not None:
            view.encoding = encoding_name

    def line_endings(self) -> str:
        view = self._state()
        return view.line_endings if view is not None else ""

    def set_line_endings(self, line_ending_name: str) -> None:
        view = self._state()
        if view is not None:
            view.line_endings = line_ending_name

    def size(self) -> int:
        return len(self._text())

    def begin_edit(self, edit_token: int, cmd: str, args: CommandArgsLike | None = None) -> Edit:
        view = self._state()
        if view is not None:
            view.edit_tokens.add(edit_token)
        return Edit(edit_token)

    def end_edit(self, edit: Edit) -> None:
        view = self._state()
        if view is not None:
            view.edit_tokens.discard(edit.edit_token)
        edit.edit_token = 0

    def is_in_edit(self) -> bool:
        view = self._state()
        return view is not None and bool(view.edit_tokens)

    def _check_edit(self, edit: Edit) -> None:
        view = self._state()
        if edit.edit_token == 0 or view is None or edit.edit_token not in view.edit_tokens:
            raise ValueError(
                "Edit objects may not be used after the TextCommand's run method has returned"
            )

    def insert(self, edit: Edit, pt: Point, text: str) -> int:
        self._check_edit(edit)
        return _app.modify(self.view_id, pt, pt, text)

    def erase(self, edit: Edit, region: Region) -> None:
        self._check_edit(edit)
        _app.modify(self.view_id, region.begin(), region.end(), "")

    def replace(self, edit: Edit, region: Region, text: str) -> None:
        self._check_edit(edit)
        _app.modify(self.view_id, region.begin(), region.end(), text)

    def change_count(self) -> int:
        view = self._state()
        return view.change_count if view is not None else 0

    def run_command(self, cmd: str, args: CommandArgsLike | None = None) -> None:
        _host().run_text_command(self.view_id, cmd, args)

    def sel(self) -> Selection:
        return self.selection

    def substr(self, x: Region | Point) -> str:
        text = self._text()
        if isinstance(x, Region):
            return text[max(x.begin(), 0) : x.end()]
        return text[x] if 0 <= x < len(text) else "\x00"

    def _pattern(self, pattern: str, flags: int) -> re.Pattern[str]:
        source = re.escape(pattern) if flags & FindFlags.LITERAL else pattern
        if flags & FindFlags.WHOLEWORD:
            source = rf"\b{source}\b"
        return re.compile(source, re.IGNORECASE if flags & FindFlags.IGNORECASE else 0)

    def find(self, pattern: str, start_pt: Point, flags: FindFlags = FindFlags.NONE) -> Region:
        match = self._pattern(pattern, flags).search(self._text(), max(start_pt, 0))
        return Region(match.start(), match.end()) if match else Region(-1, -1)

    def find_all(
        self,
        pattern: str,
        flags: FindFlags = FindFlags.NONE,
        fmt: str | None = None,
        extractions: list[str] | None = None,
        within: Region | list[Region] | None = None,
    ) -> list[Region]:
        areas = [within] if isinstance(within, Region) else within
        found = []
        for match in self._pattern(pattern, flags).finditer(self._text()):
            region = Region(match.start(), match.end())
            if areas is not None and not any(area.contains(region) for area in areas):
                continue
            found.append(region)
            if fmt is not None and extractions is not None:
                extractions.append(match.expand(fmt.replace("$", "\\")))
        return found

    def settings(self) -> Settings:
        if not self.settings_object:
            view = self._state()
            self.settings_object = Settings(view.settings_id if view is not None else 0)
        return self.settings_object

    def lines(self, region: Region) -> list[Region]:
        return [self.line(p) for p in self._line_starts(region)]

    def _line_starts(self, region: Region) -> list[int]:
        text = self._text()
        starts = [self.line(region.begin()).begin()]
        starts += [i + 1 for i in range(region.begin(), region.end()) if text[i : i + 1] == "\n"]
        return [s for s in starts if s <= region.end()]

    def line(self, x: Region | Point) -> Region:
        text = self._text()
        begin, end = (x.begin(), x.end()) if isinstance(x, Region) else (x, x)
        start = text.rfind("\n", 0, max(begin, 0)) + 1
        stop = text.find("\n", end)
        return Region(start, len(text) if stop < 0 else stop)

    def full_line(self, x: Region | Point) -> Region:
        line = self.line(x)
        return Region(line.a, min(line.b + 1, self.size()))

    def rowcol(self, tp: Point) -> tuple[int, int]:
        return _app.rowcol(self.view_id, tp) if self.is_valid() else (0, 0)

    def text_point(self, row: int, col: int, *, clamp_column: bool = False) -> Point:
        return _app.text_point(self.view_id, row, col) if self.is_valid() else 0

    def visible_region(self) -> Region:
        return Region(0, self.size())

    def show(
        self,
        location: Region | Selection | Point,
        show_surrounds: bool = True,
        keep_to_left: bool = False,
        animate: bool = True,
    ) -> None:
        return None

    def show_at_center(self, location: Region | Point, animate: bool = True) -> None:
        return None

    def add_regions(
        self,
        key: str,
        regions: list[Region],
        scope: str = "",
        icon: str = "",
        flags: RegionFlags = RegionFlags.NONE,
        annotations: list[str] = _NO_ANNOTATIONS,
        annotation_color: str = "",
        on_navigate: Callable[[str], None] | None = None,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        if annotations and len(annotations) != len(regions):
            raise ValueError("region and annotation length mismatch")
        view = self._state()
        if view is not None:
            view.regions[key] = [(r.a, r.b) for r in regions]

    def get_regions(self, key: str) -> list[Region]:
        view = self._state()
        return [Region(a, b) for a, b in view.regions.get(key, [])] if view is not None else []

    def erase_regions(self, key: str) -> None:
        view = self._state()
        if view is not None:
            view.regions.pop(key, None)

    def assign_syntax(self, syntax: str | Syntax) -> None:
        if self.is_valid():
            _app.assign_syntax(self.view_id, syntax.path if isinstance(syntax, Syntax) else syntax)

    def set_syntax_file(self, syntax_file: str) -> None:
        self.assign_syntax(syntax_file)

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


class Buffer:
    buffer_id: int

    def __init__(self, id: int) -> None:
        self.buffer_id = id

    def __hash__(self) -> int:
        return self.buffer_id

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Buffer) and other.buffer_id == self.buffer_id

    def __repr__(self) -> str:
        return f"Buffer({self.buffer_id!r})"

    def id(self) -> int:
        return self.buffer_id

    def _views(self) -> List[_core.ViewState]:
        return [v for v in _core.state.views.values() if v.buffer_id == self.buffer_id]

    def file_name(self) -> str | None:
        views = self._views()
        return views[0].file_name if views else None

    def views(self) -> list[View]:
        return [View(v.id) for v in self._views()]

    def primary_view(self) -> View:
        views = self._views()
        return View(views[0].id if views else 0)


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

    def __getitem__(self, key: str) -> Value:
        merged = self._merged()
        if key not in merged:
            raise KeyError(repr(key))
        value: Value = _resources.to_value(merged[key])
        return value

    def __setitem__(self, key: str, value: ValueLike) -> None:
        self.set(key, value)

    def __delitem__(self, key: str) -> None:
        self.erase(key)

    def __contains__(self, key: str) -> bool:
        return key in self._merged()

    def to_dict(self) -> dict[str, Value]:
        merged: dict[str, Value] = _resources.to_value(self._merged())
        return merged

    def setdefault(self, key: str, value: ValueLike) -> Value:
        if self.has(key):
            return self.get(key)
        self.set(key, value)
        return self.get(key)

    def update(
        self,
        other: Settings | Mapping[str, ValueLike] | Iterable[tuple[str, ValueLike]] = (),
        /,
        **kwargs: ValueLike,
    ) -> None:
        pairs = other.to_dict().items() if isinstance(other, Settings) else dict(other).items()
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


class Html:
    __slots__ = ("data",)
    data: str

    def __init__(self, data: str) -> None:
        self.data = data

    def __repr__(self) -> str:
        return f"Html({self.data})"


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


class ListInputItem(Generic[_T_Value]):
    text: str
    value: _T_Value
    details: str | list[str] | tuple[str]
    annotation: str
    kind: Kind

    def __init__(
        self,
        text: str,
        value: _T_Value,
        details: str | list[str] | tuple[str] = "",
        annotation: str = "",
        kind: Kind = KIND_AMBIGUOUS,
    ) -> None:
        self.text = text
        self.value = value
        self.details = details
        self.annotation = annotation
        self.kind = kind

    def __repr__(self) -> str:
        return f"ListInputItem({self.text!r}, {self.value!r})"
