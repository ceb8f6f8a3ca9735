"""Fails any network call that plugin code makes on the UI thread (it would freeze Sublime) or on
the async thread (one worker shared by every package: a call hanging there stalls LSP, linters and
Package Control with it).

While enabled, `socket.socket.connect`/`connect_ex`, `socket.create_connection` and the name
lookups raise AssertionError when plugin code runs on those threads; the call is also recorded, so
a plugin that swallows the error still fails `harness.check()`. Threads of the plugin's own are
not affected, nor is the test's own code (set-up, assertions) between API calls.
"""

from __future__ import annotations

import socket
import traceback
from typing import Any, Callable, Dict

from . import _core

_originals: Dict[str, Any] = {}
_MISSING = object()


def _check(what: str, target: Any) -> None:
    if _core.state is None:
        return
    if _core.in_ui_code():
        thread = "the UI thread"
    elif _core.current_thread_kind() == _core.ASYNC_THREAD:
        thread = "Sublime's async thread"
    else:
        return
    message = f"network call on {thread}: {what}({target!r})"
    stack = "".join(traceback.format_stack(limit=16)[:-2])
    _core.state.problems.network.append(f"{message}\n{stack}")
    raise AssertionError(message)


def _guard_method(name: str) -> Callable[..., Any]:
    original = _originals[name]

    def guarded(self: socket.socket, address: Any) -> Any:
        _check(f"socket.{name}", address)
        return original(self, address)

    return guarded


def _guard_function(name: str) -> Callable[..., Any]:
    original = _originals[name]

    def guarded(target: Any, *args: Any, **kwargs: Any) -> Any:
        _check(f"socket.{name}", target)
        return original(target, *args, **kwargs)

    return guarded


METHODS = ("connect", "connect_ex")
FUNCTIONS = ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex")


def enable() -> None:
    if _originals:
        return
    for name in METHODS:
        _originals[f"own {name}"] = socket.socket.__dict__.get(name, _MISSING)
        _originals[name] = getattr(socket.socket, name)
        setattr(socket.socket, name, _guard_method(name))
    for name in FUNCTIONS:
        _originals[name] = getattr(socket, name)
        setattr(socket, name, _guard_function(name))


def disable() -> None:
    for name in METHODS:
        own = _originals.get(f"own {name}", _MISSING)
        if own is not _MISSING:
            setattr(socket.socket, name, own)
        elif name in socket.socket.__dict__:
            delattr(socket.socket, name)
    for name in FUNCTIONS:
        if name in _originals:
            setattr(socket, name, _originals[name])
    _originals.clear()


def is_enabled() -> bool:
    return bool(_originals)
