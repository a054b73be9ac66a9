"""Speaking the model's protocol: production-shaped request bodies, and what a good answer holds.

Plain JSON (with an optional request template), the Open Inference Protocol v2 (KServe, MLServer,
Triton), the MLflow scoring server and OpenAI-compatible chat completions. Request bodies are sampled
from the production data sample, so the model sees production-shaped inputs. Python models are called
in process: a ``module:function`` callable, or a scikit-learn/joblib file (loading a pickle runs code:
only files the manifest names are loaded).
"""

from __future__ import annotations

import csv
import functools
import importlib
import json
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from readiness.manifest import Endpoint, LoadedManifest

REQUIRED_KEY = {"v2": "outputs", "kserve-v1": "predictions", "mlflow": "predictions", "openai": "choices"}


def _number(text: str) -> Any:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return None if text == "" else text


def read_records(path: Path, text: frozenset[str] | tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Every record of a CSV or JSON Lines file as dicts (CSV cells as numbers where they are, except the
    ``text`` columns, which stay as written; empty as None). Read once per file version: the checks ask
    for the same samples many times in a run."""
    stat = path.stat()
    return _records(str(path), stat.st_mtime_ns, stat.st_size, frozenset(text))


@functools.lru_cache(maxsize=8)
def _records(path: str, _mtime_ns: int, _size: int, text: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    with open(path, newline="", encoding="utf-8") as fh:
        if Path(path).suffix.lower() in {".jsonl", ".ndjson", ".json"}:
            records = []
            for number, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        records.append(json.loads(line))
                    except ValueError as exc:
                        raise ValueError(f"{Path(path).name}:{number}: not JSON: {exc}") from None
            return records
        return [
            {k: (v if v != "" else None) if k in text else _number(v) for k, v in row.items()}
            for row in csv.DictReader(fh)
        ]


def declared_text(loaded: LoadedManifest) -> frozenset[str]:
    """The columns declared as text (``type: str``), kept as written in request bodies."""
    data = loaded.manifest.data
    return frozenset(c for c, rule in data.columns.items() if rule.type == "str") if data else frozenset()


def production_rows(loaded: LoadedManifest, limit: int, seed: int = 7) -> list[dict[str, Any]]:
    """Up to ``limit`` rows of the production sample (else the reference sample), seeded; copies, so
    that callers may change them."""
    data = loaded.manifest.data
    for source in (data.production, data.reference) if data else ():
        if source is None or not source.path:
            continue
        path = loaded.resolve(source.path)
        if path.suffix not in {".csv", ".jsonl", ".ndjson"}:
            continue
        rows = read_records(path, declared_text(loaded))
        if rows:
            chosen = random.Random(seed).sample(rows, min(limit, len(rows)))  # noqa: S311 - sampling, not secrets
            return [dict(r) for r in chosen]
    return []


def requests(loaded: LoadedManifest, limit: int, endpoint: Endpoint | None = None) -> list[tuple[dict[str, Any], Any]]:
    """(row, request body) pairs for up to ``limit`` production rows in the endpoint's protocol; the
    request example alone when the manifest gives one without a template."""
    endpoint = endpoint or loaded.manifest.model.endpoint
    if endpoint is None:
        return []
    if endpoint.request_example is not None and endpoint.request_template is None:
        return [(dict(endpoint.request_example), dict(endpoint.request_example))]
    rows = production_rows(loaded, limit)
    if rows:
        return [(row, wrap(endpoint, row)) for row in rows]
    return [(dict(endpoint.request_example), dict(endpoint.request_example))] if endpoint.request_example else []


def fill(template: Any, row: dict[str, Any]) -> Any:
    """Replace every "{column}" string in ``template`` by the row's value, keeping its type."""
    if isinstance(template, str) and template.startswith("{") and template.endswith("}") and template[1:-1] in row:
        return row[template[1:-1]]
    if isinstance(template, dict):
        return {k: fill(v, row) for k, v in template.items()}
    if isinstance(template, list):
        return [fill(v, row) for v in template]
    return template


def wrap(endpoint: Endpoint, row: dict[str, Any]) -> dict[str, Any]:
    """The request body for one production row, in the endpoint's protocol. Tensor layouts send the
    endpoint's ``columns`` in that order, else every column of the row in its order (the production
    sample's: scored rows are built in that order too)."""
    if endpoint.request_template is not None:
        filled: dict[str, Any] = fill(endpoint.request_template, row)
        return filled
    order = [c for c in endpoint.columns if c in row] if endpoint.columns else list(row)
    if endpoint.protocol == "mlflow":
        if endpoint.mlflow_format == "dataframe_records":
            return {"dataframe_records": [{c: row[c] for c in order}]}
        if endpoint.mlflow_format == "inputs":  # a tensor: one row of values, for models without a schema
            return {"inputs": [[row[c] for c in order]]}
        return {"dataframe_split": {"columns": order, "data": [[row[c] for c in order]]}}
    if endpoint.protocol == "v2":
        body: dict[str, Any]
        if endpoint.layout == "columns":
            body = {
                "inputs": [{"name": c, "shape": [1], "datatype": _v2_type(row[c]), "data": [row[c]]} for c in order]
            }
        else:
            values = [row[c] for c in order]
            present = [v for v in values if v is not None]  # a missing value stays null: the model must cope
            numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present)
            whole = numeric and all(isinstance(v, int) for v in present) and len(present) == len(values)
            datatype = "INT64" if whole else ("FP64" if numeric else "BYTES")
            data = values if numeric else ["" if v is None else str(v) for v in values]
            body = {
                "inputs": [{"name": endpoint.tensor_name, "shape": [1, len(order)], "datatype": datatype, "data": data}]
            }
        if endpoint.request_outputs:
            body["outputs"] = [{"name": n} for n in endpoint.request_outputs]
        return body
    if endpoint.protocol == "kserve-v1":
        if endpoint.layout == "columns":
            return {"instances": [{c: row[c] for c in order}]}
        return {"instances": [[row[c] for c in order]]}
    if endpoint.protocol == "openai":
        text = row.get("prompt") or row.get("text") or json.dumps(row, ensure_ascii=False)
        chat: dict[str, Any] = {"messages": [{"role": "user", "content": str(text)}], "max_tokens": 64}
        if endpoint.model_name:
            chat["model"] = endpoint.model_name
        if endpoint.stream:
            chat["stream"] = True
        return chat
    return row


