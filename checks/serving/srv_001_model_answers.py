"""SRV-001: The model answers a production-shaped request."""

from __future__ import annotations

from typing import Any

from readiness.check import (
    AnswerKind,
    Check,
    CheckContext,
    CheckResult,
    Finding,
    Severity,
    bodies,
    call,
    classify,
    fail,
    in_process,
    predictions_only,
    result_from_findings,
)


class ModelAnswers(Check):
    """Sends a production-shaped request (a row of ``data.production`` or the endpoint's ``request_example``) to the
    live model, over HTTP or in a child process for an in-process model, and passes only on a good answer: 2xx with
    the declared outputs readable. Refusals, redirects, client and server errors, timeouts and answers without the
    declared output each fail with their kind. The request is built in the endpoint's protocol (json, v2 one ``[1, k]``
    tensor or one per column, kserve-v1 instances, MLflow dataframe_split/records/inputs, openai chat; see
    docs/serving.md). An in-process callable gets the row as a dict and may answer a dict read by
    ``model.outputs`` (``{"score": 0.37, "decision": "decline"}``), a bare number (the score), or any JSON value read
    by path; a model file gets a one-row DataFrame with its feature names and answers ``{"prediction", "score"}``.

    Example finding: ``HTTP 400 from http://127.0.0.1:8080/predict: the model did not answer`` (CRITICAL).
    """

    id = "SRV-001"
    area = "serving"
    title = "The model answers a production-shaped request"
    rationale = (
        "A model that cannot be reached through the interface production will use is not a "
        "candidate for production, whatever its offline accuracy."
    )
    remediation = (
        "Declare model.endpoint (an HTTP URL or a Python callable) and, to let readiness "
        "start it, model.serve with the command and a ready URL."
    )
    weight = 5.0
    blocking = True
    timeout_s = 120.0

    def run(self, ctx: CheckContext) -> CheckResult:
        endpoint = ctx.manifest.model.endpoint
        if endpoint is None and ctx.manifest.model.predictions is not None:
            return predictions_only(ctx)
        if endpoint is None:
            return fail(
                Finding(
                    severity=Severity.HIGH,
                    message="The manifest declares no way to reach the model.",
                    expected="model.endpoint",
                    observed="missing",
                    location=ctx.at("model"),
                    remediation=self.remediation,
                ),
                "Model cannot be reached",
            )
        body = (bodies(ctx.loaded, 1) or [{}])[0]
        if endpoint.kind in {"python", "file"}:
            return self._in_process(ctx, body)
        return self._http(ctx, endpoint, body)

    def _http(self, ctx: CheckContext, endpoint: Any, body: Any) -> CheckResult:
        handle = ctx.evidence.model()
        reply = classify(handle.predict(body, method=endpoint.method), ctx.manifest.model.outputs, endpoint)
        metrics: dict[str, Any] = {
            "url": handle.url,
            "status": reply.status,
            "answer_kind": str(reply.kind),
            "latency_ms": round(reply.elapsed_s * 1000, 3),
        }
        if isinstance(reply.body, dict):
            metrics["response_keys"] = sorted(reply.body)[:20]
        if handle.time_to_ready_s is not None:
            metrics["time_to_ready_s"] = round(handle.time_to_ready_s, 3)
        findings = []
        where = ctx.at("model", "endpoint", "url")
        if reply.kind in {AnswerKind.TRANSPORT, AnswerKind.TIMEOUT}:
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"{handle.url} did not answer: {reply.error}",
                    expected="an HTTP response",
                    observed=reply.error,
                    location=where,
                    remediation="Check that the server is running and the URL is right.",
                )
            )
        elif reply.kind is AnswerKind.REDIRECT:
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"{handle.url} redirects to {reply.location or '?'} "
                    f"(HTTP {reply.status}); readiness does not follow redirects, so credentials stay with the "
                    "declared endpoint.",
                    expected="2xx",
                    observed=f"HTTP {reply.status}",
                    location=where,
                    remediation="Declare the URL that answers, not one that redirects.",
                )
            )
        elif reply.kind is AnswerKind.NO_OUTPUT:
            shown = ", ".join(metrics.get("response_keys", [])) or (
                type(reply.body).__name__ if reply.body is not None else reply.raw[:100].decode("utf-8", "replace")
            )
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"{handle.url} answered HTTP {reply.status} {reply.error}.",
                    expected="the declared output",
                    observed=shown,
                    location=ctx.at("model", "outputs")
                    if ctx.manifest.model.outputs.score or ctx.manifest.model.outputs.decision
                    else ctx.at("model", "endpoint", "protocol"),
                    remediation="Answer in the declared protocol with the declared outputs, or "
                    "declare the right protocol and model.outputs.",
                )
            )
        elif not reply.ok:
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"{handle.url} answered HTTP {reply.status}",
                    expected="2xx",
                    observed=str(reply.status),
                    location=where,
                    evidence={"body": reply.raw[:300].decode("utf-8", "replace")},
                    remediation="Make the endpoint accept the request shape in the findings' evidence.",
                )
            )
        if handle.log_tail:
            metrics["server_log_tail"] = handle.log_tail[-5:]
        return result_from_findings(
            findings,
            passed=f"HTTP {reply.status} in {metrics['latency_ms']:.1f} ms",
            failed="The model did not answer correctly",
            metrics=metrics,
        )

    def _in_process(self, ctx: CheckContext, row: dict[str, Any]) -> CheckResult:

        answer = call(ctx, row)  # in the model's own supervised process
        warned = in_process(ctx).warning_counts()  # counted in the child, summarised here, never streamed
        elapsed_ms = answer.elapsed_s * 1000
        findings = []
        if not answer.ok:
            findings.append(
                Finding(
                    severity=Severity.HIGH,
                    message=f"The model gave no good answer: {answer.why()}.",
                    expected="a prediction with the declared outputs",
                    observed=answer.why(100),
                    location=ctx.at("model", "outputs") if answer.status == 200 else ctx.at("model", "endpoint"),
                    remediation="Return the declared outputs, or declare model.outputs right.",
                )
            )
        return result_from_findings(
            findings,
            passed=f"In-process answer in {elapsed_ms:.3f} ms (in its own process)",
            failed="The model gave no prediction",
            metrics={
                "latency_ms": round(elapsed_ms, 4),
                "answer_kind": str(answer.kind),
                "model_warnings": dict(sorted(warned.items())[:10]),
            },
        )
