"""Model behaviour through its real interface: an explanation with every decision, the same answer
for the same input, and a clean answer (a prediction or a clear client error) for every edge case.

The inputs are production rows; the edge cases are generated from the input's own fields.
"""

from __future__ import annotations

import json
import math
import random
import re
from typing import Any

from readiness.checks._util import missing

from readiness import adapters, privacy
from readiness import citations
from readiness.check import (
    Check,
    CheckContext,
    CheckResult,
    EvidenceKind,
    Finding,
    Param,
    Reference,
    Severity,
    result_from_findings,
)
from readiness.evidence import Answer, AnswerKind, require_good
from readiness.outputs import adverse as adverse_decision
from readiness.outputs import (
    at_path,
    call,
    describe_predictions,
    predictions_only,
    read_answer,
    read_predictions,
    reasons_of,
)



def _no_model(ctx: CheckContext) -> CheckResult | None:
    model = ctx.manifest.model
    if model.endpoint is None:
        if model.predictions is not None:
            return predictions_only(ctx)
        return result_from_findings([missing(ctx, ("model",), "No endpoint: the model cannot be exercised.",
                                             "Declare model.endpoint.", expected="model.endpoint")],
                                    passed="", failed="No live model")
    return None


def no_explanation(ctx: CheckContext, message: str, remediation: str) -> CheckResult:
    where = ("explainability",) if ctx.manifest.explainability else ("model",)
    return result_from_findings([missing(ctx, where, message, remediation, expected="explainability.response_path")],
                                passed="", failed="No declared explanation")


def explanation(ctx: CheckContext, row: dict[str, Any], body: Any) -> tuple[Answer, list[Any]]:
    """The answer to ``body`` and its reasons, most important first: from the declared explainer
    callable (attributions for ``row``) or at the declared response path."""
    xai = ctx.manifest.explainability
    answer = call(ctx, body)
    if not answer.ok:
        return answer, []
    if xai.explainer:
        try:
            attributions = adapters.import_callable(ctx.loaded, xai.explainer)(row)
        except Exception as exc:  # noqa: BLE001 - the explainer failing is the finding
            return Answer(answer.status, answer.body, f"explainer raised {type(exc).__name__}: {exc}"), []
        return answer, ranked(attributions)
    return answer, reasons_of(answer.body, xai.response_path or "")


def inputs(ctx: CheckContext, limit: int) -> list[tuple[dict[str, Any], Any]]:
    """(row, request body) pairs to send; an empty object when the manifest gives nothing to send."""
    return adapters.requests(ctx.loaded, limit) or [({}, {})]


def ranked(attributions: Any) -> list[Any]:
    """Feature names, largest absolute attribution first: from {feature: value}, [(feature, value)] or
    a list of names already in order."""
    attributions = getattr(attributions, "tolist", lambda: attributions)()
    if isinstance(attributions, dict):
        pairs = list(attributions.items())
    elif isinstance(attributions, list) and all(isinstance(a, (list, tuple)) and len(a) == 2 for a in attributions):
        pairs = [tuple(a) for a in attributions]
    elif isinstance(attributions, list):
        return [a for a in attributions if a not in (None, "")]
    else:
        return []
    numeric = [(k, v) for k, v in pairs if isinstance(v, (int, float)) and math.isfinite(v)]
    return [k for k, v in sorted(numeric, key=lambda kv: -abs(kv[1])) if v != 0]


