"""Test events: JSON payloads kept per workspace, templates for common event shapes, and the checks
a payload passes before anything is sent.

Events live in the workspace's `.lambda-editor/events/NAME.json` and are never uploaded. The
order of use is remembered in `.lambda-editor/recent-events.json`, so the last one used is listed
first.
"""

from __future__ import annotations

import json
import os
import pkgutil
import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Union

from . import actions
from .atomic_files import write_atomically
from .errors import LambdaEditorError
from .limits import ASYNC_PAYLOAD_LIMIT, SYNC_PAYLOAD_LIMIT
from .units import format_size

# Template name → what it imitates, in the order a picker shows them.
TEMPLATES: Dict[str, str] = {
    "empty": "Empty object {}",
    "apigateway-rest-proxy": "API Gateway REST API, proxy integration (e.g. Flask behind AWSGI)",
    "apigateway-http-v2": "API Gateway HTTP API, payload format 2.0",
    "function-url": "Lambda function URL request, payload format 2.0",
    "slack-slash-command": "Slack slash command through API Gateway (form-encoded body)",
    "slack-slash-command-function-url": "Slack slash command through a function URL "
    "(base64-encoded form body)",
    "s3-object-created": "S3 object created",
    "sqs-message": "SQS message",
    "eventbridge-scheduled": "EventBridge scheduled event",
}

_RECENT_FILE = "recent-events.json"
_BOM = "\ufeff"
_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$")


def _read_package_file(relative_path: str) -> str:
    data = pkgutil.get_data(__package__ or "lambda_editor", relative_path)
    if data is None:
        raise LambdaEditorError(f"The package file {relative_path} cannot be read.")
    return data.decode("utf-8")


# How package files are read. The Sublime adapter may replace it (e.g. with a function over
# `sublime.load_resource`) when the package is a zipped .sublime-package.
load_text: Callable[[str], str] = _read_package_file


def template_text(name: str) -> str:
    if name not in TEMPLATES:
        raise LambdaEditorError(
            f'There is no event template named "{name}".', f"Known: {', '.join(TEMPLATES)}."
        )
    return load_text(f"event_templates/{name}.json")


def payload_limit(invocation_type: str) -> int:
    return ASYNC_PAYLOAD_LIMIT if invocation_type == "Event" else SYNC_PAYLOAD_LIMIT


def check_payload_size(payload: bytes, invocation_type: str = "RequestResponse") -> None:
    """Refuse a payload over Lambda's limit for the invocation type, before sending it."""
    limit = payload_limit(invocation_type)
    if len(payload) > limit:
        kind = "an asynchronous" if invocation_type == "Event" else "a synchronous"
        raise LambdaEditorError(
            f"The payload is {format_size(len(payload))} ({len(payload)} bytes): Lambda accepts "
            f"at most {format_size(limit)} ({limit} bytes) for {kind} invoke. Nothing was sent.",
            "Make the event smaller (for large data, pass an S3 location instead).",
        )


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def load_strict_json(text: Union[str, bytes]) -> Any:
    """`json.loads`, refusing NaN, Infinity and -Infinity as Lambda's JSON parser does."""
    return json.loads(text, parse_constant=_refuse_constant)


def parse_payload(text: Union[str, bytes], invocation_type: str = "RequestResponse") -> bytes:
    """The payload to send: valid JSON within the size limit, as the user wrote it.

    A leading byte order mark (some Windows editors write one) is dropped.
    """
    text = _payload_text(text)
    try:
        load_strict_json(text)
    except json.JSONDecodeError as exc:
        raise LambdaEditorError(
            f"Invalid JSON payload at line {exc.lineno}, column {exc.colno}: {exc.msg}. "
            "Nothing was sent.",
            "Fix the event and invoke again.",
        ) from exc
    except RecursionError:
        raise LambdaEditorError(
            "The payload nests arrays or objects too deeply to be checked. Nothing was sent.",
            "Make the event flatter.",
        ) from None
    except ValueError as exc:
        raise LambdaEditorError(
            f"Invalid JSON payload: {exc} (Lambda refuses it). Nothing was sent.",
            "JSON has no NaN or Infinity: write a string or null instead.",
        ) from exc
    payload = text.encode("utf-8")
    check_payload_size(payload, invocation_type)
    return payload


