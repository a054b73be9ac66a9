"""ROB-001: Every edge case gets a prediction or a clear client error."""

from __future__ import annotations

import json
import math
from typing import Any

from readiness.checks.behaviour._common import (
    require_model,
)

from readiness import citations
from readiness.check import (
    Answer,
    AnswerKind,
    Check,
    CheckContext,
    CheckResult,
    Finding,
    Param,
    Severity,
    call,
    fail,
    masked_json,
    production_rows,
    result_from_findings,
    wrap,
)

TEXTS = {
    "empty string": "",
    "very long string": "x" * 10_000,
    "Devanagari text": "नमस्ते दुनिया",
    "Arabic text (right to left)": "مرحبا بالعالم",
    "CJK text": "你好，世界",
    "emoji": "🙂👍🏽",
    "control characters": "a\x00b\x07c\x1b",
    "phone, international (+91)": "+91 98765 43210",
    "phone, local": "098765 43210",
    "phone, Swiss": "+41 44 668 18 00",
}


NUMBERS = {"zero": 0, "negative": -1, "huge": 1e308, "tiny": 5e-324, "large integer": 2**63}


def edge_cases(base: dict[str, Any]) -> list[tuple[str, str, Any, bytes | None]]:
    """(class, field, body, raw bytes) for every edge case derived from ``base``."""
    out: list[tuple[str, str, Any, bytes | None]] = [
        ("empty object", "", {}, None),
        ("not an object", "", [1, 2, 3], None),
        ("invalid JSON", "", None, b'{"unterminated": '),
    ]
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


class EdgeCases(Check):
    """Sends edge cases built from a production-shaped request: missing and null fields, Arabic, Hindi and emoji text,
    ``+91`` phone numbers, zero, negative, huge and tiny numbers, a payload near ``max_payload_bytes`` and malformed
    JSON. At most ``max_cases`` are sent. At most ``max_cases`` are sent. Each must get a prediction or a clear 4xx,
    never a 5xx, a hang or a non-finite score.

    Example finding: ``name in Arabic script: HTTP 500`` (HIGH).
    """

    id = "ROB-001"
    area = "behaviour"
    title = "Every edge case gets a prediction or a clear client error"
    rationale = (
        "Production is mostly edge cases: a missing field, a name in Arabic script, a phone number "
        "with +91, a 1 MB upload. A server error, a crash or a hang on any of them is an outage "
        "waiting for its customer."
    )
    remediation = (
        "Validate inputs at the edge and answer 4xx with a reason; handle Unicode, extreme "
        "numbers and large bodies explicitly."
    )
    references = (citations.AIA_ART_15_4,)
    weight = 4.0
    timeout_s = 900.0
    params = {
        "max_payload_bytes": Param(1_048_576, "Size of the oversized-payload case (the cap)."),
        "max_cases": Param(400, "Edge cases sent at most."),
    }

    def run(self, ctx: CheckContext) -> CheckResult:
        endpoint = require_model(ctx)
        rows = production_rows(ctx.loaded, 1)
        base = dict(endpoint.request_example or (rows[0] if rows else {}))
        proof = call(ctx, wrap(endpoint, base) if endpoint.kind == "http" else base)
        if not proof.ok:  # a server that rejects everything would "handle" every edge case with a 4xx
            return fail(
                Finding(
                    severity=Severity.HIGH,
                    message=f"The valid base input gets no good answer ({proof.why()}), so "
                    "an error for an edge case says nothing: edge cases not judged.",
                    expected="a good answer to the valid input",
                    observed=proof.why(80),
                    location=ctx.at("model", "endpoint"),
                    remediation="Make the model answer valid inputs first (see SRV-001).",
                    evidence={"example_input": masked_json(ctx.manifest, base)},
                ),
                "Edge cases not judged: the valid input gets no good answer",
                metrics={"base_answer": str(proof.kind)},
            )
        cases = edge_cases(base)[: ctx.params["max_cases"]]
        if endpoint.kind == "http":
            pad = "p" * ctx.params["max_payload_bytes"]
            cases.append(("oversized payload", "_padding", {**base, "_padding": pad}, None))
        failures: dict[str, tuple[str, Any, str]] = {}
        for kind, field, body, raw in cases:
            wrapped = wrap(endpoint, body) if isinstance(body, dict) and endpoint.kind == "http" else body
            answer = call(ctx, wrapped, raw)
            problem = judge(answer)
            if problem and kind not in failures:
                failures[kind] = (field, body if raw is None else raw.decode("utf-8", "replace"), problem)
        findings = [
            Finding(
                severity=Severity.HIGH,
                message=f"{kind}" + (f" in {field}" if field else "") + f": {problem}",
                expected="a prediction or a 4xx",
                observed=problem,
                location=ctx.at("model", "endpoint"),
                remediation=self.remediation,
                evidence={"example_input": masked_json(ctx.manifest, body)},
            )
            for kind, (field, body, problem) in failures.items()
        ]
        classes = len({c[0] for c in cases})
        return result_from_findings(
            findings,
            passed=f"All {len(cases)} edge cases ({classes} classes) handled",
            failed="{n} edge-case class(es) fail",
            total=classes,
            metrics={"cases": len(cases), "classes": classes, "failing_classes": sorted(failures)},
        )
