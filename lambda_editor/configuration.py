"""A function's editable configuration: the document `.lambda-editor/configuration.json` holds.

It uses the Lambda API's names, flattened where the API nests a single value:

    Description, Handler, Runtime, Timeout (s), MemorySize (MB), EphemeralStorage (MB),
    Environment ({"NAME": "value"}), Layers (layer version ARNs), LoggingConfig

A field left out of the document stays as it is deployed; so does a key left out of
LoggingConfig (its LogGroup, say). Every value is checked before anything is sent, naming the
field. Environment values are secrets: no message holds one, and a change to one is told masked
unless asked otherwise.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from typing import Any, Callable, Dict, FrozenSet, List, Mapping, Optional, Tuple

from . import limits
from .errors import LambdaEditorError

Configuration = Dict[str, Any]

FIELDS = (
    "Description",
    "Handler",
    "Runtime",
    "Timeout",
    "MemorySize",
    "EphemeralStorage",
    "Environment",
    "Layers",
    "LoggingConfig",
)
LOG_FORMATS = ("Text", "JSON")
APPLICATION_LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
SYSTEM_LOG_LEVELS = ("DEBUG", "INFO", "WARN")
_LOG_LEVELS = {"ApplicationLogLevel": APPLICATION_LOG_LEVELS, "SystemLogLevel": SYSTEM_LOG_LEVELS}
LOGGING_KEYS = ("LogFormat", "ApplicationLogLevel", "SystemLogLevel", "LogGroup")
MASK = "••••••"

# The keys Lambda sets itself and refuses in a configuration (configuration-envvars-runtime);
# names starting with "_" (_HANDLER, _X_AMZN_TRACE_ID) already fail the name's pattern.
RESERVED_VARIABLES = frozenset(
    {
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)
_VARIABLE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]+")
_HANDLER = re.compile(r"\S+")
_LOG_GROUP = re.compile(r"[.\-_/#A-Za-z0-9]+")
# arn:PARTITION:lambda:REGION:ACCOUNT:layer:NAME:VERSION
LAYER_VERSION_ARN = re.compile(
    r"arn:[a-z-]{1,32}:lambda:[a-z0-9-]{1,32}:\d{12}:layer:[A-Za-z0-9_-]{1,140}:\d{1,10}"
)


class InvalidConfigurationError(LambdaEditorError):
    """A configuration document Lambda would refuse, or that says something unclear."""

    def __init__(self, problem: str, source: str = "The configuration") -> None:
        super().__init__(
            f"{source} is not valid: {problem}.", "Fix it, then save again: nothing was sent."
        )
        self.problem = problem


def from_function(configuration: Mapping[str, Any]) -> Configuration:
    """The editable fields of a GetFunctionConfiguration answer (the ones it carries)."""
    logging = configuration.get("LoggingConfig") or {}
    variables = (configuration.get("Environment") or {}).get("Variables") or {}
    document: Configuration = {
        "Description": str(configuration.get("Description") or ""),
        "Handler": configuration.get("Handler"),
        "Runtime": configuration.get("Runtime"),
        "Timeout": configuration.get("Timeout"),
        "MemorySize": configuration.get("MemorySize"),
        "EphemeralStorage": (configuration.get("EphemeralStorage") or {}).get("Size"),
        "Environment": {str(name): str(value) for name, value in variables.items()},
        "Layers": [str(layer["Arn"]) for layer in configuration.get("Layers") or ()],
        "LoggingConfig": {key: logging[key] for key in LOGGING_KEYS if key in logging},
    }
    return {name: value for name, value in document.items() if value is not None}


def check(document: Any, deployed: Optional[Configuration] = None) -> Configuration:
    """The document, every field checked (`InvalidConfigurationError` names the first wrong one).

    `deployed`, the configuration as deployed, lets a runtime Lambda no longer offers for new
    deploys stay as it is.
    """
    if not isinstance(document, dict):
        raise InvalidConfigurationError(f"it holds {_kind(document)}, not a JSON object")
    for name in document:
        if name not in FIELDS:
            raise InvalidConfigurationError(_unknown("field", name, FIELDS))
    for name, value in document.items():
        _CHECKS[name](value, deployed or {})
    if "LoggingConfig" in document:
        _check_levels_need_json(document["LoggingConfig"], (deployed or {}).get("LoggingConfig"))
    return {name: document[name] for name in FIELDS if name in document}


def changed_fields(deployed: Mapping[str, Any], wanted: Mapping[str, Any]) -> List[str]:
    """The fields `wanted` sets to another value than `deployed` holds, in document order."""
    return [
        name
        for name in FIELDS
        if name in wanted and not _same(name, deployed.get(name), wanted[name])
    ]


def holds(configuration: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    """Whether `configuration` (a document) already holds every value `wanted` sets."""
    return not changed_fields(configuration, wanted)


def update_request(deployed: Mapping[str, Any], wanted: Mapping[str, Any]) -> Dict[str, Any]:
    """UpdateFunctionConfiguration's parameters for what `wanted` changes (no FunctionName)."""
    request: Dict[str, Any] = {}
    for name in changed_fields(deployed, wanted):
        value = wanted[name]
        if name == "EphemeralStorage":
            request[name] = {"Size": value}
        elif name == "Environment":
            request[name] = {"Variables": dict(value)}
        elif name == "LoggingConfig":
            request[name] = _logging_request(deployed.get(name) or {}, value)
        else:
            request[name] = value
    return request


