"""XAI-001: Every decision comes with its reasons, from a known catalogue."""

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
    EvidenceKind,
    Finding,
    Param,
    Severity,
    describe_predictions,
    masked_json,
    production_rows,
    read_answer,
    read_predictions,
    reasons_of,
    require_good,
    result_from_findings,
)
from readiness.check import (
    adverse as adverse_decision,
)


class ExplanationPresent(Check):
    """Samples ``samples`` production-shaped requests, reads each decision's reasons (at
    ``explainability.response_path``, or from the declared explainer) and checks that at least ``min_share`` of the
    decisions, or of the adverse ones with ``require_for``: adverse,, come with reasons from the declared catalogue.

    Example finding: ``12 of 40 adverse decisions (decline) came without reasons`` (HIGH).
    """

    id = "XAI-001"
    area = "behaviour"
    title = "Every decision comes with its reasons, from a known catalogue"
    rationale = (
        "A regulator, an analyst and the customer all ask why. A score without reasons cannot be "
        "reviewed, contested or defended; reasons outside the catalogue cannot be explained to anyone."
    )
    remediation = (
        "Return reasons with every response at explainability.response_path, drawn from "
        "explainability.reason_code_catalogue (or name an explainer callable for a Python model)."
    )
    references = (citations.AIA_ART_86_1, citations.FINMA_GM_2_6)
    weight = 5.0
    timeout_s = 300.0
    params = {
        "samples": Param(100, "Production rows sent (or predictions read)."),
        "min_share": Param(1.0, "Share of the decisions that need reasons which must carry them."),
        "require_for": Param("all", "Which decisions need reasons: all, or adverse (model.outputs.adverse)."),
    }

    def run(self, ctx: CheckContext) -> CheckResult:
        model, xai = ctx.manifest.model, ctx.manifest.explainability
        imported = model.endpoint is None and model.predictions is not None
        if not imported:
            require_model(ctx)
        if xai is None or not (xai.response_path or (xai.explainer and not imported)):
            return no_explanation(
                ctx, "No explainability.response_path or explainer: where are the reasons?", self.remediation
            )
        samples = ctx.params["samples"]
        items: list[tuple[Any, Any, list[Any], str | None]] = []  # (input, answer, reasons, explainer error)
        if imported and model.predictions is not None:
            records = read_predictions(ctx.loaded, model.predictions)
            chosen = random.Random(7).sample(records, min(samples, len(records)))  # noqa: S311 - sampling
            items = [(r, r, reasons_of(r, xai.response_path or ""), None) for r in chosen]
        else:
            answers = []
            for row, body in inputs(ctx, samples):
                answer, reasons = explanation(ctx, row, body)
                answers.append(answer)
                if answer.ok:
                    items.append((body, answer.body, reasons, answer.error))
            require_good(ctx, answers, "No good answer to read reasons from", min_share=0.0)
        return self._judge(ctx, items, imported)

    def _judge(
        self, ctx: CheckContext, items: list[tuple[Any, Any, list[Any], str | None]], imported: bool
    ) -> CheckResult:
        xai, outputs = ctx.manifest.explainability, ctx.manifest.model.outputs
        assert xai is not None  # run() ended with no_explanation otherwise
        where = "the explainer" if xai.explainer and not imported else xai.response_path
        adverse_only = ctx.params["require_for"] == "adverse"
        rows = [] if imported else production_rows(ctx.loaded, 1)
        features = {str(k) for k in rows[0]} if rows else set()  # reasons may name the model's inputs
        catalogue = set(xai.reason_code_catalogue) | features
        by_decision: dict[str, dict[str, int]] = {}
        without: list[Any] = []
        adverse_without: list[Any] = []
        errors: list[str] = []
        unknown: set[str] = set()
        needed = n_adverse = 0
        for body, answer, reasons, error in items:
            reading = read_answer(outputs, answer)
            decision = reading.decision
            is_adverse = adverse_decision(outputs, reading)
            n_adverse += is_adverse
            tally = by_decision.setdefault(
                str(decision) if decision is not None else "(any)", {"answers": 0, "with_reasons": 0}
            )
            tally["answers"] += 1
            tally["with_reasons"] += bool(reasons)
            if error:
                errors.append(error)
            if adverse_only and not is_adverse:
                continue
            needed += 1
            if not reasons:
                without.append(body)
                if is_adverse:
                    adverse_without.append(body)
            elif catalogue:
                unknown.update(str(r) for r in reasons if str(r) not in catalogue)
        findings = []
        share = 1 - len(without) / needed if needed else 0.0
        answered = len(items)
        location = ctx.at("explainability", "explainer" if xai.explainer and not imported else "response_path")
        if answered == 0:
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message="No request was answered, no prediction read.",
                    location=ctx.at("model"),
                )
            )
        if errors:
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"The explainer failed on {len(errors)} of {answered} inputs: {errors[0]}",
                    expected="attributions for every input",
                    observed=errors[0][:200],
                    location=location,
                    remediation="Make the explainer handle every input the model answers.",
                )
            )
        if adverse_without:
            adverse = ", ".join(str(a) for a in outputs.adverse)
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"{len(adverse_without)} of {n_adverse} adverse decisions ({adverse}) "
                    f"carry no reasons at {where}.",
                    expected="reasons with every adverse decision",
                    observed=f"{len(adverse_without)} without",
                    location=location,
                    remediation=self.remediation,
                    evidence={"example_input": masked_json(ctx.manifest, adverse_without[0])},
                )
            )
        elif needed and share < ctx.params["min_share"]:
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"{len(without)} of {needed} answers carry no reasons at {where}.",
                    expected=f">= {numbers.pct(ctx.params['min_share'])}",
                    observed=f"{numbers.pct(share)}",
                    location=location,
                    remediation=self.remediation,
                    evidence={"example_input": masked_json(ctx.manifest, without[0])},
                )
            )
        if outputs.adverse and answered and not n_adverse:
            findings.append(
                Finding(
                    severity=Severity.MEDIUM,
                    message=f"No adverse decision among {answered} sampled answers: the reasons "
                    "for adverse decisions are unverified.",
                    expected=f"some of {', '.join(map(str, outputs.adverse))}",
                    observed=", ".join(sorted(by_decision)),
                    location=ctx.at("model", "outputs"),
                    remediation="Add production rows that lead to adverse decisions to the sample.",
                )
            )
        if unknown:
            known = "codes from reason_code_catalogue" + (" or input features" if features else "")
            findings.append(
                Finding(
                    severity=Severity.MEDIUM,
                    message=f"Reasons outside the catalogue: {', '.join(sorted(unknown)[:10])}"
                    + (" (neither a declared code nor an input feature)." if features else "."),
                    expected=known,
                    observed=", ".join(sorted(unknown)[:10]),
                    location=ctx.at("explainability", "reason_code_catalogue"),
                    remediation="Add them to the catalogue with their wording, or stop emitting them.",
                )
            )
        predictions = ctx.manifest.model.predictions
        how = f" ({describe_predictions(predictions)})" if imported and predictions is not None else ""
        return result_from_findings(
            findings,
            passed=f"Reasons with all {needed} decisions that need them{how}",
            failed="{n} explanation gap(s)" + how,
            evidence_kind=EvidenceKind.IMPORTED if imported else EvidenceKind.MEASURED,
            metrics={
                "answered": answered,
                "needing_reasons": needed,
                "share": share,
                "by_decision": by_decision,
                "imported": imported,
            },
        )
