"""The engine: selects the checks, runs each one isolated with a timeout, and collects outcomes.

A check that raises or hangs becomes ERROR with its message, and the others still run. A hung check's
thread is abandoned (it is a daemon thread and cannot block exit); its resources are released by
:meth:`Resources.close` when the run ends.
"""

from __future__ import annotations

import importlib.util
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from readiness import privacy
from readiness.check import Check, CheckContext
from readiness.errors import ProfileError, UsageError
from readiness.manifest import LoadedManifest
from readiness.model import CHECK_STATUSES, CheckResult, Outcome, Status
from readiness.profile import Profile, check_ids
from readiness.registry import Registered, Registry

ProgressFn = Callable[[str, str, Outcome | None], None]
"""Called with (event, check id, outcome): event is ``start`` or ``done``."""


@dataclass(frozen=True)
class RunOptions:
    only: Sequence[str] = ()
    skip: Sequence[str] = ()
    debug: bool = False
    default_timeout_s: float | None = None
    now: datetime | None = None
    """When the run happens; fixed in tests so that results are reproducible."""
    as_of: date | None = None
    """The date by which attestation ages and waiver expiry are judged (default: today)."""
    workers: int | None = None
    """Locust worker processes for the load checks (``--workers``); None lets the load runner choose."""
    allow_drills: bool = False
    """Drills (ROL-003, HUM-002) may change an endpoint readiness did not start (``--allow-drills``)."""
    cluster: Any = None
    """Distributed load (readiness.loadtest.runner.Cluster: ``--load-workers N --master-bind HOST:PORT``)."""


def judged_at(options: RunOptions, started: datetime) -> datetime:
    """The moment attestations, waivers and data timestamps are judged at: the run's start, or with
    ``--as-of DATE`` the end of that day in UTC (23:59:59.999999), so that records of that day are
    never "in the future"."""
    if options.as_of is None:
        return started
    from datetime import UTC

    return datetime.combine(options.as_of, datetime.max.time(), UTC)


@dataclass(frozen=True)
class Planned:
    registered: Registered
    weight: float
    blocking: bool
    params: dict[str, Any]
    timeout_s: float
    skip_reason: str | None = None
    required: bool = False
    evidence: str | None = None
    """The weakest evidence the profile accepts (``measured``), or None for any."""


def validate_profile(registry: Registry, profile: Profile) -> None:
    """Every check id the profile names must exist (built-in or from an installed plugin)."""
    for check_id, where in check_ids(profile):
        if check_id not in registry:
            raise ProfileError(
                f"profile names unknown check {check_id!r} (see `readiness checks list`)",
                file=profile.sources[-1] if profile.sources else profile.name,
                field=where,
            )


def validate_waivers(registry: Registry, loaded: LoadedManifest) -> None:
    """Every waiver must name a check that exists: a waiver for a typo is silently void otherwise."""
    from readiness.errors import ManifestError, ManifestErrors

    errors = []
    for i, waiver in enumerate(loaded.manifest.waivers):
        if waiver.check not in registry:
            errors.append(
                ManifestError(
                    f"waiver for unknown check {waiver.check!r} (see `readiness checks list`)",
                    file=str(loaded.path),
                    line=loaded.line_of("waivers", i, "check"),
                    field=f"waivers[{i}].check",
                )
            )
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ManifestErrors(errors)


def _origin(profile: Profile, key: str) -> tuple[str, int | None]:
    """The profile file (the most specific first) and line that set ``key``: a typo is reported where it
    was made, not against the bundled profile the user's extends."""
    import re

    pattern = re.compile(rf"(^|[\s{{,]){re.escape(key)}\s*:")
    for source in reversed(profile.sources):
        try:
            text = Path(source).read_text(encoding="utf-8")
        except OSError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if pattern.search(line):
                return source, number
    return (profile.sources[-1] if profile.sources else profile.name), None


