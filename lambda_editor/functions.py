"""Reading functions from Lambda: the list, one function's configuration, its code."""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import re
import tempfile
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Callable, Dict, List, Mapping, Optional, Tuple

from . import aws
from .aws import AwsTarget
from .errors import PROXY_HINT, LambdaEditorError, NotFoundError, explain, printable

_DOWNLOAD_CHUNK = 1024 * 1024
_DOWNLOAD_TIMEOUT = 60.0


@dataclass(frozen=True)
class FunctionSummary:
    """One row of the function list."""

    name: str
    arn: str
    runtime: str  # "" for container images
    architecture: str
    code_size: int
    last_modified: str
    description: str
    package_type: str

    @classmethod
    def from_configuration(cls, config: Mapping[str, Any]) -> FunctionSummary:
        return cls(
            name=config["FunctionName"],
            arn=config["FunctionArn"],
            runtime=config.get("Runtime", ""),
            architecture=(config.get("Architectures") or ["x86_64"])[0],
            code_size=int(config.get("CodeSize", 0)),
            last_modified=config.get("LastModified", ""),
            description=config.get("Description", ""),
            package_type=config.get("PackageType", "Zip"),
        )

    def to_json(self) -> Dict[str, Any]:
        return dict(self.__dict__)


def list_functions(target: AwsTarget) -> List[FunctionSummary]:
    """Every function of the target's account and region, all pages, sorted by name."""
    try:
        pages = aws.lambda_client(target).get_paginator("list_functions").paginate()
        functions = [
            FunctionSummary.from_configuration(config)
            for page in pages
            for config in page["Functions"]
        ]
    except Exception as exc:
        raise explain(exc, "list functions", target.profile) from exc
    return sorted(functions, key=lambda function: function.name.lower())


def read_configuration(
    target: AwsTarget, function: str, qualifier: Optional[str] = None
) -> Dict[str, Any]:
    """The function's configuration as it is now (GetFunctionConfiguration); `function` is a
    name or an ARN."""
    request = {"FunctionName": function}
    if qualifier:
        request["Qualifier"] = qualifier
    try:
        configuration: Dict[str, Any] = aws.lambda_client(target).get_function_configuration(
            **request
        )
    except Exception as exc:
        raise explain(exc, f"read the configuration of {function}", target.profile) from exc
    return configuration


def check_function_name(name: str) -> None:
    """Refuse, before any request, a function name or ARN that Lambda would reject.

    The rule is the one in botocore's model of the Lambda API (GetFunction's `FunctionName`),
    which botocore itself does not check.
    """
    pattern, shortest, longest = _function_name_rule()
    if shortest <= len(name) <= longest and pattern.fullmatch(name):
        return
    raise LambdaEditorError(
        f'"{printable(name)}" is not a function name or ARN that Lambda accepts.',
        "A name has letters, digits, hyphens and underscores; an ARN reads "
        "arn:aws:lambda:REGION:ACCOUNT:function:NAME.",
    )


@functools.lru_cache(maxsize=1)
def _function_name_rule() -> Tuple[re.Pattern[str], int, int]:
    from botocore.loaders import create_loader  # noqa: PLC0415 - boto3 may be missing in Sublime
    from botocore.model import ServiceModel  # noqa: PLC0415

    model = ServiceModel(create_loader().load_service_model("lambda", "service-2"))
    request = model.operation_model("GetFunction").input_shape
    assert request is not None  # GetFunction takes a FunctionName
    rule = request.members["FunctionName"].metadata
    return re.compile(rule["pattern"]), int(rule.get("min", 1)), int(rule.get("max", 256))


@dataclass(frozen=True)
class FunctionCode:
    """GetFunction's answer: the configuration and where its zip can be downloaded (for 10 min)."""

    configuration: Dict[str, Any]
    location: str = field(repr=False)  # a presigned URL: it grants access, never log it

    @property
    def name(self) -> str:
        return str(self.configuration["FunctionName"])


