"""Downloads of a function's code and of a layer version's content, from the endpoint itself.

Lambda answers with presigned S3 URLs that moto cannot serve. Here a URL names what it serves and
carries a token signed over its CodeSha256: like a presigned URL, it serves only the content it
was issued for, and fails once that content changed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Iterator, Optional, Tuple
from urllib.parse import parse_qs, quote, unquote

from werkzeug.wrappers import Response

from .backend import MotoBackend
from .state import FunctionKey

DOWNLOAD_PATH = re.compile(
    r"^/_sandbox/(?P<kind>code|layer)/(?P<account>[^/]+)/(?P<region>[^/]+)/(?P<name>[^/]+)/"
    r"(?P<version>[^/]+)$"
)
_CHUNK = 1 << 20


class Downloads:
    def __init__(self, moto: MotoBackend) -> None:
        self._moto = moto
        self._key = secrets.token_bytes(32)

    def url(self, host: str, kind: str, key: FunctionKey, code_sha256: str) -> str:
        """A URL for a function's code ("code") or a layer version's content ("layer"); `key` is
        (account, region, name, version)."""
        account, region, name, version = key
        return (
            f"http://{host}/_sandbox/{kind}/{account}/{region}/{quote(name)}/"
            f"{quote(version, safe='')}?token={self._token(kind, key, code_sha256)}"
        )

    def serve(self, match: re.Match[str], query_string: str) -> Response:
        kind = match["kind"]
        key = (match["account"], match["region"], unquote(match["name"]), unquote(match["version"]))
        found = self._content(kind, key)
        if found is None:
            return _download_error(404, "NoSuchKey", "The specified key does not exist.")
        data, code_sha256 = found
        token = (parse_qs(query_string).get("token") or [""])[0]
        if not hmac.compare_digest(token, self._token(kind, key, code_sha256)):
            return _download_error(
                403,
                "AccessDenied",
                "This URL is invalid or the content changed since it was issued: "
                "ask Lambda for a new one.",
            )
        return Response(
            _chunks(data),
            mimetype="application/zip",
            headers={"Content-Length": str(len(data))},
            direct_passthrough=True,
        )

    def _token(self, kind: str, key: FunctionKey, code_sha256: str) -> str:
        message = "/".join((kind, *key, code_sha256)).encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def _content(self, kind: str, key: FunctionKey) -> Optional[Tuple[bytes, str]]:
        """The zip and CodeSha256 a URL names, if it still exists."""
        if kind == "code":
            return self._moto.code(key)
        account, region, name, version = key
        return self._moto.layer_zip(f"arn:aws:lambda:{region}:{account}:layer:{name}:{version}")


def _chunks(data: bytes) -> Iterator[bytes]:
    view = memoryview(data)
    for start in range(0, len(data), _CHUNK):
        yield bytes(view[start : start + _CHUNK])


def _download_error(status: int, code: str, message: str) -> Response:
    """An error shaped like S3's (the host a real Code.Location names)."""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    )
    return Response(body, status=status, mimetype="application/xml")
