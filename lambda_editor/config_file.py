"""`.lambda-editor/configuration.json`: a function's configuration as a file people edit.

JSON with comments, as Sublime Text reads its own settings: `//` and `/* */` comments and
trailing commas are allowed, and a syntax error names its line and column. The file is written
(by a download, or when it is first opened) with a header naming each field and its limits, then
belongs to the user: it is read, never rewritten, by a deploy. It holds environment values, so
it is readable by its owner only, like the rest of the workspace's own folder.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, List, Mapping, Optional, Tuple

from . import limits
from .atomic_files import write_text_atomically
from .configuration import FIELDS, Configuration, InvalidConfigurationError, check
from .errors import LambdaEditorError
from .layout import CONFIGURATION_FILE, METADATA_DIR

_HEADER = """\
// The configuration of {name}. Saving this file deploys what you change, as saving code
// does; a field you leave out stays as it is. Comments are allowed.
//
// Description       text, up to {description} characters
// Handler           the function Lambda calls, e.g. lambda_function.lambda_handler (up to
//                   {handler} characters, no spaces)
// Runtime           one Lambda accepts, e.g. {runtime}
// Timeout           seconds, {timeout[0]} to {timeout[1]}
// MemorySize        MB, {memory[0]} to {memory[1]}
// EphemeralStorage  MB of /tmp, {storage[0]} to {storage[1]}
// Environment       {{"NAME": "value"}}: names of letters, digits and _, starting with a letter
//                   (at least 2 characters; AWS_REGION and the like are Lambda's own), values
//                   in quotes, {environment} KB in all. Values may be secrets: this file stays
//                   here, readable by you only, and is never deployed with the code.
// Layers            up to {layers} layer version ARNs, in the order Lambda applies them
// LoggingConfig     LogFormat "Text" or "JSON"; with JSON also ApplicationLogLevel (TRACE,
//                   DEBUG, INFO, WARN, ERROR, FATAL) and SystemLogLevel (DEBUG, INFO, WARN);
//                   LogGroup, the CloudWatch Logs group
"""


def configuration_path(root: str) -> str:
    return os.path.join(root, METADATA_DIR, CONFIGURATION_FILE)


def exists(root: str) -> bool:
    return os.path.lexists(configuration_path(root))


def render(document: Mapping[str, Any], function_name: str) -> str:
    """The file's text: the header, then the document as indented JSON."""
    header = _HEADER.format(
        name=function_name,
        description=limits.DESCRIPTION_CHARACTERS,
        handler=limits.HANDLER_CHARACTERS,
        runtime=limits.PYTHON_RUNTIMES[1],
        timeout=limits.TIMEOUT_SECONDS,
        memory=limits.MEMORY_MB,
        storage=limits.EPHEMERAL_STORAGE_MB,
        environment=limits.ENVIRONMENT_BYTES // 1024,
        layers=limits.LAYERS,
    )
    ordered = {name: document[name] for name in FIELDS if name in document}
    return header + json.dumps(ordered, indent=4, ensure_ascii=False) + "\n"


def write(root: str, document: Mapping[str, Any], function_name: str) -> str:
    """Write the file (whole or not at all, owner only); its path."""
    path = configuration_path(root)
    try:
        write_text_atomically(path, render(document, function_name))
    except OSError as exc:
        raise LambdaEditorError(f"Could not write {path}: {exc.strerror or exc}.") from exc
    return path


def read(root: str, deployed: Optional[Configuration]) -> Optional[Configuration]:
    """The configuration the file asks for, checked whole; None when there is no file.

    `InvalidConfigurationError` names the line and column of a syntax error, or the field.
    """
    path = configuration_path(root)
    try:
        with open(path, "rb") as source:
            data = source.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise LambdaEditorError(f"Could not read {path}: {exc.strerror or exc}.") from exc
    try:
        return check(parse(data), deployed)
    except InvalidConfigurationError as error:
        raise InvalidConfigurationError(error.problem, path) from None


def parse(data: bytes) -> Any:
    """The JSON value of the file's bytes, comments and trailing commas allowed."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidConfigurationError(f"byte {exc.start + 1} is not UTF-8") from None
    if not text.strip():
        raise InvalidConfigurationError("the file is empty")
    try:
        return json.loads(
            strip_comments(text),
            object_pairs_hook=_without_duplicates,
            parse_constant=_refuse_constant,
        )
    except json.JSONDecodeError as exc:
        raise InvalidConfigurationError(
            f"line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise InvalidConfigurationError("it nests too deeply") from None
    except ValueError as exc:  # a duplicate key, NaN
        raise InvalidConfigurationError(str(exc)) from None


def strip_comments(text: str) -> str:
    """`text` with its comments and trailing commas blanked out, each character by a space (line
    ends kept), so that positions in the result are positions in the file."""
    blanked = list(text)
    comma: Optional[int] = None  # the last comma, while no value followed it
    index, in_string = 0, False
    while index < len(text):
        char = text[index]
        if in_string:
            if char == "\\":
                index += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string, comma = True, None
        elif text.startswith("//", index):
            end = text.find("\n", index)
            index = _blank(blanked, index, len(text) if end < 0 else end) - 1
        elif text.startswith("/*", index):
            end = text.find("*/", index + 2)
            if end < 0:
                line, column = _position(text, index)
                raise InvalidConfigurationError(
                    f"line {line}, column {column}: a /* comment is never closed"
                )
            index = _blank(blanked, index, end + 2) - 1
        elif char == ",":
            comma = index
        elif char in "}]" and comma is not None:
            blanked[comma], comma = " ", None  # a trailing comma
        elif not char.isspace():
            comma = None
        index += 1
    return "".join(blanked)


def _blank(blanked: List[str], start: int, end: int) -> int:
    for position in range(start, end):
        if blanked[position] not in "\r\n":
            blanked[position] = " "
    return end


def _position(text: str, index: int) -> Tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _without_duplicates(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    found: Dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise ValueError(f"{json.dumps(key)} is given twice")
        found[key] = value
    return found


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")
