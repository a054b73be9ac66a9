"""XAI-003: Explanations are stable: same input, same reasons; a small change keeps the top reason."""

from __future__ import annotations

import random
from typing import Any

from readiness.checks.behaviour._common import (
    explanation,
    inputs,
    no_explanation,
    require_model,
)

from readiness import citations, numbers
from readiness.check import (
    Check,
    CheckContext,
    CheckResult,
    Finding,
    Param,
    Severity,
    masked_json,
    result_from_findings,
    wrap,
)


class ExplanationStability(Check):
    """Explains ``inputs`` production rows twice each and again with ``fields`` numeric fields perturbed by
    ``perturbation``, and checks that the reasons agree on at least ``min_agreement`` of the inputs and that a small
    change keeps the top reason.

    Example finding: ``The top reason changed for 7 of 20 inputs under a 1% change`` (MEDIUM).
    """

    id = "XAI-003"
    area = "behaviour"
    title = "Explanations are stable: same input, same reasons; a small change keeps the top reason"
    rationale = (
        "Reasons that change when nothing changed, or flip for a one-percent change of one input, "
        "explain nothing: an analyst cannot rely on them and a customer cannot act on them."
    )
    remediation = (
        "Make the explanation deterministic (fixed seeds, enough background samples for "
        "sampling explainers) and check it is not dominated by noise around the decision boundary."
    )
    references = (citations.FINMA_GM_2_6, citations.AIA_ART_86_1)
    weight = 3.0
    timeout_s = 300.0
    params = {
        "inputs": Param(20, "Production rows explained."),
        "fields": Param(3, "Numeric fields perturbed per row."),
        "perturbation": Param(0.01, "Relative size of the perturbation of one field."),
        "min_agreement": Param(0.9, "Share of perturbations that must keep the top reason (ours)."),
    }

    def run(self, ctx: CheckContext) -> CheckResult:
        endpoint = require_model(ctx)
        xai = ctx.manifest.explainability
        if xai is None or not (xai.response_path or xai.explainer):
            return no_explanation(
                ctx,
                "No declared explanation to test for stability.",
                "Declare explainability.response_path or explainer.",
            )
        rng = random.Random(11)  # noqa: S311 - choosing fields, not secrets

        def explain(row: dict[str, Any]) -> list[Any]:
            return explanation(ctx, row, wrap(endpoint, row) if endpoint.kind == "http" else row)[1]

        rows = [row for row, _ in inputs(ctx, ctx.params["inputs"])]
        repeat_differs, flips, agree, tried = [], [], 0, 0
        for row in rows:
            first = explain(row)
            if not first:
                continue
            again = explain(row)
            if again != first:
                repeat_differs.append((row, first, again))
            numeric = [k for k, v in row.items() if isinstance(v, (int, float)) and not isinstance(v, bool)]
            for field in rng.sample(numeric, min(ctx.params["fields"], len(numeric))):
                value = row[field]
                nudged = value * (1 + ctx.params["perturbation"]) if value else ctx.params["perturbation"]
                if isinstance(value, int):
                    nudged = value + (1 if abs(nudged - value) < 1 else round(nudged - value))
                changed = explain({**row, field: nudged})
                if not changed:
                    continue
                tried += 1
                if changed[0] == first[0]:
                    agree += 1
                else:
                    flips.append((row, field, value, nudged, first[0], changed[0]))
        agreement = agree / tried if tried else None
        findings = []
        if not rows or (tried == 0 and not repeat_differs):
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message="No explained answer to test: no production "
                    "rows, or no reasons in the answers (see XAI-001).",
                    location=ctx.at("explainability"),
                )
            )
        if repeat_differs:
            row, first, again = repeat_differs[0]
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"{len(repeat_differs)} of {len(rows)} inputs got different reasons when sent twice.",
                    expected="the same reasons",
                    observed=f"{first[:3]} then {again[:3]}",
                    location=ctx.at("explainability"),
                    remediation=self.remediation,
                    evidence={"example_input": masked_json(ctx.manifest, row)},
                )
            )
        if agreement is not None and agreement < ctx.params["min_agreement"]:
            row, field, value, nudged, before, after = flips[0]
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"The top reason changed in {len(flips)} of {tried} small perturbations "
                    f"(agreement {numbers.pct(agreement)}); e.g. {field} {value} -> {nudged:g} turned "
                    f"{before} into {after}.",
                    expected=f"agreement >= {numbers.pct(ctx.params['min_agreement'])}",
                    observed=f"{numbers.pct(agreement)}",
                    location=ctx.at("explainability"),
                    remediation=self.remediation,
                    evidence={"example_input": masked_json(ctx.manifest, row)},
                )
            )
        summary = (
            f"Top reason kept in {numbers.pct(agreement)} of {tried} perturbations; repeats identical"
            if agreement is not None
            else "Repeats identical"
        )
        nothing = not rows or (tried == 0 and not repeat_differs)
        return result_from_findings(
            findings,
            passed=summary,
            failed="No explained answer to test" if nothing else "Unstable explanations",
            metrics={
                "inputs": len(rows),
                "perturbations": tried,
                "agreement": agreement,
                "repeat_mismatches": len(repeat_differs),
            },
        )