class ExplanationPresent(Check):
    id = "XAI-001"
    area = "behaviour"
    title = "Every decision comes with its reasons, from a known catalogue"
    rationale = ("A regulator, an analyst and the customer all ask why. A score without reasons cannot be "
                 "reviewed, contested or defended; reasons outside the catalogue cannot be explained to anyone.")
    remediation = ("Return reasons with every response at explainability.response_path, drawn from "
                   "explainability.reason_code_catalogue (or name an explainer callable for a Python model).")
    references = (citations.AIA_ART_86_1, citations.FINMA_GM_2_6)
    weight = 5.0
    timeout_s = 300.0
    params = {"samples": Param(100, "Production rows sent (or predictions read)."),
              "min_share": Param(1.0, "Share of the decisions that need reasons which must carry them."),
              "require_for": Param("all", "Which decisions need reasons: all, or adverse (model.outputs.adverse).")}

    def run(self, ctx: CheckContext) -> CheckResult:
        model, xai = ctx.manifest.model, ctx.manifest.explainability
        imported = model.endpoint is None and model.predictions is not None
        early = None if imported else _no_model(ctx)
        if early:
            return early
        if xai is None or not (xai.response_path or (xai.explainer and not imported)):
            return no_explanation(ctx, "No explainability.response_path or explainer: where are the reasons?",
                                  self.remediation)
        samples = ctx.params["samples"]
        items: list[tuple[Any, Any, list[Any], str | None]] = []  # (input, answer, reasons, explainer error)
        if imported:
            records = read_predictions(ctx.loaded, model.predictions)
            chosen = random.Random(7).sample(records, min(samples, len(records)))  # noqa: S311 - sampling
            items = [(r, r, reasons_of(r, xai.response_path), None) for r in chosen]
        else:
            answers = []
            for row, body in inputs(ctx, samples):
                answer, reasons = explanation(ctx, row, body)
                answers.append(answer)
                if answer.ok:
                    items.append((body, answer.body, reasons, answer.error))
            require_good(ctx, answers, "No good answer to read reasons from", min_share=0.0)
        return self._judge(ctx, items, imported)

    def _judge(self, ctx: CheckContext, items: list, imported: bool) -> CheckResult:
        xai, outputs = ctx.manifest.explainability, ctx.manifest.model.outputs
        where = "the explainer" if xai.explainer and not imported else xai.response_path
        adverse_only = ctx.params["require_for"] == "adverse"
        rows = [] if imported else adapters.production_rows(ctx.loaded, 1)
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
            tally = by_decision.setdefault(str(decision) if decision is not None else "(any)",
                                           {"answers": 0, "with_reasons": 0})
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
            findings.append(Finding(severity=Severity.HIGH, message="No request was answered, no prediction read.",
                                    location=ctx.at("model")))
        if errors:
            findings.append(Finding(severity=Severity.HIGH,
                                    message=f"The explainer failed on {len(errors)} of {answered} inputs: {errors[0]}",
                                    expected="attributions for every input", observed=errors[0][:200],
                                    location=location, remediation="Make the explainer handle every input the "
                                                                   "model answers."))
        if adverse_without:
            adverse = ", ".join(str(a) for a in outputs.adverse)
            findings.append(Finding(severity=Severity.HIGH,
                                    message=f"{len(adverse_without)} of {n_adverse} adverse decisions ({adverse}) "
                                            f"carry no reasons at {where}.",
                                    expected="reasons with every adverse decision",
                                    observed=f"{len(adverse_without)} without", location=location,
                                    remediation=self.remediation,
                                    evidence={"example_input": masked_json(ctx, adverse_without[0])}))
        elif needed and share < ctx.params["min_share"]:
            findings.append(Finding(severity=Severity.HIGH,
                                    message=f"{len(without)} of {needed} answers carry no reasons at {where}.",
                                    expected=f">= {ctx.params['min_share']:.0%}", observed=f"{share:.0%}",
                                    location=location, remediation=self.remediation,
                                    evidence={"example_input": masked_json(ctx, without[0])}))
        if outputs.adverse and answered and not n_adverse:
            findings.append(Finding(severity=Severity.MEDIUM,
                                    message=f"No adverse decision among {answered} sampled answers: the reasons "
                                            "for adverse decisions are unverified.",
                                    expected=f"some of {', '.join(map(str, outputs.adverse))}",
                                    observed=", ".join(sorted(by_decision)), location=ctx.at("model", "outputs"),
                                    remediation="Add production rows that lead to adverse decisions to the sample."))
        if unknown:
            known = "codes from reason_code_catalogue" + (" or input features" if features else "")
            findings.append(Finding(severity=Severity.MEDIUM,
                                    message=f"Reasons outside the catalogue: {', '.join(sorted(unknown)[:10])}"
                                            + (" (neither a declared code nor an input feature)." if features else "."),
                                    expected=known, observed=", ".join(sorted(unknown)[:10]),
                                    location=ctx.at("explainability", "reason_code_catalogue"),
                                    remediation="Add them to the catalogue with their wording, or stop emitting them."))
        how = f" ({describe_predictions(ctx.manifest.model.predictions)})" if imported else ""
        return result_from_findings(findings, passed=f"Reasons with all {needed} decisions that need them{how}",
                                    failed="{n} explanation gap(s)" + how,
                                    evidence_kind=EvidenceKind.IMPORTED if imported else EvidenceKind.MEASURED,
                                    metrics={"answered": answered, "needing_reasons": needed, "share": share,
                                             "by_decision": by_decision, "imported": imported})


