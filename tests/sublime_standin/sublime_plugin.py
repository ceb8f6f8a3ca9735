"""Stand-in for Sublime Text's `sublime_plugin` (build 4200): the classes plugins subclass.

Only the kinds the package uses: window and application commands, and event listeners. They
behave as Sublime's do: command names come from class names, `is_enabled()` and `run()` receive
the command's arguments as keyword arguments, and an event listener is called only for the `on_*`
methods its class defines. Loading plugin modules is `harness.load_plugin`'s job.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from . import sublime

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


class Command:
    def name(self) -> str:
        return _name_from_class(self.__class__, "_command")

    def is_enabled_(self, args: Args) -> bool:
        """is_enabled() with the arguments, or without them if they don't fit."""
        args = self.filter_args(args)
        try:
            result = self.is_enabled(**args) if args else self.is_enabled()
        except TypeError:
            result = self.is_enabled()
        if not isinstance(result, bool):
            raise ValueError("is_enabled must return a bool", self)
        return result

    def is_enabled(self) -> bool:
        return True

    def filter_args(self, args: Args) -> Args:
        if args and "event" in args and not self.want_event():
            args = dict(args)
            del args["event"]
        return args

    def want_event(self) -> bool:
        return False

    def run_(self, edit_token: int, args: Args) -> Any:
        run = getattr(self, "run")  # noqa: B009 - subclasses define it with their own arguments
        args = self.filter_args(args)
        return run(**args) if args else run()


class ApplicationCommand(Command):
    def run(self) -> None:
        return None


class WindowCommand(Command):
    window: sublime.Window

    def __init__(self, window: sublime.Window) -> None:
        self.window = window

    def run(self) -> None:
        return None


class EventListener:
    """Sublime calls only the `on_*` methods a subclass defines (none are defined here)."""
