"""DET-001: The same input gives the same answer."""

from __future__ import annotations

import json
import re
from typing import Any

from readiness.checks.behaviour._common import (
    require_model,
)

from readiness import citations
from readiness.check import (
    Answer,
    Check,
    CheckContext,
    CheckResult,
    Finding,
    Param,
    Severity,
    at_path,
    bodies,
    call,
    masked_json,
    require_good,
    required_key,
    result_from_findings,
)

VOLATILE = re.compile(
    r"^(id|uuid|request_?id|trace_?id|span_?id|parameters|created(_at)?|timestamp|time|ts|"
    r"date|latency(_ms)?|elapsed(_ms)?|duration(_ms)?|served_at|system_fingerprint)$",
    re.IGNORECASE,
)
"""Answer fields that differ per call by design (ids, clocks): never compared when whole answers are."""


def comparable(ctx: CheckContext) -> tuple[str, Any]:
    """What DET-001 compares in an answer, and how to take it out: the declared outputs (decision, score,
    reasons); else the protocol's output (v2 ``outputs`` data, MLflow ``predictions``, OpenAI ``choices``);
    else the whole answer without per-call fields such as ids and timestamps."""
    outputs, xai = ctx.manifest.model.outputs, ctx.manifest.explainability
    endpoint = ctx.manifest.model.endpoint
    paths = {
        name: path
        for name, path in (
            ("decision", outputs.decision),
            ("score", outputs.score),
            ("reasons", xai.response_path if xai else None),
        )
        if path
    }
    if paths:
        return ("the declared " + ", ".join(paths)), lambda body: {n: at_path(body, p) for n, p in paths.items()}
    if endpoint is not None and endpoint.protocol == "v2":
        return (
            "the v2 output tensors",
            lambda body: (
                [
                    {k: o.get(k) for k in ("name", "datatype", "shape", "data")} if isinstance(o, dict) else o
                    for o in (body.get("outputs") or [])
                ]
                if isinstance(body, dict)
                else body
            ),
        )
    key = required_key(endpoint) if endpoint is not None else None
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
    return bool(a == b)


class Determinism(Check):
    """Sends each of ``inputs`` production-shaped requests ``replays`` times and compares the answers (scores within
    ``tolerance``; volatile fields such as request ids and timestamps ignored). Inputs that did not get a good
    answer every time are counted, never taken as agreement.

    Example finding: ``3 of 10 inputs gave different answers on replay`` (HIGH).
    """

    id = "DET-001"
    area = "behaviour"
    title = "The same input gives the same answer"
    rationale = (
        "A decision that changes when nobody changed anything cannot be audited, reproduced or "
        "defended; replays must agree, or differ only within a declared tolerance."
    )
    remediation = "Fix seeds and remove hidden state, or declare the tolerance of a model stochastic by design."
    references = (citations.FINMA_GM_2_4,)
    weight = 3.0
    timeout_s = 300.0
    params = {
        "inputs": Param(20, "Production rows replayed."),
        "replays": Param(3, "Calls per input."),
        "tolerance": Param(
            0.0,
            "Largest absolute difference allowed between numbers in the answers "
            "(model.outputs.tolerance declares it for a model stochastic by design).",
        ),
    }

    def run(self, ctx: CheckContext) -> CheckResult:
        require_model(ctx)
        declared = ctx.manifest.model.outputs.tolerance
        tolerance = declared if declared is not None else ctx.params["tolerance"]
        sent = bodies(ctx.loaded, ctx.params["inputs"]) or [{}]
        what, compared = comparable(ctx)
        replays: list[tuple[Any, list[Answer]]] = [
            (body, [call(ctx, body) for _ in range(ctx.params["replays"])]) for body in sent
        ]
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
        judged = len(sent) - incomplete
        if incomplete:
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"{incomplete} of {len(sent)} inputs did not get a good answer on every "
                    f"replay, so they cannot be compared ({t.describe()}).",
                    expected="a good answer to every replay",
                    observed=f"{t.good} of {t.total} good",
                    location=ctx.at("model", "endpoint"),
                    remediation=self.remediation,
                )
            )
        if differing:
            body, pair = differing[0]
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"{len(differing)} of {judged} inputs got different {what} on replay.",
                    expected=f"identical (tolerance {tolerance:g})",
                    observed=f"{json.dumps(pair[0], default=str)[:120]} vs {json.dumps(pair[1], default=str)[:120]}",
                    location=ctx.at("model", "endpoint"),
                    remediation=self.remediation,
                    evidence={"example_input": masked_json(ctx.manifest, body)},
                )
            )
        return result_from_findings(
            findings,
            passed=f"{judged} inputs x {ctx.params['replays']} replays agree on {what}",
            failed="Non-deterministic answers" if differing else "Replays not all answered",
            metrics={"inputs": len(sent), "compared": what, "differing": len(differing), **t.metrics()},
        )
