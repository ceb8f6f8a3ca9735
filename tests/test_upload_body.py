"""UpdateFunctionCode streams its zip: the request sent is byte for byte the one botocore builds."""

from __future__ import annotations

import base64
import datetime
import json
import os
from typing import Any, Dict, Iterator, List, Tuple

import boto3
import botocore.auth
import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from botocore.config import Config

from lambda_editor.upload_body import Base64Body, stream_zip_uploads

ARN = "arn:aws:lambda:us-east-1:123456789012:function:my-fn"


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 5, 1000, 65_537])
def test_the_body_reads_as_the_text_it_stands_for_in_any_pieces(size: int) -> None:
    data = os.urandom(size)
    expected = b'{"ZipFile":"' + base64.b64encode(data) + b'"}'
    body = Base64Body(b'{"ZipFile":"', data, b'"}')

    assert len(body) == len(expected)
    for piece in (1, 3, 4, 7, 4096, len(expected) + 1):
        body.seek(0)
        assert b"".join(iter(lambda: body.read(piece), b"")) == expected  # noqa: B023
    assert body.seek(5) == 5 and body.read(9) == expected[5:14] and body.tell() == 14
    assert body.seek(-3, 2) == len(expected) - 3 and body.read() == expected[-3:]
    assert body.read(10) == b""


class Recorded:
    """Stands in for the network: records each request as sent, answers from a script."""

    def __init__(self, answers: List[Tuple[int, Dict[str, Any]]]) -> None:
        self.requests: List[Tuple[Dict[str, str], bytes]] = []
        self.body_types: List[type] = []
        self._answers = iter(answers)

    def __call__(self, request: Any, **_: Any) -> Any:
        body = request.body
        self.body_types.append(type(body))
        sent = body.read() if hasattr(body, "read") else bytes(body or b"")
        headers = dict(request.headers)
        del headers["amz-sdk-invocation-id"]  # a random id a call
        del headers["User-Agent"]  # names the credentials' source for the first client only
        self.requests.append((headers, sent))
        status, document = next(self._answers)
        return AWSResponse(request.url, status, HTTPHeaders(), _Raw(json.dumps(document).encode()))


class _Raw:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


SUCCESS = (200, {"FunctionName": "my-fn", "FunctionArn": ARN, "CodeSha256": "x"})
THROTTLED = (429, {"__type": "TooManyRequestsException", "message": "Rate exceeded"})


@pytest.fixture
def signed_at_one_moment(monkeypatch: pytest.MonkeyPatch) -> bool:
    """Signatures depend on the time: the same for every request of a test, where this botocore
    lets the clock be set (1.38 and later); False where the signature cannot be compared."""
    if not hasattr(botocore.auth, "get_current_datetime"):
        return False
    moment = datetime.datetime(2024, 5, 1, 12, 0, 0)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: moment)
    return True


def client_sending_to(recorded: Recorded, streamed: bool) -> Any:
    client = boto3.client(
        "lambda",
        region_name="us-east-1",
        config=Config(retries={"mode": "standard", "total_max_attempts": 3}),
    )
    client.meta.events.register("before-send.lambda.*", recorded)
    if streamed:
        stream_zip_uploads(client)
    return client


def test_a_streamed_upload_sends_the_request_botocore_builds(
    monkeypatch: pytest.MonkeyPatch, signed_at_one_moment: bool
) -> None:
    monkeypatch.setattr("time.sleep", lambda _seconds: None)  # botocore's pause between retries
    data = os.urandom(100_000)
    sent: Dict[bool, List[Tuple[Dict[str, str], bytes]]] = {}
    for streamed in (False, True):
        recorded = Recorded([THROTTLED, SUCCESS])
        client = client_sending_to(recorded, streamed)
        client.update_function_code(FunctionName=ARN, ZipFile=data, RevisionId="rev-1")
        sent[streamed] = recorded.requests
        # Streamed, each attempt sends the stream, never a body encoded whole.
        assert recorded.body_types == [Base64Body if streamed else bytes] * 2

    assert len(sent[True]) == 2  # the retry sent the whole body again
    if not signed_at_one_moment:
        for headers, _ in (*sent[True], *sent[False]):
            del headers["Authorization"], headers["X-Amz-Date"]
    assert sent[True] == sent[False]
    headers, body = sent[True][-1]
    assert json.loads(body) == {
        "ZipFile": base64.b64encode(data).decode(),
        "RevisionId": "rev-1",
    }
    assert int(headers["Content-Length"]) == len(body)


def test_other_calls_and_other_arguments_are_untouched() -> None:
    recorded = Recorded([SUCCESS, SUCCESS])
    client = client_sending_to(recorded, streamed=True)
    client.update_function_code(FunctionName=ARN, S3Bucket="bucket", S3Key="code.zip")
    client.get_function_configuration(FunctionName=ARN)
    assert json.loads(recorded.requests[0][1]) == {"S3Bucket": "bucket", "S3Key": "code.zip"}
    assert recorded.requests[1][1] == b""
