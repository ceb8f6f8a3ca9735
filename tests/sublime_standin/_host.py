"""The plugin host: loads plugin modules, runs commands, delivers events to listeners.

It follows Sublime's `sublime_plugin` loader: command classes are collected from a module's public
names, and an `EventListener` is instantiated once and called for the `on_*` methods its class
defines. Plugin code runs trapped: an exception is printed and recorded (the harness reports it),
never raised into the caller.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Callable, Dict, List, Optional, Tuple, Type

from . import _builtins, _core, _resources, sublime, sublime_plugin
from ._core import CommandRecord

VIEW_CALLBACKS = [
    "on_new",
    "on_load",
    "on_pre_close",
    "on_close",
    "on_pre_save",
    "on_post_save",
    "on_modified",
    "on_activated",
    "on_deactivated",
]
VIEW_CALLBACKS += [f"{name}_async" for name in VIEW_CALLBACKS if name not in ("on_close",)]
WINDOW_CALLBACKS = ["on_new_window", "on_new_window_async", "on_pre_close_window"]
ALL_CALLBACKS = VIEW_CALLBACKS + WINDOW_CALLBACKS

CommandClass = Type[sublime_plugin.Command]


class Host:
    def __init__(self) -> None:
        self.command_classes: Dict[str, List[CommandClass]] = {"app": [], "window": []}
        self.callbacks: Dict[str, List[Any]] = {name: [] for name in ALL_CALLBACKS}
        self.command_instances: Dict[Tuple[str, int, type], sublime_plugin.Command] = {}
        self.module_plugins: Dict[str, List[Any]] = {}

    # Loading

    def load_module(self, module: ModuleType) -> None:
        plugins = [self._register(value) for value in _public_values(module)]
        self.module_plugins[module.__name__] = [p for p in plugins if p is not None]
        if hasattr(module, "plugin_loaded"):
            _core.trap(f"{module.__name__}.plugin_loaded", module.plugin_loaded)
        self._synthesize_activation(module.__name__)

    def _register(self, value: Any) -> Any:
        if not isinstance(value, type):
            return None
        for kind, base in (
            ("app", sublime_plugin.ApplicationCommand),
            ("window", sublime_plugin.WindowCommand),
        ):
            if issubclass(value, base) and value is not base:
                self.command_classes[kind].append(value)
                return value
        if (
            issubclass(value, sublime_plugin.EventListener)
            and value is not sublime_plugin.EventListener
        ):
            return self._register_event_listener(value)
        return None

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
        for listener in [p for p in self.module_plugins[module_name] if not isinstance(p, type)]:
            for name in ("on_activated", "on_activated_async"):
                if hasattr(listener, name):
                    call = self._listener_call(listener, name, view)
                    self._schedule(name, call, deferred=True)

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
            if view is not None and name in _builtins.TEXT:
                self._dispatch_text(record, view.view_id, name, args)
            else:
                self._dispatch_application(record, name, args)

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
        """Sublime's own text commands (the package defines none)."""
        if name in _builtins.TEXT:
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
        _core.trap(command.name(), command.run_, _core.new_id(), args)
        return "ran"

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

    def window_event(self, name: str, window_id: int) -> None:
        def deliver() -> None:
            for listener in list(self.callbacks.get(name, [])):
                self._call_listener(listener, name, sublime.Window(window_id))

        self._schedule(name, deliver)

    def close_view(self, view_id: int, forget: Callable[[], object]) -> None:
        """on_close, then the view is gone (`forget`)."""

        def deliver() -> None:
            for listener in list(self.callbacks["on_close"]):
                self._call_listener(listener, "on_close", sublime.View(view_id))
            forget()

        self._schedule("on_close", deliver)


def _public_values(module: ModuleType) -> List[Any]:
    """What Sublime looks at in a plugin module: `__all__`, or every name not starting with _."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [name for name in dir(module) if not name.startswith("_")]
    return [module.__dict__[name] for name in sorted(set(names)) if name in module.__dict__]


def _instantiate(cls: CommandClass, kind: str, target_id: int) -> sublime_plugin.Command:
    if kind == "window":
        return cls(sublime.Window(target_id))  # type: ignore[call-arg]
    return cls()
