"""Paths into an answer (``score``, ``outputs.0.data``, ``explanations[*].feature``), with no
dependencies: the Locust subprocess reads answers with the same function readiness does."""

from __future__ import annotations

from typing import Any

__all__ = ["at_path"]


def at_path(value: Any, path: str) -> Any:
    """``reason_codes`` or ``explanations[*].feature`` or ``outputs.0.data``."""
    for part in path.split("."):
        star = part.endswith("[*]")
        key = part[:-3] if star else part
        if isinstance(value, dict):
            value = value.get(key)
        elif isinstance(value, list) and key.isdigit():
            value = value[int(key)] if int(key) < len(value) else None
        else:
            return None
        if star:
            if not isinstance(value, list):
                return None
            rest = path.split(part + ".", 1)[1] if part + "." in path else None
            return [at_path(v, rest) if rest else v for v in value]
    return value
