"""EventBridge Schemas on the local endpoint, as far as the Lambda console's shareable test events
use it: registries, and schemas whose every update is a new version.

moto 5.2 has no Schemas service. The requests are AWS's REST API (`/v1/registries/name/...`), the
answers and errors are shaped as botocore reads them.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, unquote

from werkzeug.wrappers import Response

from .answers import json_object, json_response

PATH_PREFIX = "/v1/registries/name/"
_TYPES = ("OpenApi3", "JSONSchemaDraft4")


@dataclass
class _Schema:
    type: str
    # Content of each version, version "1" first.
    versions: List[Tuple[str, str]] = field(default_factory=list)  # (content, created)


RegistryKey = Tuple[str, str, str]  # account, region, registry name


class SchemaRegistries:
    """Every registry and schema the endpoint holds, per account and region."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._registries: Dict[RegistryKey, Dict[str, _Schema]] = {}

    def respond(
        self, method: str, path: str, query: str, body: bytes, *, account: str, region: str
    ) -> Response:
        parts = [unquote(part) for part in path[len(PATH_PREFIX) :].split("/")]
        registry = (account, region, parts[0])
        with self._lock:
            if len(parts) == 1:
                return self._registry_request(method, registry)
            if len(parts) == 4 and parts[1:3] == ["schemas", "name"]:
                version = (parse_qs(query).get("schemaVersion") or [""])[0] or None
                return self._schema_request(method, registry, parts[3], body, version)
        return _error(404, "NotFoundException", f"No such resource: {path}")

    def _registry_request(self, method: str, registry: RegistryKey) -> Response:
        answer = {
            "RegistryName": registry[2],
            "RegistryArn": f"arn:aws:schemas:{registry[1]}:{registry[0]}:registry/{registry[2]}",
            "tags": {},
        }
        if method == "GET":
            if registry not in self._registries:
                return _missing_registry(registry)
            return json_response(200, answer)
        if method == "POST":
            if registry in self._registries:
                return _error(409, "ConflictException", f"Registry {registry[2]} already exists.")
            self._registries[registry] = {}
            return json_response(201, answer)
        return _error(405, "BadRequestException", f"{method} is not supported here.")

    def _schema_request(
        self,
        method: str,
        registry: RegistryKey,
        name: str,
        body: bytes,
        version: Optional[str],
    ) -> Response:
        schemas = self._registries.get(registry)
        if schemas is None:
            return _missing_registry(registry)
        if method == "GET":
            return self._describe(registry, name, schemas.get(name), version)
        request = json_object(body)
        problem = _content_problem(request, required=method == "POST")
        if problem:
            return _error(400, "BadRequestException", problem)
        if method == "POST":
            if name in schemas:
                return _error(409, "ConflictException", f"Schema {name} already exists.")
            schemas[name] = _Schema(str(request["Type"]))
        elif method != "PUT":
            return _error(405, "BadRequestException", f"{method} is not supported here.")
        schema = schemas.get(name)
        if schema is None:
            return _missing_schema(name)
        schema.type = str(request.get("Type") or schema.type)
        content = str(request.get("Content") or schema.versions[-1][0])
        schema.versions.append((content, _now()))
        answer = self._summary(registry, name, schema, len(schema.versions))
        return json_response(201 if method == "POST" else 200, answer)

    def _describe(
        self, registry: RegistryKey, name: str, schema: Optional[_Schema], version: Optional[str]
    ) -> Response:
        if schema is None:
            return _missing_schema(name)
        number = int(version) if version and version.isdigit() else len(schema.versions)
        if not 1 <= number <= len(schema.versions):
            return _error(404, "NotFoundException", f"Schema {name} has no version {version}.")
        answer = self._summary(registry, name, schema, number)
        answer["Content"] = schema.versions[number - 1][0]
        return json_response(200, answer)

    @staticmethod
    def _summary(registry: RegistryKey, name: str, schema: _Schema, number: int) -> Dict[str, Any]:
        account, region, registry_name = registry
        created = schema.versions[number - 1][1]
        return {
            "SchemaArn": f"arn:aws:schemas:{region}:{account}:schema/{registry_name}/{name}",
            "SchemaName": name,
            "SchemaVersion": str(number),
            "Type": schema.type,
            "VersionCreatedDate": created,
            "LastModified": schema.versions[-1][1],
            "tags": {},
        }


def _content_problem(request: Dict[str, Any], required: bool) -> str:
    if required and ("Content" not in request or "Type" not in request):
        return "Content and Type are required."
    if "Type" in request and request["Type"] not in _TYPES:
        return f"Type must be one of {', '.join(_TYPES)}."
    if "Content" in request:
        try:
            json.loads(str(request["Content"]))
        except ValueError:
            return "Content is not valid JSON."
    return ""


def _missing_registry(registry: RegistryKey) -> Response:
    return _error(404, "NotFoundException", f"Registry with name {registry[2]} does not exist.")


def _missing_schema(name: str) -> Response:
    return _error(404, "NotFoundException", f"Schema with name {name} does not exist.")


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _error(status: int, code: str, message: str) -> Response:
    response = json_response(status, {"Code": code, "Message": message})
    response.headers["x-amzn-ErrorType"] = code
    return response