def changes_of(wanted: Mapping[str, Any], deployed: Mapping[str, Any]) -> Configuration:
    """The fields of `wanted` that change `deployed`: what an update sets."""
    return {name: wanted[name] for name in changed_fields(deployed, wanted)}


def describe_changes(
    deployed: Mapping[str, Any], wanted: Mapping[str, Any], show_values: bool = False
) -> List[str]:
    """One line per changed field, environment values masked unless `show_values`."""
    lines = []
    for name in changed_fields(deployed, wanted):
        old, new = deployed.get(name), wanted[name]
        if name == "Environment":
            text = _environment_changes(old or {}, new, show_values)
        elif name == "LoggingConfig":
            old_logging = old or {}
            text = ", ".join(
                f"{key} {_shown(old_logging.get(key))} → {_shown(value)}"
                for key, value in new.items()
                if old_logging.get(key) != value
            )
        else:
            text = f"{_shown(old)} → {_shown(new)}"
        lines.append(f"{name}: {text}")
    return lines


def format_lines(document: Mapping[str, Any], show_values: bool = False) -> List[str]:
    """The document as aligned lines, one a value, environment values masked unless
    `show_values`."""
    rows: List[Tuple[str, str]] = []
    for name in FIELDS:
        value = document.get(name)
        if name == "Environment":
            rows += [
                (name, f"{key} = {text if show_values else MASK}")
                for key, text in sorted((value or {}).items())
            ]
        elif name == "Layers":
            rows += [(name, arn) for arn in value or ()]
        elif name == "LoggingConfig":
            rows.append((name, ", ".join(f"{key} {item}" for key, item in (value or {}).items())))
        elif value is not None:
            rows.append((name, str(value)))
    width = max(len(name) for name in FIELDS)
    return [f"{name.ljust(width)}  {text}".rstrip() for name, text in rows]


def masked(document: Mapping[str, Any]) -> Configuration:
    """The document with its environment values masked, for showing."""
    shown = dict(document)
    if "Environment" in shown:
        shown["Environment"] = {name: MASK for name in shown["Environment"]}
    return shown


def environment_size(variables: Mapping[str, str]) -> int:
    """Bytes of the variables as Lambda measures them against its 4 KB: their compact JSON."""
    return len(json.dumps(variables, separators=(",", ":"), ensure_ascii=False).encode())


# --- comparing and sending ------------------------------------------------------------------------


