"""Faults the endpoint can inject, so tests can see what the package does when AWS misbehaves.

Each fault applies to the next requests of one operation (`UpdateFunctionCode`,
`GetFunctionConfiguration`, `GetFunction`, `Invoke`, ...) on one function, then is used up.
botocore retries a 500 twice (three attempts): failing an operation for good takes `times=3`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple


@dataclass
class Fault:
    """What happens to a request a fault strikes; `remaining`: the requests it still strikes."""

    remaining: int
    status: int = 500  # under 300: the request's own answer, late
    code: str = "ServiceException"
    page: bool = False  # an HTML page, as a proxy sends, instead of an AWS error
    applied: bool = False  # the request reaches the function before the fault strikes
    delay: float = 0.0  # seconds the answer comes late


class Faults:
    """The faults planned for the endpoint's next requests; safe to use from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._planned: Dict[Tuple[str, str], List[Fault]] = {}

    def fail(
        self,
        operation: str,
        function_name: str,
        times: int = 1,
        status: int = 500,
        code: str = "ServiceException",
    ) -> None:
        """Refuse the next `times` requests with an AWS error, before they change anything."""
        self._plan(operation, function_name, Fault(times, status, code))

    def fail_with_page(
        self, operation: str, function_name: str, times: int = 1, status: int = 502
    ) -> None:
        """Answer the next `times` requests with an HTML error page, as a proxy in the way
        would."""
        self._plan(operation, function_name, Fault(times, status, page=True))

    def lose_answer(self, operation: str, function_name: str, times: int = 1) -> None:
        """Apply the next `times` requests, then answer 500 as if the answer had been lost."""
        self._plan(operation, function_name, Fault(times, applied=True))

    def slow(self, operation: str, function_name: str, seconds: float, times: int = 1) -> None:
        """Apply the next `times` requests at once, and answer them `seconds` later."""
        self._plan(operation, function_name, Fault(times, 200, applied=True, delay=seconds))

    def clear(self) -> None:
        with self._lock:
            self._planned.clear()

    def take(self, operation: str, function_name: str) -> Optional[Fault]:
        """The fault for this request, if one is planned (and one use of it)."""
        with self._lock:
            planned = self._planned.get((operation, function_name))
            if not planned:
                return None
            fault = planned[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                planned.pop(0)
            return fault

    def _plan(self, operation: str, function_name: str, fault: Fault) -> None:
        with self._lock:
            self._planned.setdefault((operation, function_name), []).append(fault)
