"""Serving: the model answers a real prediction over its declared interface.

This is the smallest proof that the model can be reached the way production will reach it: readiness
starts the server from ``model.serve`` when given, sends one production-shaped request and checks the
answer. The latency and load checks build on the same handle.
"""

from __future__ import annotations

import csv
import importlib
import sys
import time
from typing import Any

from readiness.check import (
    Check,
    CheckContext,
    CheckResult,
    Finding,
    Severity,
    not_applicable,
    result_from_findings,
)


def sample_row(ctx: CheckContext) -> dict[str, Any] | None:
    """The manifest's request example, else the first row of the production (or reference) CSV."""
    endpoint = ctx.manifest.model.endpoint
    if endpoint is not None and endpoint.request_example is not None:
        return dict(endpoint.request_example)
    data = ctx.manifest.data
    for source in (data.production, data.reference) if data else ():
        if source is not None and source.path and source.path.endswith(".csv"):
            with open(ctx.resolve(source.path), newline="", encoding="utf-8") as fh:
                row = next(csv.DictReader(fh), None)
            if row is not None:
                return {k: _number(v) for k, v in row.items()}
    return None


def _number(text: str) -> Any:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return None if text == "" else text


def wrap(protocol: str, row: dict[str, Any]) -> dict[str, Any]:
    """The request body for one row in the endpoint's protocol."""
    if protocol == "mlflow":
        return {"dataframe_split": {"columns": list(row), "data": [list(row.values())]}}
    if protocol == "v2":
        return {"inputs": [{"name": k, "shape": [1], "datatype": _v2_type(v), "data": [v]}
                           for k, v in row.items()]}
    if protocol == "openai":
        return {"messages": [{"role": "user", "content": str(row)}], "max_tokens": 16}
    return row


def _v2_type(value: Any) -> str:
    if isinstance(value, bool):
        return "BOOL"
    if isinstance(value, int):
        return "INT64"
    if isinstance(value, float):
        return "FP64"
    return "BYTES"


class ModelAnswers(Check):
    id = "SRV-001"
    area = "serving"
    title = "The model answers a production-shaped request"
    rationale = ("A model that cannot be reached through the interface production will use is not a "
                 "candidate for production, whatever its offline accuracy.")
    remediation = ("Declare model.endpoint (an HTTP URL or a Python callable) and, to let readiness "
                   "start it, model.serve with the command and a ready URL.")
    weight = 5.0
    blocking = True
    timeout_s = 120.0

    def run(self, ctx: CheckContext) -> CheckResult:
        endpoint = ctx.manifest.model.endpoint
        if endpoint is None:
            return result_from_findings([Finding(
                severity=Severity.HIGH, message="The manifest declares no way to reach the model.",
                expected="model.endpoint", observed="missing", location=ctx.at("model"),
                remediation=self.remediation)], passed="", failed="Model cannot be reached")
        row = sample_row(ctx)
        if endpoint.kind == "python":
            return self._python(ctx, endpoint.callable, row)
        if endpoint.kind == "file":
            return not_applicable("Model files are exercised by the latency checks, not over a wire")
        return self._http(ctx, endpoint, row)

    def _http(self, ctx: CheckContext, endpoint: Any, row: dict[str, Any] | None) -> CheckResult:
        handle = ctx.resources.model()
        body = wrap(endpoint.protocol, row or {})
        reply = handle.predict(body, method=endpoint.method)
        metrics: dict[str, Any] = {"url": handle.url, "status": reply.status,
                                   "latency_ms": round(reply.elapsed_s * 1000, 3)}
        if handle.time_to_ready_s is not None:
            metrics["time_to_ready_s"] = round(handle.time_to_ready_s, 3)
        findings = []
        where = ctx.at("model", "endpoint", "url")
        if reply.status is None:
            findings.append(Finding(severity=Severity.HIGH, message=f"{handle.url} did not answer: {reply.error}",
                                    expected="an HTTP response", observed=reply.error, location=where,
                                    remediation="Check that the server is running and the URL is right."))
        elif not 200 <= reply.status < 300:
            findings.append(Finding(
                severity=Severity.HIGH, message=f"{handle.url} answered HTTP {reply.status}",
                expected="2xx", observed=str(reply.status), location=where,
                evidence={"body": reply.body[:300].decode("utf-8", "replace")},
                remediation="Make the endpoint accept the request shape in the findings' evidence."))
        else:
            try:
                metrics["response_keys"] = sorted(reply.json())[:20] if isinstance(reply.json(), dict) else []
            except ValueError:
                findings.append(Finding(severity=Severity.HIGH, message="The response body is not JSON",
                                        expected="application/json", location=where,
                                        observed=reply.body[:100].decode("utf-8", "replace")))
        if handle.log_tail:
            metrics["server_log_tail"] = handle.log_tail[-5:]
        return result_from_findings(findings, passed=f"HTTP {reply.status} in {metrics['latency_ms']:.1f} ms",
                                    failed="The model did not answer correctly", metrics=metrics)

    def _python(self, ctx: CheckContext, target: str | None, row: dict[str, Any] | None) -> CheckResult:
        module_name, _, attr = (target or "").partition(":")
        base = str(ctx.loaded.base_dir)
        if base not in sys.path:  # the callable's module lives beside the manifest
            sys.path.insert(0, base)
        fn: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            fn = getattr(fn, part)
        start = time.perf_counter()
        output = fn(row or {})
        elapsed_ms = (time.perf_counter() - start) * 1000
        findings = []
        if output is None:
            findings.append(Finding(severity=Severity.HIGH, message=f"{target} returned None",
                                    expected="a prediction", observed="None",
                                    location=ctx.at("model", "endpoint", "callable")))
        return result_from_findings(findings, passed=f"{target} answered in {elapsed_ms:.3f} ms",
                                    failed="The callable gave no prediction",
                                    metrics={"latency_ms": round(elapsed_ms, 4)})