def _same(name: str, deployed: Any, wanted: Any) -> bool:
    if name == "LoggingConfig":  # a key left out stays as deployed
        deployed = deployed or {}
        return all(deployed.get(key) == value for key, value in wanted.items())
    return bool(deployed == wanted)


def _logging_request(deployed: Mapping[str, Any], wanted: Mapping[str, Any]) -> Dict[str, Any]:
    """The keys left out are sent as deployed, but log levels only with the JSON format."""
    merged = {**deployed, **wanted}
    if merged.get("LogFormat") != "JSON":
        merged = {key: value for key, value in merged.items() if key not in _LOG_LEVELS}
    return merged


def _environment_changes(old: Mapping[str, str], new: Mapping[str, str], show: bool) -> str:
    def value(text: str) -> str:
        return repr(text) if show else MASK

    parts = [f"{name} added ({value(new[name])})" for name in sorted(new.keys() - old.keys())]
    parts += [f"{name} removed" for name in sorted(old.keys() - new.keys())]
    parts += [
        f"{name} changed ({value(old[name])} → {value(new[name])})" if show else f"{name} changed"
        for name in sorted(old.keys() & new.keys())
        if old[name] != new[name]
    ]
    return ", ".join(parts)


# --- one check per field --------------------------------------------------------------------------

Check = Callable[[Any, Configuration], None]


def _integer(name: str, bounds: Tuple[int, int], unit: str) -> Check:
    low, high = bounds

    def checked(value: Any, _deployed: Configuration) -> None:
        if not _is_int(value) or not low <= value <= high:
            raise InvalidConfigurationError(
                f"{name} must be a whole number of {unit} from {low} to {high} "
                f"(it is {_shown(value)})"
            )

    return checked


def _text(name: str, limit: int, pattern: Optional[re.Pattern[str]], what: str) -> Check:
    def checked(value: Any, _deployed: Configuration) -> None:
        if not isinstance(value, str):
            raise InvalidConfigurationError(f"{name} must be text (it is {_kind(value)})")
        if len(value) > limit:
            raise InvalidConfigurationError(
                f"{name} is {len(value)} characters long; Lambda takes {limit} at most"
            )
        if pattern is not None and not pattern.fullmatch(value):
            raise InvalidConfigurationError(f"{name} must be {what} (it is {_shown(value)})")

    return checked


def _runtime(value: Any, deployed: Configuration) -> None:
    if not isinstance(value, str):
        raise InvalidConfigurationError(f"Runtime must be text (it is {_kind(value)})")
    if value == deployed.get("Runtime") or value in limits.PYTHON_RUNTIMES:
        return
    known = lambda_runtimes()
    if value not in known:
        raise InvalidConfigurationError(_unknown("Runtime", value, sorted(known)))


@functools.lru_cache(maxsize=None)
def lambda_runtimes() -> FrozenSet[str]:
    """The runtimes in botocore's model of the Lambda API."""
    from botocore.session import get_session  # noqa: PLC0415 - only when a runtime changes

    shape = get_session().get_service_model("lambda").shape_for("Runtime")
    return frozenset(getattr(shape, "enum", ()))


def _environment(value: Any, _deployed: Configuration) -> None:
    if not isinstance(value, dict):
        raise InvalidConfigurationError(
            f'Environment must be an object of names and values, {{"NAME": "value"}} '
            f"(it is {_kind(value)})"
        )
    for name, text in value.items():
        if not _VARIABLE_NAME.fullmatch(name):
            raise InvalidConfigurationError(
                f"Environment: {_shown(name)} is not a valid name: letters, digits and _, "
                "starting with a letter, at least 2 characters"
            )
        if name in RESERVED_VARIABLES:
            raise InvalidConfigurationError(
                f"Environment: {name} is set by Lambda itself and cannot be configured"
            )
        if not isinstance(text, str):  # never shown: it may be a secret
            raise InvalidConfigurationError(
                f"Environment: the value of {name} must be text, in quotes (it is {_kind(text)})"
            )
    size = environment_size(value)
    if size > limits.ENVIRONMENT_BYTES:
        raise InvalidConfigurationError(
            f"Environment takes {size:,} bytes; Lambda takes "
            f"{limits.ENVIRONMENT_BYTES // 1024} KB at most for all variables"
        )


