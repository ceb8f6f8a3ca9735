"""Lambda's quotas, and the values it accepts, that this package checks before sending anything.

From docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html and the Lambda API reference.
"""

from __future__ import annotations

# Code: the unzipped size includes layers; a direct upload's zip is sent base64-encoded.
UNZIPPED_LIMIT = 262_144_000
DIRECT_UPLOAD_LIMIT = 50 * 1024 * 1024

# Invoke's request payload.
SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024
ASYNC_PAYLOAD_LIMIT = 1024 * 1024

# A function's configuration (the Lambda API reference: UpdateFunctionConfiguration).
TIMEOUT_SECONDS = (1, 900)
MEMORY_MB = (128, 10_240)
EPHEMERAL_STORAGE_MB = (512, 10_240)
# Environment variables: their JSON text (`{"NAME":"value",…}`, as Lambda measures it) in all.
ENVIRONMENT_BYTES = 4096
DESCRIPTION_CHARACTERS = 256
HANDLER_CHARACTERS = 128
LAYERS = 5
LOG_GROUP_CHARACTERS = 512

# Lambda's Python runtimes, newest first (docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes).
# botocore's Runtime enum also names python3.15, which Lambda does not offer yet; an older
# botocore (the last for Python 3.8) does not know the newest.
PYTHON_RUNTIMES = ("python3.14", "python3.13", "python3.12", "python3.11", "python3.10")
