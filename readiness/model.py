"""The result types: statuses, findings, check results and the one immutable Assessment.

Everything here is a frozen pydantic model so that an assessment serialises to ``assessment.json`` and
reads back unchanged: every report is a function of an :class:`Assessment`.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import IntEnum, StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.0"


class Status(StrEnum):
    """What a check concluded. Checks set the first four; only the engine sets ERROR and SKIPPED."""

    PASS = "pass"  # noqa: S105 - a status, not a password
    WARN = "warn"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    ERROR = "error"
    SKIPPED = "skipped"


CHECK_STATUSES = frozenset({Status.PASS, Status.WARN, Status.FAIL, Status.NOT_APPLICABLE})


class Severity(IntEnum):
    """How much a finding matters; ordered, so findings sort by it."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()


class EvidenceKind(StrEnum):
    """How a check obtained its evidence: the scoring trusts them differently."""

    MEASURED = "measured"
    """Observed now, against the real model or the real data."""
    IMPORTED = "imported"
    """Read from an artifact someone else produced (a predictions file, a test report)."""
    ATTESTED = "attested"
    """Stated in the manifest by a person."""


class Verdict(StrEnum):
    READY = "ready"
    NOT_READY = "not_ready"


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Location(Frozen):
    """Where a finding points: a manifest line and field, a data column, a URL."""

    file: str | None = None
    line: int | None = None
    field: str | None = None
    column: str | None = None


class Finding(Frozen):
    """One gap or observation: what was expected, what was found, and how to fix it."""

    severity: Severity = Severity.MEDIUM
    message: str
    expected: str | None = None
    observed: str | None = None
    remediation: str | None = None
    location: Location | None = None
    evidence: dict[str, Any] = Field(default_factory=dict)


class Attestation(Frozen):
    by: str | None = None
    on: date | None = None


class CheckResult(Frozen):
    """What a check returns. Build it with the helpers in :mod:`readiness.check`."""

    status: Status
    score: float = Field(ge=0, le=100)
    summary: str
    findings: tuple[Finding, ...] = ()
    evidence_kind: EvidenceKind = EvidenceKind.MEASURED
    attestation: Attestation | None = None
    metrics: dict[str, Any] = Field(default_factory=dict)


class Reference(Frozen):
    """A regulation or standard a check answers to, with how sure the citation is."""

    source: str
    section: str | None = None
    confidence: str | None = Field(None, description="CP, CM, SC, SC1 or MU: see docs/profiles.md.")


class Outcome(Frozen):
    """A check's result inside an assessment, with what the engine and the profile added."""

    id: str
    title: str
    area: str
    weight: float
    blocking: bool
    result: CheckResult
    duration_s: float
    waived: bool = False
    waiver: dict[str, Any] | None = None
    stale: bool = False
    effective_score: float | None = None
    references: tuple[Reference, ...] = ()
    remediation: str | None = None

    @property
    def status(self) -> Status:
        return self.result.status

    @property
    def counted(self) -> bool:
        """Whether the outcome enters the score's denominator."""
        return not self.waived and self.status in {Status.PASS, Status.WARN, Status.FAIL, Status.ERROR}


class AreaScore(Frozen):
    area: str
    score: float | None
    checks: int
    counted: int


class Gap(Frozen):
    """A check that is not passing, with how many points fixing it would add to the score."""

    check_id: str
    title: str
    area: str
    status: Status
    blocking: bool
    gain: float
    remediation: str | None = None


class RequirementResult(Frozen):
    """Whether one cited requirement of the profile's regime is met, judged from its checks."""

    id: str
    title: str
    citation: str
    confidence: str
    status: str = Field(description="pass, fail, unknown or not_applicable")
    checks: tuple[str, ...] = ()
    note: str | None = None


class TrendPoint(Frozen):
    """One earlier assessment of the same model, from the history, for the trend chart."""

    finished_at: datetime
    score: float
    level: str | None
    verdict: str
    approved: bool = False


class Coverage(Frozen):
    measured: int = 0
    imported: int = 0
    attested: int = 0
    stale: int = 0
    not_applicable: int = 0
    skipped: int = 0
    errored: int = 0
    waived: int = 0
    total: int = 0


class ToolInfo(Frozen):
    name: str = "readiness"
    version: str


class ProfileInfo(Frozen):
    name: str
    version: str
    digest: str
    pass_score: float
    levels: tuple[str, ...] = ()
    regime: str | None = None


class ManifestInfo(Frozen):
    path: str
    digest: str
    model_id: str
    model_name: str
    model_version: str


class Assessment(Frozen):
    """The one result every report renders from."""

    schema_version: str = SCHEMA_VERSION
    tool: ToolInfo
    profile: ProfileInfo
    manifest: ManifestInfo
    started_at: datetime
    finished_at: datetime
    verdict: Verdict
    score: float
    threshold: float
    level: str | None
    next_level: str | None = None
    blocking_gaps: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    areas: tuple[AreaScore, ...] = ()
    coverage: Coverage
    outcomes: tuple[Outcome, ...]
    gaps: tuple[Gap, ...] = ()
    requirements: tuple[RequirementResult, ...] = ()
    trend: tuple[TrendPoint, ...] = ()
    host: dict[str, str] = Field(default_factory=dict)

    def outcome(self, check_id: str) -> Outcome:
        for o in self.outcomes:
            if o.id == check_id:
                return o
        raise KeyError(check_id)
