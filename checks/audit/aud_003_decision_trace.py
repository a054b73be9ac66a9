"""AUD-003: Every decision readiness causes can be reconstructed from the team's decision store."""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
import uuid
from datetime import datetime
from typing import Any

from readiness import citations
from readiness.check import (
    Answer,
    Check,
    CheckContext,
    CheckResult,
    DataError,
    Endpoint,
    Finding,
    Param,
    Precondition,
    Severity,
    Trace,
    call,
    describe_store,
    masked_json,
    not_applicable,
    personal_columns,
    production_rows,
    read_answer,
    read_decisions,
    reasons_of,
    require_good,
    require_http_endpoint,
    result_from_findings,
    same_value,
    wrap,
)

DIGITS = {"s": 0, "ms": 3, "us": 6, "ns": 9}
FRACTION = re.compile(r"T?\d{2}:\d{2}:\d{2}(?:[.,](\d+))?")
POLL_S = 0.1


class DecisionTrace(Check):
    """Sends ``audit_logging.trace.probes`` production-shaped requests to the live model, each tagged with a
    unique request id (the header ``audit_logging.trace.request_id_header``, ``X-Request-ID`` by default) and a
    W3C ``traceparent``, then reads the team's own decision store (a JSON Lines or SQLite file, a table or
    query behind a SQLAlchemy URL, or an HTTP lookup by request id) and reconstructs each decision: the inputs
    sent (field by field, or the declared input hash), the decision and score as answered, the reasons, the
    model version, and a timestamp at the declared precision that lies between sending and receipt. A record
    that arrives later than ``audit_logging.trace.max_lag_s`` counts as missing. The check passes when at
    least ``min_share`` of the probes are fully reconstructable; personal fields are compared but never shown.

    Example finding: ``7 of 20 decisions cannot be reconstructed: the logged reasons differ from the answered
    ones`` (HIGH).
    """

    id = "AUD-003"
    area = "audit"
    title = "Every decision can be reconstructed from the decision store"
    rationale = (
        "A regulator or a customer asks for one decision: what went in, what came out, on what basis, when, "
        "and which model version. A log that claims every field proves nothing until a decision that was just "
        "made is found in it, whole."
    )
    remediation = (
        "Log every decision with the caller's request id, the inputs as received (or their hash), the decision "
        "and score as answered, the reasons, the model version and a timestamp at the declared precision, "
        "before or as the answer is sent; point audit_logging.trace.store at where it lands."
    )
    references = (citations.AIA_ART_12, citations.AIA_ART_19_1_26_6, citations.DORA_RTS_ART_12, citations.FINMA_GM_2_6)
    weight = 5.0
    timeout_s = 300.0
    params = {"min_share": Param(1.0, "Share of the probes whose decision must be fully reconstructable.")}

    def run(self, ctx: CheckContext) -> CheckResult:
        audit = ctx.manifest.audit_logging
        trace = audit.trace if audit is not None else None
        if trace is None:
            return not_applicable("No decision store to read back (audit_logging.trace)", needs="audit_logging.trace")
        endpoint = require_http_endpoint(
            ctx,
            missing="No endpoint: no decision can be made to trace.",
            summary="No live model",
            in_process="An in-process model receives no request id; trace the service that calls it",
            needs="an HTTP endpoint",
        )
        probes = self._send(ctx, trace, endpoint)
        answers = [p["answer"] for p in probes]
        require_good(ctx, answers, "No good answer to trace", location=ctx.at("model", "endpoint"))
        records, seen = self._collect(ctx, trace, probes)
        return self._judge(ctx, trace, probes, records, seen)

    def _send(self, ctx: CheckContext, trace: Trace, endpoint: Endpoint) -> list[dict[str, Any]]:
        count = trace.probes
        rows = production_rows(ctx.loaded, count) or [dict(endpoint.request_example or {})]
        out = []
        for i in range(count):
            row = rows[i % len(rows)]
            body = wrap(endpoint, row)
            rid = f"readiness-{uuid.uuid4().hex}"
            parent = f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01"
            sent = time.time()
            answer = call(ctx, body, headers={trace.request_id_header: rid, "traceparent": parent})
            out.append({"id": rid, "row": row, "body": body, "answer": answer, "sent": sent, "received": time.time()})
        return out

    def _collect(
        self, ctx: CheckContext, trace: Trace, probes: list[dict[str, Any]]
    ) -> tuple[dict[str, dict[str, Any]], dict[str, float]]:
        """Poll the store until every good probe's record is there or the allowed lag has passed; when each
        record was first seen, for the lag."""
        ids = [p["id"] for p in probes if p["answer"].ok]
        deadline = max(p["received"] for p in probes) + trace.max_lag_s
        records: dict[str, dict[str, Any]] = {}
        seen: dict[str, float] = {}
        error: str | None = None
        while True:
            try:
                records = read_decisions(ctx.loaded, trace.store, trace.fields.request_id, ids)
                error = None
            except DataError as exc:
                error = str(exc)
            now = time.time()
            for key in records:
                seen.setdefault(key, now)
            if len(records) == len(ids) or now >= deadline:
                break
            time.sleep(POLL_S)
        if error is not None and not records:
            raise Precondition(
                Finding(
                    severity=Severity.HIGH,
                    message=f"The decision store could not be read after {trace.max_lag_s:g} s: {error}",
                    expected="the decisions of readiness's requests",
                    observed="unreadable",
                    location=ctx.at("audit_logging", "trace", "store"),
                    remediation=self.remediation,
                ),
                "Decision store unreadable: no decision reconstructed",
                metrics={"probes": len(probes), "store": describe_store(trace.store)},
            )
        return records, seen

    def _judge(
        self,
        ctx: CheckContext,
        trace: Trace,
        probes: list[dict[str, Any]],
        records: dict[str, dict[str, Any]],
        seen: dict[str, float],
    ) -> CheckResult:
        good = [p for p in probes if p["answer"].ok]
        problems: dict[str, list[tuple[dict[str, Any], str]]] = {}
        for p in good:
            record = records.get(p["id"])
            if record is None:
                problems.setdefault("no record", []).append((p, f"request id {p['id']}"))
                continue
            for what, detail in self._differences(ctx, trace, p, record):
                problems.setdefault(what, []).append((p, detail))
        broken = {id(p) for cases in problems.values() for p, _ in cases}
        whole = len(good) - len(broken)
        last = max((p["received"] for p in good), default=0.0)
        personal = personal_columns(ctx.manifest)
        findings = []
        for what, cases in sorted(problems.items(), key=lambda kv: -len(kv[1])):
            example, detail = cases[0]
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"{len(cases)} of {len(good)} decisions cannot be reconstructed: {what}.",
                    expected="every decision in the store, whole",
                    observed=f"{len(cases)} of {len(good)}",
                    location=ctx.at("audit_logging", "trace"),
                    remediation=self.remediation,
                    evidence={
                        "example_request_id": example["id"],
                        "example_input": masked_json(ctx.manifest, example["row"]),
                        "detail": detail if not any(c in detail for c in personal) else "(a personal field)",
                    },
                )
            )
        share = whole / len(good) if good else 0.0
        metrics: dict[str, Any] = {
            "probes": len(probes),
            "answered": len(good),
            "reconstructed": whole,
            "share": round(share, 4),
            "store": describe_store(trace.store),
            "problems": {k: len(v) for k, v in problems.items()},
        }
        if seen:  # from the last answer until the store held every record found (polled every 0.1 s)
            metrics["readable_after_ms"] = round(1000 * max(0.0, max(seen.values()) - last), 1)
        if share >= ctx.params["min_share"]:  # within the tolerated share: the gaps are warnings
            findings = [f.model_copy(update={"severity": Severity.MEDIUM}) for f in findings]
        return result_from_findings(
            findings,
            passed=f"All {len(good)} traced decisions reconstructed from {describe_store(trace.store)}",
            failed=f"{whole} of {len(good)} decisions reconstructed from the store",
            metrics=metrics,
            total=len(good),
        )

    def _differences(
        self, ctx: CheckContext, trace: Trace, p: dict[str, Any], record: dict[str, Any]
    ) -> list[tuple[str, str]]:
        """What of the decision the record does not reconstruct: (what, detail) pairs."""
        f = trace.fields
        answer: Answer = p["answer"]
        outputs = ctx.manifest.model.outputs
        reading = read_answer(outputs, answer.body)
        out = []
        # model version: the one that answered (if the answer says), else the one under assessment
        answered_version = answer.body.get("model_version") if isinstance(answer.body, dict) else None
        version = answered_version or ctx.manifest.model.version
        logged = record.get(f.model_version)
        if logged is None:
            out.append(("no model version", f"{f.model_version} is empty"))
        elif str(logged) != str(version):
            out.append(("the logged model version differs", f"{logged!r} logged, {version!r} answered"))
        if f.decision and outputs.decision:
            logged = record.get(f.decision)
            if logged is None:
                out.append(("no decision", f"{f.decision} is empty"))
            elif not same_value(logged, reading.decision):
                out.append(("the logged decision differs from the answer", f"{logged!r} vs {reading.decision!r}"))
        if f.score and outputs.score:
            logged = _number(record.get(f.score))
            if logged is None:
                out.append(("no score", f"{f.score} is empty"))
            elif reading.score is None or not math.isclose(logged, reading.score, rel_tol=1e-6, abs_tol=1e-9):
                out.append(("the logged score differs from the answer", f"{logged!r} vs {reading.score!r}"))
        if f.reasons:
            logged = _json_list(record.get(f.reasons))
            xai = ctx.manifest.explainability
            answered = reasons_of(answer.body, xai.response_path) if xai and xai.response_path else None
            if not logged:
                out.append(("no reasons", f"{f.reasons} is empty"))
            elif answered is not None and [str(x) for x in logged] != [str(x) for x in answered]:
                out.append(("the logged reasons differ from the answered ones", f"{logged} vs {answered}"))
        if f.input_hash:
            expected = hashlib.sha256(_canonical(p["body"])).hexdigest()
            logged = str(record.get(f.input_hash) or "").lower().removeprefix("sha256:")
            if not logged:
                out.append(("no input hash", f"{f.input_hash} is empty"))
            elif logged != expected:
                out.append(("the logged input hash is not the hash of the input sent", f"{f.input_hash}"))
        elif f.inputs:
            logged = _json_object(record.get(f.inputs))
            if logged is None:
                out.append(("no inputs", f"{f.inputs} is empty"))
            else:
                differ = sorted(k for k, v in p["row"].items() if k not in logged or not _same_input(logged[k], v))
                if differ:
                    out.append(("the logged inputs differ from those sent", f"fields {', '.join(differ[:5])}"))
        out += _timestamp(ctx, trace, p, record)
        return out


