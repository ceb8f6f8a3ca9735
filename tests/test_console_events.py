"""The Lambda console's shareable test events: imported into the workspace, shared from it."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any, Dict

import pytest
from botocore.stub import Stubber
from test_cli import pull, run_cli

from lambda_editor import aws
from lambda_editor.aws import AwsTarget
from lambda_editor.console_events import REGISTRY, share_event
from lambda_editor.errors import LambdaEditorError
from lambda_editor.events import EventStore
from lambda_editor.workspace import Workspace


def console_schema(sandbox: Any, function: str) -> Dict[str, Any]:
    answer = sandbox.client("schemas").describe_schema(
        RegistryName=REGISTRY, SchemaName=f"_{function}-schema"
    )
    return {"version": answer["SchemaVersion"], "document": json.loads(answer["Content"])}


def ensure_registry(schemas: Any) -> None:
    with contextlib.suppress(schemas.exceptions.ConflictException):
        schemas.create_registry(RegistryName=REGISTRY)


def save_as_console(sandbox: Any, function: str, examples: Dict[str, Any]) -> None:
    """What the console does when a shareable event is saved."""
    schemas = sandbox.client("schemas")
    ensure_registry(schemas)
    document = {
        "openapi": "3.0.0",
        "info": {"version": "1.0.0", "title": "Event"},
        "paths": {},
        "components": {"schemas": {"Event": {"type": "object"}}, "examples": examples},
    }
    schemas.create_schema(
        RegistryName=REGISTRY,
        SchemaName=f"_{function}-schema",
        Type="OpenApi3",
        Content=json.dumps(document),
    )


def test_sharing_creates_then_updates_the_functions_schema(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create()
    workspace = pull(sandbox, tmp_path, name)
    store = EventStore.for_workspace(Workspace.load(str(workspace)))
    store.save("order-created", {"id": 7, "items": ["tea"]})
    store.save("order-cancelled", {"id": 7, "reason": "late"})

    first = run_cli(sandbox, tmp_path, "events", str(workspace), "--share", "order-created")
    assert first.returncode == 0, first.stderr
    assert "shared test event order-created" in first.stderr
    schema = console_schema(sandbox, name)
    assert schema["version"] == "1"
    assert schema["document"]["openapi"] == "3.0.0"
    examples = schema["document"]["components"]["examples"]
    assert examples == {"order-created": {"value": {"id": 7, "items": ["tea"]}}}

    run_cli(sandbox, tmp_path, "events", str(workspace), "--share", "order-cancelled")
    store.save("order-created", {"id": 8})
    again = run_cli(sandbox, tmp_path, "events", str(workspace), "--share", "order-created")
    assert "replaced the console's test event order-created" in again.stderr
    schema = console_schema(sandbox, name)
    assert schema["version"] == "3"
    assert schema["document"]["components"]["examples"] == {
        "order-created": {"value": {"id": 8}},
        "order-cancelled": {"value": {"id": 7, "reason": "late"}},
    }


def test_importing_never_replaces_a_local_event(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create()
    workspace = pull(sandbox, tmp_path, name)
    events = workspace / ".lambda-editor" / "events"
    store = EventStore.for_workspace(Workspace.load(str(workspace)))
    store.save("same", {"a": 1})
    store.save("mine", {"edited": "locally"})
    save_as_console(
        sandbox,
        name,
        {
            "same": {"value": {"a": 1}},
            "mine": {"value": {"edited": "in the console"}},
            "new-one": {"value": '{"as": "text"}'},  # some writers keep the JSON as text
            "bad/name": {"value": {}},
        },
    )

    completed = run_cli(sandbox, tmp_path, "events", str(workspace), "--import")
    assert completed.returncode == 0, completed.stderr
    assert "imported new-one" in completed.stderr
    assert "already here: same" in completed.stderr
    assert "kept your own mine" in completed.stderr
    assert "skipped bad/name" in completed.stderr
    assert "Private test events of the Lambda console cannot be read" in completed.stderr
    assert json.loads((events / "new-one.json").read_text()) == {"as": "text"}
    assert json.loads((events / "mine.json").read_text()) == {"edited": "locally"}

    listing = run_cli(sandbox, tmp_path, "events", name)
    assert "mine\tworkspace and console" in listing.stdout.splitlines()
    assert "new-one\tworkspace and console" in listing.stdout.splitlines()


def test_a_function_without_shareable_events(sandbox: Any, functions: Any, tmp_path: Path) -> None:
    name = functions.create()
    completed = run_cli(sandbox, tmp_path, "events", name)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == ""
    assert "Private test events" in completed.stderr
    refused = run_cli(sandbox, tmp_path, "events", name, "--import")
    assert refused.returncode == 1
    assert "no workspace" in refused.stderr


def test_a_schema_not_written_by_the_console_is_left_alone(
    sandbox: Any, functions: Any, tmp_path: Path
) -> None:
    name = functions.create()
    workspace = pull(sandbox, tmp_path, name)
    schemas = sandbox.client("schemas")
    ensure_registry(schemas)
    schemas.create_schema(
        RegistryName=REGISTRY, SchemaName=f"_{name}-schema", Type="OpenApi3", Content="[1, 2]"
    )
    store = EventStore.for_workspace(Workspace.load(str(workspace)))
    store.save("ping", {})
    completed = run_cli(sandbox, tmp_path, "events", str(workspace), "--share", "ping")
    assert completed.returncode == 1
    assert "does not hold test events the way the Lambda console writes them" in completed.stderr
    assert console_schema(sandbox, name)["version"] == "1"


def stubbed_share(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setup: Any) -> Any:
    store = EventStore(str(tmp_path / "events"), str(tmp_path))
    store.save("ping", {"ping": True})
    client = aws.client(AwsTarget(region="us-east-1"), "schemas")
    monkeypatch.setattr(aws, "client", lambda *args, **kwargs: client)
    with Stubber(client) as stubber:
        setup(stubber)
        try:
            return share_event(AwsTarget(region="us-east-1"), "fn", store, "ping")
        finally:
            stubber.assert_no_pending_responses()


def test_the_first_share_makes_the_registry_and_the_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stubber checks each request against the Schemas service model."""

    def setup(stubber: Stubber) -> None:
        stubber.add_client_error("describe_registry", "NotFoundException", http_status_code=404)
        stubber.add_response("create_registry", {}, {"RegistryName": REGISTRY})
        stubber.add_client_error("describe_schema", "NotFoundException", http_status_code=404)
        stubber.add_response(
            "create_schema",
            {"SchemaVersion": "1"},
            {
                "RegistryName": REGISTRY,
                "SchemaName": "_fn-schema",
                "Type": "OpenApi3",
                "Content": json.dumps(
                    {
                        "openapi": "3.0.0",
                        "info": {"version": "1.0.0", "title": "Event"},
                        "paths": {},
                        "components": {
                            "schemas": {"Event": {}},
                            "examples": {"ping": {"value": {"ping": True}}},
                        },
                    }
                ),
            },
        )

    result = stubbed_share(tmp_path, monkeypatch, setup)
    assert result.created_schema and not result.replaced


def test_a_refused_share_names_the_permission(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def setup(stubber: Stubber) -> None:
        stubber.add_response("describe_registry", {"RegistryName": REGISTRY})
        stubber.add_client_error("describe_schema", "ForbiddenException", http_status_code=403)

    with pytest.raises(LambdaEditorError, match="schemas:DescribeSchema"):
        stubbed_share(tmp_path, monkeypatch, setup)
