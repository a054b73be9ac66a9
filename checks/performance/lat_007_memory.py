"""LAT-007: The server's memory at peak fits its budget, for every replica, and does not grow."""

from __future__ import annotations

from typing import Any

from readiness.checks.performance._common import LoadCheck, measured_load, require_http

from readiness import citations
from readiness.check import (
    CheckContext,
    CheckResult,
    Finding,
    Param,
    Severity,
    fail,
    missing_finding,
    not_applicable,
    result_from_findings,
)


class MemoryAtPeak(LoadCheck):
    """Measures the memory of the model server's whole process tree (every process in the session readiness
    started it in, workers included; proportional set size, so pages shared by forked workers count once) at
    idle, throughout the load stage at the declared peak and at each of ``stages`` (2x by default). The
    highest figure must fit ``service_levels.memory_mb`` (one replica); with ``service_levels.replicas`` and
    ``memory_total_mb``, all replicas together must fit the node or cluster. Memory that keeps growing during a
    stage (the median of its last fifth against its first fifth) by more than ``max_growth_mb`` and
    ``max_growth_share`` of the idle figure is a leak signal, reported per request. It needs a server readiness
    starts (``model.serve``).

    Example finding: ``Memory grew by 61.2 MB during the 1x stage (210 KB per request): a leak`` (HIGH).
    """

    id = "LAT-007"
    title = "The server's memory at peak fits its budget, for every replica, and does not grow"
    rationale = (
        "A model that uses 2 GB of RAM works until 50 copies are needed, and one that grows by a few KB per "
        "request is killed by the orchestrator at 3 a.m.: memory has to be measured at peak, per replica and "
        "for the fleet, and watched for growth."
    )
    remediation = (
        "Declare service_levels.memory_mb (and replicas, memory_total_mb); shrink the model or its workers "
        "(shared weights, fewer processes, lazy imports) until the peak fits, and fix what grows per request."
    )
    references = (citations.DORA_RTS_ART_9, citations.NIST_RMF_MEASURE_2_4)
    weight = 3.0
    params = {
        "stages": Param([1.0, 2.0], "Load stages (multiples of the declared peak) to measure."),
        "max_growth_mb": Param(20.0, "Growth during one stage above which it is a leak signal (ours)."),
        "max_growth_share": Param(0.05, "... and above this share of the idle memory (ours)."),
    }

    def run(self, ctx: CheckContext) -> CheckResult:
        require_http(ctx)
        if not ctx.evidence.started():
            return not_applicable(
                "The model runs outside readiness: its memory cannot be read (declare model.serve)",
                needs="model.serve",
            )
        levels = ctx.manifest.service_levels
        idle = ctx.evidence.idle_memory()
        stages: list[tuple[float, Any]] = []
        for multiplier in ctx.params["stages"]:
            # memory under a load the model did not answer says nothing of its memory at peak
            result = measured_load(ctx, float(multiplier), what="memory at peak")
            if idle is None:
                idle = ctx.evidence.idle_memory()
            stages.append((float(multiplier), result))
        traces = [(m, r.memory) for m, r in stages if r.memory is not None and r.memory.samples]
        if not traces:
            return fail(
                [
                    Finding(
                        severity=Severity.HIGH,
                        message="The server's memory could not be read (no /proc on this machine?).",
                        expected="memory samples",
                        observed="none",
                        location=ctx.at("model", "serve"),
                        remediation="Run readiness on Linux, where /proc gives each process's memory.",
                    )
                ],
                "Memory not measured",
            )
        idle_peak = idle.peak if idle is not None else None
        idle_mb = idle_peak.mb if idle_peak is not None else None
        metrics: dict[str, Any] = {"idle_mb": _mb(idle_mb)}
        findings: list[Finding] = []
        peak_mb, measure, processes = 0.0, "pss", 1
        for multiplier, trace in traces:
            top = trace.peak
            name = f"{multiplier:g}x"
            metrics[f"peak_{name}_mb"] = _mb(top.mb)
            peak_mb = max(peak_mb, top.mb)
            measure, processes = top.measure, max(processes, top.processes)
            growth = trace.growth_bytes()
            if growth is not None:
                grown_mb = growth / 1_000_000
                metrics[f"growth_{name}_mb"] = _mb(grown_mb)
                limit = max(ctx.params["max_growth_mb"], ctx.params["max_growth_share"] * (idle_mb or 0))
                if grown_mb > limit:
                    per = growth / max(1, trace.requests) / 1000
                    findings.append(
                        self._over(
                            ctx,
                            ("model", "serve"),
                            f"Memory grew by {grown_mb:.1f} MB during the {name} stage ({per:.1f} KB per "
                            f"request over {trace.requests} requests): a leak signal.",
                            f"<= {limit:g} MB growth",
                            f"{grown_mb:.1f} MB",
                        )
                    )
        metrics.update(peak_mb=_mb(peak_mb), measure=measure, processes=processes)
        budget = levels.memory_mb if levels else None
        if budget is None:
            findings.append(
                missing_finding(
                    ctx,
                    ("service_levels",),
                    f"No per-replica memory budget: the server peaked at {peak_mb:.0f} MB, against nothing.",
                    self.remediation,
                    expected="service_levels.memory_mb",
                )
            )
        elif peak_mb > budget:
            findings.append(
                self._over(
                    ctx,
                    ("service_levels", "memory_mb"),
                    f"The server peaked at {peak_mb:.0f} MB ({measure.upper()}, {processes} processes); "
                    f"the per-replica budget is {budget:g} MB.",
                    f"<= {budget:g} MB",
                    f"{peak_mb:.0f} MB",
                )
            )
        if levels and levels.replicas and levels.memory_total_mb:
            fleet = peak_mb * levels.replicas
            metrics["fleet_mb"] = _mb(fleet)
            if fleet > levels.memory_total_mb:
                findings.append(
                    self._over(
                        ctx,
                        ("service_levels", "memory_total_mb"),
                        f"{levels.replicas} replicas at {peak_mb:.0f} MB need {fleet:.0f} MB; the node or "
                        f"cluster has {levels.memory_total_mb:g} MB for them.",
                        f"<= {levels.memory_total_mb:g} MB",
                        f"{fleet:.0f} MB",
                    )
                )
        fleet_text = (
            f", {levels.replicas} replicas {metrics['fleet_mb']:g} MB" if levels and "fleet_mb" in metrics else ""
        )
        return result_from_findings(
            findings,
            passed=f"Peak {peak_mb:.0f} MB ({measure.upper()}) within {budget or 0:g} MB{fleet_text}; "
            f"idle {idle_mb or 0:.0f} MB, no growth",
            failed=f"Memory: {len(findings)} problem(s), peak {peak_mb:.0f} MB",
            metrics=metrics,
        )

    def _over(self, ctx: CheckContext, loc: tuple[str, str], message: str, expected: str, observed: str) -> Finding:
        return Finding(
            severity=Severity.HIGH,
            message=message,
            expected=expected,
            observed=observed,
            location=ctx.at(*loc),
            remediation=self.remediation,
        )


def _mb(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
