"""The public plugin API: how to write a check, and everything a check may use.

A check is a class with explicit metadata, a docstring that is its documentation page, and one method,
``run(ctx) -> CheckResult``. It never prints, exits, reads globals or keeps state between runs; the
engine owns timeouts, crashes and skips. See docs/plugins.md for a worked example.

The built-in checks import only this module, :mod:`readiness.evidence`, :mod:`readiness.metrics`,
:mod:`readiness.citations`, :mod:`readiness.numbers`, :mod:`readiness.stats` and :mod:`readiness.monitoring`
(a test walks ``checks/`` and fails on anything else), so a plugin author who copies a built-in copies
nothing private. What lives here:

* authoring: :class:`Check`, :class:`Param`, :class:`Area`, :class:`CheckContext`, the result model;
* concluding: :func:`result_from_findings`, :func:`fail`, :func:`not_applicable`, and
  :class:`Precondition` for "cannot judge, because ..." exits from helpers;
* findings: :func:`missing_finding`, :func:`stale_finding`, :func:`person_problem`;
* the evidence a check reads, re-exported from the modules that own it (the model's answers, inputs,
  predictions and scored sets, masking of personal data, name comparison).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

from readiness.adapters import bodies, import_callable, production_rows, required_key, wrap
from readiness.adapters import requests as example_requests
from readiness.data import Frame
from readiness.decisions import describe as describe_store
from readiness.decisions import read_decisions
from readiness.drills import Prober, RestoreError, describe_action, port_of, run_action
from readiness.evidence import Answer, AnswerKind, DataError, LoadError, Precondition, classify, require_good, tally
from readiness.loadtest.runner import LoadResult
from readiness.manifest import (
    SECTIONS,
    Data,
    DrillAction,
    Endpoint,
    Explainability,
    Person,
    RollbackDrill,
    StopDrill,
    ThirdParty,
    Trace,
    is_placeholder,
)
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
from readiness.names import normalise, same_name, unique_names
from readiness.outputs import (
    Measured,
    ScoredSet,
    adverse,
    at_path,
    call,
    class_text,
    describe_predictions,
    evidence_kind_of,
    fmt_metric,
    groups_of,
    has_target,
    in_process,
    labelled_gap,
    labelled_source,
    measure,
    metric_on,
    model_inputs,
    predictions_only,
    read_answer,
    read_predictions,
    reasons_of,
    same_value,
    scored,
    task_of,
    truth_of,
    unanswered_gap,
)
from readiness.privacy import masked, masked_json, personal_columns
from readiness.yamlsource import dotted

if TYPE_CHECKING:
    from readiness.evidence import Evidence
    from readiness.manifest import LoadedManifest, Manifest
    from readiness.resources import Resources

__all__ = [
    # authoring
    "Area",
    "Check",
    "CheckContext",
    "Param",
    "LIVE_MODEL",
    # the result model
    "Attestation",
    "CheckResult",
    "EvidenceKind",
    "Finding",
    "Location",
    "Reference",
    "Severity",
    "Status",
    # concluding
    "Precondition",
    "require_http_endpoint",
    "attestation_of",
    "attested",
    "missing_section",
    "fail",
    "not_applicable",
    "result_from_findings",
    # findings
    "age_days",
    "missing_finding",
    "person_problem",
    "stale_finding",
    # the manifest
    "SECTIONS",
    "Data",
    "Endpoint",
    "Explainability",
    "Person",
    "ThirdParty",
    "Trace",
    "dotted",
    "is_placeholder",
    # names and personal data
    "masked",
    "masked_json",
    "normalise",
    "personal_columns",
    "same_name",
    "unique_names",
    # the model's inputs and answers
    "Answer",
    "AnswerKind",
    "LoadError",
    "LoadResult",
    "ScoredSet",
    "adverse",
    "at_path",
    "bodies",
    "call",
    "classify",
    "describe_predictions",
    "example_requests",
    "has_target",
    "import_callable",
    "in_process",
    "labelled_source",
    "model_inputs",
    "predictions_only",
    "production_rows",
    "read_answer",
    "read_predictions",
    "reasons_of",
    "require_good",
    "required_key",
    "same_value",
    "scored",
    "tally",
    "wrap",
    # judging a scored set
    "evidence_kind_of",
    "fmt_metric",
    "groups_of",
    "labelled_gap",
    "metric_on",
    "measure",
    "Measured",
    "class_text",
    "task_of",
    "truth_of",
    "unanswered_gap",
    "DataError",
    "describe_store",
    "read_decisions",
    # drills
    "DrillAction",
    "Prober",
    "RestoreError",
    "RollbackDrill",
    "StopDrill",
    "describe_action",
    "port_of",
    "run_action",
    "Frame",
]

ID_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{1,5}-\d{3}$")


class Area(StrEnum):
    """The closed list of areas a check belongs to; the report groups scores by area."""

    DOCUMENTATION = "documentation"
    OWNERSHIP = "ownership"
    SERVING = "serving"
    PERFORMANCE = "performance"
    DATA = "data"
    BEHAVIOUR = "behaviour"
    MODEL_QUALITY = "model_quality"
    CHANGE_MANAGEMENT = "change_management"
    GOVERNANCE = "governance"
    AUDIT = "audit"
    OPERATIONS = "operations"
    THIRD_PARTY = "third_party"


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
        if isinstance(getattr(cls, "area", None), str) and cls.area not in Area.__members__.values():
            problems.append(f"area {cls.area!r} must be one of: {', '.join(Area)}")
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
            "id": cls.id,
            "area": str(cls.area),
            "title": cls.title,
            "doc": documentation(cls),
            "rationale": cls.rationale,
            "remediation": cls.remediation,
            "weight": cls.weight,
            "blocking": cls.blocking,
            "extras": list(cls.extras),
            "aliases": list(cls.aliases),
            "references": [r.model_dump(exclude_none=True) for r in cls.references],
            "params": {k: {"default": p.default, "description": p.description} for k, p in cls.params.items()},
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
    workers: int | None = None
    """Load-generator worker processes asked for on the command line (``--workers``), if any."""
    allow_drills: bool = False
    """Drills may change the serving state of an endpoint readiness did not start (``--allow-drills``)."""

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

    def at(self, *loc: str | int, column: str | None = None, label: str | bool = True) -> Location:
        """A location in the manifest, for findings: ``ctx.at("owners", "on_call")``. ``column`` names a
        data column; ``label`` replaces the dotted field name shown (``False``: show no field)."""
        dotted_ = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in loc).replace(".[", "[")
        shown = label if isinstance(label, str) else (dotted_ or None) if label else None
        return Location(file=str(self.loaded.path), line=self.loaded.line_of(*loc), field=shown, column=column)


def documentation(cls: type[Check]) -> str:
    """The check's documentation page: its class docstring, dedented."""
    import inspect

    doc = cls.__dict__.get("__doc__")
    return inspect.cleandoc(doc) if isinstance(doc, str) else ""


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
    return CheckResult(
        status=status,
        score=round(score, 2),
        summary=summary,
        findings=findings,
        evidence_kind=evidence_kind,
        attestation=attestation,
        metrics=metrics or {},
    )


