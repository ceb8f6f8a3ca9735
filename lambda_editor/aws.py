"""The one place that builds boto3 sessions and clients.

boto3 is imported lazily: the Sublime adapter must load (and offer to install boto3) when the
plugin host has no boto3.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, Optional, Tuple

from . import actions
from .errors import BotoMissingError, LambdaEditorError
from .log import logger

if TYPE_CHECKING:
    import boto3


@dataclass(frozen=True)
class AwsTarget:
    """Where to talk to: an AWS profile, a region and an optional endpoint (local or LocalStack).

    Empty values fall back to boto3's own resolution: `AWS_PROFILE`, `AWS_REGION` /
    `AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_LAMBDA` and ~/.aws/config.
    """

    profile: Optional[str] = None
    region: Optional[str] = None
    endpoint_url: Optional[str] = None

    def describe(self) -> str:
        parts = [f"profile {self.profile or 'default'}", f"region {self.region or 'default'}"]
        if self.endpoint_url:
            parts.append(f"endpoint {self.endpoint_url}")
        return ", ".join(parts)


_sessions: Dict[Tuple[Optional[str], Optional[str]], boto3.session.Session] = {}
_sessions_lock = threading.Lock()


def session(target: AwsTarget) -> boto3.session.Session:
    """A boto3 session for the target's profile and region, shared across calls.

    Sessions are cached because building one reads the AWS config files; a session is safe to
    share between threads for creating clients under the lock.
    """
    try:
        import boto3  # noqa: PLC0415
    except ImportError as exc:
        raise BotoMissingError(str(exc)) from exc
    key = (target.profile, target.region)
    with _sessions_lock:
        if key not in _sessions:
            try:
                _sessions[key] = boto3.session.Session(
                    profile_name=target.profile or None, region_name=target.region or None
                )
            except Exception as exc:
                from .errors import explain  # noqa: PLC0415

                raise explain(exc, "open the AWS profile", target.profile) from exc
        return _sessions[key]


# An attempt that cannot connect within this is given up (and retried): botocore's 60 s default
# would keep a command waiting minutes behind a dead VPN or without a network.
RETRIED_CONNECT_TIMEOUT = 5.0


def client(
    target: AwsTarget,
    service: str,
    *,
    read_timeout: Optional[float] = None,
    max_attempts: Optional[int] = None,
) -> Any:
    """A client for `service` with botocore's standard retry mode.

    `max_attempts=1` disables retries (Invoke: a retried request runs the function again) and
    keeps botocore's connect timeout, since that one attempt is all there is; retried calls get a
    short one. `read_timeout` overrides botocore's 60 s default: a slow function must not time
    out on our side.
    """
    from botocore.config import Config  # noqa: PLC0415

    boto_session = session(target)
    retries: Dict[str, Any] = {"mode": "standard"}
    options: Dict[str, Any] = {"retries": retries}
    if max_attempts is not None:
        retries["total_max_attempts"] = max_attempts
    if target.endpoint_url:
        # botocore prefixes the host of some operations (`stream-` for Live Tail): a custom
        # endpoint has no such host.
        options["inject_host_prefix"] = False
    if max_attempts != 1:
        options["connect_timeout"] = RETRIED_CONNECT_TIMEOUT
    if read_timeout is not None:
        options["read_timeout"] = read_timeout
    with _sessions_lock:
        if boto_session.region_name is None and not target.region:
            raise LambdaEditorError(
                "No AWS region is set.", "Pick a region.", next_action=actions.SELECT_REGION
            )
        made = boto_session.client(
            service,  # type: ignore[call-overload]
            endpoint_url=target.endpoint_url or None,
            config=Config(**options),
        )
    _log_requests(made)
    return made


def _log_requests(made: Any) -> None:
    """With the debug log on, each request made and how long it took (never its parameters: a
    payload or environment variables may hold secrets)."""
    started: Dict[int, float] = {}

    def before(model: Any, context: Dict[str, Any], **_: Any) -> None:
        started[id(context)] = time.monotonic()

    def after(model: Any, http_response: Any, context: Dict[str, Any], **_: Any) -> None:
        began = started.pop(id(context), None)
        if began is None or not logger.isEnabledFor(logging.DEBUG):
            return
        status = getattr(http_response, "status_code", "?")
        took = (time.monotonic() - began) * 1000
        logger.debug(
            "%s.%s: HTTP %s in %.0f ms", model.service_model.service_name, model.name, status, took
        )

    made.meta.events.register("before-call", before)
    made.meta.events.register("after-call", after)


def lambda_client(target: AwsTarget, **options: Any) -> Any:
    return client(target, "lambda", **options)


def available_profiles() -> list[str]:
    """The profiles in the user's AWS config and credentials files (SSO profiles included)."""
    try:
        import boto3  # noqa: PLC0415
    except ImportError as exc:
        raise BotoMissingError(str(exc)) from exc
    return sorted(boto3.session.Session().available_profiles)


def available_regions(target: AwsTarget) -> list[str]:
    """The regions where Lambda is offered, from botocore's bundled endpoint data."""
    return sorted(session(target).get_available_regions("lambda"))


def ca_bundle(target: AwsTarget) -> Optional[str]:
    """The CA bundle boto3 uses for the target (`AWS_CA_BUNDLE`, the profile's ca_bundle)."""
    value = session(target)._session.get_config_variable("ca_bundle")
    return str(value) if value else None


def reset_sessions() -> None:
    """Forget cached sessions (after `aws sso login`, a profile edit or a settings change)."""
    with _sessions_lock:
        _sessions.clear()
