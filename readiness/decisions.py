"""Reading a team's decision store back, for the decision-trace probe (AUD-003).

The store is whatever the serving stack writes each decision to: a JSON Lines file, a SQLite file, a
table or query behind a SQLAlchemy URL (PostgreSQL, ...), or an HTTP endpoint that answers one decision
by request id. Reads are read-only (SQLite opened with ``mode=ro``, PostgreSQL in a read-only
transaction) and ask only for the request ids readiness sent. Nothing here prints a record: callers
compare fields and mask what they show.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from readiness.evidence import DataError, request
from readiness.manifest import DecisionStore, LoadedManifest

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")


def describe(store: DecisionStore) -> str:
    if store.path:
        return f"{store.path}" + (f" ({store.table or 'query'})" if store.table or store.query else "")
    if store.url:
        from readiness.data import describe as describe_source
        from readiness.manifest import DataSource

        return describe_source(DataSource(url=store.url, table=store.table, query=store.query))
    return str(store.http)


def read_decisions(
    loaded: LoadedManifest, store: DecisionStore, id_field: str, ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """The records of ``ids`` (by the value of ``id_field``), the last one when an id repeats. A store
    that cannot be read raises :class:`DataError` naming it; an id without a record is simply absent."""
    wanted = set(ids)
    if not wanted:
        return {}
    if store.http:
        return _read_http(store.http, ids)
    if not IDENTIFIER.match(id_field):
        raise DataError(f"{describe(store)}: field name {id_field!r} is not a plain column name")
    if store.url:
        records = _read_sqlalchemy(store, id_field, sorted(wanted))
    else:
        path = loaded.resolve(store.path or "")
        if not path.is_file():
            raise DataError(f"{store.path}: no such file: the serving stack wrote no decision there")
        if path.suffix.lower() in {".jsonl", ".ndjson"}:
            records = _read_jsonl(path, id_field, wanted)
        else:
            records = _read_sqlite(path, store, id_field, sorted(wanted))
    out: dict[str, dict[str, Any]] = {}
    for record in records:
        key = record.get(id_field)
        if key is not None and str(key) in wanted:
            out[str(key)] = record
    return out


def _read_jsonl(path: Path, id_field: str, wanted: set[str]) -> list[dict[str, Any]]:
    out = []
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except ValueError:
                    continue  # a torn last line while the server writes: the next read sees it whole
                if isinstance(record, dict) and str(record.get(id_field)) in wanted:
                    out.append(record)
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc}") from None
    return out


def _select(store: DecisionStore, id_field: str, count: int, mark: str) -> str:
    if store.query:
        source = f"({store.query}) AS readiness_decisions"
    elif store.table and IDENTIFIER.match(store.table):
        source = store.table
    else:
        raise DataError(f"{describe(store)}: table {store.table!r} is not a plain table name")
    marks = ", ".join([mark] * count) if mark == "?" else ", ".join(f":id{i}" for i in range(count))
    return f"SELECT * FROM {source} WHERE {id_field} IN ({marks})"  # noqa: S608 - names checked, ids bound


def _read_sqlite(path: Path, store: DecisionStore, id_field: str, ids: list[str]) -> list[dict[str, Any]]:
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    try:
        with sqlite3.connect(uri, uri=True, timeout=5) as con:
            con.row_factory = sqlite3.Row
            rows = con.execute(_select(store, id_field, len(ids), "?"), ids).fetchall()
    except sqlite3.Error as exc:
        raise DataError(f"{describe(store)}: cannot read: {exc}") from None
    return [dict(r) for r in rows]


def _read_sqlalchemy(store: DecisionStore, id_field: str, ids: list[str]) -> list[dict[str, Any]]:
    import sqlalchemy as sa

    from readiness.data import read_only_url
    from readiness.manifest import DataSource

    engine = sa.create_engine(read_only_url(DataSource(url=store.url, table=store.table, query=store.query)))
    try:
        with engine.connect() as con:
            if engine.dialect.name == "postgresql":
                con = con.execution_options(postgresql_readonly=True)
            rows = con.execute(
                sa.text(_select(store, id_field, len(ids), ":")), {f"id{i}": v for i, v in enumerate(ids)}
            )
            return [dict(r._mapping) for r in rows]
    except sa.exc.SQLAlchemyError as exc:
        raise DataError(f"{describe(store)}: cannot read: {str(exc).splitlines()[0][:200]}") from None
    finally:
        engine.dispose()


def _read_http(template: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """One GET per id, with no credentials: the model's headers go only to the model's endpoint."""
    out: dict[str, dict[str, Any]] = {}
    for key in ids:
        answer = request(template.replace("{request_id}", quote(key, safe="")), timeout=5.0)
        if answer.status == 404:
            continue
        if answer.status is None or not 200 <= answer.status < 300:
            raise DataError(f"{template}: {answer.why()}")
        body = answer.body
        if isinstance(body, list):  # a query endpoint may answer a list of matches
            body = body[-1] if body else None
        if isinstance(body, dict):
            out[key] = body
    return out