def get_function(client: Any, name: str, qualifier: Optional[str] = None) -> FunctionCode:
    """The function's configuration and code location; refuses functions that are not zips."""
    arguments = {"FunctionName": name}
    if qualifier:
        arguments["Qualifier"] = qualifier
    response = client.get_function(**arguments)
    configuration = response.get("Configuration")
    if not isinstance(configuration, dict):  # a 200 page from a proxy or a captive portal
        raise LambdaEditorError(
            f"GetFunction answered for {name} without the function's configuration: the answer "
            "did not come from Lambda.",
            PROXY_HINT,
        )
    if configuration.get("PackageType", "Zip") != "Zip":
        raise LambdaEditorError(
            f"{name} is a container-image function: it cannot be edited as code.",
            "Change its image and deploy it with your container tooling instead.",
        )
    location = response.get("Code", {}).get("Location")
    if not location:
        raise NotFoundError(f"Lambda returned no code location for {name}.")
    return FunctionCode(configuration, location)


def download_code(
    location: str,
    destination: str,
    expected_sha256_b64: str,
    *,
    ca_bundle: Optional[str] = None,
    on_progress: Optional[Callable[[int], None]] = None,
) -> None:
    """Stream the zip at `location` to `destination`, checked against Lambda's `CodeSha256`.

    The zip is written to a temporary file beside `destination` and moved into place only when its
    digest matches, so a broken download never leaves a file behind. Proxies and the CA bundle are
    the ones boto3 uses (`HTTPS_PROXY`, `NO_PROXY`, `AWS_CA_BUNDLE` or the profile's ca_bundle).
    """
    folder = os.path.dirname(os.path.abspath(destination))
    handle, partial = tempfile.mkstemp(prefix=".download-", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            digest = _stream_to(_pool_for(location, ca_bundle), location, out, on_progress)
        if base64.b64encode(digest).decode() != expected_sha256_b64:
            raise LambdaEditorError(
                "The downloaded code does not match the function's CodeSha256.",
                "It may have been deployed during the download: try again.",
            )
        os.replace(partial, destination)
    except BaseException:
        os.unlink(partial)
        raise


def _pool_for(location: str, ca_bundle: Optional[str]) -> Any:
    import urllib3  # noqa: PLC0415 - comes with botocore, which the plugin may lack at import
    from botocore.httpsession import get_cert_path  # noqa: PLC0415

    certificates = ca_bundle or get_cert_path(True)
    url = urllib.parse.urlsplit(location)
    proxy = urllib.request.getproxies().get(url.scheme)
    if proxy and not urllib.request.proxy_bypass(url.hostname or ""):
        return urllib3.ProxyManager(proxy, cert_reqs="CERT_REQUIRED", ca_certs=certificates)
    return urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=certificates)


def _stream_to(
    pool: Any, location: str, out: BinaryIO, on_progress: Optional[Callable[[int], None]]
) -> bytes:
    """The download's SHA-256. Failures never show the URL: it is presigned, it grants access."""
    digest = hashlib.sha256()
    received = 0
    try:
        response = pool.request(
            "GET", location, preload_content=False, timeout=_DOWNLOAD_TIMEOUT, retries=2
        )
        try:
            if response.status != 200:
                raise LambdaEditorError(
                    f"Could not download the function's code (HTTP {response.status}).",
                    "Try again: the download link expires after 10 minutes.",
                )
            for chunk in response.stream(_DOWNLOAD_CHUNK):
                out.write(chunk)
                digest.update(chunk)
                received += len(chunk)
                if on_progress:
                    on_progress(received)
        finally:
            response.release_conn()
    except LambdaEditorError:
        raise
    except OSError as exc:  # writing to disk
        raise LambdaEditorError(f"Could not save the function's code: {exc.strerror}.") from None
    except Exception as exc:
        raise LambdaEditorError(
            f"Could not download the function's code ({type(exc).__name__}).",
            "Check your connection and try again.",
        ) from None
    return digest.digest()
