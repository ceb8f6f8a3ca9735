"""Dialogs, quick panels and input panels, answered from the test's script.

Modal dialogs return their answer at once (Sublime blocks until the user answers) and need an
answer queued beforehand. Panels stay open until answered; their callbacks run later on the UI
thread, as in Sublime.
"""

from __future__ import annotations

from typing import Any, Callable, List, Optional, Sequence, Tuple, Union

from . import _app, _core
from ._core import DialogRecord, InputPanelRecord, QuickPanelRecord

WANT_EVENT_FLAG = 4


def _require_ui_thread(what: str) -> None:
    """Dialogs and panels belong to the UI thread: from a worker, a modal dialog blocks that
    thread (the async one: every package) and its answer races what the UI does meanwhile."""
    if not _core.is_ui_thread():
        _core.misuse(f"{what} opened from the {_core.current_thread_kind()} thread")


def modal_dialog(kind: str, message: str, buttons: Tuple[str, ...] = ()) -> Any:
    """Record a dialog; ok_cancel and yes_no_cancel take the next scripted answer."""
    _require_ui_thread(f"{kind} dialog {message[:40]!r}")
    record = DialogRecord(kind, message, _core.current_thread_kind(), buttons)
    _core.state.records.dialogs.append(record)
    if kind in ("error", "message"):
        return None
    script = _core.state.script.dialog
    wants_bool = kind == "ok_cancel"
    if not script or isinstance(script[0], bool) != wants_bool:
        problem = f"unexpected {kind} dialog {message!r}: no answer_dialog() queued for it"
        _core.misuse(problem)
        raise AssertionError(problem)
    record.answer = script.pop(0)
    return record.answer


def item_trigger(item: Any) -> str:
    """The text a quick panel row shows first; TypeError for what Sublime rejects."""
    if isinstance(item, str):
        return item
    if isinstance(item, (list, tuple)) and item and isinstance(item[0], str):
        return item[0]
    trigger = getattr(item, "trigger", None)
    if isinstance(trigger, str):
        return trigger
    raise TypeError("items must contain only str, list, tuple or QuickPanelItem objects")


def show_quick_panel(
    window_id: int,
    items: Sequence[Any],
    on_select: Callable[..., None],
    flags: int,
    selected_index: int,
    on_highlight: Optional[Callable[[int], None]],
    placeholder: Optional[str],
) -> None:
    """One quick panel at a time, as in build 4200: while one is open (also while its on_select
    runs), another is refused with "Quick Panel Unavailable" and its on_select never called."""
    _require_ui_thread(f"quick panel {placeholder!r}")
    triggers = [item_trigger(item) for item in items]
    window = _core.state.windows.get(window_id)
    if window is None:
        return
    record = QuickPanelRecord(
        window_id=window_id,
        items=list(items),
        triggers=triggers,
        flags=int(flags),
        selected_index=selected_index,
        placeholder=placeholder,
        on_select=on_select,
        on_highlight=on_highlight,
        thread=_core.current_thread_kind(),
    )
    _core.state.records.quick_panels.append(record)
    showing = window.quick_panel
    if showing is not None:
        record.is_open, record.refused = False, True
        _core.state.records.console.append("Quick Panel Unavailable")
        if showing.selecting:  # opened from on_select: a bug, set_timeout would have worked
            _core.misuse(f"quick panel {placeholder!r} opened from another's on_select: refused")
        return
    window.quick_panel = record
    if on_highlight is not None and items:
        first = selected_index if 0 <= selected_index < len(items) else 0
        _core.schedule_ui(lambda: on_highlight(first))
    if _core.state.script.quick_panel:
        answer_quick_panel(record, _core.state.script.quick_panel.pop(0))


def answer_quick_panel(record: QuickPanelRecord, choice: Union[int, str]) -> None:
    """The user picks a row (-1: escape): on_select runs later, on the UI thread, and the panel
    is gone only once it has returned."""
    index = _choice_index(record.triggers, choice, "quick panel")
    record.answer, record.is_open = index, False

    def deliver() -> None:
        record.selecting = True
        try:
            if index >= 0 and record.on_highlight is not None:
                record.on_highlight(index)
            if record.flags & WANT_EVENT_FLAG:
                record.on_select(index, {"modifier_keys": {}})
            else:
                record.on_select(index)
        finally:
            record.selecting = False
            window = _core.state.windows.get(record.window_id)
            if window is not None and window.quick_panel is record:
                window.quick_panel = None

    _core.schedule_ui(deliver)


def _choice_index(labels: List[str], choice: Union[int, str], what: str) -> int:
    if isinstance(choice, str):
        if choice not in labels:
            raise AssertionError(f"{what} has no item {choice!r}; it shows {labels!r}")
        return labels.index(choice)
    if not -1 <= choice < len(labels):
        raise AssertionError(f"{what} has no item {choice}; it shows {labels!r}")
    return choice


def show_input_panel(
    window_id: int,
    caption: str,
    initial_text: str,
    on_done: Optional[Callable[[str], None]],
    on_change: Optional[Callable[[str], None]],
    on_cancel: Optional[Callable[[], None]],
) -> int:
    _require_ui_thread(f"input panel {caption!r}")
    view_id = _app.new_view(window_id, text=initial_text, element=_app.INPUT_ELEMENT)
    record = InputPanelRecord(
        window_id=window_id,
        view_id=view_id,
        caption=caption,
        initial_text=initial_text,
        on_done=on_done,
        on_change=on_change,
        on_cancel=on_cancel,
        thread=_core.current_thread_kind(),
    )
    window = _core.state.windows.get(window_id)
    if window is not None:
        if window.input_panel is not None and window.input_panel.is_open:
            answer_input_panel(window.input_panel, None)
        window.input_panel = record
    _core.state.records.input_panels.append(record)
    if _core.state.script.input_panel:
        answer_input_panel(record, _core.state.script.input_panel.pop(0))
    return view_id


def answer_input_panel(record: InputPanelRecord, text: Optional[str]) -> None:
    """Type `text` and press enter, or press escape when `text` is None."""
    record.answer, record.is_open = text, False
    window = _core.state.windows.get(record.window_id)
    if window is not None and window.input_panel is record:
        window.input_panel = None
    widget = _core.state.views.get(record.view_id)
    if widget is not None and text is not None:
        widget.text = text

    def deliver() -> None:
        _core.state.views.pop(record.view_id, None)
        if text is None:
            if record.on_cancel is not None:
                record.on_cancel()
            return
        if record.on_change is not None:
            record.on_change(text)
        if record.on_done is not None:
            record.on_done(text)

    _core.schedule_ui(deliver)
