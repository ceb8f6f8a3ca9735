"""A workspace's last invoke result, kept in `.lambda-editor/last-invoke.json`."""

from __future__ import annotations

import json
import os
from typing import Optional

from .events import write_json_file
from .invoke_result import InvokeResult

LAST_RESULT_FILE = "last-invoke.json"


def save_last_result(metadata_dir: str, result: InvokeResult) -> bool:
    """Keep the result for the workspace; False when it could not be written.

    Never raises: the invocation already happened, and failing to keep its result must not turn
    it into an error (callers may ignore the answer).
    """
    try:
        os.makedirs(metadata_dir, mode=0o700, exist_ok=True)
        write_json_file(os.path.join(metadata_dir, LAST_RESULT_FILE), result.to_json())
    except OSError:
        return False
    return True


def load_last_result(metadata_dir: str) -> Optional[InvokeResult]:
    """The last result saved for the workspace, or None when there is none (or it is unreadable)."""
    try:
        with open(os.path.join(metadata_dir, LAST_RESULT_FILE), encoding="utf-8") as stream:
            return InvokeResult.from_json(json.load(stream))
    except (OSError, ValueError, KeyError, TypeError):
        return None