def _payload_text(text: Union[str, bytes]) -> str:
    """The payload as text: bytes decoded as UTF-8, a leading byte order mark dropped. A str
    may hold bytes that were not UTF-8 (a command-line argument, as Python decodes them)."""
    try:
        if isinstance(text, bytes):
            return text.decode("utf-8-sig")
        text.encode("utf-8")
    except (UnicodeDecodeError, UnicodeEncodeError) as exc:
        where = "byte" if isinstance(text, bytes) else "character"
        raise LambdaEditorError(
            f"The payload is not UTF-8 text ({where} {exc.start}). Nothing was sent.",
            "Write the event as UTF-8.",
        ) from None
    return text[len(_BOM) :] if text.startswith(_BOM) else text


@dataclass(frozen=True)
class EventStore:
    """The test events of one workspace."""

    events_dir: str
    metadata_dir: str

    @classmethod
    def for_workspace(cls, workspace: Any) -> EventStore:
        """From a `workspace.Workspace` (read by attribute: `events_dir`, `metadata_dir`)."""
        return cls(workspace.events_dir, workspace.metadata_dir)

    def path(self, name: str) -> str:
        return os.path.join(self.events_dir, _checked_name(name) + ".json")

    def names(self) -> List[str]:
        """Every event, the most recently used first, then the others by name."""
        try:
            files = os.listdir(self.events_dir)
        except FileNotFoundError:
            return []
        existing = {entry[: -len(".json")] for entry in files if entry.endswith(".json")}
        recent = [name for name in self._recent() if name in existing]
        others = sorted(existing - set(recent), key=str.lower)
        return recent + others

    def last_used(self) -> str:
        """The name of the last event used; raises when there is none left."""
        names = self.names()
        if not names:
            raise LambdaEditorError(
                "This function has no test event yet.",
                "Create one first.",
                next_action=actions.NEW_TEST_EVENT,
            )
        return names[0]

    def read(self, name: str) -> str:
        """The event's text (without the byte order mark some editors write)."""
        try:
            with open(self.path(name), encoding="utf-8-sig") as stream:
                return stream.read()
        except FileNotFoundError:
            raise LambdaEditorError(
                f'There is no test event named "{name}".',
                "Create it first.",
                next_action=actions.NEW_TEST_EVENT,
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise LambdaEditorError(f'The test event "{name}" cannot be read: {exc}.') from exc

    def create(self, name: str, template: str = "empty") -> str:
        """Write a new event from a template; returns its path. Never overwrites an event."""
        text = template_text(template)
        path = self.path(name)
        os.makedirs(self.events_dir, mode=0o700, exist_ok=True)
        try:
            with open(path, "x", encoding="utf-8") as stream:
                stream.write(text)
        except FileExistsError:
            raise LambdaEditorError(
                f'A test event named "{name}" already exists.', "Pick another name."
            ) from None
        return path

    def save(self, name: str, value: Any) -> str:
        """Write an event's JSON value (over one of that name); returns its path."""
        path = self.path(name)
        os.makedirs(self.events_dir, mode=0o700, exist_ok=True)
        write_json_file(path, value)
        return path

    def mark_used(self, name: str) -> None:
        recent = [name] + [other for other in self._recent() if other != name]
        os.makedirs(self.metadata_dir, mode=0o700, exist_ok=True)
        write_json_file(os.path.join(self.metadata_dir, _RECENT_FILE), {"recent": recent[:50]})

    def _recent(self) -> List[str]:
        try:
            with open(os.path.join(self.metadata_dir, _RECENT_FILE), encoding="utf-8") as stream:
                recent = json.load(stream).get("recent", [])
        except (OSError, ValueError, AttributeError):
            return []  # a missing or damaged list only loses the order
        return [name for name in recent if isinstance(name, str)]


def _checked_name(name: str) -> str:
    if name.endswith(".json"):
        name = name[: -len(".json")]
    if not _NAME_PATTERN.match(name):
        raise LambdaEditorError(
            f'"{name}" cannot name a test event.',
            "Use letters, digits, spaces, dots, dashes and underscores (up to 100 characters).",
        )
    return name


def write_json_file(path: str, value: Any) -> None:
    """Written whole, then renamed over the old file: a crash never leaves half of it."""
    # Not forced to disk: an event or a result lost to a power cut is written again.
    write_atomically(path, json.dumps(value, indent=2).encode("utf-8"), durable=False)