def fail(
    findings: Finding | Sequence[Finding],
    summary: str,
    *,
    evidence_kind: EvidenceKind = EvidenceKind.MEASURED,
    attestation: Attestation | None = None,
    metrics: dict[str, Any] | None = None,
    total: int | None = None,
) -> CheckResult:
    """Conclude on gaps: FAIL when a finding is high or critical, WARN when all are lesser, never PASS.
    Raises ``ValueError`` when no finding is a gap (a check that found nothing wrong should pass)."""
    items = (findings,) if isinstance(findings, Finding) else tuple(findings)
    if not any(f.severity > Severity.INFO for f in items):
        raise ValueError("fail() needs at least one finding above INFO")
    return result_from_findings(
        items,
        passed=summary,
        failed=summary,
        evidence_kind=evidence_kind,
        attestation=attestation,
        metrics=metrics,
        total=total,
    )


def attested(
    findings: Iterable[Finding],
    section: Any,
    *,
    passed: str,
    failed: str,
    total: int | None = None,
    metrics: dict[str, Any] | None = None,
) -> CheckResult:
    """Conclude a check of what the manifest states: :func:`result_from_findings` with ATTESTED evidence
    and the who-and-when of ``section`` (a manifest section, or None), whose age the scoring judges."""
    return result_from_findings(
        findings,
        passed=passed,
        failed=failed,
        evidence_kind=EvidenceKind.ATTESTED,
        attestation=attestation_of(section) if section is not None else None,
        total=total,
        metrics=metrics,
    )


def missing_section(ctx: CheckContext, section: str, message: str, remediation: str, summary: str) -> CheckResult:
    """FAIL because the manifest has no ``section`` at all (attested evidence that is not there)."""
    return fail(
        missing_finding(ctx, ("model",), message, remediation, expected=section),
        summary,
        evidence_kind=EvidenceKind.ATTESTED,
    )


