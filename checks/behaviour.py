"""Model behaviour through its real interface: an explanation with every decision, the same answer
for the same input, and a clean answer (a prediction or a clear client error) for every edge case.

The inputs are production rows; the edge cases are generated from the input's own fields.
"""

from __future__ import annotations

import json
import math
from typing import Any

from readiness.checks._util import missing

from readiness import adapters
from readiness.check import (
    Check,
    CheckContext,
    CheckResult,
    Finding,
    Param,
    Reference,
    Severity,
    result_from_findings,
)

AIA_86 = Reference(source="EU AI Act (EU) 2024/1689", section="Art. 86(1)", confidence="CP")
FINMA_26 = Reference(source="FINMA Guidance 08/2024", section="2.6 Explainability", confidence="SC")
AIA_15 = Reference(source="EU AI Act (EU) 2024/1689", section="Art. 15(4)", confidence="CP")


class Answer:
    """One call's outcome: HTTP status (200 for an in-process answer), parsed body, or an error."""

    def __init__(self, status: int | None, body: Any = None, error: str | None = None, raw: bytes = b"") -> None:
        self.status, self.body, self.error, self.raw = status, body, error, raw


def call(ctx: CheckContext, body: Any, raw: bytes | None = None) -> Answer:
    endpoint = ctx.manifest.model.endpoint
    if endpoint.kind in {"python", "file"}:
        try:
            out = adapters.python_model(ctx.loaded)(body)
        except (ValueError, TypeError, KeyError) as exc:  # a clear rejection of a bad input
            return Answer(400, error=f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # noqa: BLE001 - anything else is the model crashing on the input
            return Answer(500, error=f"{type(exc).__name__}: {exc}")
        return Answer(200, _jsonable(out))
    handle = ctx.resources.model()
    if raw is not None:
        from readiness.resources import http_call

        reply = http_call(handle.url, method=endpoint.method, raw=raw, headers=handle.headers,
                          timeout=endpoint.timeout_s)
    else:
        reply = handle.predict(body, method=endpoint.method)
    try:
        parsed = reply.json() if reply.body else None
    except ValueError:
        parsed = None
    return Answer(reply.status, parsed, reply.error, reply.body)


def _jsonable(value: Any) -> Any:
    try:
        return json.loads(json.dumps(value, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o)))
    except (TypeError, ValueError):
        return str(value)


def at_path(value: Any, path: str) -> Any:
    """``reason_codes`` or ``explanations[*].feature`` or ``outputs.0.data``."""
    for part in path.split("."):
        star = part.endswith("[*]")
        key = part[:-3] if star else part
        if isinstance(value, dict):
            value = value.get(key)
        elif isinstance(value, list) and key.isdigit():
            value = value[int(key)] if int(key) < len(value) else None
        else:
            return None
        if star:
            if not isinstance(value, list):
                return None
            rest = path.split(part + ".", 1)[1] if part + "." in path else None
            return [at_path(v, rest) if rest else v for v in value]
    return value


def _no_model(ctx: CheckContext) -> CheckResult | None:
    if ctx.manifest.model.endpoint is None:
        return result_from_findings([missing(ctx, ("model",), "No endpoint: the model cannot be exercised.",
                                             "Declare model.endpoint.", expected="model.endpoint")],
                                    passed="", failed="No endpoint")
    return None


