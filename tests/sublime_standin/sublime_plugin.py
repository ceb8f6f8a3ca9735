"""Stand-in for Sublime Text's `sublime_plugin` (build 4200): the classes plugins subclass.

They behave as Sublime's do: command names come from class names, `is_enabled()` and `run()`
receive the command's arguments as keyword arguments, and an event listener is called only for the
`on_*` methods its class defines. Loading plugin modules is `harness.load_plugin`'s job.
"""

# The signatures are spelled as in the stubs, which leave CommandInputHandler unparameterized.
# mypy: disable-error-code="type-arg"

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Generic, Optional, TypeVar

from . import _core, sublime

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .sublime_types import Event, Value

_T_Value = TypeVar("_T_Value")
_T_Value_contra = TypeVar("_T_Value_contra", contravariant=True)
_T_ViewEventListener = TypeVar("_T_ViewEventListener", bound="ViewEventListener")

Args = Optional[Dict[str, Any]]


def _name_from_class(cls: type, suffix: str) -> str:
    """`LambdaEditFunctionCommand` -> `lambda_edit_function`, the way Sublime spells it."""
    class_name = cls.__name__
    name = class_name[0].lower()
    last_upper = False
    for c in class_name[1:]:
        if c.isupper() and not last_upper:
            name += "_" + c.lower()
        else:
            name += c
        last_upper = c.isupper()
    return name[: -len(suffix)] if name.endswith(suffix) else name


def find_view_event_listener(
    view: sublime.View,
    cls: type[_T_ViewEventListener],
) -> _T_ViewEventListener | None:
    for listener in _core.state.host.view_listeners.get(view.view_id, []):
        if listener.__class__ == cls:
            found: _T_ViewEventListener = listener
            return found
    return None


class CommandInputHandler(Generic[_T_Value_contra]):
    def name(self) -> str:
        return _name_from_class(self.__class__, "_input_handler")

    def placeholder(self) -> str:
        return ""

    def initial_text(self) -> str:
        return ""

    def initial_selection(self) -> list[tuple[int, int]]:
        return []

    def preview(self, text: _T_Value_contra) -> str | sublime.Html:
        return ""

    def validate(self, text: _T_Value_contra, event: Event | None = None) -> bool:
        return True

    def cancel(self) -> None:
        return None

    def confirm(self, text: _T_Value_contra, event: Event | None = None) -> None:
        return None

    def next_input(self, args: dict[str, Value]) -> CommandInputHandler | None:
        return None

    def want_event(self) -> bool:
        return False

    def create_input_handler_(self, args: Dict[str, Any]) -> CommandInputHandler | None:
        return self.next_input(args)

    def validate_(self, value: Any, event: Any) -> bool:
        # As in Sublime: the event is passed only to handlers that want it.
        if self.want_event():
            return self.validate(value, event)
        return self.validate(value)

    def confirm_(self, value: Any, event: Any) -> None:
        if self.want_event():
            self.confirm(value, event)
        else:
            self.confirm(value)

    def cancel_(self) -> None:
        self.cancel()


class BackInputHandler(CommandInputHandler[Any]):
    def name(self) -> str:
        return "_Back"


class TextInputHandler(CommandInputHandler[str]):
    def description(self, text: str) -> str:
        return text


class ListInputHandler(CommandInputHandler[_T_Value]):
    def list_items(
        self,
    ) -> (
        Iterable[str | tuple[str, _T_Value] | sublime.ListInputItem[_T_Value]]
        | tuple[Iterable[str | tuple[str, _T_Value] | sublime.ListInputItem[_T_Value]], int]
    ):
        return []

    def description(self, value: _T_Value, text: str) -> str:
        return text


class Command:
    def name(self) -> str:
        return _name_from_class(self.__class__, "_command")

    def _ask(self, method: str, args: Args) -> bool:
        """is_enabled_/is_visible_: with the arguments, or without them if they don't fit."""
        function = getattr(self, method)
        try:
            args = self.filter_args(args)
            result = function(**args) if args else function()
        except TypeError:
            result = function()
        if not isinstance(result, bool):
            raise ValueError(f"{method} must return a bool", self)
        return result

    def is_enabled_(self, args: Args) -> bool:
        return self._ask("is_enabled", args)

    def is_enabled(self) -> bool:
        return True

    def is_visible_(self, args: Args) -> bool:
        return self._ask("is_visible", args)

    def is_visible(self) -> bool:
        return True

    def is_checked(self) -> bool:
        return False

    def description(self) -> str | None:
        return ""

    def filter_args(self, args: Args) -> Args:
        if args and "event" in args and not self.want_event():
            args = dict(args)
            del args["event"]
        return args

    def want_event(self) -> bool:
        return False

    def input(self, args: dict[str, Value]) -> CommandInputHandler | None:
        return None

    def input_description(self) -> str:
        return ""

    def create_input_handler_(self, args: Dict[str, Any]) -> CommandInputHandler | None:
        return self.input(args)

    def _call_run(self, args: Args, *leading: Any) -> Any:
        """Call run(); when it lacks required arguments, ask for them as Sublime does."""
        run = getattr(self, "run")  # noqa: B009 - subclasses define it with their own arguments
        try:
            return run(*leading, **args) if args else run(*leading)
        except TypeError as error:
            missing = "required positional argument" in str(error)
            if missing and _core.state.host.request_input(self, args):
                return None
            raise


class ApplicationCommand(Command):
    def run_(self, edit_token: int, args: Args) -> Any:
        return self._call_run(self.filter_args(args))

    def run(self) -> None:
        return None


class WindowCommand(Command):
    window: sublime.Window

    def __init__(self, window: sublime.Window) -> None:
        self.window = window

    def run_(self, edit_token: int, args: Args) -> Any:
        return self._call_run(self.filter_args(args))

    def run(self) -> None:
        return None


class TextCommand(Command):
    view: sublime.View

    def __init__(self, view: sublime.View) -> None:
        self.view = view

    def run_(self, edit_token: int, args: Args) -> Any:
        args = self.filter_args(args)
        edit = self.view.begin_edit(edit_token, self.name(), args)
        try:
            return self._call_run(args, edit)
        finally:
            self.view.end_edit(edit)

    def run(self, edit: sublime.Edit) -> None:
        return None


class EventListener:
    """Sublime calls only the `on_*` methods a subclass defines (none are defined here)."""


class ViewEventListener:
    view: sublime.View

    @classmethod
    def is_applicable(cls, settings: sublime.Settings) -> bool:
        return True

    @classmethod
    def applies_to_primary_view_only(cls) -> bool:
        return True

    def __init__(self, view: sublime.View) -> None:
        self.view = view
