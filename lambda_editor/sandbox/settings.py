"""The configuration moto leaves out: ephemeral storage updates and the logging configuration.

moto 5.2 ignores `EphemeralStorage` and `LoggingConfig` in UpdateFunctionConfiguration (and
`LoggingConfig` in CreateFunction), and never answers `LoggingConfig`. AWS keeps both and always
answers `LoggingConfig`: `{"LogFormat": "Text", "LogGroup": "/aws/lambda/NAME"}` by default, with
`ApplicationLogLevel` and `SystemLogLevel` (INFO unless set) for the JSON format only.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, Mapping, Tuple

_Function = Tuple[str, str, str]  # account, region, name: every version shares its settings
_LEVELS = ("ApplicationLogLevel", "SystemLogLevel")


class FunctionSettings:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._logging: Dict[_Function, Dict[str, Any]] = {}
        self._storage: Dict[_Function, int] = {}

    def apply(self, function: _Function, request: Mapping[str, Any]) -> None:
        """What a create or configuration update that moto applied also set."""
        with self._lock:
            storage = request.get("EphemeralStorage")
            if isinstance(storage, dict) and "Size" in storage:
                self._storage[function] = int(storage["Size"])
            logging = request.get("LoggingConfig")
            if isinstance(logging, dict):
                self._logging[function] = _logging(self._current(function), logging)

    def complete(self, function: _Function, configuration: Dict[str, Any]) -> None:
        """A configuration in an answer, as AWS would send it."""
        with self._lock:
            configuration["LoggingConfig"] = dict(self._current(function))
            if function in self._storage:
                configuration["EphemeralStorage"] = {"Size": self._storage[function]}

    def forget(self, function: _Function) -> None:
        with self._lock:
            self._logging.pop(function, None)
            self._storage.pop(function, None)

    def _current(self, function: _Function) -> Dict[str, Any]:
        default = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{function[2]}"}
        return self._logging.get(function, default)


def _logging(current: Mapping[str, Any], request: Mapping[str, Any]) -> Dict[str, Any]:
    updated = {key: request.get(key) or current.get(key) for key in ("LogFormat", "LogGroup")}
    if updated["LogFormat"] == "JSON":
        for level in _LEVELS:
            updated[level] = request.get(level) or current.get(level) or "INFO"
    return updated
