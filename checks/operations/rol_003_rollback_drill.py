"""ROL-003: A rollback under load reaches the previous version within the RTO, and the candidate comes back."""

from __future__ import annotations

import time
from collections.abc import Callable

from readiness.checks.operations._common import BASELINE_S, drill_finding, drill_target, not_deciding

from readiness import citations
from readiness.check import (
    Answer,
    Check,
    CheckContext,
    CheckResult,
    Finding,
    Param,
    Prober,
    RestoreError,
    at_path,
    describe_action,
    not_applicable,
    result_from_findings,
    run_action,
)


class RollbackRehearsal(Check):
    """Triggers the declared rollback (``rollback.drill.rollback``: a command or an admin URL) while a light paced
    probe keeps asking the live model, and measures the recovery time: until every answer comes from
    ``previous_version`` (read at ``version_path`` in each answer), against ``rto_s`` (default the declared
    ``rollback.recovery_time_minutes``). It counts the requests that failed during the switch (at most
    ``max_failed``), then rolls forward and checks that the candidate answers again; a roll-forward that fails
    or does not bring the candidate back is a loud ERROR that blocks the verdict. It runs against a server
    readiness started, or with ``--allow-drills``; the model must give a good answer within ``baseline_s`` before
    the drill begins.

    Example finding: ``The rollback took 95.2 s to reach 1.3.2; the RTO is 60 s`` (HIGH).
    """

    id = "ROL-003"
    area = "operations"
    title = "A rollback rehearsed under load reaches the previous version within the RTO"
    rationale = (
        "A bad release is survivable only if it can be undone in minutes while customers keep calling. A "
        "procedure that was last typed into a wiki is not a rollback; a measured one is."
    )
    remediation = (
        "Make the rollback switch every answer to the previous version within the RTO without failing requests "
        "(keep the previous version warm), and declare rollback.drill with the action and the version field."
    )
    references = (citations.DORA_ART_11_6_A, citations.DORA_ART_11_6_12, citations.FINMA_GM_2_4)
    weight = 4.0
    timeout_s = 900.0
    params = {"baseline_s": Param(BASELINE_S, "Seconds the model has to give a good answer before the drill begins.")}

    def run(self, ctx: CheckContext) -> CheckResult:
        rollback = ctx.manifest.rollback
        drill = rollback.drill if rollback is not None else None
        if rollback is None or drill is None:
            return not_applicable("No rollback drill declared (rollback.drill)", needs="rollback.drill")
        rto = drill.rto_s or (rollback.recovery_time_minutes * 60 if rollback.recovery_time_minutes else 300.0)
        port, client, ask = drill_target(ctx, "roll back")
        candidate, previous = ctx.manifest.model.version, drill.previous_version

        def version(a: Answer) -> str | None:
            v = at_path(a.body, drill.version_path)
            return None if v is None else str(v)

        def serves(wanted: str) -> Callable[[Answer], bool]:
            return lambda a: a.ok and version(a) == wanted

        loc = ("rollback", "drill")
        findings: list[Finding] = []
        metrics: dict[str, object] = {
            "rollback": describe_action(drill.rollback),
            "forward": describe_action(drill.forward),
            "rto_s": rto,
        }
        with client, Prober(ask, drill.interval_s) as probe:
            if probe.wait_until(time.time() - 1, serves(candidate), ctx.params["baseline_s"]) is None:
                seen = {version(s.answer) for s in probe.samples if s.answer.ok}
                raise not_deciding(
                    ctx,
                    loc,
                    f"Rollback not drilled: {candidate} was not answering (saw {seen or 'none'})",
                    ctx.params["baseline_s"],
                )
            t0 = time.time()
            try:
                error = run_action(ctx.loaded, drill.rollback, port)
                if error:
                    findings.append(self._finding(ctx, f"The rollback failed: {error}", "the rollback works", error))
                else:
                    done = probe.wait_until(t0, serves(previous), rto)
                    window = probe.since(t0) if done is None else [s for s in probe.since(t0) if s.at <= done]
                    failed = [s for s in window if not s.answer.ok]
                    metrics["failed_during_switch"] = len(failed)
                    if done is None:
                        findings.append(
                            self._finding(
                                ctx,
                                f"The rollback did not reach {previous} within the RTO of {rto:g} s "
                                f"(answers came from {sorted({str(version(s.answer)) for s in window})}).",
                                f"every answer from {previous} within {rto:g} s",
                                "not reached",
                            )
                        )
                    else:
                        metrics["recovery_s"] = round(done - t0, 3)
                    if len(failed) > drill.max_failed:
                        findings.append(
                            self._finding(
                                ctx,
                                f"{len(failed)} requests failed during the switch ({failed[0].answer.why()}).",
                                f"<= {drill.max_failed}",
                                str(len(failed)),
                            )
                        )
            finally:
                t2 = time.time()
                error = run_action(ctx.loaded, drill.forward, port)
                back = None if error else probe.wait_until(t2, serves(candidate), max(rto, 30.0))
                if back is None:
                    why = error or f"{candidate} did not answer again within {max(rto, 30.0):g} s"
                    raise RestoreError(f"ROL-003 could not roll forward: {why}")
                metrics["forward_s"] = round(back - t2, 3)
                metrics["answers"] = len(probe.samples)
        passed = f"Rolled back to {previous} in {metrics.get('recovery_s', 0):g} s (RTO {rto:g} s) and forward again"
        return result_from_findings(findings, passed=passed, failed="The rollback drill failed", metrics=metrics)

    def _finding(self, ctx: CheckContext, message: str, expected: str, observed: str) -> Finding:
        return drill_finding(ctx, ("rollback", "drill"), message, expected, observed, self.remediation)
