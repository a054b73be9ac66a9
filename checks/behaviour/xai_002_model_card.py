"""XAI-002: The model card covers what the profile requires, for this version."""

from __future__ import annotations

import re
from typing import Any

import yaml

from readiness import citations
from readiness.check import (
    Check,
    CheckContext,
    CheckResult,
    Finding,
    Param,
    Severity,
    fail,
    is_placeholder,
    missing_finding,
    result_from_findings,
)

HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


MIN_CHARS = 40


def parse(text: str) -> tuple[dict[str, Any], dict[str, str]]:
    """(front matter, {heading text lower-cased: body text})."""
    front: dict[str, Any] = {}
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end != -1:
            loaded = yaml.safe_load(text[3:end]) or {}
            front = loaded if isinstance(loaded, dict) else {}
            text = text[end + 4 :]
    sections: dict[str, str] = {}
    current: str | None = None
    body: list[str] = []
    for line in text.splitlines():
        match = HEADING.match(line)
        if match:
            if current is not None:
                sections[current] = "\n".join(body).strip()
            current, body = match.group(2).strip().lower(), []
        elif current is not None:
            body.append(line)
    if current is not None:
        sections[current] = "\n".join(body).strip()
    return front, sections


def real(content: str) -> bool:
    words = re.sub(r"[#*_>`\-\[\]()]", " ", content)
    return len(words.strip()) >= MIN_CHARS and not is_placeholder(words.strip())


class ModelCard(Check):
    """Reads the model card (``explainability.model_card``) and checks it has each section the profile requires
    (``required_sections``, headings matched by words) (``required_sections``, headings matched by words), with real
    content, and that it names the model version under assessment.

    Example finding: ``The model card has no 'Limitations' section`` (HIGH).
    """

    id = "XAI-002"
    area = "behaviour"
    title = "The model card covers what the profile requires, for this version"
    rationale = (
        "Validators, auditors and the people who use the model read the card, not the code: its "
        "intended use, data, evaluation and limitations must be written down, for the version in use."
    )
    remediation = (
        "Write each required section in the card (explainability.model_card) with real content, and "
        "state the model version the manifest declares."
    )
    references = (citations.AIA_ART_11_ANNEX_IV, citations.FINMA_GM_2_5)
    weight = 3.0
    params = {
        "required_sections": Param(
            ["intended use", "training data", "evaluation", "limitations", "ethical considerations"],
            "Headings the card must have (matched by words).",
        )
    }

    def run(self, ctx: CheckContext) -> CheckResult:
        xai = ctx.manifest.explainability
        if xai is None or not xai.model_card:
            return fail(
                missing_finding(
                    ctx,
                    ("explainability",) if xai else ("model",),
                    "No model card is declared.",
                    self.remediation,
                    expected="explainability.model_card",
                ),
                "No model card",
            )
        front, sections = parse(ctx.resolve(xai.model_card).read_text(encoding="utf-8"))
        where = ctx.at("explainability", "model_card")
        findings = []
        for name in ctx.params["required_sections"]:
            found = [h for h in sections if all(word in h for word in name.lower().split())]
            if not found:
                findings.append(
                    Finding(
                        severity=Severity.HIGH,
                        message=f"The card has no '{name}' section.",
                        expected=name,
                        observed="missing",
                        location=where,
                        remediation=self.remediation,
                    )
                )
            elif not any(real(sections[h]) for h in found):
                findings.append(
                    Finding(
                        severity=Severity.MEDIUM,
                        message=f"The '{name}' section is empty or a placeholder.",
                        expected=f">= {MIN_CHARS} characters of content",
                        observed=repr(sections[found[0]][:60]),
                        location=where,
                    )
                )
        stated = front.get("model_version") or front.get("version")
        if stated is None:
            match = re.search(r"(?im)^\W*(?:model\s+)?version\W*[:=]\s*([\w.\-+]+)", "\n".join(sections.values()))
            stated = match.group(1) if match else None
        version = ctx.manifest.model.version
        if stated is None:
            findings.append(
                Finding(
                    severity=Severity.MEDIUM,
                    message="The card states no model version.",
                    expected=version,
                    observed="none",
                    location=where,
                )
            )
        elif str(stated) != version:
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"The card describes version {stated}, the manifest {version}.",
                    expected=version,
                    observed=str(stated),
                    location=ctx.at("model", "version"),
                    remediation="Update the card for this version.",
                )
            )
        total = len(ctx.params["required_sections"]) + 1
        return result_from_findings(
            findings, passed=f"All {total - 1} sections, version {version}", failed="{n} model-card gap(s)", total=total
        )
