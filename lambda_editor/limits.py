"""Lambda's quotas that this package checks before sending anything.

From docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html.
"""

from __future__ import annotations

# Code: the unzipped size includes layers; a direct upload's zip is sent base64-encoded.
UNZIPPED_LIMIT = 262_144_000
DIRECT_UPLOAD_LIMIT = 50 * 1024 * 1024

# Invoke's request payload.
SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024
ASYNC_PAYLOAD_LIMIT = 1024 * 1024
