"""What the performance checks share."""

from __future__ import annotations

from readiness import numbers
from readiness.check import (
    Check,
    CheckContext,
    Endpoint,
    Finding,
    LoadError,
    LoadResult,
    Precondition,
    Severity,
    bodies,
    require_http_endpoint,
)

PCTS = ("p50", "p95", "p99", "p999")


def require_http(ctx: CheckContext) -> Endpoint:
    """The HTTP endpoint the load checks drive (LAT-006 times an in-process model instead)."""
    return require_http_endpoint(
        ctx,
        missing="No endpoint: the model cannot be loaded.",
        summary="No endpoint",
        in_process="The model is called in process; see LAT-006",
    )


def _budget(ctx: CheckContext) -> dict[str, float]:
    levels = ctx.manifest.service_levels
    budget = levels.latency_ms if levels and levels.latency_ms else None
    return {k: getattr(budget, k) for k in PCTS if budget and getattr(budget, k) is not None}


def _workers(ctx: CheckContext) -> int | None:
    return ctx.workers


def max_error_rate(ctx: CheckContext, default: float = 0.001) -> float:
    levels = ctx.manifest.service_levels
    return levels.max_error_rate if levels and levels.max_error_rate is not None else default


def load_stage(ctx: CheckContext, multiplier: float = 1.0) -> LoadResult:
    """The load stage, once there is something to send: without a production sample or a request example
    there is no request to build, which is one clear finding rather than a load run that sends nothing."""
    if not bodies(ctx.loaded, 1):
        raise Precondition(
            Finding(
                severity=Severity.HIGH,
                message="No production data sample or request example to build requests from: the load was not run.",
                expected="data.production or model.endpoint.request_example",
                observed="neither",
                location=ctx.at("data") if ctx.manifest.data else ctx.at("model", "endpoint"),
                remediation="Point data.production at a production-shaped sample, or give "
                "model.endpoint.request_example.",
            ),
            "Nothing to send: load not run",
        )
    result: LoadResult = ctx.evidence.load(multiplier, _workers(ctx))
    return result


def measured_load(
    ctx: CheckContext, multiplier: float = 1.0, *, what: str = "latency", min_share: float | None = None
) -> LoadResult:
    """The load stage at ``multiplier`` x peak, when it measured something: ERROR (LoadError) when no
    request got any answer, FAIL (Precondition) when fewer than 1 - max_error_rate of them were good."""
    result = load_stage(ctx, multiplier)
    stage = f"at {multiplier:g}x peak" if multiplier != 1.0 else "at the declared peak"
    if result.answered == 0:
        raise LoadError(
            f"0 of {result.total} requests {stage} got an answer ({result.describe_failures()}): {what} not measured"
        )
    share = result.good / result.total if result.total else 0.0
    needed = 1 - max_error_rate(ctx) if min_share is None else min_share
    if result.good == 0 or share < needed:
        codes = ", ".join(f"HTTP {k}: {v}" for k, v in sorted(result.statuses.items()) if str(k) not in {"0", "200"})
        raise Precondition(
            Finding(
                severity=Severity.HIGH,
                message=f"{result.good} of {result.total} requests {stage} succeeded "
                f"({result.describe_failures()}): {what} not measured.",
                expected=f">= {numbers.pct(needed)} good answers",
                observed=f"{numbers.pct(share)}",
                location=ctx.at("model", "endpoint"),
                evidence={"failure_kinds": dict(result.kinds), "status_codes": codes},
                remediation="Make the model answer the load's requests (see LAT-002 and SRV-001), then measure again.",
            ),
            f"{result.good} of {result.total} requests succeeded ({result.describe_failures()}): {what} not measured",
            metrics=result.summary(),
        )
    return result


class LoadCheck(Check):
    """What the Locust-driven checks share: they need the load extra and may run for minutes."""

    abstract = True
    area = "performance"
    extras = ("locust",)
    install_hint = "pip install 'readiness[load]'"
    timeout_s = 900.0
