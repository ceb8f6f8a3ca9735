"""Stand-in for Sublime Text's `sublime_types`: the aliases the real module has at runtime."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Tuple, Union

DIP = float
Vector = Tuple[float, float]
Point = int
Value = Union[bool, str, int, float, List["Value"], Dict[str, "Value"], None]
CommandArgs = Union[Dict[str, Value], None]
Kind = Tuple[int, str, str]
Event = Dict[str, object]
CompletionValue = Union[str, Tuple[str, str], object]

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from typing_extensions import TypeAlias

    # Only in the stubs, never at runtime (as in the real module).
    ValueLike: TypeAlias = Union[
        bool, str, int, float, Sequence["ValueLike"], Mapping[str, "ValueLike"], None
    ]
    CommandArgsLike: TypeAlias = Union[Mapping[str, ValueLike], None]
    WindowVariables = Dict[str, str]
    WindowLayout = Dict[str, List[Any]]
