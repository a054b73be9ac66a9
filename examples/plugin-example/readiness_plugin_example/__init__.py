"""VER-001: the model version is a semantic version, so that changes can be ordered and compared."""

from __future__ import annotations

import re

from readiness.check import (
    Check,
    CheckContext,
    CheckResult,
    Finding,
    Param,
    Severity,
    result_from_findings,
)

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")


class SemanticVersion(Check):
    """Checks that ``model.version`` is ``MAJOR.MINOR.PATCH`` (semver 2.0.0), and with
    ``allow_prerelease`` off that it is not a pre-release such as ``1.4.0-rc.1``.

    Example finding: ``'final-v2' is not MAJOR.MINOR.PATCH`` (HIGH).
    """

    id = "VER-001"
    area = "change_management"
    title = "The model version is a semantic version"
    rationale = (
        "Rollback, champion/challenger comparisons and audit trails all need versions that "
        "order: 1.4.0 after 1.3.2. 'final-v2' orders nothing."
    )
    remediation = "Use MAJOR.MINOR.PATCH for model.version, e.g. 1.4.0."
    weight = 1.0
    params = {"allow_prerelease": Param(True, "Accept 1.4.0-rc.1 style pre-releases.")}

    def run(self, ctx: CheckContext) -> CheckResult:
        version = ctx.manifest.model.version
        findings = []
        match = SEMVER.match(version)
        if not match:
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"{version!r} is not MAJOR.MINOR.PATCH",
                    expected="e.g. 1.4.0",
                    observed=version,
                    location=ctx.at("model", "version"),
                    remediation=self.remediation,
                )
            )
        elif "-" in version and not ctx.params["allow_prerelease"]:
            findings.append(
                Finding(
                    severity=Severity.MEDIUM,
                    message=f"{version!r} is a pre-release",
                    expected="a release version",
                    observed=version,
                    location=ctx.at("model", "version"),
                )
            )
        return result_from_findings(
            findings, passed=f"Version {version} is semantic", failed="Model version is not semantic"
        )
