"""MAN-001: The manifest describes everything the profile needs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from readiness.check import (
    SECTIONS,
    Check,
    CheckContext,
    CheckResult,
    Finding,
    Param,
    Severity,
    dotted,
    is_placeholder,
    result_from_findings,
)

DEFAULT_SECTIONS = [
    "service_levels",
    "owners",
    "explainability",
    "audit_logging",
    "change_management",
    "rollout",
    "rollback",
    "monitoring",
    "incident_response",
    "human_oversight",
    "data_protection",
]


MODEL_FIELDS = ["intended_purpose", "risk_tier", "decision_effect", "endpoint"]


def _placeholders(value: Any, loc: tuple[str | int, ...]) -> Iterator[tuple[str | int, ...]]:
    if isinstance(value, dict):
        for k, v in value.items():
            if k.startswith("attested"):
                continue
            yield from _placeholders(v, (*loc, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _placeholders(v, (*loc, i))
    elif value is None or (isinstance(value, str) and is_placeholder(value)):
        yield loc


def _get(data: Any, loc: tuple[str | int, ...]) -> Any:
    for part in loc:
        data = data[part]
    return data


class ManifestCompleteness(Check):
    """Reads the manifest for every section (``required_sections``) and model field (``required_model_fields``) the
    profile requires and reports each one that is missing or still a placeholder (``TODO``, ``TBD``, ``<...>``,
    ``n/a``), with its line.

    Example finding: ``owners: missing or placeholder`` (HIGH) at ``readiness.yaml:12``.
    """

    id = "MAN-001"
    area = "documentation"
    title = "The manifest describes everything the profile needs"
    rationale = (
        "A gap nobody wrote down is a gap nobody will fix. Each section the profile requires "
        "must exist and hold real content; 'TBD' and '<owner>' are not answers."
    )
    remediation = (
        "Fill in every section listed in the findings; `readiness schema` and docs/manifest.md describe each field."
    )
    weight = 4.0
    params = {
        "required_sections": Param(
            DEFAULT_SECTIONS, f"Top-level sections that must be present ({', '.join(SECTIONS)})."
        ),
        "required_model_fields": Param(MODEL_FIELDS, "Fields of `model` that must be set."),
    }

    def run(self, ctx: CheckContext) -> CheckResult:
        raw: dict[str, Any] = ctx.loaded.source.data
        model_raw = raw.get("model") or {}
        findings: list[Finding] = []
        required = list(ctx.params["required_sections"])
        model_fields = list(ctx.params["required_model_fields"])
        for name in model_fields:
            if is_placeholder(model_raw.get(name)):
                findings.append(self._missing(ctx, ("model", name), f"model.{name} is not set"))
        for name in required:
            if name == "third_parties" and raw.get("no_third_parties"):
                continue  # the attested statement that there is none answers it
            if name not in raw or is_placeholder(raw.get(name)):
                findings.append(self._missing(ctx, (name,), f"Section {name} is missing"))
                continue
            holes = list(_placeholders(raw[name], (name,)))
            for loc in holes[:10]:
                findings.append(
                    Finding(
                        severity=Severity.MEDIUM,
                        message=f"{dotted(loc)} is a placeholder",
                        expected="real content",
                        observed=repr(_get(raw, loc)),
                        location=ctx.at(*loc),
                        remediation="Replace the placeholder with the real value.",
                    )
                )
        total = len(required) + len(model_fields)
        missing = sum(1 for f in findings if f.severity >= Severity.HIGH)
        return result_from_findings(
            findings,
            passed=f"All {total} required items are present",
            failed=f"{missing} of {total} required items missing, {{n}} gap(s) in all",
            total=total + sum(1 for f in findings if f.severity < Severity.HIGH),
            metrics={"required": total, "missing": missing},
        )

    def _missing(self, ctx: CheckContext, loc: tuple[str | int, ...], message: str) -> Finding:
        return Finding(
            severity=Severity.HIGH,
            message=message,
            expected="present and filled in",
            observed="missing or placeholder",
            location=ctx.at(*loc),
            remediation=f"Add {dotted(loc)} to the manifest.",
        )
