"""What the operations checks share."""

from __future__ import annotations

from collections.abc import Callable

from readiness.check import (
    Answer,
    CheckContext,
    CheckResult,
    Finding,
    Precondition,
    Severity,
    classify,
    missing_section,
    not_applicable,
    port_of,
    production_rows,
    require_http_endpoint,
    wrap,
)
from readiness.evidence import HttpClient


def _absent(ctx: CheckContext, section: str, remediation: str) -> CheckResult:
    return missing_section(ctx, section, f"No {section} section.", remediation, f"No {section}")


BASELINE_S = 3.0
"""How long a drill waits, by default, for the model's first good answer before it begins (its baseline_s)."""
"""How long a drill waits for good answers before it changes anything (the server is already up)."""


def drill_target(ctx: CheckContext, what: str) -> tuple[int | None, HttpClient, Callable[[], Answer]]:
    """The port of the endpoint a drill may change, a keep-alive client to it (close it after the drill),
    and a function asking one production-shaped question on that client, as a caller with a connection
    pool would: a switch that spares open connections is seen. Raises :class:`Precondition` for
    predictions-only, no endpoint (FAIL), an in-process model, or an endpoint readiness did not start
    without ``--allow-drills`` (NOT APPLICABLE, needs the flag)."""
    model = ctx.manifest.model
    endpoint = require_http_endpoint(
        ctx,
        missing=f"No endpoint: there is nothing to {what}.",
        summary="No live model",
        in_process=f"An in-process model has no serving state to {what}",
        needs="an HTTP endpoint",
    )
    if model.serve is None and not ctx.allow_drills:
        raise Precondition(
            not_applicable(
                f"The drill would {what} an endpoint readiness did not start: run with --allow-drills to let it "
                "(it always restores the state)",
                needs="--allow-drills",
            )
        )
    handle = ctx.evidence.model()
    rows = production_rows(ctx.loaded, 1) or [dict(endpoint.request_example or {})]
    body = wrap(endpoint, rows[0])
    client = HttpClient(handle.url, method=endpoint.method, headers=handle.headers, timeout=endpoint.timeout_s)
    return port_of(handle.url), client, lambda: classify(client.call(body), model.outputs, endpoint)


def not_deciding(ctx: CheckContext, where: tuple[str, ...], summary: str, waited_s: float = BASELINE_S) -> Precondition:
    """The model was not answering well before the drill began: nothing can be measured."""
    return Precondition(
        Finding(
            severity=Severity.HIGH,
            message="The model gave no good answer before the drill began: nothing to measure against.",
            expected="good answers before the drill",
            observed=f"none within {waited_s:g} s",
            location=ctx.at(*where),
            remediation="Make the model answer (see SRV-001), then run the drill again.",
        ),
        summary,
    )


def drill_finding(
    ctx: CheckContext, where: tuple[str, ...], message: str, expected: str, observed: str, remediation: str
) -> Finding:
    """A drill's gap, pointing at its section of the manifest."""
    return Finding(
        severity=Severity.HIGH,
        message=message,
        expected=expected,
        observed=observed,
        location=ctx.at(*where),
        remediation=remediation,
    )
