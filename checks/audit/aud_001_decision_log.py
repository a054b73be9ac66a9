"""AUD-001: The decision log records input, decision, basis, time and model version."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from readiness import citations, numbers
from readiness.check import (
    Check,
    CheckContext,
    CheckResult,
    EvidenceKind,
    Finding,
    Param,
    Severity,
    fail,
    missing_finding,
    result_from_findings,
)

HASHED = re.compile(
    r"^(sha(1|224|256|384|512):)?[0-9a-fA-F]{32,128}$|^\*+$|^\[?(redacted|masked)\]?$|^tok_", re.IGNORECASE
)


FRACTION = re.compile(r"T\d{2}:\d{2}:\d{2}(?:\.(\d+))?")


DIGITS = {"s": 0, "ms": 3, "us": 6, "ns": 9}


def _precision(stamp: object) -> int | None:
    """Digits after the seconds in an ISO-8601 timestamp; None when it is not one."""
    if not isinstance(stamp, str):
        return None
    match = FRACTION.search(stamp)
    if not match:
        return None
    return len(match.group(1) or "")


def _naive(stamp: str) -> bool:
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).tzinfo is None
    except ValueError:
        return False


class DecisionLog(Check):
    """Reads the decision log (up to ``max_records``) and checks each record carries the ``required_fields`` (by
    default request id, timestamp, model version, input hash, output and explanation: what went in, what came out,
    on what basis, when, which model) in at least ``min_share`` of records, with personal inputs hashed or masked
    and timestamps at the declared precision.

    Example finding: ``model_version is absent from 38% of decision records`` (HIGH).
    """

    id = "AUD-001"
    area = "audit"
    title = "The decision log records input, decision, basis, time and model version"
    rationale = (
        "A regulator, an auditor or a customer complaint asks: what went in, what came out, why, "
        "when, and which model decided. Only a log that holds all of it, for every decision, answers."
    )
    remediation = (
        "Log every decision with the required fields (or map your names through "
        "audit_logging.field_map), hash or mask personal data, and give a sample in "
        "audit_logging.sample_path."
    )
    references = (citations.AIA_ART_12, citations.DORA_RTS_ART_12, citations.HIPAA_164_312_B)
    weight = 5.0
    params = {
        "required_fields": Param(
            ["request_id", "timestamp", "model_version", "input_hash", "output", "explanation"],
            "Fields every record must carry.",
        ),
        "min_share": Param(0.99, "Share of records that must carry every required field."),
        "max_records": Param(100_000, "Records read from the sample at most."),
    }

    def run(self, ctx: CheckContext) -> CheckResult:
        audit = ctx.manifest.audit_logging
        if audit is None or not audit.sample_path:
            return fail(
                missing_finding(
                    ctx,
                    ("audit_logging",) if audit else ("model",),
                    "No decision-log sample is given, so the audit trail cannot be verified.",
                    self.remediation,
                    expected="audit_logging.sample_path",
                ),
                "No decision log to verify",
                evidence_kind=EvidenceKind.IMPORTED,
            )
        records, bad_lines = self._read(ctx, audit.sample_path)
        if not records:
            return fail(
                Finding(
                    severity=Severity.HIGH,
                    message=f"{audit.sample_path} holds no JSON records.",
                    location=ctx.at("audit_logging", "sample_path"),
                    remediation=self.remediation,
                ),
                "Empty decision log",
                evidence_kind=EvidenceKind.IMPORTED,
            )
        names = {f: audit.field_map.get(f, f) for f in ctx.params["required_fields"]}
        findings = self._fields(ctx, records, names)
        findings += self._versions(ctx, records, names.get("model_version"))
        findings += self._precision(ctx, records, names.get("timestamp"), audit.timestamp_precision)
        findings += self._personal(
            ctx, records, audit.personal_fields or ctx.manifest.data and ctx.manifest.data.personal_data_columns or []
        )
        if bad_lines:
            findings.append(
                Finding(
                    severity=Severity.MEDIUM,
                    message=f"{len(bad_lines)} line(s) are not JSON objects.",
                    observed=f"lines {', '.join(map(str, bad_lines[:5]))}",
                    location=ctx.at("audit_logging", "sample_path"),
                )
            )
        return result_from_findings(
            findings,
            passed=f"{len(records)} log records carry every required field",
            failed="{n} audit-trail gap(s)",
            evidence_kind=EvidenceKind.IMPORTED,
            metrics={"records": len(records)},
        )

    def _read(self, ctx: CheckContext, sample: str) -> tuple[list[dict[str, Any]], list[int]]:
        records: list[dict[str, Any]] = []
        bad: list[int] = []
        with open(ctx.resolve(sample), encoding="utf-8", errors="replace") as fh:
            for n, line in enumerate(fh, 1):
                if len(records) >= ctx.params["max_records"]:
                    break
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except ValueError:
                    bad.append(n)
                    continue
                if isinstance(value, dict):
                    records.append(value)
                else:
                    bad.append(n)
        return records, bad

    def _fields(self, ctx: CheckContext, records: list[dict[str, Any]], names: Any) -> list[Finding]:
        out = []
        for wanted, name in names.items():
            present = sum(1 for r in records if r.get(name) not in (None, "", [], {}))
            share = present / len(records)
            if share < ctx.params["min_share"]:
                out.append(
                    Finding(
                        severity=Severity.HIGH,
                        message=f"Field {name!r} ({wanted}) is present in {numbers.pct(share)} of records.",
                        expected=f">= {numbers.pct(ctx.params['min_share'])}",
                        observed=f"{present} of {len(records)}",
                        location=ctx.at("audit_logging", "sample_path"),
                        remediation=self.remediation,
                        evidence={"field": name},
                    )
                )
        return out

    def _versions(self, ctx: CheckContext, records: list[dict[str, Any]], name: str | None) -> list[Finding]:
        if not name:
            return []
        version = ctx.manifest.model.version
        other = {str(r.get(name)) for r in records if r.get(name) is not None} - {version}
        if not other:
            return []
        return [
            Finding(
                severity=Severity.MEDIUM,
                message=f"Records name other model versions than {version}: {', '.join(sorted(other)[:5])}.",
                expected=version,
                observed=", ".join(sorted(other)[:5]),
                location=ctx.at("model", "version"),
                remediation="Give a sample logged by this version, or fix the version the service reports.",
            )
        ]

    def _precision(
        self, ctx: CheckContext, records: list[dict[str, Any]], name: str | None, declared: str | None
    ) -> list[Finding]:
        if not name or not declared:
            return []
        need = DIGITS[declared]
        digits = [_precision(r.get(name)) for r in records if r.get(name) is not None]
        parsed = [d for d in digits if d is not None]
        out = []
        if len(parsed) < len(digits):
            out.append(
                Finding(
                    severity=Severity.MEDIUM,
                    message=f"{len(digits) - len(parsed)} timestamp(s) are not ISO-8601.",
                    location=ctx.at("audit_logging", "timestamp_precision"),
                )
            )
        coarse = sum(1 for d in parsed if d < need)
        if coarse:
            out.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"{coarse} of {len(parsed)} timestamps have less than the declared precision ({declared}).",
                    expected=f"{need} fractional digits",
                    observed=f"as few as {min(parsed)}",
                    location=ctx.at("audit_logging", "timestamp_precision"),
                    remediation="Log timestamps at the declared precision, in UTC.",
                )
            )
        naive = sum(1 for r in records if isinstance(r.get(name), str) and _naive(r[name]))
        if naive:
            out.append(
                Finding(
                    severity=Severity.MEDIUM,
                    message=f"{naive} timestamp(s) carry no time zone.",
                    expected="UTC offset or Z",
                    location=ctx.at("audit_logging"),
                    remediation="Log timestamps with an explicit UTC offset.",
                )
            )
        return out

    def _personal(self, ctx: CheckContext, records: list[dict[str, Any]], fields: Sequence[str]) -> list[Finding]:
        out = []
        for name in fields:
            raw = [r[name] for r in records if r.get(name) not in (None, "") and not HASHED.match(str(r[name]))]
            if raw:
                out.append(
                    Finding(
                        severity=Severity.CRITICAL,
                        message=f"Field {name!r} holds raw personal data in {len(raw)} record(s).",
                        expected="hashed or masked",
                        observed=f"{len(raw)} raw value(s) (not shown)",
                        location=ctx.at("audit_logging", "personal_fields"),
                        remediation="Hash (salted) or mask personal data before it reaches the log.",
                    )
                )
        return out