def plan(registry: Registry, profile: Profile, options: RunOptions) -> list[Planned]:
    """The checks to run, in registry order, with the profile's settings applied."""
    validate_profile(registry, profile)
    chosen: dict[str, set[str]] = {}
    for flag, ids in (("--only", options.only), ("--skip", options.skip)):
        chosen[flag] = set()
        for check_id in ids:
            if any(ch in check_id for ch in "*?["):  # a pattern, as profiles' select: TPR-*, lat-00?
                import fnmatch

                hits = {r.check.id for r in registry if fnmatch.fnmatch(r.check.id, check_id.upper())}
                if not hits:
                    raise UsageError(f"{flag} {check_id}: matches no check (see `readiness checks list`)")
                chosen[flag] |= hits
                continue
            if check_id not in registry:
                raise UsageError(f"{flag} {check_id}: no such check (see `readiness checks list`)")
            chosen[flag].add(registry.canonical(check_id) or check_id)
    only, skip = chosen["--only"], chosen["--skip"]
    planned = []
    for reg in registry:
        check = reg.check
        settings = profile.settings(check.id)
        for alias in check.aliases:
            if alias in profile.checks:
                settings = profile.checks[alias]
        if not settings.enabled or not profile.selects(check.id):
            continue
        unknown = set(settings.params) - set(check.params)
        if unknown:
            file, line = _origin(profile, sorted(unknown)[0])
            raise ProfileError(
                f"check {check.id} has no parameter(s) {', '.join(sorted(unknown))} "
                f"(its parameters: {', '.join(check.params) or 'none'})",
                file=file,
                line=line,
                field=f"checks.{check.id}.params",
            )
        params = {k: p.default for k, p in check.params.items()} | settings.params
        reason = None
        if only and check.id not in only:
            reason = "not selected (--only)"
        elif check.id in skip:
            reason = "excluded (--skip)"
        else:
            missing = [m for m in check.extras if importlib.util.find_spec(m) is None]
            if missing:
                hint = check.install_hint or "pip install 'readiness[all]'"
                reason = f"needs {', '.join(missing)}: {hint}"
        timeout = settings.timeout_s or options.default_timeout_s or check.timeout_s
        blocking = settings.blocking if settings.blocking is not None else check.blocking
        required = settings.required if settings.required is not None else (profile.require_blocking and blocking)
        planned.append(
            Planned(
                reg,
                settings.weight if settings.weight is not None else check.weight,
                settings.blocking if settings.blocking is not None else check.blocking,
                params,
                timeout,
                reason,
                required,
                settings.evidence,
            )
        )
    return planned


def run_checks(
    loaded: LoadedManifest,
    profile: Profile,
    planned: list[Planned],
    options: RunOptions,
    progress: ProgressFn | None = None,
) -> list[Outcome]:
    """Run every planned check in order; always returns one outcome per planned check."""
    from readiness.resources import Resources

    now = judged_at(options, options.now or datetime.now().astimezone())
    resources = Resources(loaded, cluster=options.cluster)
    scrub = privacy.scrubber(loaded)
    outcomes = []
    try:
        for item in planned:
            check = item.registered.check
            if progress:
                progress("start", check.id, None)
            if item.skip_reason:
                result = CheckResult(status=Status.SKIPPED, score=0, summary=f"Skipped: {item.skip_reason}")
                elapsed = 0.0
            else:
                ctx = CheckContext(
                    loaded=loaded,
                    params=item.params,
                    now=now,
                    resources=resources,
                    profile_name=profile.name,
                    attestation_max_age_days=profile.attestation_max_age_days,
                    workers=options.workers,
                    allow_drills=options.allow_drills,
                )
                result, elapsed = _isolated(check, ctx, item.timeout_s, options.debug)
                result = scrub.result(result)  # no raw personal value leaves through evidence
            result, forced = not_shown(result, item, profile)
            outcome = Outcome(
                id=check.id,
                title=check.title,
                area=check.area,
                weight=item.weight,
                blocking=item.blocking or forced,
                result=result,
                duration_s=round(elapsed, 4),
                references=tuple(check.references),
                remediation=check.remediation,
            )
            outcomes.append(outcome)
            if progress:
                progress("done", check.id, outcome)
    finally:
        resources.close()
    return measured_over_attested(outcomes, planned, profile)


MEASURED_BY = {
    "ROL-002": "ROL-003",
    "HUM-001": "HUM-002",
    "INC-001": "HUM-002",
    "AUD-001": "AUD-003",
    "MON-001": "MON-002",
    "TPR-005": "TPR-008",
}
"""Attested checks and the drill or probe that measures what they attest."""
RAN = {
    "ROL-003": "answers",
    "HUM-002": "answers",
    "AUD-003": "answered",
    "MON-002": "verified",
    "TPR-008": "every_critical_vendor_rehearsed",
}
"""The metric a drill or probe records only when it actually ran (not when its input was missing)."""


