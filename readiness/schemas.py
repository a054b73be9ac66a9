"""JSON Schemas of the manifest and of assessment.json, generated from the pydantic models.

The same text is committed under docs/ so that editors can validate manifests through a
``# yaml-language-server: $schema=...`` modeline; a test keeps the two equal.
"""

from __future__ import annotations

import json
from typing import Any


def schema(kind: str = "manifest") -> dict[str, Any]:
    if kind == "manifest":
        from readiness.manifest import Manifest

        data = Manifest.model_json_schema(by_alias=True)
    else:
        from readiness.model import Assessment

        data = Assessment.model_json_schema()
    return {"$schema": "http://json-schema.org/draft-07/schema#", **data}


def schema_text(kind: str = "manifest") -> str:
    return json.dumps(schema(kind), indent=2, sort_keys=True) + "\n"