def require_http_endpoint(
    ctx: CheckContext, *, missing: str, summary: str, in_process: str, needs: str | None = None
) -> Endpoint:
    """The model's HTTP endpoint, for checks that call it over the network. Raises :class:`Precondition`:
    predictions-only (NOT APPLICABLE, needs a live model), no endpoint (FAIL: ``missing``, ``summary``),
    an in-process model (NOT APPLICABLE: ``in_process``, ``needs``)."""
    model = ctx.manifest.model
    endpoint = model.endpoint
    if endpoint is None and model.predictions is not None:
        raise Precondition(predictions_only(ctx))
    if endpoint is None:
        raise Precondition(
            missing_finding(ctx, ("model",), missing, "Declare model.endpoint.", expected="model.endpoint"), summary
        )
    if endpoint.kind != "http":
        raise Precondition(not_applicable(in_process, needs=needs))
    return endpoint


def not_applicable(summary: str, needs: str | None = None) -> CheckResult:
    """NOT APPLICABLE, with why. ``needs`` names the missing input when the check does not apply only
    because the manifest left something out (``data.columns``, ``live model``): a profile that marks
    the check ``required`` turns such a result into FAIL ("not shown")."""
    return CheckResult(
        status=Status.NOT_APPLICABLE, score=100.0, summary=summary, metrics={"needs": needs} if needs else {}
    )


LIVE_MODEL = "live model"
"""What predictions-only mode lacks: ``not_applicable(..., needs=LIVE_MODEL)``."""


# -- findings shared by many checks -------------------------------------------------------------------

TEAM_WORDS = re.compile(
    r"\b(team|teams|group|squad|tribe|guild|department|dept|unit|desk|office|committee|board|"
    r"ops|devops|mlops|platform|support|helpdesk|service ?desk|all|everyone|staff|crew|lab|"
    r"engineering|science|analytics|data|ml|ai|risk)\b",
    re.IGNORECASE,
)
ALIAS_LOCAL = re.compile(
    r"^(team|group|dl|list|ops|support|help|admin|info|noreply|no-reply|all|oncall|on-call)\b|"
    r"[-_.](team|group|ops|support|list|dl|all)$",
    re.IGNORECASE,
)


def person_problem(person: Person | None) -> str | None:
    """Why ``person`` is not a named individual, or None when it is one."""
    if person is None or is_placeholder(person.name):
        return "no name is given"
    if person.kind == "team":
        return f"{person.name!r} is declared as a team"
    if person.kind == "person":
        return None
    name = person.name.strip()
    if "@" in name:
        return f"{name!r} is an address, not a person's name"
    if TEAM_WORDS.search(name):
        return f"{name!r} reads as a team or group, not a person"
    if len(name.split()) < 2 or any(ch.isdigit() for ch in name):
        return f"{name!r} is not a full personal name (given name and family name)"
    if person.email and ALIAS_LOCAL.search(person.email.split("@", 1)[0]):
        return f"{person.email!r} is a shared alias, not a personal address"
    return None


def age_days(today: date, when: date | None) -> int | None:
    """Whole days from ``when`` to ``today``, or None when there is no date."""
    return None if when is None else (today - when).days


def stale_finding(
    ctx: CheckContext, loc: Sequence[str | int], what: str, when: date | None, max_days: int, remediation: str
) -> Finding | None:
    """A finding when ``when`` is missing or older than ``max_days`` (or in the future), else None."""
    days = age_days(ctx.today, when)
    if days is None:
        return Finding(
            severity=Severity.HIGH,
            message=f"{what}: no date is recorded.",
            expected=f"a date within the last {max_days} days",
            observed="none",
            location=ctx.at(*loc),
            remediation=remediation,
        )
    if days < 0:
        return Finding(
            severity=Severity.HIGH,
            message=f"{what}: the date {when} is in the future.",
            expected="a past date",
            observed=str(when),
            location=ctx.at(*loc),
            remediation="Record the date the test actually took place.",
        )
    if days > max_days:
        return Finding(
            severity=Severity.HIGH,
            message=f"{what} was {days} days ago; at most {max_days} are allowed.",
            expected=f"<= {max_days} days",
            observed=f"{days} days ({when})",
            location=ctx.at(*loc),
            remediation=remediation,
        )
    return None


def missing_finding(
    ctx: CheckContext,
    loc: Sequence[str | int],
    message: str,
    remediation: str,
    expected: str = "present",
    severity: Severity = Severity.HIGH,
) -> Finding:
    """A finding for a manifest field that is missing or still a placeholder."""
    return Finding(
        severity=severity,
        message=message,
        expected=expected,
        observed="missing or placeholder",
        location=ctx.at(*loc),
        remediation=remediation,
    )
