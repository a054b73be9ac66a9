"""ATT-001: Every attestation and test date is within the profile's window."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from readiness import citations
from readiness.check import (
    Check,
    CheckContext,
    CheckResult,
    EvidenceKind,
    Severity,
    missing_section,
    result_from_findings,
    stale_finding,
)

DATE_KEYS = ("attested_on", "tested_on", "validated_on", "exit_tested_on", "fallback_tested_on", "continuity_tested_on")


def _dates(value: Any, loc: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            if k in DATE_KEYS and not isinstance(v, (dict, list)):
                yield (*loc, k), v if hasattr(v, "year") else None
            else:
                yield from _dates(v, (*loc, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _dates(v, (*loc, i))


class FreshAttestations(Check):
    """Finds every attestation and test date in the manifest and checks each is within the profile's attestation window
    and not in the future.

    Example finding: ``rollback.tested_on was 412 days ago; at most 365 are allowed`` (HIGH).
    """

    id = "ATT-001"
    area = "governance"
    title = "Every attestation and test date is within the profile's window"
    rationale = (
        "A statement signed two years ago describes a system that no longer exists. Every dated "
        "claim in the manifest must be re-confirmed within the profile's window."
    )
    remediation = "Re-confirm each stale item and update its date (attested_on, tested_on, validated_on ...)."
    references = (citations.DORA_ART_6_5,)
    weight = 2.0

    def run(self, ctx: CheckContext) -> CheckResult:
        limit = ctx.attestation_max_age_days
        dated = list(_dates(ctx.loaded.source.data, ()))
        findings = []
        for loc, value in dated:
            stale = stale_finding(
                ctx, loc, ".".join(str(p) for p in loc), value, limit, "Re-confirm this item and update its date."
            )
            if stale:
                findings.append(stale.model_copy(update={"severity": Severity.MEDIUM}))
        if not dated:
            return missing_section(
                ctx,
                "attested_by and attested_on",
                "Nothing in the manifest is dated.",
                self.remediation,
                "No dated attestations",
            )
        return result_from_findings(
            findings,
            passed=f"All {len(dated)} dated items are within {limit} days",
            failed="{n} stale item(s)",
            evidence_kind=EvidenceKind.MEASURED,
            total=len(dated),
            metrics={"dated_items": len(dated)},
        )
