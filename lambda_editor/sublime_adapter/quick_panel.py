"""The package's quick panels, wrapped once.

Sublime shows one quick panel at a time: asked for another while one is open, it shows "Quick
Panel Unavailable" and never calls that panel's `on_select` (build 4200). So:

- the answer of a panel is delivered once the panel has closed (`set_timeout`), so that it may open
  the next panel;
- a question that comes on its own (a deploy refused because of a remote change) waits until the
  package's panel in that window has closed.

Sublime cannot tell whether another package's panel, or the command palette, is open: questions
that may come at any time are therefore also reachable through a command.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Sequence, Set, Union

import sublime

Item = Union[str, sublime.QuickPanelItem]

_open: Set[int] = set()  # windows where one of our panels is open
_waiting: Dict[int, List[Callable[[], None]]] = {}


def show(
    window: sublime.Window,
    items: Sequence[Item],
    on_select: Callable[[int], None],
    *,
    placeholder: str = "",
    selected_index: int = -1,
) -> None:
    """A quick panel; `on_select(index)` (-1: cancelled) runs after it has closed."""
    window_id = window.id()
    _open.add(window_id)

    def answered(index: int) -> None:
        _open.discard(window_id)
        sublime.set_timeout(lambda: _after_close(window_id, on_select, index))

    window.show_quick_panel(
        list(items),  # type: ignore[arg-type]  # Sublime takes strings and items mixed
        answered,
        selected_index=selected_index,
        placeholder=placeholder,
    )


def _after_close(window_id: int, on_select: Callable[[int], None], index: int) -> None:
    try:
        on_select(index)
    finally:
        _ask_waiting(window_id)


def _ask_waiting(window_id: int) -> None:
    """One question at a time: each may open a panel that the next one must wait for."""
    waiting = _waiting.get(window_id, [])
    while waiting and window_id not in _open:
        waiting.pop(0)()
    if not waiting:
        _waiting.pop(window_id, None)


def when_closed(window: sublime.Window, question: Callable[[], None]) -> None:
    """`question()` now if none of our panels is open in the window, else once it has closed."""
    if window.id() in _open:
        _waiting.setdefault(window.id(), []).append(question)
    else:
        question()


def forget() -> None:
    """Unloading: the questions still waiting belong to the old code."""
    _open.clear()
    _waiting.clear()
