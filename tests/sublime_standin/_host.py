"""The plugin host: loads plugin modules, runs commands, delivers events to listeners.

It follows Sublime's `sublime_plugin` loader: command classes are collected from a module's public
names, an `EventListener` is instantiated once and called for the `on_*` methods its class defines,
a `ViewEventListener` is instantiated per view it applies to. Plugin code runs trapped: an exception
is printed and recorded (the harness reports it), never raised into the caller.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Callable, Dict, List, Optional, Tuple, Type

from . import _builtins, _core, _resources, sublime, sublime_plugin
from ._core import CommandRecord, PaletteInputRecord

VIEW_CALLBACKS = [
    "on_new",
    "on_clone",
    "on_load",
    "on_revert",
    "on_reload",
    "on_pre_close",
    "on_close",
    "on_pre_save",
    "on_post_save",
    "on_pre_move",
    "on_post_move",
    "on_modified",
    "on_selection_modified",
    "on_activated",
    "on_deactivated",
    "on_query_context",
    "on_query_completions",
    "on_hover",
    "on_text_command",
    "on_post_text_command",
    "on_modified_async",
    "on_selection_modified_async",
    "on_pre_save_async",
    "on_post_save_async",
    "on_post_move_async",
    "on_activated_async",
    "on_deactivated_async",
    "on_new_async",
    "on_load_async",
    "on_revert_async",
    "on_reload_async",
    "on_clone_async",
]
WINDOW_CALLBACKS = [
    "on_init",
    "on_exit",
    "on_window_command",
    "on_post_window_command",
    "on_new_window",
    "on_new_window_async",
    "on_pre_close_window",
    "on_new_project",
    "on_new_project_async",
    "on_load_project",
    "on_load_project_async",
    "on_pre_save_project",
    "on_post_save_project",
    "on_post_save_project_async",
    "on_pre_close_project",
]
ALL_CALLBACKS = VIEW_CALLBACKS + WINDOW_CALLBACKS
# Callbacks that exist for EventListener only; a ViewEventListener is never called for them.
NOT_FOR_VIEW_LISTENERS = {"on_new", "on_new_async", "on_clone", "on_clone_async", *WINDOW_CALLBACKS}

CommandClass = Type[sublime_plugin.Command]


class PendingInput:
    """An input handler open in the command palette, waiting for the test's answer."""

    def __init__(self, command: sublime_plugin.Command, args: Dict[str, Any], handler: Any) -> None:
        self.command = command
        self.args = args
        self.handler = handler
        self.record = PaletteInputRecord(
            command=command.name(),
            argument=handler.name(),
            kind="list" if isinstance(handler, sublime_plugin.ListInputHandler) else "text",
            items=_list_items(handler),
            initial_text=handler.initial_text(),
            placeholder=handler.placeholder(),
        )


def _list_items(handler: Any) -> List[Tuple[str, Any]]:
    if not isinstance(handler, sublime_plugin.ListInputHandler):
        return []
    items = handler.list_items()
    if isinstance(items, tuple):
        items = items[0]
    rows: List[Tuple[str, Any]] = []
    for item in items:
        if isinstance(item, str):
            rows.append((item, item))
        elif isinstance(item, (list, tuple)):
            rows.append((item[0], item[1]))
        elif isinstance(item, sublime.ListInputItem):
            rows.append((item.text, item.value))
        else:
            raise TypeError("items must contain only str, list, tuple or ListInputItem objects")
    return rows


