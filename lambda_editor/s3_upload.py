"""Packages over Lambda's 50 MB direct-upload limit, deployed through S3.

The zip is uploaded from its file on disk (the copy the deploy keeps in the workspace's history)
with boto3's transfer manager, in parts read from the file as they are sent: it is never held in
memory a second time. `UpdateFunctionCode` then names the object (`S3Bucket`, `S3Key`), with the
RevisionId as for any deploy; once the deploy has ended, however it ended, the object is removed.
The bucket must be in the function's region.
"""

from __future__ import annotations

import base64
import re
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional

from . import actions
from .errors import LambdaEditorError, explain
from .limits import DIRECT_UPLOAD_LIMIT
from .units import format_size

Report = Callable[[str], None]

# Parts of 8 MB, four sent at a time: a part is read from the file while it is sent.
_PART_BYTES = 8 * 1024 * 1024
_CONCURRENT_PARTS = 4
_PROGRESS_EVERY = 0.5  # seconds between two progress reports
# S3's bucket names: 3 to 63 lowercase letters, digits, dots and hyphens, a letter or digit at
# each end (docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


@dataclass(frozen=True)
class S3Location:
    """Where packages over the direct-upload limit go: a bucket, and a prefix for their keys."""

    bucket: str
    prefix: str = ""

    def checked(self) -> S3Location:
        if not _BUCKET.fullmatch(self.bucket):
            raise LambdaEditorError(
                f"{self.bucket!r} is not an S3 bucket name.",
                "Bucket names are 3 to 63 lowercase letters, digits, dots and hyphens.",
                next_action=actions.SET_S3_BUCKET,
            )
        return self

    def key_for(self, function_name: str, code_sha256: str) -> str:
        """`<prefix>/<function>-<time>-<hash>.zip`: one object per deploy."""
        digest = base64.b64decode(code_sha256).hex()[:16]
        name = f"{function_name}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{digest}.zip"
        prefix = self.prefix.strip("/")
        return f"{prefix}/{name}" if prefix else name


def too_big_without_bucket(name: str, size: int) -> LambdaEditorError:
    return LambdaEditorError(
        f"{name} was not deployed: the package is {format_size(size)}, over Lambda's "
        f"{format_size(DIRECT_UPLOAD_LIMIT)} limit for a direct upload.",
        "Name an S3 bucket in the function's region to deploy it through (the package is "
        "removed from it afterwards), or make it smaller: exclude files, or move dependencies "
        "to a layer.",
        next_action=actions.SET_S3_BUCKET,
    )


class StagedPackage:
    """A package's zip in S3 for one deploy: `upload`, then `remove` whatever happened."""

    def __init__(self, client: Any, location: S3Location, key: str) -> None:
        self._client = client
        self.bucket = location.bucket
        self.key = key
        self._uploaded = False

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    @property
    def code_arguments(self) -> Dict[str, str]:
        """What UpdateFunctionCode names the package by."""
        return {"S3Bucket": self.bucket, "S3Key": self.key}

    def upload(self, path: str, size: int, name: str, report: Report) -> None:
        """Upload the zip at `path` in parts, saying how far it is."""
        from boto3.s3.transfer import TransferConfig  # noqa: PLC0415 - boto3 only to call AWS

        config = TransferConfig(
            multipart_threshold=_PART_BYTES,
            multipart_chunksize=_PART_BYTES,
            max_concurrency=_CONCURRENT_PARTS,
        )
        progress = _Progress(f"uploading {name} to {self.url}", size, report)
        self._uploaded = True  # from the first part on, there may be something to remove
        try:
            self._client.upload_file(
                path, self.bucket, self.key, Config=config, Callback=progress.add
            )
        except Exception as exc:
            raise explain(_client_error(exc), f"upload {name} to {self.url}") from exc

    def remove(self) -> Optional[str]:
        """Delete the object; None when done, else what the user must know."""
        if not self._uploaded:
            return None
        try:
            self._client.delete_object(Bucket=self.bucket, Key=self.key)
        except Exception as exc:
            error = explain(exc, f"remove {self.url}")
            return f"{error} Remove it yourself: it is billed as S3 storage."
        return None


class _Progress:
    """Bytes sent so far, reported at most every half second (parts go on several threads)."""

    def __init__(self, what: str, size: int, report: Report) -> None:
        self._what = what
        self._size = max(size, 1)
        self._report = report
        self._sent = 0
        self._reported_at = 0.0
        self._lock = threading.Lock()
        report(f"{what} ({format_size(size)})…")

    def add(self, sent: int) -> None:
        with self._lock:
            self._sent += sent
            now = time.monotonic()
            if now - self._reported_at < _PROGRESS_EVERY and self._sent < self._size:
                return
            self._reported_at = now
            text = (
                f"{self._what}: {format_size(self._sent)} of {format_size(self._size)} "
                f"({self._sent * 100 // self._size}%)…"
            )
        self._report(text)


def _client_error(exc: BaseException) -> BaseException:
    """boto3's transfer manager wraps S3's answer in an S3UploadFailedError: the answer, which
    names the operation and the error code."""
    context = exc.__context__
    if type(exc).__name__ == "S3UploadFailedError" and context is not None:
        return context
    return exc
