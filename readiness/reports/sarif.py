"""SARIF 2.1.0: each finding anchored to its line in the manifest, for code-scanning annotations.

Rules are the checks (stable ids); results are the findings of checks that are not passing. URIs are
relative to the working directory when the manifest lies beneath it, as code-scanning tools expect.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from readiness.model import Assessment, Finding, Outcome, Severity, Status

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}


def uri(path: str | None, fallback: str) -> str:
    raw = Path(path or fallback)
    if raw.is_absolute():
        try:
            raw = raw.relative_to(Path.cwd())
        except ValueError:
            return raw.as_uri()
    return raw.as_posix().removeprefix("./")


def rule(o: Outcome) -> dict[str, Any]:
    return {
        "id": o.id,
        "name": o.title,
        "shortDescription": {"text": o.title},
        "fullDescription": {
            "text": o.title
            + (
                ". References: " + "; ".join(f"{r.source} {r.section or ''}".strip() for r in o.references)
                if o.references
                else ""
            )
        },
        "help": {"text": o.remediation or o.title},
        "defaultConfiguration": {"level": "error" if o.blocking else "warning"},
        "properties": {"tags": ["readiness", o.area], "blocking": o.blocking, "weight": o.weight},
    }


def results(o: Outcome, manifest_uri: str, manifest_path: str) -> list[dict[str, Any]]:
    if o.status in {Status.PASS, Status.NOT_APPLICABLE, Status.SKIPPED} and not o.stale:
        return []
    suppressions = None
    if o.waived:  # reported, and marked as an accepted risk: code scanning shows it dismissed, not gone
        w = o.waiver or {}
        why = f"{w.get('reason') or 'waived'} (requested by {w.get('requested_by') or 'unknown'}, approved by "
        why += f"{w.get('approved_by') or 'unknown'}, expires {w.get('expires') or 'never'})"
        suppressions = [{"kind": "external", "status": "accepted", "justification": why}]
    findings: list[Finding | None] = [f for f in o.result.findings if f.severity > Severity.INFO] or [None]
    out = []
    for f in findings:
        line = (f.location.line if f and f.location and f.location.line else None) or 1
        file = f.location.file if f and f.location and f.location.file else manifest_path
        text = f.message if f else o.result.summary
        if f and (f.expected or f.observed):
            text += f" (expected: {f.expected or '-'}; found: {f.observed or '-'})"
        level = "error" if o.status is Status.ERROR or o.blocking else (LEVEL[f.severity] if f else "warning")
        out.append(
            {
                "ruleId": o.id,
                "level": level,
                "message": {"text": text},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {
                                "uri": manifest_uri if file == manifest_path else uri(file, manifest_path)
                            },
                            "region": {"startLine": line},
                        }
                    }
                ],
                "properties": {"status": o.status.value, "field": f.location.field if f and f.location else None},
            }
        )
        if suppressions:
            out[-1]["suppressions"] = suppressions
    return out


def render(assessment: Assessment) -> bytes:
    path = assessment.manifest.path
    manifest_uri = uri(path, path)
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "readiness",
                        "semanticVersion": assessment.tool.version,
                        "rules": [rule(o) for o in assessment.outcomes],
                    }
                },
                "automationDetails": {"id": f"readiness/{assessment.manifest.model_id}/"},
                "results": [r for o in assessment.outcomes for r in results(o, manifest_uri, path)],
                "properties": {
                    "verdict": assessment.verdict.value,
                    "score": assessment.score,
                    "level": assessment.level,
                    "profile": assessment.profile.name,
                },
            }
        ],
    }
    return (json.dumps(log, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
