"""Says hello: the smallest useful Python handler."""

from __future__ import annotations

import json
from typing import Any, Dict


def lambda_handler(event: Any, context: Any) -> Dict[str, Any]:
    name = event.get("name", "world") if isinstance(event, dict) else "world"
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"message": f"Hello, {name}!"}),
    }
