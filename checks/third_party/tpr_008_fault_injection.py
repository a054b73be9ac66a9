"""TPR-008: The model survives its vendors' bad days: outages, slowness, errors, resets and garbage, injected."""

from __future__ import annotations

import time
from typing import Any

from readiness.checks.third_party._common import ThirdPartyCheck

from readiness import citations
from readiness.check import (
    Answer,
    CheckContext,
    CheckResult,
    Finding,
    Severity,
    at_path,
    bodies,
    fail,
    missing_finding,
    not_applicable,
    require_http_endpoint,
    result_from_findings,
    same_value,
)

DESCRIBE = {
    "outage": "refusing connections",
    "slow": "answering late",
    "errors": "answering 503",
    "reset": "resetting connections mid-answer",
    "garbage": "answering garbage",
}


class DependencyFaults(ThirdPartyCheck):
    """For each third party the model calls while it answers (``third_parties[].runtime``), readiness starts its
    own fault-injecting proxy on 127.0.0.1 in front of it (or in front of the stand-in that ``runtime.serve``
    starts), points the model at the proxy through ``runtime.env`` and starts the model. It first proves the
    model calls the dependency (bytes pass the proxy) and decides normally; then, for each of
    ``runtime.scenarios`` (outage, slow beyond ``runtime.timeout_ms``, 503 errors, resets mid-answer, garbage
    bodies), it sends ``runtime.requests`` production-shaped requests and checks that no error reaches the
    caller, that every answer is the declared fallback (``runtime.fallback_decision`` or a true
    ``runtime.degraded_flag``), that answers stay within the p99 latency budget, and that normal decisions
    return within ``runtime.max_recover_s`` once the fault ends. It needs a server readiness starts
    (``model.serve``); it has no parameters of its own.

    Example finding: ``While Bureau was refusing connections, 20 of 20 answers were errors (HTTP 500)`` (HIGH).
    """

    id = "TPR-008"
    title = "The model survives its vendors' outages: faults injected between the model and each dependency"
    rationale = (
        "A vendor API that goes down every Tuesday takes the model down with it unless the fallback works: "
        "only an outage rehearsed against the running model, with answers counted, shows that decisions go on."
    )
    remediation = (
        "Give every call to a dependency a timeout below the latency budget, catch its failures (refused, slow, "
        "5xx, reset, garbage) and answer the documented fallback (a referral, a simpler model) flagged as such; "
        "declare third_parties[].runtime so readiness can rehearse it."
    )
    references = (citations.DORA_ART_28, citations.DORA_RTS_ART_25, citations.DORA_ART_11_6_A)
    weight = 4.0
    timeout_s = 900.0

    def run(self, ctx: CheckContext) -> CheckResult:
        deps = [(i, p) for i, p in enumerate(ctx.manifest.third_parties or []) if p.runtime is not None]
        if not deps:
            return not_applicable(
                "No runtime dependency declared (third_parties[].runtime)", needs="third_parties[].runtime"
            )
        require_http_endpoint(
            ctx,
            missing="No endpoint: the model cannot be called.",
            summary="No endpoint",
            in_process="The model is called in process: no dependency can be put behind a proxy",
        )
        if not ctx.evidence.started():
            return not_applicable(
                "The model runs outside readiness: its dependencies cannot be rerouted (declare model.serve)",
                needs="model.serve",
            )
        requests = bodies(ctx.loaded, max(p.runtime.requests for _, p in deps if p.runtime))
        if not requests:
            return fail(
                missing_finding(
                    ctx,
                    ("data",) if ctx.manifest.data else ("model", "endpoint"),
                    "No production data sample or request example to send: no outage can be rehearsed.",
                    "Point data.production at a production-shaped sample, or give model.endpoint.request_example.",
                    expected="data.production or model.endpoint.request_example",
                ),
                "Nothing to send: outages not rehearsed",
            )
        findings: list[Finding] = []
        for i, party in enumerate(ctx.manifest.third_parties or []):
            if party.runtime is None and party.critical_function and party.kind == "model_api":
                findings.append(
                    Finding(
                        severity=Severity.MEDIUM,
                        message=f"{party.name} is a critical model API with no runtime declaration: its outage "
                        "is not rehearsed.",
                        expected="third_parties[].runtime",
                        observed="missing",
                        location=ctx.at("third_parties", i),
                        remediation=self.remediation,
                    )
                )
        metrics: dict[str, Any] = {}
        for i, party in deps:
            metrics[party.name] = _Drill(ctx, i, party, requests, self.remediation).run(findings)
        metrics["scenarios"] = sum(len(m.get("scenarios", {})) for m in metrics.values() if isinstance(m, dict))
        rehearsed = {n for n, m in metrics.items() if isinstance(m, dict) and m.get("scenarios")}
        critical = {p.name for p in ctx.manifest.third_parties or [] if p.critical_function}
        if critical and critical <= rehearsed:
            # only then does this measure what TPR-005 attests (a fallback for every critical vendor)
            metrics["every_critical_vendor_rehearsed"] = sorted(critical)
        else:
            metrics["not_rehearsed"] = sorted(critical - rehearsed)
        done = [
            f"{n}: {', '.join(m['scenarios'])}"
            for n, m in metrics.items()
            if isinstance(m, dict) and m.get("scenarios")
        ]
        return result_from_findings(
            findings,
            passed="Fell back on every fault, no error reached the caller (" + "; ".join(done) + ")",
            failed=f"{len(findings)} dependency failure(s) reach the caller or go unhandled",
            metrics=metrics,
        )


