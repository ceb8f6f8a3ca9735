"""Test events, their templates, and the checks a payload passes before it is sent."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any, List
from urllib.parse import parse_qs

import pytest

from lambda_editor import events
from lambda_editor.errors import LambdaEditorError
from lambda_editor.events import (
    TEMPLATES,
    EventStore,
    check_payload_size,
    parse_payload,
    template_text,
    write_json_file,
)
from lambda_editor.limits import ASYNC_PAYLOAD_LIMIT, SYNC_PAYLOAD_LIMIT


def test_limits_are_lambdas() -> None:
    assert SYNC_PAYLOAD_LIMIT == 6_291_456
    assert ASYNC_PAYLOAD_LIMIT == 1_048_576


def test_valid_payload_is_sent_as_written() -> None:
    text = '{\n  "name": "ada",\n  "tags": ["é"]\n}\n'
    assert parse_payload(text) == text.encode("utf-8")
    assert parse_payload(text.encode("utf-8")) == text.encode("utf-8")


def test_invalid_json_names_line_and_column() -> None:
    text = '{\n  "name": "ada",\n  "age" 36\n}'
    with pytest.raises(LambdaEditorError) as caught:
        parse_payload(text)
    message = str(caught.value)
    assert message.startswith("Invalid JSON payload at line 3, column 9: Expecting ':' delimiter.")
    assert "Nothing was sent" in message


@pytest.mark.parametrize("text", ["NaN", '{"ratio": Infinity}', "[1, -Infinity]"])
def test_nan_and_infinity_are_refused_as_lambda_refuses_them(text: str) -> None:
    with pytest.raises(LambdaEditorError) as caught:
        parse_payload(text)
    assert "is not a JSON value" in str(caught.value)
    assert "Nothing was sent" in str(caught.value)


def test_a_byte_order_mark_is_dropped() -> None:
    assert parse_payload(b'\xef\xbb\xbf{"a": 1}') == b'{"a": 1}'
    assert parse_payload('\ufeff{"a": 1}') == b'{"a": 1}'


def test_payload_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(LambdaEditorError, match="not UTF-8"):
        parse_payload(b'{"name": "\xff"}')


def json_string_of_size(size: int) -> str:
    return '"' + "a" * (size - 2) + '"'


def test_synchronous_payload_over_six_megabytes_is_refused() -> None:
    assert len(parse_payload(json_string_of_size(SYNC_PAYLOAD_LIMIT))) == SYNC_PAYLOAD_LIMIT
    with pytest.raises(LambdaEditorError) as caught:
        parse_payload(json_string_of_size(SYNC_PAYLOAD_LIMIT + 1))
    assert "6291457 bytes" in str(caught.value)
    assert "at most 6.0 MB (6291456 bytes) for a synchronous invoke" in str(caught.value)


def test_asynchronous_payload_over_one_megabyte_is_refused() -> None:
    payload = b"x" * (ASYNC_PAYLOAD_LIMIT + 1)
    check_payload_size(payload, "RequestResponse")
    check_payload_size(payload, "DryRun")
    with pytest.raises(LambdaEditorError, match="for an asynchronous invoke"):
        check_payload_size(payload, "Event")
    check_payload_size(payload[:-1], "Event")


def test_every_template_is_valid_json() -> None:
    assert next(iter(TEMPLATES)) == "empty"
    assert set(TEMPLATES) == {
        path.stem for path in (Path(events.__file__).parent / "event_templates").glob("*.json")
    }
    for name in TEMPLATES:
        json.loads(template_text(name))
    assert json.loads(template_text("empty")) == {}


def test_rest_proxy_template_has_what_awsgi_reads() -> None:
    event = json.loads(template_text("apigateway-rest-proxy"))
    for key in ("httpMethod", "path", "queryStringParameters", "headers", "body", "requestContext"):
        assert key in event
    assert event["isBase64Encoded"] is False


def test_http_api_template_is_payload_format_two() -> None:
    event = json.loads(template_text("apigateway-http-v2"))
    assert event["version"] == "2.0"
    assert event["requestContext"]["http"]["method"] == "GET"
    assert event["rawPath"] == event["requestContext"]["http"]["path"]


def test_slack_template_is_a_form_encoded_post() -> None:
    event = json.loads(template_text("slack-slash-command"))
    assert event["httpMethod"] == "POST"
    assert event["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert event["isBase64Encoded"] is False
    form = parse_qs(event["body"])
    assert form["command"] == ["/weather"]
    assert form["response_url"][0].startswith("https://hooks.slack.com/")


def test_function_url_templates_are_what_a_function_url_sends() -> None:
    plain = json.loads(template_text("function-url"))
    slack = json.loads(template_text("slack-slash-command-function-url"))
    for event in (plain, slack):
        assert event["version"] == "2.0"
        assert event["requestContext"]["stage"] == "$default"
        assert event["requestContext"]["domainName"].endswith(".lambda-url.us-east-1.on.aws")
        assert event["headers"]["host"] == event["requestContext"]["domainName"]
        assert all(name == name.lower() for name in event["headers"])
    # A function URL base64-encodes a body that is neither text nor JSON, such as Slack's form.
    assert slack["isBase64Encoded"] is True
    assert slack["headers"]["content-type"] == "application/x-www-form-urlencoded"
    body = base64.b64decode(slack["body"]).decode()
    assert body == json.loads(template_text("slack-slash-command"))["body"]
    assert slack["headers"]["content-length"] == str(len(body))


def test_record_templates_name_their_sources() -> None:
    assert json.loads(template_text("s3-object-created"))["Records"][0]["eventName"].startswith(
        "ObjectCreated:"
    )
    assert json.loads(template_text("sqs-message"))["Records"][0]["eventSource"] == "aws:sqs"
    scheduled = json.loads(template_text("eventbridge-scheduled"))
    assert scheduled["detail-type"] == "Scheduled Event"
    assert scheduled["source"] == "aws.events"


def test_package_file_loader_can_be_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events, "load_text", lambda path: f'{{"read": "{path}"}}')
    assert json.loads(template_text("sqs-message")) == {"read": "event_templates/sqs-message.json"}


def test_unknown_template_is_refused() -> None:
    with pytest.raises(LambdaEditorError, match="no event template"):
        template_text("kinesis")


@pytest.fixture
def store(tmp_path: Path) -> EventStore:
    metadata = tmp_path / ".lambda-editor"
    return EventStore.for_workspace(
        SimpleNamespace(metadata_dir=str(metadata), events_dir=str(metadata / "events"))
    )


def test_new_event_is_written_from_its_template(store: EventStore) -> None:
    path = store.create("slack", "slack-slash-command")

    assert path == os.path.join(store.events_dir, "slack.json")
    assert store.read("slack") == template_text("slack-slash-command")
    assert store.names() == ["slack"]


def test_an_existing_event_is_never_overwritten(store: EventStore) -> None:
    store.create("mine")
    Path(store.path("mine")).write_text('{"edited": true}', encoding="utf-8")
    with pytest.raises(LambdaEditorError, match="already exists"):
        store.create("mine", "sqs-message")
    assert store.read("mine") == '{"edited": true}'


def test_events_are_listed_last_used_first(store: EventStore) -> None:
    for name in ("beta", "Alpha", "gamma"):
        store.create(name)
    assert store.names() == ["Alpha", "beta", "gamma"]

    store.mark_used("gamma")
    store.mark_used("beta")
    assert store.names() == ["beta", "gamma", "Alpha"]
    assert store.last_used() == "beta"

    os.remove(store.path("beta"))
    assert store.names() == ["gamma", "Alpha"]


def test_an_event_saved_with_a_byte_order_mark_reads_without_it(store: EventStore) -> None:
    store.create("windows")
    Path(store.path("windows")).write_bytes(b'\xef\xbb\xbf{"from": "notepad"}')

    assert store.read("windows") == '{"from": "notepad"}'
    assert parse_payload(store.read("windows")) == b'{"from": "notepad"}'


def test_writers_of_the_same_file_never_trip_over_each_other(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second save starts and ends while the first is writing: both succeed, the last wins."""
    path = str(tmp_path / "last-invoke.json")
    real_dump = json.dump
    interrupted: List[bool] = []

    def dump_with_a_save_in_between(value: Any, stream: Any, **options: Any) -> None:
        if not interrupted:
            interrupted.append(True)
            write_json_file(path, {"saved": "second"})
        real_dump(value, stream, **options)

    monkeypatch.setattr(json, "dump", dump_with_a_save_in_between)
    write_json_file(path, {"saved": "first"})
    monkeypatch.undo()

    with open(path, encoding="utf-8") as stream:
        assert json.load(stream) == {"saved": "first"}
    assert os.listdir(tmp_path) == ["last-invoke.json"]


def test_a_failed_write_leaves_the_old_file_and_no_scratch_file(tmp_path: Path) -> None:
    path = tmp_path / "recent-events.json"
    write_json_file(str(path), {"recent": ["a"]})
    with pytest.raises(TypeError):
        write_json_file(str(path), {"recent": object()})

    assert json.loads(path.read_text(encoding="utf-8")) == {"recent": ["a"]}
    assert os.listdir(tmp_path) == ["recent-events.json"]


def test_damaged_recent_list_only_loses_the_order(store: EventStore) -> None:
    store.create("one")
    Path(store.metadata_dir, "recent-events.json").write_text("[not json", encoding="utf-8")
    assert store.names() == ["one"]


def test_missing_events_and_bad_names_are_explained(store: EventStore) -> None:
    assert store.names() == []
    with pytest.raises(LambdaEditorError, match="no test event yet"):
        store.last_used()
    with pytest.raises(LambdaEditorError, match='no test event named "ghost"'):
        store.read("ghost")
    for bad in ("../escape", ".hidden", "", "a/b"):
        with pytest.raises(LambdaEditorError, match="cannot name a test event"):
            store.path(bad)
    assert store.path("order created.json") == os.path.join(store.events_dir, "order created.json")
