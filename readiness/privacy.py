"""Personal data never leaves through evidence.

Columns marked personal (``data.columns.X.personal`` or ``data.personal_data_columns``) are masked
wherever a check shows an input: :func:`masked` takes a row or a request body (plain JSON, the v2
``inputs`` tensors, MLflow's ``dataframe_split``) and masks those fields. As a second line, the engine
passes every check result through a :class:`Scrubber` that replaces any raw value of a personal column
found in the data files the run reads (identifiers: values of at most a few rows), in every finding text
and every evidence value; so a check that forgets to mask still cannot print one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from readiness.manifest import LoadedManifest, Manifest
    from readiness.model import CheckResult

__all__ = ["Scrubber", "mask", "masked", "masked_json", "personal_columns"]

MIN_LEN = 4
"""Raw values shorter than this are not scrubbed from free text (they would match everywhere)."""
MAX_SHARED = 5
"""A value found in more rows than this is a category, not an identifier, and is not scrubbed from text."""


def personal_columns(manifest: Manifest) -> set[str]:
    data = manifest.data
    if data is None:
        return set()
    return set(data.personal_data_columns) | {c for c, r in data.columns.items() if r.personal}


def mask(value: Any) -> str:
    """``Marta`` -> ``M***a``; short values become ``***``."""
    text = str(value)
    return text[:1] + "*" * max(3, len(text) - 2) + text[-1:] if len(text) > 2 else "***"


def masked(value: Any, columns: Iterable[str]) -> Any:
    """``value`` (a row or a request body) with every field named in ``columns`` masked."""
    cols = set(columns)
    if not cols:
        return value
    return _mask(value, cols)


def _mask(value: Any, cols: set[str]) -> Any:
    if isinstance(value, dict):
        if isinstance(value.get("name"), str) and value["name"] in cols and "data" in value:  # a v2 tensor
            return {**value, "data": _mask_all(value["data"])}
        if isinstance(value.get("columns"), list) and isinstance(value.get("data"), list):  # dataframe_split
            hidden = {i for i, c in enumerate(value["columns"]) if c in cols}
            rows = [
                [mask(v) if i in hidden and v is not None else v for i, v in enumerate(r)] if isinstance(r, list) else r
                for r in value["data"]
            ]
            return {**value, "data": rows}
        return {k: (_mask_all(v) if k in cols else _mask(v, cols)) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v, cols) for v in value]
    return value


def _mask_all(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, list):
        return [_mask_all(v) for v in value]
    if isinstance(value, dict):
        return {k: _mask_all(v) for k, v in value.items()}
    return mask(value)


def masked_json(manifest: Manifest, value: Any, limit: int = 300) -> str:
    """``value`` masked and as JSON text, cut to ``limit`` characters."""
    text = (
        value
        if isinstance(value, str)
        else json.dumps(masked(value, personal_columns(manifest)), ensure_ascii=False, default=str)
    )
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


class Scrubber:
    """Replaces every raw value of a personal column (as found in the run's data files) in text."""

    def __init__(self, values: Iterable[str]) -> None:
        self.values = sorted({v for v in values if len(v) >= MIN_LEN}, key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self.values)

    def text(self, text: str) -> str:
        for value in self.values:
            if value in text:
                text = text.replace(value, mask(value))
        return text

    def deep(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.deep(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self.deep(v) for v in value)
        return value

    def result(self, result: CheckResult) -> CheckResult:
        if not self:
            return result
        findings = tuple(
            f.model_copy(
                update={
                    "message": self.text(f.message),
                    "expected": self.deep(f.expected),
                    "observed": self.deep(f.observed),
                    "evidence": self.deep(f.evidence),
                }
            )
            for f in result.findings
        )
        return result.model_copy(
            update={"summary": self.text(result.summary), "findings": findings, "metrics": self.deep(result.metrics)}
        )


def scrubber(loaded: LoadedManifest, reader: Callable[[Any], list[dict[str, Any]]] | None = None) -> Scrubber:
    """A scrubber for the personal columns' values in the manifest's CSV and JSON Lines data files."""
    columns = personal_columns(loaded.manifest)
    data = loaded.manifest.data
    if not columns or data is None:
        return Scrubber(())
    if reader is None:
        from readiness.adapters import read_records

        def reader(path: Any) -> list[dict[str, Any]]:
            return read_records(path, frozenset(columns))  # as written: 0791234567 keeps its 0

    counts: dict[str, int] = {}
    for source in (data.production, data.reference, data.evaluation):
        if source is None or not source.path:
            continue
        path = loaded.resolve(source.path)
        if path.suffix.lower() not in {".csv", ".jsonl", ".ndjson"} or not path.is_file():
            continue
        try:
            records = reader(path)
        except (OSError, ValueError):
            continue
        for record in records:
            for column in columns:
                value = record.get(column)
                if value is not None and value != "":
                    key = str(value)
                    counts[key] = counts.get(key, 0) + 1
    # a value shared by many rows is a category ("female", "north"), not an identifier: the fairness
    # tables may name it; example inputs still mask it by its column
    return Scrubber(v for v, n in counts.items() if n <= MAX_SHARED)
