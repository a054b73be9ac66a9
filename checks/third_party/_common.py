"""What the third party checks share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from readiness.check import (
    Attestation,
    Check,
    CheckContext,
    CheckResult,
    EvidenceKind,
    Finding,
    ThirdParty,
    attestation_of,
    is_placeholder,
    missing_finding,
    not_applicable,
    result_from_findings,
    stale_finding,
)


def _attestation(ctx: CheckContext) -> Attestation | None:
    parties = ctx.manifest.third_parties or []
    if not parties and ctx.manifest.no_third_parties is not None:  # "we use none", attested
        return attestation_of(ctx.manifest.no_third_parties)
    dated = [(p.attested_on, i) for i, p in enumerate(parties) if p.attested_on]
    return attestation_of(parties[min(dated)[1]]) if dated else None


def _conclude(
    ctx: CheckContext,
    findings: Sequence[Finding],
    passed: str,
    failed: str,
    total: int | None = None,
    metrics: dict[str, Any] | None = None,
) -> CheckResult:
    return result_from_findings(
        findings,
        passed=passed,
        failed=failed,
        evidence_kind=EvidenceKind.ATTESTED,
        attestation=_attestation(ctx),
        total=total,
        metrics=metrics,
    )


class ThirdPartyCheck(Check):
    abstract = True
    area = "third_party"

    def critical(self, ctx: CheckContext) -> list[tuple[int, ThirdParty]]:
        return [(i, p) for i, p in enumerate(ctx.manifest.third_parties or []) if p.critical_function]

    def tested_plans(self, ctx: CheckContext, plan: str, tested_on: str, label: str) -> CheckResult:
        """Every critical third party has ``plan`` and a ``tested_on`` date within the window."""
        critical = self.critical(ctx)
        if not critical:
            return not_applicable("No critical third parties declared")
        findings = []
        for i, p in critical:
            if is_placeholder(getattr(p, plan)):
                findings.append(
                    missing_finding(
                        ctx, ("third_parties", i), f"{p.name} has no {label}.", self.remediation, expected=plan
                    )
                )
                continue
            stale = stale_finding(
                ctx,
                ("third_parties", i),
                f"{label.capitalize()} test for {p.name}",
                getattr(p, tested_on),
                ctx.params["max_days_since_test"],
                f"Test the {label} and record {tested_on}.",
            )
            if stale:
                findings.append(stale)
        return _conclude(
            ctx,
            findings,
            f"{label.capitalize()}s tested for {len(critical)} critical third part(y/ies)",
            f"{{n}} {label} gap(s)",
            total=len(critical),
        )
