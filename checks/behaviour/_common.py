"""What the behaviour checks share."""

from __future__ import annotations

import math
from typing import Any

from readiness.check import (
    Answer,
    CheckContext,
    CheckResult,
    Endpoint,
    Precondition,
    call,
    example_requests,
    fail,
    import_callable,
    missing_finding,
    predictions_only,
    reasons_of,
)


def require_model(ctx: CheckContext) -> Endpoint:
    """The live model's endpoint; raises :class:`Precondition` unless one is declared: predictions-only
    when only a predictions file is, FAIL when nothing is."""
    model = ctx.manifest.model
    if model.endpoint is None:
        if model.predictions is not None:
            raise Precondition(predictions_only(ctx))
        raise Precondition(
            missing_finding(
                ctx,
                ("model",),
                "No endpoint: the model cannot be exercised.",
                "Declare model.endpoint.",
                expected="model.endpoint",
            ),
            "No live model",
        )
    return model.endpoint


def no_explanation(ctx: CheckContext, message: str, remediation: str) -> CheckResult:
    where = ("explainability",) if ctx.manifest.explainability else ("model",)
    return fail(
        missing_finding(ctx, where, message, remediation, expected="explainability.response_path"),
        "No declared explanation",
    )


def explanation(ctx: CheckContext, row: dict[str, Any], body: Any) -> tuple[Answer, list[Any]]:
    """The answer to ``body`` and its reasons, most important first: from the declared explainer
    callable (attributions for ``row``) or at the declared response path."""
    xai = ctx.manifest.explainability
    answer = call(ctx, body)
    if not answer.ok or xai is None:
        return answer, []
    if xai.explainer:
        try:
            attributions = import_callable(ctx.loaded, xai.explainer)(row)
        except Exception as exc:  # noqa: BLE001 - the explainer failing is the finding
            return Answer(answer.status, answer.body, f"explainer raised {type(exc).__name__}: {exc}"), []
        return answer, ranked(attributions)
    return answer, reasons_of(answer.body, xai.response_path or "")


def inputs(ctx: CheckContext, limit: int) -> list[tuple[dict[str, Any], Any]]:
    """(row, request body) pairs to send; an empty object when the manifest gives nothing to send."""
    return example_requests(ctx.loaded, limit) or [({}, {})]


def ranked(attributions: Any) -> list[Any]:
    """Feature names, largest absolute attribution first: from {feature: value}, [(feature, value)] or
    a list of names already in order."""
    attributions = getattr(attributions, "tolist", lambda: attributions)()
    if isinstance(attributions, dict):
        pairs = list(attributions.items())
    elif isinstance(attributions, list) and all(isinstance(a, (list, tuple)) and len(a) == 2 for a in attributions):
        pairs = [tuple(a) for a in attributions]
    elif isinstance(attributions, list):
        return [a for a in attributions if a not in (None, "")]
    else:
        return []
    numeric = [(k, v) for k, v in pairs if isinstance(v, (int, float)) and math.isfinite(v)]
    return [k for k, v in sorted(numeric, key=lambda kv: -abs(kv[1])) if v != 0]