def _timestamp(ctx: CheckContext, trace: Trace, p: dict[str, Any], record: dict[str, Any]) -> list[tuple[str, str]]:
    raw = record.get(trace.fields.timestamp)
    when, digits = _instant(raw)
    if when is None:
        return [("no readable timestamp with a time zone", f"{trace.fields.timestamp} = {str(raw)[:40]!r}")]
    audit = ctx.manifest.audit_logging
    declared = audit.timestamp_precision if audit else None
    unit = 10.0 ** -(DIGITS[declared] if declared else 0)
    out = []
    if declared and digits is not None and digits < DIGITS[declared]:
        out.append((f"timestamps coarser than the declared {declared}", f"{raw!r}"))
    if not p["sent"] - unit - 0.001 <= when <= p["received"] + unit + 0.001:
        out.append(("the timestamp is not between sending and receipt", f"{raw!r}"))
    return out


def _canonical(body: Any) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value)) if value is not None else None
    except ValueError:
        return None


def _json_list(value: Any) -> list[Any] | None:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [value] if value else None
    return list(value) if isinstance(value, (list, tuple)) else None


def _json_object(value: Any) -> dict[str, Any] | None:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, dict) else None


def _same_input(logged: Any, sent: Any) -> bool:
    if isinstance(sent, (int, float)) and not isinstance(sent, bool):
        number = _number(logged)
        return number is not None and math.isclose(number, float(sent), rel_tol=1e-9, abs_tol=1e-12)
    return same_value(logged, sent)


def _instant(raw: Any) -> tuple[float | None, int | None]:
    """(epoch seconds, fraction digits written) of a logged timestamp: ISO 8601 text or an epoch number
    in s, ms, us or ns (told apart by magnitude)."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        for scale, digits in ((1e18, 9), (1e15, 6), (1e12, 3)):
            if abs(raw) >= scale:
                return raw / 10**digits, digits
        return float(raw), None
    if isinstance(raw, str) and raw.strip():
        text = raw.strip()
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None, None
        if parsed.tzinfo is None:
            return None, None  # a local time without a zone cannot be placed in time
        match = FRACTION.search(text)
        digits = len(match.group(1)) if match and match.group(1) else 0
        return parsed.timestamp(), digits
    return None, None