class _Drill:
    def __init__(self, ctx: CheckContext, index: int, party: Any, requests: list[Any], remediation: str) -> None:
        self.ctx, self.index, self.party, self.runtime = ctx, index, party, party.runtime
        self.requests, self.remediation = requests, remediation
        levels = ctx.manifest.service_levels
        budget = levels.latency_ms if levels else None
        self.budget_ms = float(budget.p99) if budget and budget.p99 is not None else None
        self.decision_path = ctx.manifest.model.outputs.decision

    def finding(self, message: str, expected: str, observed: str, severity: Severity = Severity.HIGH) -> Finding:
        return Finding(
            severity=severity,
            message=message,
            expected=expected,
            observed=observed,
            location=self.ctx.at("third_parties", self.index, "runtime"),
            remediation=self.remediation,
        )

    def fell_back(self, a: Answer) -> bool:
        if a.status is None or not 200 <= a.status < 300:
            return False
        rt = self.runtime
        if rt.degraded_flag and at_path(a.body, rt.degraded_flag) is True:
            return True
        decision = at_path(a.body, self.decision_path) if self.decision_path else None
        return rt.fallback_decision is not None and same_value(decision, rt.fallback_decision)

    def normal(self, a: Answer) -> bool:
        return a.ok and not self.fell_back(a)

    def ask(self, n: int) -> list[Answer]:
        return [self.ctx.evidence.call(self.ctx, self.requests[k % len(self.requests)]) for k in range(n)]

    def run(self, findings: list[Finding]) -> dict[str, Any]:
        name, rt = self.party.name, self.runtime
        handle = self.ctx.evidence.dependency(name)
        proxy = handle.proxy
        out: dict[str, Any] = {"via": handle.via, "scenarios": {}}
        declared = rt.fallback_decision is not None or rt.degraded_flag is not None
        if not declared:
            findings.append(
                self.finding(
                    f"No way to recognise {name}'s fallback: declare runtime.fallback_decision or "
                    "runtime.degraded_flag.",
                    "a declared fallback",
                    "missing",
                    Severity.MEDIUM,
                )
            )
        proxy.set_mode("pass")
        sent = proxy.forwarded_bytes
        baseline = self.ask(min(5, rt.requests))
        out["baseline_bytes_to_dependency"] = proxy.forwarded_bytes - sent
        if proxy.forwarded_bytes == sent:
            findings.append(
                self.finding(
                    f"The model never called {name} through {rt.env}={handle.via} while answering "
                    f"{len(baseline)} requests: the outage scenarios would prove nothing.",
                    f"calls to {name}",
                    "no bytes through the proxy",
                )
            )
            return out
        if not all(self.normal(a) for a in baseline):
            bad = next(a for a in baseline if not self.normal(a))
            findings.append(
                self.finding(
                    f"With {name} up, the model did not decide normally "
                    f"({bad.why() if not bad.ok else 'it fell back'}).",
                    "normal decisions",
                    "fallback or errors",
                )
            )
            return out
        delay_s = min(10.0, (rt.timeout_ms or (self.budget_ms or 1000.0)) * 3 / 1000)
        for scenario in rt.scenarios:
            try:
                proxy.set_mode(scenario, delay_s)
                started = time.perf_counter()
                answers = self.ask(rt.requests)
                span = time.perf_counter() - started
            finally:
                proxy.set_mode("pass")
            out["scenarios"][scenario] = self.judge(scenario, answers, span, findings)
            back = self.recover()
            out["scenarios"][scenario]["recovered_s"] = back
            if back is None:
                findings.append(
                    self.finding(
                        f"After {name} stopped {DESCRIBE[scenario]}, normal decisions did not return within "
                        f"{rt.max_recover_s:g} s.",
                        f"<= {rt.max_recover_s:g} s",
                        "not recovered",
                    )
                )
        return out

    def judge(self, scenario: str, answers: list[Answer], span: float, findings: list[Finding]) -> dict[str, Any]:
        name, what = self.party.name, DESCRIBE[scenario]
        errors = [a for a in answers if a.status is None or a.status >= 500]
        client = [a for a in answers if a.status is not None and 300 <= a.status < 500]
        fallback = [a for a in answers if self.fell_back(a)]
        latencies = sorted(a.elapsed_s * 1000 for a in answers)
        slow = [x for x in latencies if self.budget_ms is not None and x > self.budget_ms]
        row = {
            "answers": len(answers),
            "fallback_share": round(len(fallback) / len(answers), 4) if answers else 0.0,
            "errors": len(errors) + len(client),
            "p50_ms": round(latencies[len(latencies) // 2], 2) if latencies else None,
            "max_ms": round(latencies[-1], 2) if latencies else None,
            "seconds": round(span, 2),
        }
        if errors or client:
            first = (errors or client)[0]
            findings.append(
                self.finding(
                    f"While {name} was {what}, {len(errors) + len(client)} of {len(answers)} answers were errors "
                    f"({first.why()}).",
                    "no error reaches the caller",
                    f"{len(errors) + len(client)} errors",
                )
            )
        ordinary = [a for a in answers if self.normal(a)]
        declared = self.runtime.fallback_decision is not None or self.runtime.degraded_flag is not None
        if declared and ordinary:
            findings.append(
                self.finding(
                    f"While {name} was {what}, {len(ordinary)} of {len(answers)} answers were ordinary decisions, not "
                    "the declared fallback: the model decided without its vendor's data and did not say so.",
                    "the declared fallback",
                    f"{len(ordinary)} ordinary decisions",
                )
            )
        if slow and len(slow) > 0.01 * len(answers):
            findings.append(
                self.finding(
                    f"While {name} was {what}, {len(slow)} of {len(answers)} answers took longer than the p99 budget "
                    f"of {self.budget_ms:g} ms (up to {latencies[-1]:.0f} ms): its timeout is too long.",
                    f"<= {self.budget_ms:g} ms",
                    f"max {latencies[-1]:.0f} ms",
                )
            )
        return row

    def recover(self) -> float | None:
        start = time.perf_counter()
        deadline = start + self.runtime.max_recover_s
        k = 0
        while time.perf_counter() < deadline:
            answer = self.ctx.evidence.call(self.ctx, self.requests[k % len(self.requests)])
            if self.normal(answer):
                return round(time.perf_counter() - start, 3)
            k += 1
            time.sleep(0.05)
        return None
