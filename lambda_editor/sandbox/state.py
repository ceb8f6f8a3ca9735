"""What the sandbox knows about each function beyond moto: revision, update phase, counters.

moto keeps no RevisionId and finishes every update at once. AWS gives each configuration a
RevisionId, reports `LastUpdateStatus: InProgress` for a moment after an update, refuses another
update meanwhile, and changes the RevisionId again when the update completes (aws/aws-sdk#377).
The registry imitates that. Requests run on the server's threads: every method takes the lock.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Optional, Tuple

# (account, region, function name, version): "$LATEST" or a published version number.
FunctionKey = Tuple[str, str, str, str]

LATEST = "$LATEST"
SUCCESSFUL = "Successful"
FAILED = "Failed"
IN_PROGRESS = "InProgress"

_STALE_REVISION = (
    "The Revision Id provided does not match the latest Revision Id. "
    "Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
)
_UPDATE_IN_PROGRESS = (
    "The operation cannot be performed at this time. An update is in progress for resource: {arn}"
)


class UpdateRefused(Exception):
    """An update the endpoint refuses as AWS does, with the HTTP status and error code to send."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class SandboxStats:
    """What the endpoint saw, per function name.

    `update_function_code` and `invoke` count requests received, refused ones included (an
    unknown function, a DryRun, an oversized payload). `runs` counts the times a function's code
    was started: one per RequestResponse or Event invocation that reached the runner.
    """

    update_function_code: Dict[str, int]
    invoke: Dict[str, int]
    runs: Dict[str, int]


@dataclass
class LiveTailTiming:
    """How often Live Tail sends an update and how long a session lasts (AWS: 1 s, 3 hours).

    Tests shorten both; changes apply to the next update and the next session.
    """

    interval_s: float = 1.0
    session_limit_s: float = 3 * 3600.0


@dataclass(frozen=True)
class _Failure:
    reason: str
    reason_code: str


def aws_timestamp(moment: datetime) -> str:
    """A time as Lambda writes LastModified: 2024-05-01T12:00:00.000+0000."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _new_revision() -> str:
    return str(uuid.uuid4())


@dataclass
class _FunctionState:
    revision_id: str = field(default_factory=_new_revision)
    # True from an accepted update request until moto has applied it.
    applying: bool = False
    # `time.monotonic()` at which the InProgress phase of the last update ends.
    phase_ends: float = 0.0
    # Whether the end of the last phase was already observed (the RevisionId changes then).
    settled: bool = True
    failure: Optional[_Failure] = None
    # When the last update was accepted, in AWS's format; None: moto's creation time stands.
    last_modified: Optional[str] = None

    def status(self, now: float) -> str:
        if self.applying or now < self.phase_ends:
            return IN_PROGRESS
        if not self.settled:
            self.settled = True
            self.revision_id = _new_revision()
        return FAILED if self.failure else SUCCESSFUL


class FunctionRegistry:
    """RevisionIds, update phases, planned failures and request counters of every function."""

    def __init__(self, update_delay: Callable[[], float]) -> None:
        self._update_delay = update_delay
        self._lock = threading.Lock()
        self._states: Dict[FunctionKey, _FunctionState] = {}
        self._planned_failures: Dict[str, _Failure] = {}
        self._update_code_calls: Counter[str] = Counter()
        self._invoke_calls: Counter[str] = Counter()
        self._runs: Counter[str] = Counter()

    def describe(self, key: FunctionKey) -> Dict[str, Any]:
        """The fields AWS adds to a configuration that moto lacks or gets wrong."""
        with self._lock:
            state = self._states.setdefault(key, _FunctionState())
            status = state.status(time.monotonic())
            fields: Dict[str, Any] = {"RevisionId": state.revision_id, "LastUpdateStatus": status}
            if state.last_modified:
                fields["LastModified"] = state.last_modified
            if status == FAILED and state.failure:
                fields["LastUpdateStatusReason"] = state.failure.reason
                fields["LastUpdateStatusReasonCode"] = state.failure.reason_code
            return fields

    def begin_update(self, key: FunctionKey, arn: str, revision_id: Optional[str]) -> None:
        """Reserve the function for one update, or raise `UpdateRefused` as AWS would."""
        with self._lock:
            state = self._states.setdefault(key, _FunctionState())
            in_progress = state.status(time.monotonic()) == IN_PROGRESS
            if revision_id and revision_id != state.revision_id:
                raise UpdateRefused(412, "PreconditionFailedException", _STALE_REVISION)
            if in_progress:
                raise UpdateRefused(
                    409, "ResourceConflictException", _UPDATE_IN_PROGRESS.format(arn=arn)
                )
            state.applying = True

    def finish_update(self, key: FunctionKey, applied: bool, starts_phase: bool) -> None:
        """Release the reservation; an applied update gets a new RevisionId and its phase."""
        with self._lock:
            state = self._states.setdefault(key, _FunctionState())
            state.applying = False
            if not (applied and starts_phase):
                return
            state.revision_id = _new_revision()
            state.phase_ends = time.monotonic() + self._update_delay()
            state.settled = False
            state.failure = self._planned_failures.pop(key[2], None)
            state.last_modified = aws_timestamp(datetime.now(timezone.utc))

    def forget(self, account: str, region: str, name: str, version: Optional[str]) -> None:
        """Drop a deleted function (every version when `version` is None)."""
        with self._lock:
            for key in list(self._states):
                if key[:3] == (account, region, name) and version in (None, key[3]):
                    del self._states[key]

    def plan_failure(self, name: str, reason: str, reason_code: str) -> None:
        with self._lock:
            self._planned_failures[name] = _Failure(reason, reason_code)

    def count_update_code(self, name: str) -> None:
        with self._lock:
            self._update_code_calls[name] += 1

    def count_invoke(self, name: str) -> None:
        with self._lock:
            self._invoke_calls[name] += 1

    def count_run(self, name: str) -> None:
        with self._lock:
            self._runs[name] += 1

    def stats(self) -> SandboxStats:
        with self._lock:
            return SandboxStats(
                dict(self._update_code_calls), dict(self._invoke_calls), dict(self._runs)
            )

    def reset_stats(self) -> None:
        with self._lock:
            self._update_code_calls.clear()
            self._invoke_calls.clear()
            self._runs.clear()
