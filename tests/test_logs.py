"""A function's logs: the endpoint writes each run's log, reading a time range, following a log
group with Live Tail or polling, and the whole log of one request."""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from typing import Any, Callable, Dict, Iterator, List, Tuple

import pytest
from botocore.stub import Stubber
from conftest import eventually

from lambda_editor.aws import AwsTarget
from lambda_editor.log_lines import understand
from lambda_editor.log_tail import LogTail
from lambda_editor.logs import (
    LATE_ARRIVAL_MS,
    EventLedger,
    LogEvent,
    LogSource,
    log_source,
    parse_since,
    recent_events,
)
from lambda_editor.request_log import request_log

ACCOUNT = "456789012345"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[Any]:
    pytest.importorskip("moto", reason="the local endpoint needs moto (Python 3.10 and newer)")
    from lambda_editor.sandbox import Sandbox

    with Sandbox(update_delay=0.1, account_id=ACCOUNT) as running:
        running.live_tail.interval_s = 0.1
        yield running


@pytest.fixture
def target(endpoint: Any) -> AwsTarget:
    return AwsTarget(None, endpoint.region, endpoint.url)


def make_function(endpoint: Any, source: str) -> str:
    from conftest import zip_files

    from lambda_editor.sandbox import ensure_role

    name = f"logs-{uuid.uuid4().hex[:8]}"
    client = endpoint.client()
    client.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ensure_role(endpoint.url, endpoint.region),
        Handler="app.handler",
        Code={"ZipFile": zip_files({"app.py": source})},
    )
    client.get_waiter("function_active_v2").wait(FunctionName=name)
    return name


def group_of(endpoint: Any, name: str = "") -> Tuple[str, LogSource]:
    """A log group of its own (made here), and its source."""
    name = name or f"fn-{uuid.uuid4().hex[:8]}"
    arn = f"arn:aws:lambda:{endpoint.region}:{ACCOUNT}:function:{name}"
    source = LogSource.of_configuration({"FunctionName": name, "FunctionArn": arn})
    endpoint.client("logs").create_log_group(logGroupName=source.group)
    return name, source


def put(endpoint: Any, group: str, stream: str, *lines: Tuple[int, str]) -> None:
    logs = endpoint.client("logs")
    with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
    events = [{"timestamp": timestamp, "message": message} for timestamp, message in lines]
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)