class ExplanationStability(Check):
    id = "XAI-003"
    area = "behaviour"
    title = "Explanations are stable: same input, same reasons; a small change keeps the top reason"
    rationale = ("Reasons that change when nothing changed, or flip for a one-percent change of one input, "
                 "explain nothing: an analyst cannot rely on them and a customer cannot act on them.")
    remediation = ("Make the explanation deterministic (fixed seeds, enough background samples for "
                   "sampling explainers) and check it is not dominated by noise around the decision boundary.")
    references = (citations.FINMA_GM_2_6, citations.AIA_ART_86_1)
    weight = 3.0
    timeout_s = 300.0
    params = {"inputs": Param(20, "Production rows explained."),
              "fields": Param(3, "Numeric fields perturbed per row."),
              "perturbation": Param(0.01, "Relative size of the perturbation of one field."),
              "min_agreement": Param(0.9, "Share of perturbations that must keep the top reason (ours).")}

    def run(self, ctx: CheckContext) -> CheckResult:
        early = _no_model(ctx)
        if early:
            return early
        xai = ctx.manifest.explainability
        if xai is None or not (xai.response_path or xai.explainer):
            return no_explanation(ctx, "No declared explanation to test for stability.",
                                  "Declare explainability.response_path or explainer.")
        endpoint = ctx.manifest.model.endpoint
        rng = random.Random(11)  # noqa: S311 - choosing fields, not secrets

        def explain(row: dict[str, Any]) -> list[Any]:
            return explanation(ctx, row, adapters.wrap(endpoint, row) if endpoint.kind == "http" else row)[1]

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
            findings.append(Finding(severity=Severity.HIGH, message="No explained answer to test: no production "
                                    "rows, or no reasons in the answers (see XAI-001).",
                                    location=ctx.at("explainability")))
        if repeat_differs:
            row, first, again = repeat_differs[0]
            findings.append(Finding(severity=Severity.HIGH,
                                    message=f"{len(repeat_differs)} of {len(rows)} inputs got different reasons "
                                            "when sent twice.",
                                    expected="the same reasons", observed=f"{first[:3]} then {again[:3]}",
                                    location=ctx.at("explainability"), remediation=self.remediation,
                                    evidence={"example_input": masked_json(ctx, row)}))
        if agreement is not None and agreement < ctx.params["min_agreement"]:
            row, field, value, nudged, before, after = flips[0]
            findings.append(Finding(severity=Severity.HIGH,
                                    message=f"The top reason changed in {len(flips)} of {tried} small perturbations "
                                            f"(agreement {agreement:.0%}); e.g. {field} {value} -> {nudged:g} turned "
                                            f"{before} into {after}.",
                                    expected=f"agreement >= {ctx.params['min_agreement']:.0%}",
                                    observed=f"{agreement:.0%}", location=ctx.at("explainability"),
                                    remediation=self.remediation,
                                    evidence={"example_input": masked_json(ctx, row)}))
        summary = (f"Top reason kept in {agreement:.0%} of {tried} perturbations; repeats identical"
                   if agreement is not None else "Repeats identical")
        nothing = not rows or (tried == 0 and not repeat_differs)
        return result_from_findings(findings, passed=summary,
                                    failed="No explained answer to test" if nothing else "Unstable explanations",
                                    metrics={"inputs": len(rows), "perturbations": tried, "agreement": agreement,
                                             "repeat_mismatches": len(repeat_differs)})


