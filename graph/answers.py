"""The shapes of answers, as JSON Schema in OpenAPI 3.0's dialect (``nullable``).

Each question, read endpoint and write declares the shape of its answer beside its
function; the OpenAPI description publishes it and the fuzzer checks every answer
against it (``tests/test_api_fuzz.py``). The pieces every answer shares live here.

>>> obj({"id": TEXT}, {"name": TEXT})["required"]
['id']
"""
from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

TEXT: Schema = {"type": "string"}
TEXTS: Schema = {"type": "array", "items": TEXT}
INTEGER: Schema = {"type": "integer"}
NUMBER: Schema = {"type": "number"}
BOOLEAN: Schema = {"type": "boolean"}
ANY_OBJECT: Schema = {"type": "object"}
COUNTS: Schema = {"type": "object", "additionalProperties": INTEGER}  # a count by name (kind, role…)


def nullable(schema: Schema) -> Schema:
    return {**schema, "nullable": True}


DATE: Schema = nullable({"type": "string", "format": "date"})


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def obj(required: dict[str, Schema], optional: dict[str, Schema] | None = None, *, more: bool = False) -> Schema:
    """An object with *required* and *optional* properties; others only when *more* (an open record)."""
    return {"type": "object", "required": sorted(required), "properties": {**required, **(optional or {})},
            "additionalProperties": more}


def extended(base: Schema, required: dict[str, Schema], optional: dict[str, Schema] | None = None) -> Schema:
    """*base* (an :func:`obj`) with more properties."""
    return {**base, "required": sorted({*base["required"], *required}),
            "properties": {**base["properties"], **required, **(optional or {})}}


def items(schema: Schema, **more: Schema) -> Schema:
    """A list answer: ``{"items": [...]}`` (and *more*, e.g. a page's counts)."""
    return obj({"items": array(schema), **more})


# How an actor, a project or a theme appears in every answer (graph.territory.Territory.summary).
SUMMARY = obj({"id": TEXT, "name": TEXT, "kind": TEXT}, {"service": TEXT, "service_name": TEXT})
# One piece of evidence of a tie (Territory.describe_evidence): its kind, then what that kind says.
EVIDENCE = obj({"kind": TEXT}, more=True)


def as_json_schema(schema: Any) -> Any:
    """*schema* in plain JSON Schema (``nullable`` as a type list), for a validator outside the OpenAPI.

    >>> as_json_schema(obj({"k": nullable(INTEGER)}))["properties"]["k"]
    {'type': ['integer', 'null']}
    """
    if isinstance(schema, list):
        return [as_json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    plain: dict[str, Any] = {key: as_json_schema(value) for key, value in schema.items() if key != "nullable"}
    if schema.get("nullable"):
        if "type" in plain:
            plain["type"] = [plain["type"], "null"]
        elif "enum" in plain:
            plain["enum"] = [*plain["enum"], None]
    return plain