def measured_over_attested(outcomes: list[Outcome], planned: list[Planned], profile: Profile) -> list[Outcome]:
    """Where a drill measured what an attested check claims, the attested check shows the measurement:
    its evidence becomes MEASURED when the drill passed, and a FAIL citing the drill when the drill
    failed. Then a profile's ``evidence: measured`` turns any remaining non-measured pass into FAIL."""
    from readiness.model import EvidenceKind, Finding, Severity

    by_id = {o.id: o for o in outcomes}
    settings = {p.registered.check.id: p for p in planned}
    out = []
    for o in outcomes:
        drill = by_id.get(MEASURED_BY.get(o.id, ""))
        r = o.result
        ran = drill is not None and RAN.get(drill.id, "") in drill.result.metrics  # not a "not shown"
        if (
            drill is not None
            and ran
            and drill.result.status in {Status.PASS, Status.WARN, Status.FAIL}
            and r.status in CHECK_STATUSES
        ):
            note = f"measured by {drill.id}: {drill.result.summary}"
            if drill.result.status is Status.FAIL:
                contradiction = Finding(
                    severity=Severity.HIGH,
                    message=f"The {drill.id} drill contradicts what is attested here: {drill.result.summary}.",
                    expected=f"{drill.id} passes",
                    observed=drill.result.status.value,
                    remediation=drill.remediation,
                )
                r = r.model_copy(
                    update={
                        "status": Status.FAIL,
                        "score": min(r.score, 50.0),
                        "findings": (contradiction, *r.findings),
                        "summary": f"{r.summary} ({note})",
                        "evidence_kind": EvidenceKind.MEASURED,
                        "attestation": None,
                    }
                )
            elif r.status is not Status.NOT_APPLICABLE:
                r = r.model_copy(
                    update={
                        "summary": f"{r.summary} ({note})",
                        "evidence_kind": EvidenceKind.MEASURED,
                        "attestation": None,
                    }
                )
        item = settings.get(o.id)
        if (
            item is not None
            and item.evidence == "measured"
            and r.status in {Status.PASS, Status.WARN}
            and r.evidence_kind is not EvidenceKind.MEASURED
        ):
            kind = r.evidence_kind.value
            r = CheckResult(
                status=Status.FAIL,
                score=0.0,
                summary=f"Not shown: profile {profile.name} requires measured evidence; this result is {kind}",
                findings=(
                    Finding(
                        severity=Severity.HIGH,
                        message=f"Not shown: {o.id} rests on {kind} evidence; profile {profile.name} requires it "
                        "measured.",
                        expected="measured evidence",
                        observed=kind,
                        remediation=f"Declare the drill that measures it ({_drill_for(o.id)}) or evidence readiness "
                        "can measure.",
                    ),
                    *r.findings,
                ),
                evidence_kind=r.evidence_kind,
                metrics={**r.metrics, "required_evidence": "measured"},
            )
        out.append(o.model_copy(update={"result": r}) if r is not o.result else o)
    return out


def _drill_for(check_id: str) -> str:
    return {
        "ROL-002": "rollback.drill",
        "HUM-001": "human_oversight.stop_drill",
        "INC-001": "human_oversight.stop_drill",
        "AUD-001": "audit_logging.trace",
    }.get(check_id, "a measurement")


def not_shown(result: CheckResult, item: Planned, profile: Profile) -> tuple[CheckResult, bool]:
    """A NOT APPLICABLE for lack of input, turned into FAIL when the profile requires the check (or, in
    predictions-only mode, a live model). Returns the result and whether it must also block."""
    needs = result.metrics.get("needs") if result.status is Status.NOT_APPLICABLE else None
    if not needs:
        return result, False
    from readiness.check import LIVE_MODEL
    from readiness.model import Finding, Severity

    live = needs == LIVE_MODEL and profile.requires_live_model
    if not (live or item.required):
        return result, False
    why = (
        f"profile {profile.name} requires a live model"
        if live
        else f"profile {profile.name} requires {item.registered.check.id}"
    )
    finding = Finding(
        severity=Severity.HIGH,
        message=f"Not shown: {result.summary}; {why}.",
        expected=needs,
        observed="missing",
        remediation=f"Provide {needs}, so that the check can run.",
    )
    return CheckResult(
        status=Status.FAIL,
        score=0.0,
        summary=f"Not shown: {result.summary}",
        findings=(finding,),
        metrics={"needs": needs, "required_by": profile.name},
    ), live


def _isolated(check: type[Check], ctx: CheckContext, timeout: float, debug: bool) -> tuple[CheckResult, float]:
    """Run one check in a daemon thread; turn exceptions, hangs and bad returns into ERROR."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = check().run(ctx)
        except BaseException as exc:  # noqa: BLE001 - the engine owns every failure of a check
            box["error"] = exc
            box["trace"] = traceback.format_exc()

    start = time.perf_counter()
    thread = threading.Thread(target=target, name=f"check-{check.id}", daemon=True)
    thread.start()
    thread.join(timeout)
    elapsed = time.perf_counter() - start
    if thread.is_alive():
        return _error(f"Timed out after {timeout:g} s; the check was abandoned", "timeout"), elapsed
    if "error" in box:
        from readiness.evidence import EvidenceError, Precondition

        exc = box["error"]
        if debug and not isinstance(exc, Precondition):
            raise exc
        if isinstance(exc, Precondition):
            box["result"] = exc.result
        elif isinstance(exc, EvidenceError):
            prefix = {
                "serve": "Model server: ",
                "data": "Data: ",
                "load": "Load run: ",
                "restore": "RESTORE FAILED: ",
            }.get(exc.kind, "")
            return _error(f"{prefix}{exc}", exc.kind), elapsed
        else:
            return _error(
                f"Crashed: {type(exc).__name__}: {exc}", "exception", trace=box["trace"].splitlines()[-6:]
            ), elapsed
    result = box.get("result")
    if not isinstance(result, CheckResult):
        return _error(f"returned {type(result).__name__}, not a CheckResult", "contract"), elapsed
    if result.status not in CHECK_STATUSES:
        return _error(f"returned status {result.status.value}, which only the engine may set", "contract"), elapsed
    return result, elapsed


def _error(summary: str, kind: str, trace: list[str] | None = None) -> CheckResult:
    metrics: dict[str, Any] = {"error_kind": kind}
    if trace:
        metrics["traceback_tail"] = trace
    return CheckResult(status=Status.ERROR, score=0, summary=summary, metrics=metrics)