class Determinism(Check):
    id = "DET-001"
    area = "behaviour"
    title = "The same input gives the same answer"
    rationale = ("A decision that changes when nobody changed anything cannot be audited, reproduced or "
                 "defended; replays must agree, or differ only within a declared tolerance.")
    remediation = "Fix seeds and remove hidden state, or declare the tolerance of a model stochastic by design."
    references = (citations.FINMA_GM_2_4,)
    weight = 3.0
    timeout_s = 300.0
    params = {"inputs": Param(20, "Production rows replayed."), "replays": Param(3, "Calls per input."),
              "tolerance": Param(0.0, "Largest absolute difference allowed between numbers in the answers "
                                     "(model.outputs.tolerance declares it for a model stochastic by design).")}

    def run(self, ctx: CheckContext) -> CheckResult:
        early = _no_model(ctx)
        if early:
            return early
        declared = ctx.manifest.model.outputs.tolerance
        tolerance = declared if declared is not None else ctx.params["tolerance"]
        bodies = adapters.bodies(ctx.loaded, ctx.params["inputs"]) or [{}]
        what, compared = comparable(ctx)
        replays: list[tuple[Any, list[Answer]]] = [(body, [call(ctx, body) for _ in range(ctx.params["replays"])])
                                                   for body in bodies]
        t = require_good(ctx, [a for _, answers in replays for a in answers], "No good answer to replay")
        differing, incomplete = [], 0
        for body, answers in replays:
            if not all(a.ok for a in answers):
                incomplete += 1
                continue
            values = [compared(a.body) for a in answers]
            if any(not same(values[0], v, tolerance) for v in values[1:]):
                differing.append((body, values[:2]))
        findings = []
        judged = len(bodies) - incomplete
        if incomplete:
            findings.append(Finding(severity=Severity.HIGH,
                                    message=f"{incomplete} of {len(bodies)} inputs did not get a good answer on every "
                                            f"replay, so they cannot be compared ({t.describe()}).",
                                    expected="a good answer to every replay", observed=f"{t.good} of {t.total} good",
                                    location=ctx.at("model", "endpoint"), remediation=self.remediation))
        if differing:
            body, pair = differing[0]
            findings.append(Finding(severity=Severity.HIGH,
                                    message=f"{len(differing)} of {judged} inputs got different {what} on replay.",
                                    expected=f"identical (tolerance {tolerance:g})",
                                    observed=f"{json.dumps(pair[0], default=str)[:120]} vs "
                                             f"{json.dumps(pair[1], default=str)[:120]}",
                                    location=ctx.at("model", "endpoint"), remediation=self.remediation,
                                    evidence={"example_input": masked_json(ctx, body)}))
        return result_from_findings(findings, passed=f"{judged} inputs x {ctx.params['replays']} replays agree on "
                                    f"{what}", failed="Non-deterministic answers" if differing else
                                    "Replays not all answered", metrics={"inputs": len(bodies), "compared": what,
                                                                         "differing": len(differing), **t.metrics()})


VOLATILE = re.compile(r"^(id|uuid|request_?id|trace_?id|span_?id|parameters|created(_at)?|timestamp|time|ts|"
                      r"date|latency(_ms)?|elapsed(_ms)?|duration(_ms)?|served_at|system_fingerprint)$",
                      re.IGNORECASE)