def _v2_type(value: Any) -> str:
    if isinstance(value, bool):
        return "BOOL"
    if isinstance(value, int):
        return "INT64"
    if isinstance(value, float):
        return "FP64"
    return "BYTES"


def bodies(loaded: LoadedManifest, limit: int, endpoint: Endpoint | None = None) -> list[Any]:
    """Request bodies for up to ``limit`` production rows, for ``endpoint`` (default the model's)."""
    return [body for _, body in requests(loaded, limit, endpoint)]


def required_key(endpoint: Endpoint) -> str | None:
    return endpoint.response_field or REQUIRED_KEY.get(endpoint.protocol)


def split(url: str) -> tuple[str, str]:
    """``http://host:port/a/b?q`` -> (``http://host:port``, ``/a/b?q``)."""
    parts = urlsplit(url)
    path = parts.path or "/"
    return f"{parts.scheme}://{parts.netloc}", path + (f"?{parts.query}" if parts.query else "")


def import_callable(loaded: LoadedManifest, spec: str) -> Callable[..., Any]:
    """``module:function`` imported with the manifest's folder on the path."""
    return import_from(str(loaded.base_dir), spec)


def import_from(base_dir: str, spec: str) -> Callable[..., Any]:
    """``module:function`` imported with ``base_dir`` (the manifest's folder) on the path."""
    if base_dir not in sys.path:  # the callable's module lives beside the manifest
        sys.path.insert(0, base_dir)
    module_name, _, attr = spec.partition(":")
    fn: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        fn = getattr(fn, part)
    if not callable(fn):
        raise TypeError(f"{spec} is not callable")
    found: Callable[..., Any] = fn
    return found