class Follower:
    """A LogTail running on a thread of its own, collecting what it delivers."""

    def __init__(self, tail_factory: Callable[..., LogTail], **options: Any) -> None:
        self.events: List[LogEvent] = []
        self.notices: List[str] = []
        self.errors: List[BaseException] = []
        self.tail = tail_factory(self.events.extend, self.notices.append, **options)
        self.thread = threading.Thread(target=self._run, name="test-tail", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.tail.run()
        except BaseException as exc:
            self.errors.append(exc)

    def wait_for(self, count: int, timeout: float = 20) -> List[str]:
        deadline = time.monotonic() + timeout
        while len(self.events) < count and time.monotonic() < deadline and not self.errors:
            time.sleep(0.05)
        assert not self.errors, self.errors
        return [event.text for event in self.events]

    def stop(self) -> None:
        self.tail.stop()
        self.thread.join(10)
        assert not self.thread.is_alive(), "the tail's thread outlived stop()"


def test_each_run_writes_its_log_to_the_functions_group_a_stream_per_run(
    endpoint: Any, target: AwsTarget
) -> None:
    name = make_function(endpoint, "def handler(event, context):\n    print('hello', event)\n")
    started = int(time.time() * 1000) - 1000
    client = endpoint.client()
    ids = [client.invoke(FunctionName=name, Payload=b"{}")["ResponseMetadata"]["RequestId"]]
    ids.append(client.invoke(FunctionName=name, Payload=b"{}")["ResponseMetadata"]["RequestId"])

    source = log_source(target, name)
    assert source.group == f"/aws/lambda/{name}"
    events = recent_events(target, source, started)
    shown = understand(events)
    assert {item.request_id for item in shown} == set(ids)
    assert len({event.stream for event in events}) == 2  # a cold start each, as Lambda names them
    assert all("[$LATEST]" in event.stream for event in events)
    hello = [item for item in shown if item.event.text.startswith("hello")]
    assert [item.request_id for item in hello] == ids  # print() lines belong to their request
    assert not recent_events(target, source, int(time.time() * 1000) + 60_000)


def test_a_function_that_never_ran_has_no_recent_logs(endpoint: Any, target: AwsTarget) -> None:
    name = make_function(endpoint, "def handler(event, context):\n    return 1\n")
    assert recent_events(target, log_source(target, name), 0) == []


def test_the_log_group_comes_from_the_logging_configuration() -> None:
    arn = "arn:aws-cn:lambda:cn-north-1:123456789012:function:fn"
    custom = LogSource.of_configuration(
        {"FunctionName": "fn", "FunctionArn": arn, "LoggingConfig": {"LogGroup": "/shared/app"}}
    )
    assert custom.group == "/shared/app"
    assert custom.group_arn == "arn:aws-cn:logs:cn-north-1:123456789012:log-group:/shared/app"
    assert LogSource.of_configuration({"FunctionName": "fn", "FunctionArn": arn}).group == (
        "/aws/lambda/fn"
    )


def test_since_takes_durations_and_times() -> None:
    now = 1_700_000_000.0
    assert parse_since("10m", now) == (now - 600) * 1000
    assert parse_since("2h", now) == (now - 7200) * 1000
    assert parse_since("2023-11-14T22:13:20Z", now) == 1_700_000_000_000
    assert parse_since("2023-11-14T23:13:20+01:00", now) == 1_700_000_000_000
    with pytest.raises(Exception, match="neither a duration nor a time"):
        parse_since("yesterday", now)


@pytest.mark.parametrize("live", [False, True], ids=["polling", "live-tail"])
def test_a_tail_shows_every_event_once_same_millisecond_and_several_streams(
    endpoint: Any, target: AwsTarget, live: bool
) -> None:
    _, source = group_of(endpoint)
    follower = Follower(lambda *a, **k: LogTail(target, source, *a, live=live, **k))
    try:
        time.sleep(0.3)  # the tail has started: it shows what comes from now on
        now = int(time.time() * 1000)
        put(endpoint, source.group, "a", (now, "same ms"), (now, "same ms"), (now, "a1"))
        put(endpoint, source.group, "b", (now, "same ms"), (now, "b1"))
        first = follower.wait_for(5)
        time.sleep(1.2)  # another poll (or update) sees the same window again
        put(endpoint, source.group, "b", (now, "b2"), (now + 1, "b3"))
        put(endpoint, source.group, "a", (now, "same ms"))
        shown = follower.wait_for(8)
        time.sleep(1.2)
    finally:
        follower.stop()
    assert sorted(first) == sorted(["same ms", "same ms", "a1", "same ms", "b1"])
    assert sorted(shown[5:]) == sorted(["b2", "b3", "same ms"])
    assert len(follower.events) == 8  # and nothing more came after the wait


def test_polling_catches_an_event_that_arrives_late(endpoint: Any, target: AwsTarget) -> None:
    _, source = group_of(endpoint)
    follower = Follower(lambda *a, **k: LogTail(target, source, *a, live=False, **k))
    try:
        now = int(time.time() * 1000)
        put(endpoint, source.group, "a", (now + 100, "on time"))
        follower.wait_for(1)
        # Searchable only now, though written earlier than the newest event shown.
        put(endpoint, source.group, "b", (now + 50, "late"))
        assert follower.wait_for(2) == ["on time", "late"]
    finally:
        follower.stop()


def test_the_ledger_forgets_only_what_no_poll_reads_again() -> None:
    ledger = EventLedger(start_ms=1_000)
    old = LogEvent(1_000, "s", "x")
    assert ledger.from_window([old], ledger.window_start(1_000)) == [old]
    later = LogEvent(1_000 + 2 * LATE_ARRIVAL_MS, "s", "y")
    start = ledger.window_start(10**12)
    assert start == 1_000  # the newest event is the old one: the window still holds it
    assert ledger.from_window([old, later], start) == [later]
    start = ledger.window_start(10**12)
    assert start == later.timestamp - LATE_ARRIVAL_MS
    assert ledger.from_window([later], start) == []


def test_copies_of_a_line_read_back_then_streamed_are_each_shown_once() -> None:
    """Two copies taken in before a Live Tail session began come from the read-back, a third
    one taken in later from the stream: all three are shown, none twice."""
    ledger = EventLedger(start_ms=1_000)
    early = LogEvent(1_000, "s", "same", ingestion_time=1_001)
    late = LogEvent(1_000, "s", "same", ingestion_time=1_500)
    assert ledger.from_window([early, early], 1_000) == [early, early]
    assert ledger.from_stream([late]) == [late]
    assert ledger.from_window([early, early, late], 1_000) == []  # a later read-back
    streamed_twice = LogEvent(2_000, "s", "again", ingestion_time=2_001)
    assert ledger.from_stream([streamed_twice, streamed_twice]) == [streamed_twice] * 2
    assert ledger.from_window([streamed_twice, streamed_twice], 1_000) == []


def test_live_tail_reconnects_when_a_session_ends_and_reads_back_the_gap(
    endpoint: Any, target: AwsTarget
) -> None:
    _, source = group_of(endpoint)
    endpoint.live_tail.session_limit_s = 0.6
    follower = Follower(lambda *a, **k: LogTail(target, source, *a, **k))
    try:
        for index in range(8):
            put(endpoint, source.group, "s", (int(time.time() * 1000), f"line {index}"))
            time.sleep(0.25)
        shown = follower.wait_for(8)
        time.sleep(0.5)
    finally:
        follower.stop()
        endpoint.live_tail.session_limit_s = 3 * 3600
    assert shown == [f"line {index}" for index in range(8)]
    assert len(follower.events) == 8
    assert any("3-hour limit: reconnecting" in notice for notice in follower.notices)


def test_live_tail_says_when_lines_were_sampled(endpoint: Any, target: AwsTarget) -> None:
    _, source = group_of(endpoint)
    follower = Follower(lambda *a, **k: LogTail(target, source, *a, **k))
    try:
        now = int(time.time() * 1000)
        put(endpoint, source.group, "s", (now, "ready"))
        follower.wait_for(1)  # the session streams: what comes next arrives in its updates
        put(endpoint, source.group, "s", *[(now + 1, f"burst {index}") for index in range(700)])
        follower.wait_for(501)
        put(endpoint, source.group, "s", (now + 5, "calm"))
        follower.wait_for(502)
    finally:
        follower.stop()
    assert len(follower.events) == 502
    assert any("Live Tail shows a sample" in notice for notice in follower.notices)
    assert any("every line again" in notice for notice in follower.notices)


def test_a_refused_live_tail_falls_back_to_polling_and_says_why() -> None:
    """Stubber checks the requests against CloudWatch Logs' model."""
    import boto3

    client = boto3.client("logs", region_name="us-east-1")
    arn = "arn:aws:lambda:us-east-1:123456789012:function:fn"
    source = LogSource.of_configuration({"FunctionName": "fn", "FunctionArn": arn})
    events: List[LogEvent] = []
    notices: List[str] = []
    tail = LogTail(
        AwsTarget(), source, events.extend, notices.append, start_ms=5_000, client=client
    )

    def deliver(batch: List[LogEvent]) -> None:
        events.extend(batch)
        tail.stop()

    tail._on_events = deliver
    with Stubber(client) as stubber:
        stubber.add_client_error(
            "start_live_tail",
            service_error_code="AccessDeniedException",
            expected_params={"logGroupIdentifiers": [source.group_arn]},
        )
        stubber.add_response(
            "filter_log_events",
            {"events": [{"logStreamName": "s", "timestamp": 6_000, "message": "hi\n"}]},
            {"logGroupName": "/aws/lambda/fn", "startTime": 5_000},
        )
        tail.run()
        stubber.assert_no_pending_responses()
    assert [event.text for event in events] == ["hi"]
    assert "logs:StartLiveTail" in notices[0]
    assert "every second instead" in notices[0]


def test_polling_waits_for_a_log_group_that_does_not_exist_yet(
    endpoint: Any, target: AwsTarget
) -> None:
    name = f"fn-{uuid.uuid4().hex[:8]}"
    arn = f"arn:aws:lambda:{endpoint.region}:{ACCOUNT}:function:{name}"
    source = LogSource.of_configuration({"FunctionName": name, "FunctionArn": arn})
    follower = Follower(lambda *a, **k: LogTail(target, source, *a, **k))
    try:
        eventually(lambda: follower.notices, timeout=10)
        assert follower.notices == [f"Waiting for the first line in /aws/lambda/{name}."]
        endpoint.client("logs").create_log_group(logGroupName=source.group)
        put(endpoint, source.group, "s", (int(time.time() * 1000), "first"))
        assert follower.wait_for(1, timeout=20) == ["first"]
    finally:
        follower.stop()


def test_the_whole_log_of_one_request(endpoint: Any, target: AwsTarget) -> None:
    source_code = (
        "def handler(event, context):\n"
        "    for index in range(200):\n"
        "        print(f'{event[\"tag\"]} line {index:03d} ' + 'x' * 40)\n"
        "    return event['tag']\n"
    )
    name = make_function(endpoint, source_code)
    client = endpoint.client()
    since = int(time.time() * 1000) - 1000
    answers: Dict[str, Any] = {}
    for tag in ("first", "second", "third"):
        answers[tag] = client.invoke(FunctionName=name, Payload=f'{{"tag": "{tag}"}}'.encode())
    request_id = answers["second"]["ResponseMetadata"]["RequestId"]

    found = request_log(target, log_source(target, name), request_id, since)
    lines = [event.text for event in found.events]
    assert found.complete
    assert lines[0].startswith(f"START RequestId: {request_id}")
    assert lines[-1].startswith(f"REPORT RequestId: {request_id}")
    printed = [line for line in lines if " line " in line]
    assert printed == [f"second line {index:03d} " + "x" * 40 for index in range(200)]


def test_a_request_not_in_the_log_says_so(endpoint: Any, target: AwsTarget) -> None:
    name = make_function(endpoint, "def handler(event, context):\n    print('hi')\n")
    endpoint.client().invoke(FunctionName=name, Payload=b"{}")
    with pytest.raises(Exception, match="is not in /aws/lambda/") as raised:
        request_log(target, log_source(target, name), str(uuid.uuid4()), 0)
    assert "try again shortly" in str(raised.value)