"""Answer fields that differ per call by design (ids, clocks): never compared when whole answers are."""


def comparable(ctx: CheckContext) -> tuple[str, Any]:
    """What DET-001 compares in an answer, and how to take it out: the declared outputs (decision, score,
    reasons); else the protocol's output (v2 ``outputs`` data, MLflow ``predictions``, OpenAI ``choices``);
    else the whole answer without per-call fields such as ids and timestamps."""
    outputs, xai = ctx.manifest.model.outputs, ctx.manifest.explainability
    endpoint = ctx.manifest.model.endpoint
    paths = {name: path for name, path in (("decision", outputs.decision), ("score", outputs.score),
                                           ("reasons", xai.response_path if xai else None)) if path}
    if paths:
        return ("the declared " + ", ".join(paths)), lambda body: {n: at_path(body, p) for n, p in paths.items()}
    if endpoint is not None and endpoint.protocol == "v2":
        return "the v2 output tensors", lambda body: [
            {k: o.get(k) for k in ("name", "datatype", "shape", "data")} if isinstance(o, dict) else o
            for o in (body.get("outputs") or [])] if isinstance(body, dict) else body
    key = adapters.required_key(endpoint) if endpoint is not None else None
    if key:
        return f"{key!r}", lambda body: body.get(key) if isinstance(body, dict) else body
    return "whole answers (ids and timestamps left out; declare model.outputs to compare less)", _stable


def _stable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if not VOLATILE.match(str(k))}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def same(a: Any, b: Any, tolerance: float) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) <= tolerance
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], tolerance) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y, tolerance) for x, y in zip(a, b, strict=True))
    return a == b


TEXTS = {
    "empty string": "", "very long string": "x" * 10_000, "Devanagari text": "नमस्ते दुनिया",
    "Arabic text (right to left)": "مرحبا بالعالم", "CJK text": "你好，世界", "emoji": "🙂👍🏽",
    "control characters": "a\x00b\x07c\x1b", "phone, international (+91)": "+91 98765 43210",
    "phone, local": "098765 43210", "phone, Swiss": "+41 44 668 18 00",
}
NUMBERS = {"zero": 0, "negative": -1, "huge": 1e308, "tiny": 5e-324, "large integer": 2**63}


def edge_cases(base: dict) -> list[tuple[str, str, Any, bytes | None]]:
    """(class, field, body, raw bytes) for every edge case derived from ``base``."""
    out: list[tuple[str, str, Any, bytes | None]] = [("empty object", "", {}, None),
                                                     ("not an object", "", [1, 2, 3], None),
                                                     ("invalid JSON", "", None, b'{"unterminated": ')]
    for field, value in base.items():
        out.append(("missing field", field, {k: v for k, v in base.items() if k != field}, None))
        out.append(("null", field, {**base, field: None}, None))
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out.append(("wrong type (text for a number)", field, {**base, field: "abc"}, None))
            for name, number in NUMBERS.items():
                out.append((f"number: {name}", field, {**base, field: number}, None))
            for name, token in (("NaN", "NaN"), ("Infinity", "Infinity")):
                raw = json.dumps({**base, field: "__X__"}).replace('"__X__"', token).encode()
                out.append((f"number: {name}", field, None, raw))
        else:
            out.append(("wrong type (number for text)", field, {**base, field: 12345}, None))
            for name, text in TEXTS.items():
                out.append((name, field, {**base, field: text}, None))
    return out


