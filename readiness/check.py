"""The public plugin API: how to write a check.

A check is a class with explicit metadata and one method, ``run(ctx) -> CheckResult``. It never
prints, exits, reads globals or keeps state between runs; the engine owns timeouts, crashes and skips.
See docs/plugins.md for a worked example.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

from readiness.model import (
    Attestation,
    CheckResult,
    EvidenceKind,
    Finding,
    Location,
    Reference,
    Severity,
    Status,
)

if TYPE_CHECKING:
    from readiness.evidence import Evidence
    from readiness.manifest import LoadedManifest, Manifest
    from readiness.resources import Resources

__all__ = [
    "Check", "CheckContext", "CheckResult", "EvidenceKind", "Finding", "Location", "Param",
    "Reference", "Severity", "Status", "result_from_findings", "not_applicable", "attestation_of", "LIVE_MODEL",
]

ID_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{1,5}-\d{3}$")
AREA_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Param:
    """A tunable parameter of a check, set by profiles."""

    default: Any
    description: str


class Check:
    """Base class of every check. Subclasses set the metadata and implement :meth:`run`."""

    id: ClassVar[str]
    """Stable id such as ``OWN-001``: never reused, never renamed (old ids go in ``aliases``)."""
    area: ClassVar[str]
    title: ClassVar[str]
    rationale: ClassVar[str]
    """Why it matters, for a reader who is not an engineer."""
    remediation: ClassVar[str]
    """How to fix a failure, in general terms; findings add the specifics."""
    references: ClassVar[tuple[Reference, ...]] = ()
    weight: ClassVar[float] = 1.0
    blocking: ClassVar[bool] = False
    extras: ClassVar[tuple[str, ...]] = ()
    """Import names this check needs (e.g. ``great_expectations``); absent ones make it SKIPPED."""
    install_hint: ClassVar[str | None] = None
    params: ClassVar[Mapping[str, Param]] = MappingProxyType({})
    aliases: ClassVar[tuple[str, ...]] = ()
    timeout_s: ClassVar[float] = 60.0

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if getattr(cls, "abstract", False) and "abstract" in cls.__dict__:
            return
        problems = []
        for name in ("id", "area", "title", "rationale", "remediation"):
            value = getattr(cls, name, None)
            if not isinstance(value, str) or not value.strip():
                problems.append(f"{name} must be a non-empty string")
        if isinstance(getattr(cls, "id", None), str) and not ID_PATTERN.match(cls.id):
            problems.append(f"id {cls.id!r} must look like ABC-001")
        if isinstance(getattr(cls, "area", None), str) and not AREA_PATTERN.match(cls.area):
            problems.append(f"area {cls.area!r} must be lower_snake_case")
        if not isinstance(cls.weight, (int, float)) or cls.weight < 0:
            problems.append("weight must be a non-negative number")
        if not all(isinstance(p, Param) for p in cls.params.values()):
            problems.append("params must map names to readiness.check.Param")
        if problems:
            raise TypeError(f"check class {cls.__qualname__}: " + "; ".join(problems))

    def run(self, ctx: CheckContext) -> CheckResult:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def explain(cls) -> dict[str, Any]:
        """Metadata as plain data, for `readiness checks explain` and the docs."""
        return {
            "id": cls.id, "area": cls.area, "title": cls.title, "rationale": cls.rationale,
            "remediation": cls.remediation, "weight": cls.weight, "blocking": cls.blocking,
            "extras": list(cls.extras), "aliases": list(cls.aliases),
            "references": [r.model_dump(exclude_none=True) for r in cls.references],
            "params": {k: {"default": p.default, "description": p.description}
                       for k, p in cls.params.items()},
        }


@dataclass(frozen=True)
class CheckContext:
    """Everything a check may look at. Checks read it; they never change it."""

    loaded: LoadedManifest
    params: Mapping[str, Any]
    now: datetime
    resources: Resources
    profile_name: str = "default"
    attestation_max_age_days: int = 365
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def manifest(self) -> Manifest:
        return self.loaded.manifest

    @property
    def evidence(self) -> Evidence:
        """The evidence layer: the only way a check reaches the model, the data and the load run."""
        from readiness.evidence import Evidence

        return Evidence(self.resources)

    @property
    def today(self) -> date:
        return self.now.date()

    def resolve(self, relative: str) -> Path:
        return self.loaded.resolve(relative)

    def at(self, *loc: str | int) -> Location:
        """A location in the manifest, for findings: ``ctx.at("owners", "on_call")``."""
        field_ = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in loc).replace(".[", "[")
        return Location(file=str(self.loaded.path), line=self.loaded.line_of(*loc), field=field_ or None)


def attestation_of(section: Any) -> Attestation | None:
    """The who-and-when of an attested manifest section, if it has one."""
    by, on = getattr(section, "attested_by", None), getattr(section, "attested_on", None)
    return Attestation(by=by, on=on) if (by or on) else None


def result_from_findings(
    findings: Iterable[Finding],
    *,
    passed: str,
    failed: str,
    evidence_kind: EvidenceKind = EvidenceKind.MEASURED,
    attestation: Attestation | None = None,
    metrics: dict[str, Any] | None = None,
    total: int | None = None,
) -> CheckResult:
    """The usual way to conclude: FAIL on a high or critical finding, WARN on lesser ones, else PASS.

    The score is the share of ``total`` requirements without a finding (each finding one requirement)
    when ``total`` is given; otherwise 0 on FAIL, 50 on WARN and 100 on PASS.
    """
    findings = tuple(sorted(findings, key=lambda f: -f.severity))
    gaps = [f for f in findings if f.severity > Severity.INFO]
    if any(f.severity >= Severity.HIGH for f in gaps):
        status = Status.FAIL
    elif gaps:
        status = Status.WARN
    else:
        status = Status.PASS
    if total:
        score = 100.0 * max(0, total - len(gaps)) / total
    else:
        score = {Status.PASS: 100.0, Status.WARN: 50.0, Status.FAIL: 0.0}[status]
    if status is Status.FAIL:
        score = min(score, 50.0)
    summary = passed if status is Status.PASS else failed.format(n=len(gaps))
    return CheckResult(status=status, score=round(score, 2), summary=summary, findings=findings,
                       evidence_kind=evidence_kind, attestation=attestation, metrics=metrics or {})


def not_applicable(summary: str, needs: str | None = None) -> CheckResult:
    """NOT APPLICABLE, with why. ``needs`` names the missing input when the check does not apply only
    because the manifest left something out (``data.columns``, ``live model``): a profile that marks
    the check ``required`` turns such a result into FAIL ("not shown")."""
    return CheckResult(status=Status.NOT_APPLICABLE, score=100.0, summary=summary,
                       metrics={"needs": needs} if needs else {})


LIVE_MODEL = "live model"
"""What predictions-only mode lacks: ``not_applicable(..., needs=LIVE_MODEL)``."""