class Host:
    def __init__(self) -> None:
        self.command_classes: Dict[str, List[CommandClass]] = {"app": [], "window": [], "text": []}
        self.callbacks: Dict[str, List[Any]] = {name: [] for name in ALL_CALLBACKS}
        self.view_listener_classes: List[Type[sublime_plugin.ViewEventListener]] = []
        self.view_listeners: Dict[int, List[Any]] = {}
        self.command_instances: Dict[Tuple[str, int, type], sublime_plugin.Command] = {}
        self.module_plugins: Dict[str, List[Any]] = {}
        self.pending_input: Optional[PendingInput] = None

    # Loading

    def load_module(self, module: ModuleType) -> None:
        plugins = [self._register(value) for value in _public_values(module)]
        self.module_plugins[module.__name__] = [p for p in plugins if p is not None]
        if hasattr(module, "plugin_loaded"):
            _core.trap(f"{module.__name__}.plugin_loaded", module.plugin_loaded)
        classes = [c for c in self.module_plugins[module.__name__] if _is_view_listener(c)]
        for window in sublime.windows():
            for view in window.views():
                self._create_view_listeners(classes, view.view_id)
        self._synthesize_activation(module.__name__)

    def _register(self, value: Any) -> Any:
        if not isinstance(value, type):
            return None
        registered = None
        for kind, base in (
            ("app", sublime_plugin.ApplicationCommand),
            ("window", sublime_plugin.WindowCommand),
            ("text", sublime_plugin.TextCommand),
        ):
            if issubclass(value, base) and value is not base:
                self.command_classes[kind].append(value)
                registered = value
        if (
            issubclass(value, sublime_plugin.EventListener)
            and value is not sublime_plugin.EventListener
        ):
            registered = self._register_event_listener(value)
        if _is_view_listener(value):
            self.view_listener_classes.append(value)
            registered = value
        return registered

    def _register_event_listener(self, cls: type) -> Any:
        listener = _core.trap(f"creating {cls.__name__}", cls)
        if listener is None:
            return None
        for name in ALL_CALLBACKS:
            if name in dir(cls):
                self.callbacks[name].append(listener)
        return listener

    def _synthesize_activation(self, module_name: str) -> None:
        """A newly loaded listener hears of the active view, as if it had just been activated."""
        window = sublime.active_window()
        view = window.active_view() if window else None
        if view is None:
            return
        plugins = self.module_plugins[module_name]
        view_listeners = [
            v for v in self.view_listeners.get(view.view_id, []) if v.__class__ in plugins
        ]
        for listener in [p for p in plugins if not isinstance(p, type)] + view_listeners:
            for name in ("on_activated", "on_activated_async"):
                if hasattr(listener, name):
                    self._schedule(name, self._listener_call(listener, name, view), deferred=True)

    def _listener_call(self, listener: Any, name: str, *args: Any) -> Callable[[], None]:
        return lambda: self._call_listener(listener, name, *args)

    def unload_module(self, module: ModuleType) -> None:
        if hasattr(module, "plugin_unloaded"):
            _core.trap(f"{module.__name__}.plugin_unloaded", module.plugin_unloaded)
        plugins = self.module_plugins.pop(module.__name__, [])
        for classes in self.command_classes.values():
            classes[:] = [c for c in classes if c not in plugins]
        for listeners in self.callbacks.values():
            listeners[:] = [listener for listener in listeners if listener not in plugins]
        self.view_listener_classes = [c for c in self.view_listener_classes if c not in plugins]
        for listeners in self.view_listeners.values():
            listeners[:] = [v for v in listeners if v.__class__ not in plugins]
        self.command_instances = {
            key: command for key, command in self.command_instances.items() if key[2] not in plugins
        }

    # Commands

    def _command(self, kind: str, target_id: int, name: str) -> Optional[sublime_plugin.Command]:
        for cls in reversed(self.command_classes[kind]):
            key = (kind, target_id, cls)
            if key not in self.command_instances:
                instance = _core.trap(
                    f"creating {cls.__name__}", _instantiate, cls, kind, target_id
                )
                if instance is None:
                    continue
                self.command_instances[key] = instance
            command = self.command_instances[key]
            if command.name() == name:
                return command
        return None

    def _record(self, target: str, target_id: int, name: str, args: Any) -> CommandRecord:
        record = CommandRecord(target, target_id, name, args, _core.current_thread_kind())
        _core.state.records.commands.append(record)
        return record

    def _off_ui_thread(self, record: CommandRecord, again: Callable[[], None]) -> bool:
        """Commands run on the UI thread: from another thread, one is queued there."""
        if _core.is_ui_thread():
            return False
        record.outcome = "queued"
        _core.schedule_ui(again)
        return True

    def run_application_command(self, name: str, args: Any) -> None:
        args = _resources.to_value(args)
        record = self._record("app", 0, name, args)
        if self._off_ui_thread(record, lambda: self.run_application_command(name, args)):
            return
        self._dispatch_application(record, name, args)

    def _dispatch_application(self, record: CommandRecord, name: str, args: Any) -> None:
        command = self._command("app", 0, name)
        if command is not None:
            record.outcome = self._run(command, args)
        elif name in _builtins.APPLICATION:
            record.outcome = "builtin"
            _core.trap(name, _builtins.APPLICATION[name], args or {})
        else:
            self._unknown(record)

    def run_window_command(self, window_id: int, name: str, args: Any) -> None:
        args = _resources.to_value(args)
        record = self._record("window", window_id, name, args)
        if self._off_ui_thread(record, lambda: self.run_window_command(window_id, name, args)):
            return
        if _core.window_state(window_id) is None:
            record.outcome = "invalid window"
            return
        command = self._command("window", window_id, name)
        if command is not None:
            record.outcome = self._run(command, args)
        elif name in _builtins.WINDOW:
            record.outcome = "builtin"
            _core.trap(name, _builtins.WINDOW[name], window_id, args or {})
        else:
            view = sublime.Window(window_id).active_view()
            if view is not None and self._has_text_command(view.view_id, name):
                self._dispatch_text(record, view.view_id, name, args)
            else:
                self._dispatch_application(record, name, args)

    def _has_text_command(self, view_id: int, name: str) -> bool:
        return name in _builtins.TEXT or self._command("text", view_id, name) is not None

    def run_text_command(self, view_id: int, name: str, args: Any) -> None:
        args = _resources.to_value(args)
        record = self._record("view", view_id, name, args)
        if self._off_ui_thread(record, lambda: self.run_text_command(view_id, name, args)):
            return
        if _core.view_state(view_id) is None:
            record.outcome = "invalid view"
            return
        self._dispatch_text(record, view_id, name, args)

    def _dispatch_text(self, record: CommandRecord, view_id: int, name: str, args: Any) -> None:
        command = self._command("text", view_id, name)
        if command is not None:
            record.outcome = self._run(command, args)
        elif name in _builtins.TEXT:
            record.outcome = "builtin"
            _core.trap(name, _builtins.TEXT[name], view_id, args or {})
        else:
            self._unknown(record)

    def _unknown(self, record: CommandRecord) -> None:
        """Sublime ignores a command nobody defines; the harness reports it (a typo, usually)."""
        record.outcome = "unknown"
        _core.state.problems.unknown_commands.append(f"{record.target} command {record.name!r}")

    def _run(self, command: sublime_plugin.Command, args: Any) -> str:
        enabled = _core.trap(f"{command.name()}.is_enabled", command.is_enabled_, args)
        if not enabled:
            return "disabled"
        inputs_before = len(_core.state.records.palette_inputs)
        run = getattr(command, "run_")  # noqa: B009 - each Command subclass defines it
        _core.trap(command.name(), run, _core.new_id(), args)
        return "input" if len(_core.state.records.palette_inputs) > inputs_before else "ran"

    def find_command(self, window_id: int, name: str) -> Optional[sublime_plugin.Command]:
        """The command the palette would run: the window's, the active view's, or the app's."""
        view = sublime.Window(window_id).active_view()
        return (
            self._command("window", window_id, name)
            or (self._command("text", view.view_id, name) if view is not None else None)
            or self._command("app", 0, name)
        )

    def run_from_palette(self, window_id: int, name: str, args: Any) -> str:
        args = _resources.to_value(args)
        command = self.find_command(window_id, name)
        if command is None:
            self._unknown(self._record("palette", window_id, name, args))
            return "unknown"
        visible = _core.trap(f"{name}.is_visible", command.is_visible_, args)
        enabled = _core.trap(f"{name}.is_enabled", command.is_enabled_, args)
        if not (visible and enabled):
            return "disabled"
        handler = _core.trap(f"{name}.input", command.create_input_handler_, dict(args or {}))
        if handler is not None:
            self._show_input(command, dict(args or {}), handler)
            return "input"
        return self._run(command, args)

    # Command palette input

    def request_input(self, command: sublime_plugin.Command, args: Any) -> bool:
        """run() lacked arguments: Sublime opens the palette if the command has an input()."""
        handler = command.create_input_handler_(dict(args or {}))
        if handler is None:
            return False
        window_id = _app_window_id()
        overlay = {"overlay": "command_palette", "command": command.name(), "args": args}
        record = self._record("window", window_id, "show_overlay", overlay)
        record.outcome = "builtin"
        self._show_input(command, dict(args or {}), handler)
        return True

    def _show_input(
        self, command: sublime_plugin.Command, args: Dict[str, Any], handler: Any
    ) -> None:
        pending = PendingInput(command, args, handler)
        self.pending_input = pending
        _core.state.records.palette_inputs.append(pending.record)
        if _core.state.script.command_input:
            self.answer_input(_core.state.script.command_input.pop(0))

    def answer_input(self, answer: Any) -> None:
        pending = self.pending_input
        if pending is None:
            raise AssertionError("no input handler is open in the command palette")
        value = answer
        if pending.record.kind == "list" and answer is not None:
            labels = [text for text, _ in pending.record.items]
            index = labels.index(answer) if isinstance(answer, str) and answer in labels else answer
            if not isinstance(index, int) or not 0 <= index < len(labels):
                raise AssertionError(f"the list has no item {answer!r}; it shows {labels!r}")
            value = pending.record.items[index][1]
        _core.schedule_ui(lambda: self._apply_input(pending, value))

    def _apply_input(self, pending: PendingInput, value: Any) -> None:
        handler = pending.handler
        if value is None:
            self.pending_input = None
            pending.record.is_open = False
            _core.trap("input handler cancel", handler.cancel_)
            return
        if not _core.trap("input handler validate", handler.validate_, value, None):
            pending.record.rejected.append(value)
            return
        _core.trap("input handler confirm", handler.confirm_, value, None)
        self.pending_input = None
        pending.record.is_open, pending.record.answer = False, value
        pending.args[handler.name()] = value
        following = _core.trap(
            "input handler next_input", handler.create_input_handler_, pending.args
        )
        if following is not None:
            self._show_input(pending.command, pending.args, following)
        else:
            self._run(pending.command, pending.args)

    # Events

    def _schedule(self, name: str, call: Callable[[], None], deferred: bool = False) -> None:
        if name.endswith("_async"):
            _core.schedule_async(call)
        elif deferred or not _core.is_ui_thread():
            _core.schedule_ui(call)
        else:
            call()

    def _call_listener(self, listener: Any, name: str, *args: Any) -> None:
        _core.trap(f"{type(listener).__name__}.{name}", getattr(listener, name), *args)

    def view_event(self, name: str, view_id: int, deferred: bool = False) -> None:
        """Blocking events run now on the UI thread (re-entrantly); `_async` ones go async."""
        self._schedule(name, lambda: self._view_callbacks(name, view_id), deferred)

    def _view_callbacks(self, name: str, view_id: int) -> None:
        view = sublime.View(view_id)
        for listener in list(self.callbacks.get(name, [])):
            self._call_listener(listener, name, view)
        if name in NOT_FOR_VIEW_LISTENERS:
            return
        for listener in list(self.view_listeners.get(view_id, [])):
            if hasattr(listener, name):
                self._call_listener(listener, name)

    def window_event(self, name: str, window_id: int) -> None:
        def deliver() -> None:
            for listener in list(self.callbacks.get(name, [])):
                self._call_listener(listener, name, sublime.Window(window_id))

        self._schedule(name, deliver)

    def close_view(self, view_id: int, forget: Callable[[], object]) -> None:
        """on_close: the view's own listeners first, then they are dropped, then EventListeners;
        then the view is gone (`forget`)."""

        def deliver() -> None:
            for listener in self.view_listeners.pop(view_id, []):
                if hasattr(listener, "on_close"):
                    self._call_listener(listener, "on_close")
            for listener in list(self.callbacks["on_close"]):
                self._call_listener(listener, "on_close", sublime.View(view_id))
            forget()

        self._schedule("on_close", deliver)

    # View event listeners

    def attach_view(self, view_id: int) -> None:
        self._create_view_listeners(self.view_listener_classes, view_id)
        view = sublime.View(view_id)
        view.settings().add_on_change(
            "check_view_event_listeners", lambda: self._check_view_listeners(view_id)
        )

    def _create_view_listeners(self, classes: List[Any], view_id: int) -> None:
        listeners = self.view_listeners.setdefault(view_id, [])
        present = {type(listener) for listener in listeners}
        for cls in classes:
            if cls not in present and self._applies(cls, view_id):
                listener = _core.trap(f"creating {cls.__name__}", cls, sublime.View(view_id))
                if listener is not None:
                    listeners.append(listener)

    def _applies(self, cls: Any, view_id: int) -> bool:
        settings = sublime.View(view_id).settings()
        return bool(_core.trap(f"{cls.__name__}.is_applicable", cls.is_applicable, settings))

    def _check_view_listeners(self, view_id: int) -> None:
        if _core.state.views.get(view_id) is None:
            return
        listeners = self.view_listeners.setdefault(view_id, [])
        listeners[:] = [v for v in listeners if self._applies(type(v), view_id)]
        self._create_view_listeners(self.view_listener_classes, view_id)


def _public_values(module: ModuleType) -> List[Any]:
    """What Sublime looks at in a plugin module: `__all__`, or every name not starting with _."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [name for name in dir(module) if not name.startswith("_")]
    return [module.__dict__[name] for name in sorted(set(names)) if name in module.__dict__]


def _is_view_listener(value: Any) -> bool:
    return (
        isinstance(value, type)
        and issubclass(value, sublime_plugin.ViewEventListener)
        and value is not sublime_plugin.ViewEventListener
    )


def _instantiate(cls: CommandClass, kind: str, target_id: int) -> sublime_plugin.Command:
    if kind == "window":
        return cls(sublime.Window(target_id))  # type: ignore[call-arg]
    if kind == "text":
        return cls(sublime.View(target_id))  # type: ignore[call-arg]
    return cls()


def _app_window_id() -> int:
    return sublime.active_window().window_id
