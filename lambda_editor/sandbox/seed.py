"""Sample functions for a sandbox, created through the Lambda API like any client would.

Each sample's files live in `samples/<name>/` and are zipped with their modes: a custom runtime's
`bootstrap` must stay executable.
"""

from __future__ import annotations

import io
import json
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from ..create import LAMBDA_TRUST_POLICY
from ..errors import explain

ROLE_NAME = "lambda-editor-sandbox"
_SAMPLES_DIR = Path(__file__).parent / "samples"
_TRUST_POLICY = json.dumps(LAMBDA_TRUST_POLICY)
# Fixed entry times keep a sample's zip (and its CodeSha256) the same from run to run.
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)
_ALWAYS_EXECUTABLE = {"bootstrap"}


@dataclass(frozen=True)
class Sample:
    name: str
    runtime: str
    handler: str
    description: str
    architecture: str = "x86_64"
    timeout: int = 3
    memory: int = 128
    environment: Dict[str, str] = field(default_factory=dict)


SAMPLES = (
    Sample(
        "hello-python",
        "python3.12",
        "lambda_function.lambda_handler",
        "Says hello to whoever the event names",
    ),
    Sample(
        "slack-bot",
        "python3.12",
        "lambda_function.lambda_handler",
        "A Slack slash command behind API Gateway",
        architecture="arm64",
        timeout=10,
        memory=256,
        # A placeholder secret: the sandbox never talks to Slack.
        environment={"SLACK_SIGNING_SECRET": "sandbox-placeholder", "REQUIRE_SIGNATURE": "false"},
    ),
    Sample(
        "custom-runtime",
        "provided.al2023",
        "function.handler",
        "A shell-script handler on a custom runtime",
        architecture="arm64",
    ),
)


def client(url: str, service: str, region: str = "us-east-1") -> Any:
    """A boto3 client for a sandbox; it accepts any credentials, so placeholders are used."""
    return boto3.client(  # type: ignore[call-overload]  # any service name, not a literal
        service,
        endpoint_url=url,
        region_name=region,
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",  # noqa: S106 - not a secret: the sandbox takes any
    )


def ensure_role(url: str, region: str = "us-east-1") -> str:
    """The ARN of an IAM role functions can be created with (moto checks that it exists)."""
    iam = client(url, "iam", region)
    try:
        role = iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=_TRUST_POLICY)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "EntityAlreadyExists":
            raise
        role = iam.get_role(RoleName=ROLE_NAME)
    return str(role["Role"]["Arn"])


def seed(url: str, region: str = "us-east-1") -> List[str]:
    """Create the sample functions (those that exist are kept) and return their names."""
    try:
        role_arn = ensure_role(url, region)
        lambda_client = client(url, "lambda", region)
        for sample in SAMPLES:
            _create(lambda_client, sample, role_arn)
    except (BotoCoreError, ClientError) as exc:
        raise explain(exc, f"seed the sandbox at {url}") from exc
    return [sample.name for sample in SAMPLES]


def sample_zip(name: str) -> bytes:
    """The zip of `samples/<name>/`: entries sorted, fixed times, executable bits kept."""
    root = _SAMPLES_DIR / name
    files = sorted(
        path
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(root).as_posix(), date_time=_ZIP_TIME)
            info.external_attr = (stat.S_IFREG | _mode(path)) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def _mode(path: Path) -> int:
    # Checkouts and installs may drop the exec bit (Windows always does): bootstrap gets it anyway.
    executable = path.name in _ALWAYS_EXECUTABLE or path.stat().st_mode & stat.S_IXUSR
    return 0o755 if executable else 0o644


def _create(lambda_client: Any, sample: Sample, role_arn: str) -> None:
    try:
        lambda_client.create_function(
            FunctionName=sample.name,
            Runtime=sample.runtime,
            Handler=sample.handler,
            Role=role_arn,
            Code={"ZipFile": sample_zip(sample.name)},
            Description=sample.description,
            Architectures=[sample.architecture],
            Timeout=sample.timeout,
            MemorySize=sample.memory,
            Environment={"Variables": sample.environment},
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ResourceConflictException":
            raise
