"""MON-002: The model's metrics count what it does, and its alerts fire and reach the on-call rotation."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from readiness import citations, monitoring, numbers
from readiness.check import (
    Check,
    CheckContext,
    CheckResult,
    Finding,
    Param,
    Severity,
    missing_finding,
    normalise,
    not_applicable,
    result_from_findings,
)
from readiness.evidence import EvidenceError

KINDS = ("latency", "errors", "drift", "output_quality")
ALWAYS_THERE = {"up", "ALERTS", "ALERTS_FOR_STATE", "scrape_duration_seconds", "scrape_samples_scraped"}
BUDGET_OF = {0.5: "p50", 0.95: "p95", 0.99: "p99", 0.999: "p999"}
RATE = 600.0
"""Requests per minute in the synthetic series (10 per second)."""


@dataclass
class Names:
    """Which series are which: declared in monitoring.metrics, or found on the page when only one fits."""

    requests: str | None = None
    errors: str | None = None
    latency: str | None = None
    score: str | None = None
    drift: str | None = None
    guessed: dict[str, str] = field(default_factory=dict)

    def of(self, kind: str) -> set[str]:
        """The sample names an expression uses to look at ``kind``."""
        base = {"latency": self.latency, "errors": self.errors, "drift": self.drift, "output_quality": self.score}[kind]
        if base is None:
            return set()
        if kind in {"latency", "output_quality"}:
            return {base, f"{base}_bucket", f"{base}_sum", f"{base}_count"}
        return {base, f"{base}_total", base.removesuffix("_total")}


class MonitoringMeasured(Check):
    """Checks the monitoring against the running model with Prometheus' own formats and tools. It scrapes
    ``monitoring.metrics_url`` before and after the load stage at the declared peak: the request counter
    (``monitoring.metrics.requests``) must grow by the requests readiness sent, within ``count_tolerance``;
    the latency histogram must have bucket bounds on both sides of the p99 budget; the error counter must
    grow by the error answers to ``error_probes`` malformed requests; the declared score, drift and other
    series must be on the page. It reads the alerting-rule files (``monitoring.rules``) with a PromQL parser:
    an alert of each of ``required_kinds`` must exist, every series an expression names must be exposed, and
    a latency alert must not fire only above the budget. With promtool it tests the rules on generated series
    (latency just above the budget and an error share of twice the declared maximum must fire the alerts
    within their ``for:`` window, healthy series must not) and runs the team's own ``monitoring.rule_tests``;
    with amtool it routes each alert's labels through ``monitoring.alertmanager.config`` and expects the
    declared receiver (by default ``owners.on_call.rotation``). A part it could not run (no promtool, no
    amtool, no load) is listed as not verified, never passed.

    Example finding: ``CreditModelLatencyP99High did not fire with p99 at 100-250 ms (budget 100 ms)`` (HIGH).
    """

    id = "MON-002"
    area = "operations"
    title = "The model's metrics count what it does, and its alerts fire and reach the on-call rotation"
    rationale = (
        "Humans cannot watch a model 24/7: alerts must. A rule file that names a metric nobody exposes, a "
        "threshold above the budget or a route to the wrong team is silent on the night it matters; only "
        "rules tested against the model's real metrics prove the alarm rings, and rings for the right people."
    )
    remediation = (
        "Expose Prometheus metrics (requests, errors, a latency histogram, scores, drift), keep alerting rules "
        "for latency, errors, drift and output quality whose thresholds match service_levels, route them to the "
        "on-call rotation, and declare monitoring.metrics_url, monitoring.metrics, monitoring.rules and "
        "monitoring.alertmanager."
    )
    references = (
        citations.DORA_ART_10_1_2,
        citations.FINMA_GM_2_4,
        citations.AIA_ART_72,
        citations.NIST_RMF_MEASURE_2_4,
    )
    weight = 5.0
    extras = ("prometheus_client", "promql_parser")
    install_hint = "pip install 'readiness[monitoring]'"
    timeout_s = 600.0
    params = {
        "required_kinds": Param(list(KINDS), "Alert kinds that must exist."),
        "count_tolerance": Param(0.01, "How far the request counter may be from the requests sent (share)."),
        "error_probes": Param(10, "Malformed requests sent to see the error counter grow."),
    }

    def run(self, ctx: CheckContext) -> CheckResult:
        mon = ctx.manifest.monitoring
        if mon is None or (not mon.metrics_url and not mon.rules):
            # like the drills: nothing to exercise is not a pass; the production tiers require this check,
            # which turns it into FAIL ("not shown")
            return not_applicable(
                "No metrics page or alerting rules declared (monitoring.metrics_url, monitoring.rules)",
                needs="monitoring.metrics_url",
            )
        return _Proof(ctx, self.remediation).run()


class _Proof:
    """One run of MON-002: the parts verified, not verified, and the findings."""

    def __init__(self, ctx: CheckContext, remediation: str) -> None:
        self.ctx, self.remediation = ctx, remediation
        self.findings: list[Finding] = []
        self.verified: list[str] = []
        self.unverified: list[str] = []
        self.metrics: dict[str, Any] = {}

    def run(self) -> CheckResult:
        ctx = self.ctx
        mon = ctx.manifest.monitoring
        assert mon is not None
        page, names = self._scrape_part(ctx) if mon.metrics_url else (None, self._names(None))
        if not mon.metrics_url:
            self._gap(
                ("monitoring",), "No metrics page declared: what the rules watch cannot be checked.", "metrics_url"
            )
        rules = self._rules_part(ctx, page, names)
        fired = self._promtool_part(ctx, rules, page, names) if rules else {}
        if rules:
            self._routing_part(ctx, rules, fired)
        self.metrics["verified"], self.metrics["not_verified"] = self.verified, self.unverified
        done = len(self.verified)
        return result_from_findings(
            self.findings,
            passed=f"Monitoring proven: {'; '.join(self.verified)}",
            failed=f"{len(self.findings)} monitoring gap(s); {done} part(s) verified"
            + (f", {len(self.unverified)} not verified" if self.unverified else ""),
            metrics=self.metrics,
        )

    # -- findings ----------------------------------------------------------------------------------------

    def _gap(self, loc: Sequence[str | int], message: str, expected: str, severity: Severity = Severity.HIGH) -> None:
        self.findings.append(missing_finding(self.ctx, loc, message, self.remediation, expected, severity))

    def _bad(self, loc: Sequence[str | int], message: str, expected: str, observed: str, **evidence: Any) -> None:
        self.findings.append(
            Finding(
                severity=Severity.HIGH,
                message=message,
                expected=expected,
                observed=observed,
                location=self.ctx.at(*loc),
                remediation=self.remediation,
                **({"evidence": evidence} if evidence else {}),
            )
        )

    def _not_verified(self, what: str, why: str, loc: Sequence[str | int] = ("monitoring",)) -> None:
        self.unverified.append(what)
        self.findings.append(
            Finding(
                severity=Severity.MEDIUM,
                message=f"Not verified: {what} ({why}).",
                expected="verified",
                observed="not verified",
                location=self.ctx.at(*loc),
                remediation=why if why.startswith("install") else self.remediation,
            )
        )

    # -- the metrics page --------------------------------------------------------------------------------

    def _scrape_part(self, ctx: CheckContext) -> tuple[monitoring.Scrape | None, Names]:
        mon = ctx.manifest.monitoring
        assert mon is not None
        try:
            result = ctx.evidence.load(1.0, ctx.workers)
        except EvidenceError as exc:
            page = ctx.evidence.scrape()
            if not page.ok:
                self._bad(
                    ("monitoring", "metrics_url"),
                    f"The metrics page cannot be read: {page.error}.",
                    "a Prometheus page",
                    page.error or "",
                )
                return None, self._names(None)
            self._not_verified("request counter against the requests sent", f"the load stage did not run: {exc}")
            return page, self._names(page)
        before, after = result.scrape_before, result.scrape_after
        if before is None or not before.ok or after is None or not after.ok:
            bad = before if before is None or not before.ok else after
            self._bad(
                ("monitoring", "metrics_url"),
                f"The metrics page cannot be read: {bad.error if bad else 'no scrape'}.",
                "the Prometheus text format",
                bad.error if bad else "nothing",
            )
            return None, self._names(None)
        names = self._names(after)
        self.metrics["requests_sent"] = result.sent
        if result.good == 0:  # the counters may be right, but nothing a working model does was observed
            self._bad(
                ("model", "endpoint"),
                f"No request of the load stage got a good answer ({result.describe_failures()}): the latency and "
                "score series were never exercised by a working model.",
                "good answers during the load",
                f"0 of {result.total}",
            )
        if names.requests is None:
            self._gap(("monitoring", "metrics"), "No request counter named (monitoring.metrics.requests).", "requests")
        elif after.total(names.requests) is None:
            self._bad(
                ("monitoring", "metrics", "requests"), f"The page has no series {names.requests}.", "exposed", "absent"
            )
        else:
            grew = (after.total(names.requests) or 0) - (before.total(names.requests) or 0)
            self.metrics["request_counter_delta"] = grew
            tol = ctx.params["count_tolerance"]
            if abs(grew - result.sent) > max(1.0, tol * result.sent):
                self._bad(
                    ("monitoring", "metrics", "requests"),
                    f"{names.requests} grew by {grew:g} while readiness sent {result.sent} requests: the counter "
                    "does not count what the model serves.",
                    f"{result.sent} within {numbers.pct(tol)}",
                    f"{grew:g}",
                )
            else:
                self.verified.append(f"{names.requests} counted {grew:g} of {result.sent} requests")
        self._histogram(ctx, after, names)
        self._errors(ctx, names)
        self._series(ctx, before, after, names)
        final: monitoring.Scrape = after
        return final, names

    def _histogram(self, ctx: CheckContext, page: monitoring.Scrape, names: Names) -> None:
        budget = self._budget_ms(ctx, "p99")
        if names.latency is None:
            self._gap(("monitoring", "metrics"), "No latency histogram named (monitoring.metrics.latency).", "latency")
            return
        bounds = page.bounds(names.latency)
        if not bounds:
            self._bad(
                ("monitoring", "metrics", "latency"), f"The page has no histogram {names.latency}.", "exposed", "absent"
            )
            return
        factor = self._factor(ctx, names.latency)
        ms = [b * factor * 1000 for b in bounds]
        self.metrics["latency_buckets_ms"] = [round(b, 3) for b in ms]
        if budget is None:
            self._not_verified("latency buckets against the budget", "no service_levels.latency_ms.p99 declared")
            return
        if not (any(b <= budget for b in ms) and any(b >= budget for b in ms)):
            self._bad(
                ("monitoring", "metrics", "latency"),
                f"{names.latency}'s buckets ({', '.join(f'{b:g}' for b in ms)} ms) do not bracket the p99 budget of "
                f"{budget:g} ms: an alert cannot tell a breach from normal.",
                f"bounds on both sides of {budget:g} ms",
                f"{ms[0]:g}-{ms[-1]:g} ms",
            )
        else:
            self.verified.append(f"{names.latency} buckets bracket the {budget:g} ms budget")

    def _errors(self, ctx: CheckContext, names: Names) -> None:
        if names.errors is None:
            self._gap(("monitoring", "metrics"), "No error counter named (monitoring.metrics.errors).", "errors")
            return
        before = ctx.evidence.scrape()
        answers = [
            ctx.evidence.call(ctx, None, raw=b'{"readiness": "malformed') for _ in range(ctx.params["error_probes"])
        ]
        after = ctx.evidence.scrape()
        errors = sum(1 for a in answers if a.status is not None and a.status >= 400)
        if not (before.ok and after.ok) or before.total(names.errors) is None and after.total(names.errors) is None:
            self._bad(
                ("monitoring", "metrics", "errors"), f"The page has no series {names.errors}.", "exposed", "absent"
            )
            return
        grew = (after.total(names.errors) or 0) - (before.total(names.errors) or 0)
        self.metrics["error_answers"], self.metrics["error_counter_delta"] = errors, grew
        if errors == 0:
            self._not_verified(
                "the error counter", f"the model answered {len(answers)} malformed requests without an error"
            )
        elif grew + 0.5 < errors * (1 - ctx.params["count_tolerance"]):
            self._bad(
                ("monitoring", "metrics", "errors"),
                f"{names.errors} grew by {grew:g} after {errors} error answers: failures would not reach an alert.",
                f"+{errors}",
                f"+{grew:g}",
            )
        else:
            self.verified.append(f"{names.errors} counted {grew:g} of {errors} provoked errors")

    def _series(self, ctx: CheckContext, before: monitoring.Scrape, after: monitoring.Scrape, names: Names) -> None:
        mon = ctx.manifest.monitoring
        assert mon is not None
        wanted = [("score", names.score), ("drift", names.drift)] + [("other", n) for n in mon.metrics.other]
        missing = [n for _, n in wanted if n and not after.exposes(n)]
        for n in missing:
            self._bad(
                ("monitoring", "metrics"),
                f"The page has no series {n}, which the manifest declares.",
                "exposed",
                "absent",
            )
        present = [n for _, n in wanted if n and n not in missing]
        if present:
            self.verified.append(f"{', '.join(present)} exposed")
        if names.score and names.score not in missing:
            moved = (after.total(f"{names.score}_count") or 0) - (before.total(f"{names.score}_count") or 0)
            if after.total(f"{names.score}_count") is not None and moved <= 0:
                self._bad(
                    ("monitoring", "metrics", "score"),
                    f"{names.score} did not move while the model answered the load: output monitoring sees nothing.",
                    "observations during the load",
                    "none",
                )
        required = set(ctx.params["required_kinds"])
        for kind, named in (("score", names.score), ("drift", names.drift)):
            if named is None and {"score": "output_quality", "drift": "drift"}[kind] in required:
                self._gap(
                    ("monitoring", "metrics"),
                    f"No {kind} series named (monitoring.metrics.{kind}).",
                    kind,
                    Severity.MEDIUM,
                )

    def _names(self, page: monitoring.Scrape | None) -> Names:
        mon = self.ctx.manifest.monitoring
        declared = mon.metrics if mon is not None else None
        names = Names()
        for k in ("requests", "errors", "latency", "score", "drift"):
            setattr(names, k, getattr(declared, k) if declared else None)
        if page is None or not page.ok:
            return names
        guesses = {
            "requests": ("counter", ("request",)),
            "errors": ("counter", ("error", "fail")),
            "latency": ("histogram", ("duration", "latency")),
        }
        for attr, (kind, words) in guesses.items():
            if getattr(names, attr) is None:
                fits = [n for n, t in page.types.items() if t == kind and any(w in n for w in words)]
                if attr == "requests":
                    fits = [n for n in fits if not any(w in n for w in ("error", "fail"))]
                if len(fits) == 1:
                    setattr(names, attr, fits[0])
                    names.guessed[attr] = fits[0]
        if names.guessed:
            self.metrics["series_found_on_page"] = dict(names.guessed)
        return names

    # -- the rules ---------------------------------------------------------------------------------------

    def _rules_part(
        self, ctx: CheckContext, page: monitoring.Scrape | None, names: Names
    ) -> list[tuple[monitoring.Rule, monitoring.Analysis, set[str]]]:
        mon = ctx.manifest.monitoring
        assert mon is not None
        if not mon.rules:
            self._gap(
                ("monitoring",),
                "No alerting-rule files given (monitoring.rules): nothing proves an alert exists.",
                "rules",
            )
            return []
        rules, recorded = [], set()
        for i, name in enumerate(mon.rules):
            path = ctx.loaded.resolve(name)
            try:
                found = monitoring.load_rules(path)
                rules += found.alerts
                recorded |= found.recorded
            except monitoring.MonitoringError as exc:
                self._bad(
                    ("monitoring", "rules", i),
                    f"The rules file cannot be read: {exc}.",
                    "a Prometheus rules file",
                    str(exc),
                )
        promtool = monitoring.find_tool("promtool")
        if promtool and mon.rules:
            ok, said = monitoring.check_rules(promtool, [ctx.loaded.resolve(r) for r in mon.rules])
            if not ok:
                self._bad(
                    ("monitoring", "rules"),
                    f"Prometheus would not load the rules: {said[-300:]}",
                    "promtool check rules passes",
                    "fails",
                )
                return []
        out = []
        for rule in rules:
            loc = ("monitoring", "rules")
            try:
                analysis = monitoring.analyse(rule.expr)
            except ValueError as exc:
                self._bad(loc, f"Alert {rule.alert}: {exc}.", "PromQL", rule.expr[:80])
                continue
            kinds = {k for k in KINDS if analysis.metrics & names.of(k)}
            out.append((rule, analysis, kinds))
            if page is not None and page.ok:
                unknown = sorted(
                    m for m in analysis.metrics if not page.exposes(m) and m not in recorded and m not in ALWAYS_THERE
                )
                if unknown:
                    self._bad(
                        loc,
                        f"Alert {rule.alert} watches {', '.join(unknown)}, which the model does not expose: "
                        "it can never fire.",
                        "series on the metrics page",
                        "absent",
                        file=str(rule.file),
                        line=rule.line,
                    )
        self.metrics["alerts"] = {r.alert: sorted(k) for r, _, k in out}
        for kind in ctx.params["required_kinds"]:
            if not names.of(kind):
                self._not_verified(f"a {kind.replace('_', ' ')} alert", f"declare monitoring.metrics.{_role(kind)}")
            elif not any(kind in k for _, _, k in out):
                self._gap(
                    ("monitoring", "rules"),
                    f"No {kind.replace('_', ' ')} alert: no rule watches {_role_name(names, kind)}.",
                    f"an alert on {kind}",
                )
        self._thresholds(ctx, out, names)
        if out:
            self.verified.append(f"{len(out)} alerting rules parsed")
        return out

    def _thresholds(self, ctx: CheckContext, rules: list[tuple[Any, Any, set[str]]], names: Names) -> None:
        if names.latency is None:
            return
        factor = self._factor(ctx, names.latency)
        for rule, analysis, kinds in rules:
            if "latency" not in kinds:
                continue
            for cmp in analysis.comparisons:
                if cmp.op not in {">", ">="} or cmp.quantile not in BUDGET_OF:
                    continue
                budget = self._budget_ms(ctx, BUDGET_OF[cmp.quantile])
                at_ms = cmp.threshold * factor * 1000
                if budget is not None and at_ms > budget + 1e-9:
                    self._bad(
                        ("monitoring", "rules"),
                        f"Alert {rule.alert} fires only above {at_ms:g} ms at the {BUDGET_OF[cmp.quantile]}, "
                        f"whose budget is {budget:g} ms: a breach of the budget stays silent.",
                        f"<= {budget:g} ms",
                        f"{at_ms:g} ms",
                        file=str(rule.file),
                        line=rule.line,
                    )

    # -- promtool ----------------------------------------------------------------------------------------

    def _promtool_part(
        self, ctx: CheckContext, rules: list[tuple[Any, Any, set[str]]], page: monitoring.Scrape | None, names: Names
    ) -> dict[str, dict[str, str]]:
        mon = ctx.manifest.monitoring
        assert mon is not None
        promtool = monitoring.find_tool("promtool")
        if promtool is None:
            self._not_verified("the alerts firing on generated series", monitoring.TOOL_HINTS["promtool"])
            return {}
        files = [ctx.loaded.resolve(r) for r in mon.rules]
        fired_labels: dict[str, dict[str, str]] = {}
        alerts = sorted({r.alert for r, _, _ in rules})
        analyses = [a for _, a, _ in rules]
        results: dict[str, Any] = {}
        for kind in ("latency", "errors", "drift"):
            judged = [r.alert for r, _, k in rules if kind in k]
            if not judged:
                continue
            # evaluated until the slowest judged alert has had its range window and its for: window
            eval_s = max(r.for_s + a.max_range_s for r, a, k in rules if kind in k) + 180
            minutes = math.ceil(eval_s / 60) + 5
            scenarios = self._scenario(kind, ctx, analyses, page, names, minutes)
            if isinstance(scenarios, str):
                self._not_verified(f"the {kind} alerts firing", scenarios)
                continue
            (bad_label, bad), (good_label, good) = scenarios
            firing = monitoring.run_promtool(promtool, monitoring.synthetic_test(files, bad, eval_s, alerts))
            if not firing.ok:
                self._bad(
                    ("monitoring", "rules"),
                    f"promtool could not test the rules: {firing.output[-300:]}",
                    "promtool runs",
                    "fails",
                )
                return fired_labels
            for alert, labels in firing.alerts.items():
                fired_labels.setdefault(alert, dict(labels[0]))
            silent = [a for a in judged if a not in firing.alerts]
            results[kind] = {"fired_on": bad_label, "fired": sorted(a for a in judged if a in firing.alerts)}
            if silent:
                self._bad(
                    ("monitoring", "rules"),
                    f"{', '.join(silent)} did not fire with {bad_label} after {eval_s / 60:.0f} min (for: window and "
                    "range included).",
                    "fires",
                    "silent",
                )
            if good is not None:
                calm = monitoring.run_promtool(promtool, monitoring.synthetic_test(files, good, eval_s, alerts))
                noisy = [a for a in judged if a in calm.alerts]
                if noisy:
                    self._bad(
                        ("monitoring", "rules"),
                        f"{', '.join(noisy)} fired on healthy series ({good_label}).",
                        "silent",
                        "fires",
                    )
            if not silent:
                self.verified.append(f"{kind} alert fires on {bad_label}")
        self.metrics["promtool"] = results
        for i, name in enumerate(mon.rule_tests):
            own = monitoring.run_promtool(promtool, ctx.loaded.resolve(name))
            if own.passed:
                self.verified.append(f"the team's rule tests {name} pass")
            else:
                self._bad(
                    ("monitoring", "rule_tests", i),
                    f"The team's rule tests fail: {own.output[-300:]}",
                    "promtool test rules passes",
                    "fails",
                )
        return fired_labels

    def _scenario(
        self,
        kind: str,
        ctx: CheckContext,
        analyses: list[Any],
        page: monitoring.Scrape | None,
        names: Names,
        minutes: int,
    ) -> Any:
        """((label, series) that must fire, (label, series or None) that must not) for ``kind``, or why not."""
        if kind == "latency":
            budget = self._budget_ms(ctx, "p99")
            if names.latency is None or page is None or not page.ok or not page.bounds(names.latency):
                return "no latency histogram read from the metrics page"
            if budget is None:
                return "no service_levels.latency_ms.p99 declared"
            factor = self._factor(ctx, names.latency)
            return self._latency_series(analyses, page, names.latency, budget, minutes, factor)
        if kind == "errors":
            if names.errors is None or names.requests is None:
                return "declare monitoring.metrics.requests and monitoring.metrics.errors"
            levels = ctx.manifest.service_levels
            share = min(1.0, 2 * levels.max_error_rate) if levels and levels.max_error_rate else 0.05
            req, err = _counter_name(names.requests), _counter_name(names.errors)
            req_s = monitoring.series_name(req, monitoring.labels_for(req, analyses, page))
            err_s = monitoring.series_name(err, monitoring.labels_for(err, analyses, page))
            return (
                (
                    f"{numbers.pct(share)} of requests failing",
                    {req_s: monitoring.counter(RATE, minutes), err_s: monitoring.counter(RATE * share, minutes)},
                ),
                ("no errors", {req_s: monitoring.counter(RATE, minutes), err_s: f"0x{minutes}"}),
            )
        if names.drift is None:
            return "declare monitoring.metrics.drift"
        limit = max((c.threshold for a in analyses for c in a.comparisons if names.drift in c.metrics), default=0.5)
        drift_s = monitoring.series_name(names.drift, monitoring.labels_for(names.drift, analyses, page))
        return (
            (f"{names.drift} at {2 * limit:g}", {drift_s: f"{2 * limit:g}x{minutes}"}),
            (f"{names.drift} at 0", {drift_s: f"0x{minutes}"}),
        )

    def _latency_series(
        self, analyses: list[Any], page: monitoring.Scrape, hist: str, budget_ms: float, minutes: int, factor: float
    ) -> Any:
        bounds = page.bounds(hist)
        budget = budget_ms / 1000 / factor
        above = [b for b in bounds if b >= budget]
        if not above:
            return f"no bucket bound of {hist} at or above the budget"
        lo = above[0]
        hi = next((b for b in bounds if b > lo), math.inf)
        labels = monitoring.labels_for(f"{hist}_bucket", analyses, page)

        def series(upper_of_observations: float, mid: float) -> dict[str, str]:
            out = {}
            for b in [*bounds, math.inf]:
                le = "+Inf" if b == math.inf else f"{b:g}"
                grows = b >= upper_of_observations
                out[monitoring.series_name(f"{hist}_bucket", {**labels, "le": le})] = (
                    monitoring.counter(RATE, minutes) if grows else f"0x{minutes}"
                )
            out[monitoring.series_name(f"{hist}_count", labels)] = monitoring.counter(RATE, minutes)
            out[monitoring.series_name(f"{hist}_sum", labels)] = monitoring.counter(RATE * mid, minutes)
            return out

        ms = factor * 1000
        bad_label = f"p99 at {lo * ms:g}-{hi * ms:g} ms (budget {budget_ms:g} ms)"
        bad = series(hi, (lo + (hi if hi != math.inf else lo)) / 2)
        good = None
        if bounds[0] < budget:
            good = series(bounds[0], bounds[0] / 2)
        return (bad_label, bad), (f"every request under {bounds[0] * ms:g} ms", good)

    # -- amtool ------------------------------------------------------------------------------------------

    def _routing_part(
        self, ctx: CheckContext, rules: list[tuple[Any, Any, set[str]]], fired: dict[str, dict[str, str]]
    ) -> None:
        mon = ctx.manifest.monitoring
        assert mon is not None
        if mon.alertmanager is None:
            self._gap(
                ("monitoring",),
                "No Alertmanager configuration given (monitoring.alertmanager): where alerts go is unknown.",
                "alertmanager",
            )
            return
        owners = ctx.manifest.owners
        rotation = owners.on_call.rotation if owners and owners.on_call else None
        receiver = mon.alertmanager.receiver or rotation
        if not receiver:
            self._gap(
                ("monitoring", "alertmanager"),
                "No receiver to expect: declare monitoring.alertmanager.receiver or owners.on_call.rotation.",
                "receiver",
            )
            return
        amtool = monitoring.find_tool("amtool")
        if amtool is None:
            self._not_verified("alert routing", monitoring.TOOL_HINTS["amtool"], ("monitoring", "alertmanager"))
            return
        config = ctx.loaded.resolve(mon.alertmanager.config)
        routed, wrong = {}, []
        for rule, _, _ in rules:
            labels = fired.get(rule.alert) or {"alertname": rule.alert, **rule.labels}
            try:
                receivers = monitoring.routes(amtool, Path(config), labels)
            except monitoring.MonitoringError as exc:
                self._bad(
                    ("monitoring", "alertmanager", "config"),
                    f"Alertmanager's configuration cannot be used: {exc}.",
                    "amtool reads it",
                    str(exc),
                )
                return
            routed[rule.alert] = receivers
            if not any(normalise(r) == normalise(receiver) for r in receivers):
                wrong.append(f"{rule.alert} -> {', '.join(receivers) or 'nobody'}")
        self.metrics["routes"] = routed
        if wrong:
            self._bad(
                ("monitoring", "alertmanager"),
                f"{len(wrong)} alert(s) do not reach {receiver}: {'; '.join(wrong)}.",
                receiver,
                "; ".join(wrong),
            )
        elif routed:
            self.verified.append(f"{len(routed)} alerts route to {receiver}")

    # -- helpers -----------------------------------------------------------------------------------------

    def _budget_ms(self, ctx: CheckContext, pct: str) -> float | None:
        levels = ctx.manifest.service_levels
        budget = levels.latency_ms if levels else None
        value = getattr(budget, pct, None) if budget else None
        return float(value) if value is not None else None

    def _factor(self, ctx: CheckContext, hist: str) -> float:
        mon = ctx.manifest.monitoring
        unit = mon.metrics.latency_unit if mon is not None else None
        return monitoring.seconds_factor(hist, unit)


def _counter_name(name: str) -> str:
    return name if name.endswith("_total") else f"{name}_total"


def _role(kind: str) -> str:
    return {"latency": "latency", "errors": "errors", "drift": "drift", "output_quality": "score"}[kind]


def _role_name(names: Names, kind: str) -> str:
    return getattr(names, _role(kind)) or kind
