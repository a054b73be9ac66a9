"""JSON: the versioned ``assessment.json`` every other format can be rendered from.

Its schema is published in docs/assessment.schema.json (`readiness schema --assessment`).
"""

from __future__ import annotations

import json

from readiness.model import Assessment


def render(assessment: Assessment) -> bytes:
    data = assessment.model_dump(mode="json")
    return (json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n").encode("utf-8")
