"""Concrete, well-formed requests for every business endpoint, read from the live service's OpenAPI.

The isolation matrix must hit every route the service really exposes (not a hand-kept list that could
miss a new one), with requests that would pass validation, so a refusal is the authorisation's doing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# Candidate strings tried in order against a parameter's or field's ``pattern``.
SAMPLES = ("x1", "Org1MSP/alice", "1", "ab" * 32, "*", "")


@dataclass(frozen=True)
class EndpointCall:
    method: str
    path_template: str
    operation_id: str
    path_params: dict[str, str]
    query: dict[str, str]
    body: dict[str, Any] | None

    def path(self, org: str) -> str:
        return self.path_template.format(org=org, **self.path_params)


def sample_string(schema: dict[str, Any]) -> str:
    pattern = schema.get("pattern")
    if pattern is None:
        return "x1"
    for candidate in SAMPLES:
        if re.search(pattern, candidate):
            return candidate
    raise AssertionError(f"no sample matches pattern {pattern!r}")


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    if "anyOf" in schema:  # Optional[...]: take the first non-null branch
        schema = next(s for s in schema["anyOf"] if s.get("type") != "null")
        return _resolve(spec, schema)
    return schema


def sample_value(spec: dict[str, Any], schema: dict[str, Any]) -> Any:
    schema = _resolve(spec, schema)
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: sample_value(spec, sub) for name, sub in props.items() if name in schema.get("required", [])}
    if kind == "array":
        return []
    if kind == "boolean":
        return False
    if kind == "integer":
        return 1
    return sample_string(schema)


def business_endpoints(spec: dict[str, Any], overrides: dict[str, str]) -> list[EndpointCall]:
    """Every operation under ``/v1/orgs/{org}``; ``overrides`` fixes path parameters (e.g. a real txid)."""
    calls: list[EndpointCall] = []
    for template, methods in spec["paths"].items():
        if not template.startswith("/v1/orgs/{org}"):
            continue
        for method, op in methods.items():
            path_params: dict[str, str] = {}
            query: dict[str, str] = {}
            for param in op.get("parameters", []):
                if param["in"] == "path" and param["name"] != "org":
                    value = overrides.get(param["name"]) or sample_string(_resolve(spec, param["schema"]))
                    path_params[param["name"]] = value
                elif param["in"] == "query" and param.get("required"):
                    query[param["name"]] = sample_string(_resolve(spec, param["schema"]))
            body = None
            content = op.get("requestBody", {}).get("content", {}).get("application/json")
            if content is not None:
                body = sample_value(spec, content["schema"])
            calls.append(EndpointCall(method.upper(), template, op["operationId"], path_params, query, body))
    return calls
