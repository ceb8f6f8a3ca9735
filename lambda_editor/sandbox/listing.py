"""ListFunctions paged as Lambda pages it (moto returns every function in one answer).

A page holds at most 50 functions, whatever MaxItems asks for; `NextMarker` is opaque to the
caller (here: the last listed function's ARN, base64url-encoded), and listed configurations leave
out the fields only GetFunction has.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, Dict, List, Optional, Tuple

PAGE_LIMIT = 50
# Fields AWS leaves out of ListFunctions' configurations (GetFunction has them).
_NOT_LISTED = ("State", "StateReason", "StateReasonCode", "LastUpdateStatus")


def page_request(max_items: Optional[str], marker: Optional[str]) -> Tuple[int, Optional[str]]:
    """(page size, ARN the page starts after) from MaxItems and Marker; ValueError if invalid."""
    return _page_size(max_items), _decode_marker(marker)


def function_page(
    functions: List[Dict[str, Any]], limit: int, after: Optional[str]
) -> Dict[str, Any]:
    """The answer for one page: the functions after `after` by ARN, and the marker for the next."""
    ordered = sorted(functions, key=lambda config: config["FunctionArn"])
    remaining = [config for config in ordered if not after or config["FunctionArn"] > after]
    page = remaining[:limit]
    for configuration in page:
        for field in _NOT_LISTED:
            configuration.pop(field, None)
    result: Dict[str, Any] = {"Functions": page}
    if len(remaining) > limit:
        result["NextMarker"] = _encode_marker(page[-1]["FunctionArn"])
    return result


def _page_size(max_items: Optional[str]) -> int:
    if max_items is None:
        return PAGE_LIMIT
    if not max_items.isdigit() or int(max_items) < 1:
        raise ValueError(f"MaxItems must be a positive integer, not {max_items!r}.")
    return min(int(max_items), PAGE_LIMIT)


def _encode_marker(arn: str) -> str:
    return base64.urlsafe_b64encode(arn.encode()).decode()


def _decode_marker(marker: Optional[str]) -> Optional[str]:
    if not marker:
        return None
    try:
        return base64.b64decode(marker.encode(), altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise ValueError("The Marker is not one this endpoint returned.") from None
