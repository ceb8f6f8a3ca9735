"""The marker `.lambda-editor/function.json`: which function a workspace deploys to, checked whole.

The document is `{"version": 1, "binding": {...}, "manifest": {...}, "pending": [...],
"pending_configuration": {...}, "left_out": [...]}`: the binding to the function (its editable
configuration as deployed among it), the manifest of what is deployed, the uploads and the
configuration update whose outcome was never seen, and the files the deployed code holds that a
deploy from here leaves out. Every field is checked on load (type, range, non-empty where a guard
depends on it): a damaged marker must never deploy, nor weaken the RevisionId check. Keys a later
version adds are ignored.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import MISSING, dataclass, field, fields, replace
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

from . import limits
from .aws import AwsTarget
from .configuration import FIELDS, LAYER_VERSION_ARN, from_function
from .errors import LambdaEditorError
from .packaging.manifest import Manifest, check_rel_path, manifest_from_json, manifest_json

MARKER_VERSION = 1


class DamagedMarkerError(LambdaEditorError):
    """The marker cannot be trusted: nothing is deployed from its workspace."""

    def __init__(self, marker: str, why: str) -> None:
        super().__init__(
            f"This workspace's binding is damaged: {marker} {why}. Nothing is deployed from it.",
            "Re-download the function: your files are kept in a backup folder.",
        )


class _Invalid(ValueError):
    """One field of the marker is wrong; the message says which and how."""


def _utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _environment(config: Mapping[str, Any]) -> Dict[str, str]:
    variables = (config.get("Environment") or {}).get("Variables") or {}
    return {str(name): str(value) for name, value in variables.items()}


def _non_empty(key: str) -> Callable[[Mapping[str, Any]], str]:
    """A configuration field a guard relies on: never taken when empty."""

    def read(config: Mapping[str, Any]) -> str:
        value = config[key]
        if not isinstance(value, str) or not value:
            raise ValueError(f"its {key} is {value!r}")
        return value

    return read


# Binding field <- how to read it from a Lambda FunctionConfiguration, for the keys it carries.
_FROM_CONFIGURATION: Dict[str, Tuple[str, Callable[[Mapping[str, Any]], Any]]] = {
    "function_arn": ("FunctionArn", _non_empty("FunctionArn")),
    "function_name": ("FunctionName", _non_empty("FunctionName")),
    "revision_id": ("RevisionId", _non_empty("RevisionId")),
    "code_sha256": ("CodeSha256", _non_empty("CodeSha256")),
    "runtime": ("Runtime", lambda c: c["Runtime"]),
    "handler": ("Handler", lambda c: c["Handler"]),
    "architectures": ("Architectures", lambda c: tuple(c["Architectures"])),
    "timeout": ("Timeout", lambda c: int(c["Timeout"])),
    "memory_size": ("MemorySize", lambda c: int(c["MemorySize"])),
    "environment": ("Environment", _environment),
    # Every full configuration has a FunctionArn; one without Layers has no layers.
    "layers": (
        "FunctionArn",
        lambda c: tuple(str(layer["Arn"]) for layer in c.get("Layers") or ()),
    ),
    "configuration": ("FunctionArn", from_function),
}


@dataclass(frozen=True)
class Binding:
    """Which function a workspace deploys to, and what we last knew about it."""

    function_arn: str
    function_name: str
    account: str
    region: str
    profile: Optional[str]
    endpoint_url: Optional[str]
    revision_id: str
    code_sha256: str
    runtime: Optional[str]
    handler: Optional[str]
    architectures: Tuple[str, ...]
    timeout: int
    memory_size: int
    environment: Dict[str, str] = field(repr=False)  # for local invoke; values never shown
    downloaded_at: str  # ISO 8601 UTC
    # The layer version ARNs, in order; None in markers written before they were recorded.
    layers: Optional[Tuple[str, ...]] = None
    # The editable configuration as deployed (see `configuration`); None in markers written
    # before it was recorded. Holds environment values: never shown.
    configuration: Optional[Dict[str, Any]] = field(default=None, repr=False)

    @property
    def target(self) -> AwsTarget:
        return AwsTarget(self.profile, self.region, self.endpoint_url)

    @property
    def architecture(self) -> str:
        return self.architectures[0] if self.architectures else "x86_64"

    @classmethod
    def from_configuration(
        cls, config: Mapping[str, Any], profile: Optional[str], endpoint_url: Optional[str]
    ) -> Binding:
        """From GetFunction's `Configuration`; account and region come from the ARN."""
        missing = [key for key in ("FunctionArn", "FunctionName") if key not in config]
        if missing:
            raise LambdaEditorError(f"The function's configuration has no {missing[0]}.")
        defaults = cls(
            function_arn="",
            function_name="",
            account="",
            region="",
            profile=profile or None,
            endpoint_url=endpoint_url or None,
            revision_id="",
            code_sha256="",
            runtime=None,
            handler=None,
            architectures=(),
            timeout=3,
            memory_size=128,
            environment={},
            downloaded_at=_utc_now(),
        )
        return defaults.with_configuration(config)

    def with_configuration(self, config: Mapping[str, Any]) -> Binding:
        """This binding updated with what `config` carries (after a deploy: new RevisionId and
        CodeSha256); profile, endpoint and time of download stay."""
        try:
            changes = {
                name: read(config)
                for name, (key, read) in _FROM_CONFIGURATION.items()
                if key in config
            }
        except (TypeError, ValueError, AttributeError) as exc:
            raise LambdaEditorError(f"The function's configuration is malformed: {exc}.") from exc
        if "function_arn" in changes:
            changes["region"], changes["account"] = region_and_account(changes["function_arn"])
        return replace(self, **changes)

    def to_json(self) -> Dict[str, Any]:
        data = {item.name: getattr(self, item.name) for item in fields(self)}
        data["architectures"] = list(self.architectures)
        data["layers"] = None if self.layers is None else list(self.layers)
        return data

    @classmethod
    def from_json(cls, data: Any) -> Binding:
        """Every field checked; raises ValueError naming the first wrong one."""
        if not isinstance(data, dict):
            raise _Invalid(f"is {_kind(data)}, not an object")
        required = {item.name for item in fields(cls) if item.default is MISSING}
        missing = sorted(required - data.keys())
        if missing:
            raise _Invalid(f"lacks {', '.join(missing)}")
        values = {
            name: check(data[name]) for name, check in _BINDING_CHECKS.items() if name in data
        }
        _check_arn_agrees(values)
        return cls(**values)


