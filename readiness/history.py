"""Assessment history in SQLite: every assessment, the approved baselines, and the trend.

The database is a file beside the manifest by default (``readiness-history.sqlite``). It runs in WAL
mode with a busy timeout, and each write is one short IMMEDIATE transaction, so that several
assessments finishing at once are all stored.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from readiness.errors import ReportError
from readiness.model import Assessment, TrendPoint

DEFAULT_NAME = "readiness-history.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS assessments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    model_id TEXT NOT NULL,
    manifest_path TEXT NOT NULL,
    manifest_digest TEXT NOT NULL,
    profile TEXT NOT NULL,
    profile_digest TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    score REAL NOT NULL,
    level TEXT,
    verdict TEXT NOT NULL,
    document TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS assessments_model ON assessments (model_id, id);
CREATE TABLE IF NOT EXISTS check_status (
    assessment_id INTEGER NOT NULL REFERENCES assessments (id),
    check_id TEXT NOT NULL,
    status TEXT NOT NULL,
    effective_score REAL,
    PRIMARY KEY (assessment_id, check_id)
);
CREATE TABLE IF NOT EXISTS approvals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    assessment_id INTEGER NOT NULL REFERENCES assessments (id),
    model_id TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    approved_at TEXT NOT NULL,
    note TEXT
);
"""


@dataclass(frozen=True)
class Row:
    id: int
    finished_at: str
    score: float
    level: str | None
    verdict: str
    profile: str
    manifest_digest: str
    approved_by: str | None


def default_path(manifest: Path) -> Path:
    return manifest.resolve().parent / DEFAULT_NAME


class History:
    """One history database; open it with :func:`open_history`."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _db(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise ReportError(f"cannot open history {self.path}: {exc}") from None
        try:
            con.execute("PRAGMA busy_timeout = 30000")
            con.execute("PRAGMA journal_mode = WAL")
            con.executescript(SCHEMA)
            if write:
                con.execute("BEGIN IMMEDIATE")
            yield con
            if write:
                con.execute("COMMIT")
        except sqlite3.Error as exc:
            if write and con.in_transaction:
                con.execute("ROLLBACK")
            raise ReportError(f"history {self.path}: {exc}") from None
        finally:
            con.close()

    def record(self, a: Assessment) -> int:
        """Store one assessment; returns its id."""
        with self._db(write=True) as con:
            cur = con.execute(
                "INSERT INTO assessments (model_id, manifest_path, manifest_digest, profile, profile_digest, "
                "finished_at, score, level, verdict, document) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    a.manifest.model_id,
                    a.manifest.path,
                    a.manifest.digest,
                    a.profile.name,
                    a.profile.digest,
                    a.finished_at.isoformat(),
                    a.score,
                    a.level,
                    a.verdict.value,
                    a.model_dump_json(),
                ),
            )
            row_id = int(cur.lastrowid or 0)
            con.executemany(
                "INSERT INTO check_status VALUES (?, ?, ?, ?)",
                [(row_id, o.id, o.status.value, o.effective_score) for o in a.outcomes],
            )
            return row_id

    def rows(self, model_id: str, limit: int = 50, profile: str | None = None) -> list[Row]:
        """The model's assessments, oldest first; under ``profile`` only, when given."""
        with self._db() as con:
            found = con.execute(
                "SELECT a.id, a.finished_at, a.score, a.level, a.verdict, a.profile, a.manifest_digest, "
                "(SELECT approved_by FROM approvals p WHERE p.assessment_id = a.id ORDER BY p.id DESC LIMIT 1) "
                "FROM assessments a WHERE a.model_id = ? AND (? IS NULL OR a.profile = ?) "
                "ORDER BY a.id DESC LIMIT ?",
                (model_id, profile, profile, limit),
            ).fetchall()
        return [Row(*r) for r in reversed(found)]

    def trend(self, model_id: str, limit: int = 20, profile: str | None = None) -> tuple[TrendPoint, ...]:
        """Earlier scores of the model under one profile (scores under different profiles do not compare)."""
        return tuple(
            TrendPoint(
                finished_at=datetime.fromisoformat(r.finished_at),
                score=r.score,
                level=r.level,
                verdict=r.verdict,
                approved=r.approved_by is not None,
            )
            for r in self.rows(model_id, limit, profile)
        )

    def load(self, assessment_id: int) -> Assessment:
        with self._db() as con:
            row = con.execute("SELECT document FROM assessments WHERE id = ?", (assessment_id,)).fetchone()
        if row is None:
            raise ReportError(f"history {self.path}: no assessment #{assessment_id}")
        return Assessment.model_validate_json(row[0])

    def latest(self, model_id: str) -> tuple[int, Assessment] | None:
        with self._db() as con:
            row = con.execute(
                "SELECT id FROM assessments WHERE model_id = ? ORDER BY id DESC LIMIT 1", (model_id,)
            ).fetchone()
        return (row[0], self.load(row[0])) if row else None

    def approve(self, assessment_id: int, model_id: str, by: str, at: datetime, note: str | None) -> None:
        with self._db(write=True) as con:
            con.execute(
                "INSERT INTO approvals (assessment_id, model_id, approved_by, approved_at, note) "
                "VALUES (?, ?, ?, ?, ?)",
                (assessment_id, model_id, by, at.isoformat(), note),
            )

    def baseline(self, model_id: str) -> tuple[int, Assessment, str, str] | None:
        """The last approved assessment: (id, assessment, approved_by, approved_at)."""
        with self._db() as con:
            row = con.execute(
                "SELECT assessment_id, approved_by, approved_at FROM approvals WHERE model_id = ? "
                "ORDER BY id DESC LIMIT 1",
                (model_id,),
            ).fetchone()
        if row is None:
            return None
        return row[0], self.load(row[0]), row[1], row[2]


def open_history(manifest: Path, override: Path | None = None) -> History:
    return History(override or default_path(manifest))


def to_json(rows: list[Row]) -> str:
    return json.dumps([r.__dict__ for r in rows], indent=2)