class EdgeCases(Check):
    id = "ROB-001"
    area = "behaviour"
    title = "Every edge case gets a prediction or a clear client error"
    rationale = ("Production is mostly edge cases: a missing field, a name in Arabic script, a phone number "
                 "with +91, a 1 MB upload. A server error, a crash or a hang on any of them is an outage "
                 "waiting for its customer.")
    remediation = ("Validate inputs at the edge and answer 4xx with a reason; handle Unicode, extreme "
                   "numbers and large bodies explicitly.")
    references = (citations.AIA_ART_15_4,)
    weight = 4.0
    timeout_s = 900.0
    params = {"max_payload_bytes": Param(1_048_576, "Size of the oversized-payload case (the cap)."),
              "max_cases": Param(400, "Edge cases sent at most.")}

    def run(self, ctx: CheckContext) -> CheckResult:
        early = _no_model(ctx)
        if early:
            return early
        endpoint = ctx.manifest.model.endpoint
        rows = adapters.production_rows(ctx.loaded, 1)
        base = dict(endpoint.request_example or (rows[0] if rows else {}))
        proof = call(ctx, adapters.wrap(endpoint, base) if endpoint.kind == "http" else base)
        if not proof.ok:  # a server that rejects everything would "handle" every edge case with a 4xx
            return result_from_findings([Finding(
                severity=Severity.HIGH, message=f"The valid base input gets no good answer ({proof.why()}), so "
                "an error for an edge case says nothing: edge cases not judged.",
                expected="a good answer to the valid input", observed=proof.why(80),
                location=ctx.at("model", "endpoint"), remediation="Make the model answer valid inputs first "
                "(see SRV-001).", evidence={"example_input": masked_json(ctx, base)})],
                passed="", failed="Edge cases not judged: the valid input gets no good answer",
                metrics={"base_answer": proof.kind.value})
        cases = edge_cases(base)[: ctx.params["max_cases"]]
        if endpoint.kind == "http":
            pad = "p" * ctx.params["max_payload_bytes"]
            cases.append(("oversized payload", "_padding", {**base, "_padding": pad}, None))
        failures: dict[str, tuple[str, Any, str]] = {}
        for kind, field, body, raw in cases:
            wrapped = adapters.wrap(endpoint, body) if isinstance(body, dict) and endpoint.kind == "http" else body
            answer = call(ctx, wrapped, raw)
            problem = judge(answer)
            if problem and kind not in failures:
                failures[kind] = (field, body if raw is None else raw.decode("utf-8", "replace"), problem)
        findings = [Finding(severity=Severity.HIGH,
                            message=f"{kind}" + (f" in {field}" if field else "") + f": {problem}",
                            expected="a prediction or a 4xx", observed=problem, location=ctx.at("model", "endpoint"),
                            remediation=self.remediation, evidence={"example_input": masked_json(ctx, body)})
                   for kind, (field, body, problem) in failures.items()]
        classes = len({c[0] for c in cases})
        return result_from_findings(findings, passed=f"All {len(cases)} edge cases ({classes} classes) handled",
                                    failed="{n} edge-case class(es) fail", total=classes,
                                    metrics={"cases": len(cases), "classes": classes,
                                             "failing_classes": sorted(failures)})


def judge(answer: Answer) -> str | None:
    """None when the answer is a prediction or a clear client error; else what went wrong."""
    if answer.status is None:
        return f"no answer ({answer.error})"
    if answer.status >= 500:
        return f"server error HTTP {answer.status}"
    if answer.kind is AnswerKind.REDIRECT:
        return f"HTTP {answer.status} redirect (not followed)"
    if 200 <= answer.status < 300 and answer.body is None:
        return "2xx with a body that is not JSON"
    if answer.kind is AnswerKind.NO_OUTPUT:
        return f"2xx {answer.error}: neither a prediction nor a client error"
    if 200 <= answer.status < 300 and _has_nonfinite(answer.body):
        return "2xx with NaN or infinity in the answer"
    return None


def _has_nonfinite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_has_nonfinite(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_nonfinite(v) for v in value)
    return False


def masked_json(ctx: CheckContext, value: Any) -> str:
    """An example input for the evidence, with personal fields masked."""
    return privacy.masked_json(ctx.manifest, value)
