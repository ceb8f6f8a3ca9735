"""IAM roles as Lambda sees them: a role created a moment ago cannot be assumed yet.

IAM is eventually consistent: for a few seconds after CreateRole, CreateFunction with that role
fails with "The role defined for the function cannot be assumed by Lambda." moto accepts the role
at once. `RolePropagation` remembers when each role was created and refuses it for `delay`
seconds (0 by default: tests that exercise the retry set it).
"""

from __future__ import annotations

import threading
import time
from typing import Dict, Tuple
from urllib.parse import parse_qs

ROLE_NOT_ASSUMABLE = "The role defined for the function cannot be assumed by Lambda."


class RolePropagation:
    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self._lock = threading.Lock()
        self._created: Dict[Tuple[str, str], float] = {}  # (account, role name) → monotonic time

    def saw_iam_request(self, account: str, query: str, body: bytes, status: int) -> None:
        """Note a role that an IAM request (query protocol: form fields) created."""
        fields = parse_qs(query)
        fields.update(parse_qs(body.decode("utf-8", "replace")))
        if status < 300 and fields.get("Action") == ["CreateRole"] and "RoleName" in fields:
            with self._lock:
                self._created[(account, fields["RoleName"][0])] = time.monotonic()

    def is_propagating(self, account: str, role_arn: str) -> bool:
        """True while Lambda cannot assume the role yet (arn:aws:iam::ACCOUNT:role/[PATH/]NAME)."""
        name = role_arn.rsplit("/", 1)[-1]
        with self._lock:
            created = self._created.get((account, name))
        return created is not None and time.monotonic() - created < self.delay