def region_and_account(arn: str) -> Tuple[str, str]:
    """`arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]` -> (region, account)."""
    parts = arn.split(":")
    if len(parts) < 7 or parts[0] != "arn" or parts[2] != "lambda" or parts[5] != "function":
        raise LambdaEditorError(f"{arn!r} is not a Lambda function ARN.")
    return parts[3], parts[4]


@dataclass(frozen=True)
class PendingUpload:
    """An upload whose outcome was never seen: if AWS holds its code, the upload was ours."""

    code_sha256: str
    manifest: Manifest


@dataclass(frozen=True)
class Marker:
    binding: Binding
    manifest: Manifest  # what is deployed
    pending: Tuple[PendingUpload, ...] = ()
    # Files the deployed code holds that a deploy from the workspace leaves out.
    left_out: Tuple[str, ...] = ()
    # The fields a configuration update whose outcome was never seen set.
    pending_configuration: Optional[Dict[str, Any]] = None

    def to_text(self) -> str:
        """The document as compact JSON with sorted keys; manifests written the fast way."""
        pending = ",".join(
            f'{{"code_sha256":{json.dumps(upload.code_sha256)},'
            f'"manifest":{manifest_json(upload.manifest)}}}'
            for upload in self.pending
        )
        return (
            f'{{"binding":{_compact(self.binding.to_json())},'
            f'"left_out":{_compact(list(self.left_out))},'
            f'"manifest":{manifest_json(self.manifest)},'
            f'"pending":[{pending}],'
            f'"pending_configuration":{_compact(self.pending_configuration)},'
            f'"version":{MARKER_VERSION}}}'
        )

    @classmethod
    def from_json(cls, data: Any, marker_path: str) -> Marker:
        """The marker, checked whole; DamagedMarkerError says what is wrong."""
        try:
            return cls._parse(data)
        except _Invalid as exc:
            raise DamagedMarkerError(marker_path, str(exc)) from exc
        except LambdaEditorError as exc:  # from the manifest's own checks
            raise DamagedMarkerError(marker_path, exc.message.rstrip(".")) from exc

    @classmethod
    def _parse(cls, data: Any) -> Marker:
        if not isinstance(data, dict):
            raise _Invalid(f"holds {_kind(data)}, not a JSON object")
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise _Invalid(f"has no valid version ({_shown(version)})")
        if version > MARKER_VERSION:
            raise _Invalid(f"was written by a newer Lambda Editor (version {version})")
        if "binding" not in data:
            raise _Invalid("lacks binding")
        try:
            binding = Binding.from_json(data["binding"])
        except _Invalid as exc:
            raise _Invalid(f"the binding {exc}") from exc
        pending = _listed(data.get("pending", []), "pending", _pending_upload)
        left_out = _listed(data.get("left_out", []), "left_out", _rel_path)
        pending_configuration = _recorded_configuration(
            data.get("pending_configuration"), "pending_configuration"
        )
        manifest = manifest_from_json(data.get("manifest", {}))
        return cls(binding, manifest, pending, left_out, pending_configuration)


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _listed(value: Any, name: str, parse: Callable[[Any], Any]) -> Tuple[Any, ...]:
    if not isinstance(value, list):
        raise _Invalid(f"{name} is {_kind(value)}, not a list")
    return tuple(parse(item) for item in value)


def _pending_upload(value: Any) -> PendingUpload:
    if not isinstance(value, dict):
        raise _Invalid(f"a pending upload is {_kind(value)}, not an object")
    code_sha256 = _token("pending code_sha256")(value.get("code_sha256"))
    return PendingUpload(code_sha256, manifest_from_json(value.get("manifest")))