def _layers(value: Any, _deployed: Configuration) -> None:
    if not isinstance(value, list):
        raise InvalidConfigurationError(
            f"Layers must be a list of layer version ARNs (it is {_kind(value)})"
        )
    if len(value) > limits.LAYERS:
        raise InvalidConfigurationError(
            f"Layers lists {len(value)}; a function has {limits.LAYERS} at most"
        )
    seen: Dict[str, str] = {}
    for arn in value:
        if not isinstance(arn, str) or not LAYER_VERSION_ARN.fullmatch(arn):
            raise InvalidConfigurationError(
                f"Layers: {_shown(arn)} is not a layer version ARN "
                "(arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION)"
            )
        layer = arn.rsplit(":", 1)[0]
        if layer in seen:
            raise InvalidConfigurationError(
                f"Layers lists two versions of {layer.rsplit(':', 1)[-1]}: Lambda takes one"
            )
        seen[layer] = arn


def _logging(value: Any, _deployed: Configuration) -> None:
    if not isinstance(value, dict):
        raise InvalidConfigurationError(f"LoggingConfig must be an object (it is {_kind(value)})")
    for key, item in value.items():
        if key not in LOGGING_KEYS:
            raise InvalidConfigurationError(_unknown("LoggingConfig key", key, LOGGING_KEYS))
        choices = LOG_FORMATS if key == "LogFormat" else _LOG_LEVELS.get(key)
        if choices is not None and item not in choices:
            raise InvalidConfigurationError(
                f"LoggingConfig: {key} must be one of {', '.join(choices)} (it is {_shown(item)})"
            )
    if "LogGroup" in value:
        _text(
            "LoggingConfig: LogGroup",
            limits.LOG_GROUP_CHARACTERS,
            _LOG_GROUP,
            "a log group name (letters, digits, and . - _ / #)",
        )(value["LogGroup"], {})


def _check_levels_need_json(wanted: Mapping[str, Any], deployed: Optional[Any]) -> None:
    log_format = wanted.get("LogFormat") or (deployed or {}).get("LogFormat")
    levels = [key for key in _LOG_LEVELS if key in wanted]
    if levels and log_format != "JSON":
        raise InvalidConfigurationError(
            f'LoggingConfig: {levels[0]} needs "LogFormat": "JSON" (Text logs have no levels)'
        )


_CHECKS: Dict[str, Check] = {
    "Description": _text("Description", limits.DESCRIPTION_CHARACTERS, None, ""),
    "Handler": _text(
        "Handler",
        limits.HANDLER_CHARACTERS,
        _HANDLER,
        "the function Lambda calls, without spaces, e.g. lambda_function.lambda_handler",
    ),
    "Runtime": _runtime,
    "Timeout": _integer("Timeout", limits.TIMEOUT_SECONDS, "seconds"),
    "MemorySize": _integer("MemorySize", limits.MEMORY_MB, "MB"),
    "EphemeralStorage": _integer("EphemeralStorage", limits.EPHEMERAL_STORAGE_MB, "MB"),
    "Environment": _environment,
    "Layers": _layers,
    "LoggingConfig": _logging,
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _unknown(what: str, value: Any, known: Any) -> str:
    close = difflib.get_close_matches(str(value), [str(item) for item in known], n=1)
    suggestion = f" (did you mean {close[0]}?)" if close else ""
    return f"unknown {what} {_shown(value)}{suggestion}"


_KINDS = {dict: "an object", list: "a list", str: "text", bool: "true or false", int: "a number"}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return _KINDS.get(type(value), "a number" if isinstance(value, float) else "a value")


def _shown(value: Any) -> str:
    """A value in a message, short: only ever one that is not an environment value."""
    if value is None:
        return "(none)"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "…"