class ExplanationPresent(Check):
    id = "XAI-001"
    area = "behaviour"
    title = "Every decision comes with its reasons, from a known catalogue"
    rationale = ("A regulator, an analyst and the customer all ask why. A score without reasons cannot be "
                 "reviewed, contested or defended; reasons outside the catalogue cannot be explained to anyone.")
    remediation = ("Return reasons with every response at explainability.response_path, drawn from "
                   "explainability.reason_code_catalogue.")
    references = (AIA_86, FINMA_26)
    weight = 5.0
    timeout_s = 300.0
    params = {"samples": Param(50, "Production rows sent."), "min_share": Param(1.0, "Share of answers with reasons.")}

    def run(self, ctx: CheckContext) -> CheckResult:
        early = _no_model(ctx)
        if early:
            return early
        xai = ctx.manifest.explainability
        if xai is None or not xai.response_path:
            return result_from_findings([missing(ctx, ("explainability",) if xai else ("model",),
                                                 "No explainability.response_path: where are the reasons?",
                                                 self.remediation, expected="explainability.response_path")],
                                        passed="", failed="No declared explanation")
        bodies = adapters.bodies(ctx.loaded, ctx.params["samples"]) or [{}]
        catalogue = set(xai.reason_code_catalogue)
        without, unknown, answered = [], set(), 0
        for body in bodies:
            answer = call(ctx, body)
            if answer.status is None or not 200 <= answer.status < 300:
                continue
            answered += 1
            reasons = at_path(answer.body, xai.response_path)
            flat = [r for r in (reasons if isinstance(reasons, list) else [reasons]) if r not in (None, "", [])]
            if not flat:
                without.append(body)
            elif catalogue:
                unknown.update(str(r) for r in flat if str(r) not in catalogue)
        findings = []
        share = 1 - len(without) / answered if answered else 0.0
        if answered == 0:
            findings.append(Finding(severity=Severity.HIGH, message="No request was answered.",
                                    location=ctx.at("model", "endpoint")))
        elif share < ctx.params["min_share"]:
            findings.append(Finding(severity=Severity.HIGH,
                                    message=f"{len(without)} of {answered} answers carry no reasons at "
                                            f"{xai.response_path}.",
                                    expected=f">= {ctx.params['min_share']:.0%}", observed=f"{share:.0%}",
                                    location=ctx.at("explainability", "response_path"),
                                    remediation=self.remediation,
                                    evidence={"example_input": json.dumps(without[0])[:300]}))
        if unknown:
            findings.append(Finding(severity=Severity.MEDIUM,
                                    message=f"Reasons outside the catalogue: {', '.join(sorted(unknown)[:10])}.",
                                    expected="codes from reason_code_catalogue",
                                    observed=", ".join(sorted(unknown)[:10]),
                                    location=ctx.at("explainability", "reason_code_catalogue"),
                                    remediation="Add them to the catalogue with their wording, or stop emitting them."))
        return result_from_findings(findings, passed=f"Reasons with all {answered} answers",
                                    failed="{n} explanation gap(s)", metrics={"answered": answered, "share": share})


class Determinism(Check):
    id = "DET-001"
    area = "behaviour"
    title = "The same input gives the same answer"
    rationale = ("A decision that changes when nobody changed anything cannot be audited, reproduced or "
                 "defended; replays must agree, or differ only within a declared tolerance.")
    remediation = "Fix seeds and remove hidden state, or declare the tolerance of a model stochastic by design."
    references = (Reference(source="FINMA Guidance 08/2024", section="2.4 (repeatability)", confidence="SC"),)
    weight = 3.0
    timeout_s = 300.0
    params = {"inputs": Param(20, "Production rows replayed."), "replays": Param(3, "Calls per input."),
              "tolerance": Param(0.0, "Largest absolute difference allowed between numbers in the answers.")}

    def run(self, ctx: CheckContext) -> CheckResult:
        early = _no_model(ctx)
        if early:
            return early
        differing = []
        bodies = adapters.bodies(ctx.loaded, ctx.params["inputs"]) or [{}]
        for body in bodies:
            answers = [call(ctx, body).body for _ in range(ctx.params["replays"])]
            if any(not same(answers[0], a, ctx.params["tolerance"]) for a in answers[1:]):
                differing.append((body, answers[:2]))
        findings = []
        if differing:
            body, pair = differing[0]
            findings.append(Finding(severity=Severity.HIGH,
                                    message=f"{len(differing)} of {len(bodies)} inputs got different answers "
                                            "on replay.",
                                    expected=f"identical (tolerance {ctx.params['tolerance']:g})",
                                    observed=f"{json.dumps(pair[0])[:120]} vs {json.dumps(pair[1])[:120]}",
                                    location=ctx.at("model", "endpoint"), remediation=self.remediation,
                                    evidence={"example_input": json.dumps(body)[:300]}))
        return result_from_findings(findings, passed=f"{len(bodies)} inputs x {ctx.params['replays']} replays agree",
                                    failed="Non-deterministic answers", metrics={"inputs": len(bodies),
                                                                                 "differing": len(differing)})


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
    references = (AIA_15,)
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
                            remediation=self.remediation, evidence={"example_input": _short(body)})
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
    if 200 <= answer.status < 300 and answer.body is None:
        return "2xx with a body that is not JSON"
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


def _short(body: Any) -> str:
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False, default=str)
    return text if len(text) <= 300 else text[:300] + f"... ({len(text)} characters)"