def _rel_path(value: Any) -> str:
    try:
        return check_rel_path(value)
    except ValueError as exc:
        raise _Invalid(f"left_out lists an invalid path: {exc}") from None


# --- one check per binding field --------------------------------------------------------------

_FUNCTION_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_ACCOUNT = re.compile(r"\d{12}")
_REGION = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
_TOKEN = re.compile(r"[!-~]{1,256}")  # printable ASCII, no spaces: RevisionId, CodeSha256
_MAX_TIMEOUT = 24 * 3600
_MAX_MEMORY = 1024 * 1024


_KINDS = {dict: "an object", list: "a list", str: "text", bool: "a boolean", int: "a number"}


def _kind(value: Any) -> str:
    """What a JSON value is, in words."""
    if value is None:
        return "null"
    return _KINDS.get(type(value), "a number" if isinstance(value, float) else "a value")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _matching(name: str, pattern: re.Pattern[str]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str) or not pattern.fullmatch(value):
            raise _Invalid(f"has an invalid {name} ({_shown(value)})")
        return value

    return check


def _token(name: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str) or not _TOKEN.fullmatch(value):
            raise _Invalid(f"has an empty or invalid {name} ({_shown(value)})")
        return value

    return check


def _text(name: str, optional: bool = False) -> Callable[[Any], Optional[str]]:
    def check(value: Any) -> Optional[str]:
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value or len(value) > 2048:
            raise _Invalid(f"has an invalid {name} ({_shown(value)})")
        return value

    return check


def _integer(name: str, low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if not _is_int(value) or not low <= value <= high:
            raise _Invalid(f"has an invalid {name} ({_shown(value)}; from {low} to {high})")
        return int(value)

    return check


def _architectures(value: Any) -> Tuple[str, ...]:
    if not isinstance(value, list) or len(value) > 4:
        raise _Invalid(f"has invalid architectures ({_shown(value)})")
    return tuple(_matching("architecture", re.compile(r"[a-z0-9_]{1,32}"))(item) for item in value)


def _layers(value: Any) -> Optional[Tuple[str, ...]]:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > limits.LAYERS:
        raise _Invalid(f"has invalid layers ({_shown(value)})")
    return tuple(_matching("layer", LAYER_VERSION_ARN)(item) for item in value)


def _is_text_mapping(value: Any) -> bool:
    """Environment variables as recorded: an object of text names and text values."""
    return isinstance(value, dict) and all(
        isinstance(key, str) and isinstance(item, str) for key, item in value.items()
    )


def _environment_json(value: Any) -> Dict[str, str]:
    if not _is_text_mapping(value):
        raise _Invalid("has an invalid environment (names and values must be text)")
    return dict(value)


def _recorded_configuration(value: Any, name: str = "configuration") -> Optional[Dict[str, Any]]:
    """A configuration as recorded from AWS's answers: its fields and their types only (AWS may
    hold what a check of the file refuses: a runtime Lambda no longer offers)."""
    if value is None:
        return None
    if not isinstance(value, dict) or not set(value) <= set(FIELDS):
        raise _Invalid(f"has an invalid {name}")
    if not _is_text_mapping(value.get("Environment", {})):
        raise _Invalid(f"has an invalid {name} (environment names and values must be text)")
    return dict(value)


def _shown(value: Any) -> str:
    """A wrong value, short: never a whole document, never an environment value."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    text = repr(value) if isinstance(value, (str, int, float, bool, type(None))) else _kind(value)
    return text if len(text) <= 40 else text[:37] + "…"


_BINDING_CHECKS: Dict[str, Callable[[Any], Any]] = {
    "function_arn": _text("function_arn"),
    "function_name": _matching("function_name", _FUNCTION_NAME),
    "account": _matching("account", _ACCOUNT),
    "region": _matching("region", _REGION),
    "profile": _text("profile", optional=True),
    "endpoint_url": _text("endpoint_url", optional=True),
    "revision_id": _token("revision_id"),
    "code_sha256": _token("code_sha256"),
    "runtime": _text("runtime", optional=True),
    "handler": _text("handler", optional=True),
    "architectures": _architectures,
    "timeout": _integer("timeout", 1, _MAX_TIMEOUT),
    "memory_size": _integer("memory_size", 1, _MAX_MEMORY),
    "environment": _environment_json,
    "downloaded_at": _text("downloaded_at"),
    "layers": _layers,
    "configuration": _recorded_configuration,
}


def _check_arn_agrees(values: Mapping[str, Any]) -> None:
    """The ARN names the same function, account and region as the other fields."""
    arn = values["function_arn"]
    parts = arn.split(":")
    try:
        region, account = region_and_account(arn)
    except LambdaEditorError:
        raise _Invalid(f"has an invalid function_arn ({_shown(arn)})") from None
    if len(parts) != 7 or (region, account, parts[6]) != (
        values["region"],
        values["account"],
        values["function_name"],
    ):
        raise _Invalid("has a function_arn that disagrees with its name, account or region")
