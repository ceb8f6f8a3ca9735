"""The Lambda console's shareable test events, shared with the workspace's own.

The console keeps a function's shareable events in the EventBridge Schemas registry
`lambda-testevent-schemas`, as the schema `_<function name>-schema`: an OpenAPI 3 document whose
`components.examples` map each event's name to `{"value": <the event>}` (SAM's
`sam remote test-event` reads and writes the same document). Private console events are kept
where no API reaches them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from . import aws
from .aws import AwsTarget
from .errors import LambdaEditorError, error_code, explain
from .events import EventStore, load_strict_json, parse_payload

REGISTRY = "lambda-testevent-schemas"
SCHEMA_TYPE = "OpenApi3"
PRIVATE_EVENTS_NOTE = (
    "Private test events of the Lambda console cannot be read by any API: only shareable ones "
    "are imported (in the console, save an event as shareable to bring it here)."
)


def schema_name(function_name: str) -> str:
    return f"_{function_name}-schema"


@dataclass(frozen=True)
class ImportResult:
    imported: List[str] = field(default_factory=list)
    # Already in the workspace with the same content.
    unchanged: List[str] = field(default_factory=list)
    # In the workspace with other content: the local one is kept.
    kept: List[str] = field(default_factory=list)
    # (name, why) of events that cannot be workspace events.
    skipped: List[Tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        parts = []
        if self.imported:
            parts.append(f"imported {', '.join(self.imported)}")
        if self.unchanged:
            parts.append(f"already here: {', '.join(self.unchanged)}")
        if self.kept:
            parts.append(
                f"kept your own {', '.join(self.kept)} (it differs from the console's: rename "
                "yours and import again to have both)"
            )
        parts += [f"skipped {name}: {why}" for name, why in self.skipped]
        return "; ".join(parts) or "the console has no shareable test events for this function"


@dataclass(frozen=True)
class ShareResult:
    event: str
    # True when this made the function's schema (its first shareable event).
    created_schema: bool
    # True when a shareable event of that name was replaced.
    replaced: bool

    def summary(self) -> str:
        how = "replaced the console's" if self.replaced else "shared"
        return f"{how} test event {self.event}: the Lambda console lists it as a shareable event"


def console_events(target: AwsTarget, function_name: str) -> Dict[str, Any]:
    """The function's shareable console events: name → JSON value (none when there are none)."""
    document = _read_schema(_client(target), target, function_name)
    if document is None:
        return {}
    examples = document["components"].get("examples") or {}
    return {str(name): _example_value(example) for name, example in examples.items()}


def import_console_events(target: AwsTarget, function_name: str, store: EventStore) -> ImportResult:
    """Copy the console's shareable events into the workspace; a local event is never replaced."""
    result = ImportResult()
    local = set(store.names())
    for name, value in sorted(console_events(target, function_name).items()):
        try:
            store.path(name)
        except LambdaEditorError as error:
            result.skipped.append((name, error.message.rstrip(".")))
            continue
        if name not in local:
            store.save(name, value)
            result.imported.append(name)
        elif _same_event(store, name, value):
            result.unchanged.append(name)
        else:
            result.kept.append(name)
    return result


def share_event(
    target: AwsTarget, function_name: str, store: EventStore, event_name: str
) -> ShareResult:
    """Publish a workspace event as a shareable console event (a new schema version)."""
    value = json.loads(parse_payload(store.read(event_name)))
    client = _client(target)
    action = f"share the test event {event_name}"
    try:
        _ensure_registry(client)
        document = _read_schema(client, target, function_name)
        created = document is None
        if document is None:
            document = _new_document()
        examples = document["components"].setdefault("examples", {})
        replaced = event_name in examples
        examples[event_name] = {"value": value}
        write = client.create_schema if created else client.update_schema
        write(
            RegistryName=REGISTRY,
            SchemaName=schema_name(function_name),
            Type=SCHEMA_TYPE,
            Content=json.dumps(document),
        )
    except LambdaEditorError:
        raise
    except Exception as exc:
        raise explain(exc, action, target.profile) from exc
    return ShareResult(event_name, created, replaced)


def _client(target: AwsTarget) -> Any:
    return aws.client(target, "schemas")


def _read_schema(client: Any, target: AwsTarget, function_name: str) -> Optional[Dict[str, Any]]:
    """The function's schema document, or None when it (or the registry) does not exist."""
    try:
        answer = client.describe_schema(
            RegistryName=REGISTRY, SchemaName=schema_name(function_name)
        )
    except Exception as exc:
        if error_code(exc) == "NotFoundException":
            return None
        action = f"read the console's test events of {function_name}"
        raise explain(exc, action, target.profile) from exc
    try:
        document = load_strict_json(answer["Content"])
    except ValueError:
        document = None
    if not isinstance(document, dict) or not isinstance(document.get("components"), dict):
        raise LambdaEditorError(
            f"The schema {schema_name(function_name)} in {REGISTRY} does not hold test events "
            "the way the Lambda console writes them.",
            "Look at it in the EventBridge console (Schemas); nothing was changed.",
        )
    return document


def _ensure_registry(client: Any) -> None:
    try:
        client.describe_registry(RegistryName=REGISTRY)
        return
    except Exception as exc:
        if error_code(exc) != "NotFoundException":
            raise
    try:
        client.create_registry(RegistryName=REGISTRY)
    except Exception as exc:
        if error_code(exc) != "ConflictException":  # made meanwhile: as good
            raise


def _new_document() -> Dict[str, Any]:
    """An OpenAPI 3 document for test events, shaped like the ones the console writes."""
    return {
        "openapi": "3.0.0",
        "info": {"version": "1.0.0", "title": "Event"},
        "paths": {},
        "components": {"schemas": {"Event": {}}, "examples": {}},
    }


def _example_value(example: Any) -> Any:
    """An example's event; some writers store the value as JSON text."""
    value = example.get("value") if isinstance(example, dict) else example
    if isinstance(value, str):
        try:
            return load_strict_json(value)
        except ValueError:
            return value
    return value


def _same_event(store: EventStore, name: str, value: Any) -> bool:
    try:
        return bool(load_strict_json(store.read(name)) == value)
    except (LambdaEditorError, ValueError):
        return False
