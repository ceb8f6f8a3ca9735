"""Following a function's log as it is written: CloudWatch Logs Live Tail, or polling.

`LogTail.run` holds its caller's thread until `stop()` is called (from any thread) or a failure
that waiting cannot cure. Live Tail (StartLiveTail, an event stream that sends an update every
second) is used where the endpoint serves it; a session ends after 3 hours and is reopened, and
what was written meanwhile is read back with FilterLogEvents. Where Live Tail is refused or
unknown, FilterLogEvents is polled about once a second, slower while nothing happens and after
errors. `EventLedger` keeps both ways from showing an event twice or leaving one out.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Dict, List, Optional

from .aws import AwsTarget
from .errors import error_code, explain
from .log import log_unexpected
from .logs import (
    EventLedger,
    LogEvent,
    LogGroupMissing,
    LogSource,
    live_tail_events,
    logs_client,
    read_events,
)

POLL_INTERVAL_S = 1.0
QUIET_POLL_INTERVAL_S = 3.0  # polls slow down to this while nothing is written
MAX_BACKOFF_S = 30.0

_TRANSIENT_CODES = {
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "ServiceUnavailableException",
    "InternalFailure",
}

# Failures of the credentials themselves: no other way of reading the log would do better.
_CREDENTIAL_CODES = {
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "UnrecognizedClientException",
    "InvalidSignatureException",
}

# Why a Live Tail attempt ended.
_STOPPED, _REFUSED, _NO_GROUP = "stopped", "refused", "no group"

EventsCallback = Callable[[List[LogEvent]], None]
NoticeCallback = Callable[[str], None]


class LogTail:
    """Follows one log group from `start_ms` (default: now) until stopped.

    `on_events` gets each batch of new events, oldest first; `on_notice` one-line news about the
    tail itself (how it follows, sampling, reconnections); `heartbeat` is called at least about
    once a second, so the owner can decide to stop. All are called on the thread that runs the
    tail.
    """

    def __init__(
        self,
        target: AwsTarget,
        source: LogSource,
        on_events: EventsCallback,
        on_notice: NoticeCallback,
        *,
        pattern: Optional[str] = None,
        start_ms: Optional[int] = None,
        live: bool = True,
        client: Any = None,
        heartbeat: Callable[[], None] = lambda: None,
    ) -> None:
        self.target = target
        self.source = source
        self.pattern = pattern or None
        self.live = live
        self._on_events = on_events
        self._on_notice = on_notice
        self._heartbeat = heartbeat
        self._client = client
        self._stop = threading.Event()
        self.ledger = EventLedger(start_ms if start_ms is not None else _now_ms())
        self._failures = 0
        self._sampling = False

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def run(self) -> None:
        """Follow until stopped; raises `LambdaEditorError` on a failure that waiting won't fix."""
        try:
            client = self._client or logs_client(self.target)
        except Exception as exc:
            raise explain(exc, "open CloudWatch Logs", self.target.profile) from exc
        live = self.live
        while not self.stopped:
            if live and self._live_tail(client) != _NO_GROUP:
                live = False  # Live Tail ended: stopped, or refused here
            if not self.stopped:
                # Until the group exists when Live Tail may follow it then; else for good.
                self._poll(client, until_the_group_exists=live)

    # ---- Live Tail ---------------------------------------------------------------------------

    def _live_tail(self, client: Any) -> str:
        """Follow with Live Tail until stopped; why it ended: stopped, refused, or no group."""
        request: Dict[str, Any] = {"logGroupIdentifiers": [self.source.group_arn]}
        if self.pattern:
            request["logEventFilterPattern"] = self.pattern
        while not self.stopped:
            try:
                stream = client.start_live_tail(**request)["responseStream"]
            except Exception as exc:
                if _is_transient(exc):
                    self._back_off(explain(exc, "start Live Tail").message)
                    continue
                if error_code(exc) == "ResourceNotFoundException":
                    return _NO_GROUP  # polling waits for the group to appear
                reason = explain(exc, "start Live Tail", self.target.profile)
                if not error_code(exc) or error_code(exc) in _CREDENTIAL_CODES:
                    raise reason from exc  # polling would fail the same way
                # Refused or unknown here (a permission, an emulator without it): poll instead.
                self._on_notice(f"{reason} Reading new lines every second instead.")
                return _REFUSED
            try:
                self._catch_up(client)
                self._follow(stream)
            finally:
                stream.close()
        return _STOPPED

    def _follow(self, stream: Any) -> None:
        """Deliver a session's updates until it ends or the tail stops."""
        try:
            for message in stream:
                if self.stopped:
                    return
                update = message.get("sessionUpdate")
                if update is not None:
                    self._failures = 0
                    self._deliver_update(update)
                self._heartbeat()
        except Exception as exc:
            if self.stopped:
                return
            if error_code(exc) == "SessionTimeoutException":
                self._on_notice("The Live Tail session reached its 3-hour limit: reconnecting.")
                return
            if not error_code(exc) and not _is_transient(exc):
                log_unexpected(exc, "follow a Live Tail session")
            self._back_off(f"Live Tail was interrupted ({error_code(exc) or type(exc).__name__})")
            return
        if not self.stopped:
            self._on_notice("The Live Tail session ended: reconnecting.")

    def _deliver_update(self, update: Dict[str, Any]) -> None:
        sampled = bool((update.get("sessionMetadata") or {}).get("sampled"))
        if sampled != self._sampling:
            self._sampling = sampled
            self._on_notice(
                "More than 500 lines a second: Live Tail shows a sample of them."
                if sampled
                else "Live Tail shows every line again."
            )
        fresh = self.ledger.from_stream(live_tail_events(update.get("sessionResults") or ()))
        if fresh:
            self._on_events(fresh)

    def _catch_up(self, client: Any) -> None:
        """What was written before the session opened: since the start, or during a reconnect."""
        try:
            self._read_window(client)
        except LogGroupMissing:
            return
        except Exception as exc:
            error = explain(exc, f"read back the logs of {self.source.function_name}")
            self._on_notice(f"{error.message} Lines written before Live Tail began are not shown.")

    # ---- polling -----------------------------------------------------------------------------

    def _poll(self, client: Any, until_the_group_exists: bool = False) -> None:
        interval = POLL_INTERVAL_S
        waiting_said = False
        while not self.stopped:
            try:
                got_events = self._read_window(client)
                if until_the_group_exists:
                    return
                interval = (
                    POLL_INTERVAL_S if got_events else min(interval * 1.5, QUIET_POLL_INTERVAL_S)
                )
                self._failures = 0
            except LogGroupMissing:
                if not waiting_said:
                    self._on_notice(f"Waiting for the first line in {self.source.group}.")
                    waiting_said = True
                interval = QUIET_POLL_INTERVAL_S
            except Exception as exc:
                error = explain(exc, f"read the logs of {self.source.function_name}")
                if not _is_transient(exc):
                    raise error from exc
                self._back_off(error.message)
                continue
            self._pause(interval)

    def _read_window(self, client: Any) -> bool:
        """Read the events of the ledger's window; deliver the new ones. True when any."""
        window = self.ledger.window_start(_now_ms())
        events = read_events(client, self.source.group, window, pattern=self.pattern)
        fresh = self.ledger.from_window(events, window)
        if fresh:
            self._on_events(fresh)
        return bool(fresh)

    def _back_off(self, reason: str) -> None:
        self._failures += 1
        delay = min(2.0**self._failures, MAX_BACKOFF_S)
        self._on_notice(f"{reason.rstrip('.')}: trying again in {delay:g} s.")
        self._pause(delay)

    def _pause(self, seconds: float) -> None:
        """Wait, waking at once when stopped and every second for the heartbeat."""
        deadline = time.monotonic() + seconds
        while not self._stop.wait(min(1.0, max(0.0, deadline - time.monotonic()))):
            self._heartbeat()
            if time.monotonic() >= deadline:
                return


def _is_transient(exc: BaseException) -> bool:
    """Throttling, a lost connection, a timeout: waiting helps."""
    try:
        from botocore import exceptions as bx  # noqa: PLC0415 - boto3 is loaded lazily
        from urllib3.exceptions import HTTPError  # noqa: PLC0415 - comes with botocore
    except ImportError:
        return False
    # An event stream is read straight from urllib3: its errors come unwrapped.
    network = (
        bx.ConnectionError,
        bx.ReadTimeoutError,
        bx.ConnectionClosedError,
        HTTPError,
        OSError,
    )
    if isinstance(exc, network):
        return True
    return error_code(exc) in _TRANSIENT_CODES


def _now_ms() -> int:
    return int(time.time() * 1000)
