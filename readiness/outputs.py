"""The model's answers, as the behaviour and quality checks see them: measured by calling a target
(the candidate or the champion) through its adapter, or imported from a predictions file.

A *scored set* is a labelled data set (the evaluation or golden set) with one answer per row, read
once per run and shared by the quality, fairness and champion checks. Rows are sent with the model's
input columns only: never the label, never the protected attributes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from readiness import adapters, numbers
from readiness import metrics as M
from readiness.evidence import Answer, HttpClient, classify, number
from readiness.model import EvidenceKind, Finding, Severity
from readiness.paths import at_path as at_path
from readiness.privacy import masked_json
from readiness.stats import Interval

if TYPE_CHECKING:
    from readiness.check import CheckContext
    from readiness.manifest import DataSource, LoadedManifest, Outputs, Predictions
    from readiness.model import CheckResult


SCORING_CONCURRENCY = 4
"""Requests in flight while a labelled set is scored over HTTP (well below any declared peak)."""


def call(
    ctx: CheckContext,
    body: Any,
    raw: bytes | None = None,
    target: str = "model",
    headers: dict[str, str] | None = None,
) -> Answer:
    """Send one request body (or raw bytes) to a target and parse its answer; never raises for a bad answer.
    ``headers`` are sent beside the endpoint's own (a request id, a trace context), on HTTP only."""
    endpoint = ctx.evidence.target(target)[0]
    if endpoint.kind in {"python", "file"}:
        if raw is not None:  # bytes that are not JSON never reach a Python model: a clear rejection
            try:
                body = json.loads(raw)
            except ValueError as exc:
                return Answer(400, error=f"not JSON: {exc}")
        return classify(in_process(ctx, target).call(body), outputs_of(ctx, target), endpoint)
    handle = ctx.evidence.model(target)
    if raw is not None or headers:
        from readiness.evidence import request

        reply = request(
            handle.url,
            method=endpoint.method,
            body=None if raw is not None else body,
            raw=raw,
            headers={**(handle.headers or {}), **(headers or {})},
            timeout=endpoint.timeout_s,
        )
    else:
        reply = handle.predict(body, method=endpoint.method)
    return classify(reply, outputs_of(ctx, target), endpoint)


def outputs_of(ctx: CheckContext, target: str = "model") -> Outputs:
    """How to read a target's answers (the champion is read as the candidate is)."""
    return ctx.manifest.model.outputs


def in_process(ctx: CheckContext, target: str = "model") -> Any:
    """The target's in-process model (a callable, or a scikit-learn file), loaded once per run in a
    supervised child process (:class:`readiness.modelproc.ModelProcess`)."""
    from readiness.modelproc import ModelProcess

    endpoint = ctx.evidence.target(target)[0]
    return ctx.evidence.shared(("in_process", target), lambda: ModelProcess.for_endpoint(ctx.loaded, endpoint))


def reasons_of(body: Any, path: str) -> list[Any]:
    """The non-empty reasons at ``path``; a string "A|B" (a CSV cell) counts as a list."""
    found = at_path(body, path)
    if isinstance(found, str) and "|" in found:
        found = found.split("|")
    items = found if isinstance(found, list) else [found]
    return [r for r in items if r not in (None, "", [])]


def same_value(a: Any, b: Any) -> bool:
    """Decision values compared leniently: 1 == "1" == 1.0, "decline" == "decline"."""
    if a == b:
        return True
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return str(a) == str(b)


@dataclass(frozen=True)
class Reading:
    """What one answer says: its score and whether it is the positive class (None: cannot tell)."""

    score: float | None
    positive: bool | None
    decision: Any = None
    probabilities: Any = None  # multiclass: an object by class, or a list in the order of evaluation.classes


def read_answer(outputs: Outputs, body: Any) -> Reading:
    """What an answer says. Without a decision path, a declared ``threshold`` derives the decision from
    the score: the first ``positive`` label (or ``positive``) at or above it, ``negative`` below."""
    score = number(at_path(body, outputs.score)) if outputs.score else None
    if score is None and outputs.score is None and isinstance(body, (int, float)) and not isinstance(body, bool):
        score = float(body)
    decision = at_path(body, outputs.decision) if outputs.decision else None
    if outputs.decision and outputs.positive:
        positive = None if decision is None else any(same_value(decision, p) for p in outputs.positive)
    elif outputs.threshold is not None and score is not None:
        positive = score >= outputs.threshold
        if not outputs.decision:  # the decision is the threshold's, so that adverse ones are recognised
            decision = (outputs.positive[0] if outputs.positive else "positive") if positive else "negative"
    elif decision is not None:
        positive = bool(number(decision)) if number(decision) is not None else None
    else:
        positive = None
    probabilities = at_path(body, outputs.probabilities) if outputs.probabilities else None
    return Reading(score=score, positive=positive, decision=decision, probabilities=probabilities)


POSITIVE_WORDS = {"positive", "1", "true", "1.0"}
NEGATIVE_WORDS = {"negative", "0", "false", "0.0"}


def adverse(outputs: Outputs, reading: Reading) -> bool:
    """Whether an answer is an adverse decision (``model.outputs.adverse``). A decision derived from the
    threshold is adverse when ``adverse`` names it, or names the class it stands for (``positive``,
    1, true; ``negative``, 0, false)."""
    if reading.decision is None or not outputs.adverse:
        return False
    if any(same_value(reading.decision, a) for a in outputs.adverse):
        return True
    if outputs.threshold is not None and not outputs.decision and reading.positive is not None:
        words = POSITIVE_WORDS if reading.positive else NEGATIVE_WORDS
        return any(str(a).strip().casefold() in words for a in outputs.adverse)
    return False


# -- imported predictions -------------------------------------------------------------------------


def key_columns(loaded: LoadedManifest, predictions: Predictions) -> list[str]:
    data = loaded.manifest.data
    return predictions.key_columns or (list(data.keys) if data else [])


def read_predictions(loaded: LoadedManifest, predictions: Predictions) -> list[dict[str, Any]]:
    """Every record of a predictions file (CSV or JSON Lines), as dicts."""
    return adapters.read_records(loaded.resolve(predictions.path))


def _key(record: dict[str, Any], columns: list[str]) -> tuple[str, ...]:
    return tuple(str(record.get(c)) for c in columns)


def predictions_only(ctx: CheckContext) -> CheckResult:
    """NOT APPLICABLE in predictions-only mode: the check needs a live model. A profile with
    ``requires_live_model`` makes it a blocking gap with this reason."""
    from readiness.check import LIVE_MODEL, not_applicable

    predictions = ctx.manifest.model.predictions
    described = describe_predictions(predictions) if predictions is not None else "no predictions file"
    return not_applicable(
        f"Predictions only ({described}): this needs a live model (model.endpoint), which readiness cannot reach",
        needs=LIVE_MODEL,
    )


def describe_predictions(predictions: Predictions) -> str:
    by = (
        f" (produced by {predictions.produced_by}"
        + (f", {predictions.produced_on}" if predictions.produced_on else "")
        + ")"
        if predictions.produced_by
        else ""
    )
    return f"imported from {predictions.path}{by}, not measured"


# -- scored sets ----------------------------------------------------------------------------------


@dataclass
class ScoredSet:
    """A labelled set with one answer per row."""

    rows: list[dict[str, Any]]
    answers: list[Answer]
    readings: list[Reading]
    source: str  # which data set
    how: str  # "measured against ..." or "imported from ..."
    imported: bool
    unmatched: int = 0  # imported: rows without a prediction in the file
    failed: list[tuple[dict[str, Any], str]] = field(default_factory=list)  # (row, why) of failed calls


def input_columns(ctx: CheckContext, row_columns: list[str], exclude: set[str]) -> list[str]:
    """The model's inputs: the production sample's columns when known, else every column but ``exclude``."""
    production = adapters.production_rows(ctx.loaded, 1)
    if production:  # in the production sample's order: a tensor layout sends the features in this order
        present = set(row_columns)
        return [c for c in production[0] if c in present and c not in exclude]
    return [c for c in row_columns if c not in exclude]


def model_inputs(ctx: CheckContext) -> set[str]:
    """The columns the model receives: the production sample's (what production sends it), or the
    request example's, or a scikit-learn file's feature names; empty when unknown."""
    production = adapters.production_rows(ctx.loaded, 1)
    if production:
        return set(production[0])
    endpoint = ctx.manifest.model.endpoint
    if endpoint is not None and endpoint.request_example:
        return set(endpoint.request_example)
    return set()


def read_rows(loaded: LoadedManifest, source: DataSource, limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` rows of a data source, missing values as None."""
    from readiness.data import read, text_columns

    frame = read(loaded, source, None, text_columns(loaded))
    df = frame.df
    if hasattr(df, "toPandas"):  # Spark: bounded before it is collected
        df = df.limit(limit).toPandas()
    df = df.head(limit)
    df = df.astype(object).where(df.notna(), None)
    return [{k: _plain(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def has_target(loaded: LoadedManifest, target: str) -> bool:
    if target == "champion":
        return loaded.manifest.champion is not None
    model = loaded.manifest.model
    return model.endpoint is not None or model.predictions is not None


def scored(ctx: CheckContext, role: str, target: str = "model") -> ScoredSet:
    """The ``role`` set ("evaluation" or "golden") answered by ``target``, once per run."""
    out: ScoredSet = ctx.evidence.shared(("scored", role, target), lambda: _score(ctx, role, target))
    return out


def labelled_source(ctx: CheckContext, role: str) -> tuple[DataSource | None, tuple[str, ...]]:
    """The data source of a role, and where the manifest declares it."""
    m = ctx.manifest
    if role == "golden" and m.champion is not None and m.champion.golden is not None:
        return m.champion.golden, ("champion", "golden")
    return (m.data.evaluation if m.data else None), ("data", "evaluation")


def _score(ctx: CheckContext, role: str, target: str) -> ScoredSet:
    m = ctx.manifest
    source, _ = labelled_source(ctx, role)
    if source is None:
        raise ValueError(f"no {role} data set")
    limit = m.evaluation.max_rows if m.evaluation else 5000
    rows = read_rows(ctx.loaded, source, limit)
    predictions = (m.champion.predictions if m.champion else None) if target == "champion" else m.model.predictions
    endpoint = ctx.evidence.target(target)[0]
    from readiness.data import describe

    if endpoint is None and predictions is not None:
        columns = key_columns(ctx.loaded, predictions)
        if not columns:
            raise ValueError(
                f"{predictions.path}: no key to join predictions to rows: set predictions.key or data.keys"
            )
        by_key = {_key(r, columns): r for r in read_predictions(ctx.loaded, predictions)}
        answers, unmatched = [], 0
        for row in rows:
            record = by_key.get(_key(row, columns))
            unmatched += record is None
            answers.append(
                classify(Answer(200, record), m.model.outputs, None)
                if record is not None
                else Answer(None, error="no prediction in the file")
            )
        return ScoredSet(
            rows,
            answers,
            [read_answer(m.model.outputs, a.body) for a in answers],
            describe(source),
            describe_predictions(predictions),
            True,
            unmatched,
        )
    exclude = set()
    if m.evaluation:
        exclude.add(m.evaluation.label)
    if m.fairness:  # withheld, unless the model takes the attribute as an input (then it needs it)
        judged = set(m.fairness.protected_attributes) | {a for combo in m.fairness.intersections for a in combo}
        exclude.update(a for a in judged if a not in model_inputs(ctx))
    columns = input_columns(ctx, list(rows[0]) if rows else [], exclude)
    bodies = [{c: row[c] for c in columns} for row in rows]
    if endpoint.kind == "http":  # a few requests in flight, in order: the server, not the client, sets the pace
        from concurrent.futures import ThreadPoolExecutor

        handle = ctx.evidence.model(target)  # started once, before the workers
        outputs = outputs_of(ctx, target)
        with HttpClient(handle.url, endpoint.method, handle.headers, endpoint.timeout_s) as client:
            with ThreadPoolExecutor(max_workers=SCORING_CONCURRENCY) as pool:
                answers = list(
                    pool.map(lambda b: classify(client.call(adapters.wrap(endpoint, b)), outputs, endpoint), bodies)
                )
    else:  # in process: in batches, one round trip to the model's process each
        outputs = outputs_of(ctx, target)
        answers = [classify(a, outputs, endpoint) for a in in_process(ctx, target).call_many(bodies)]
    failed = [(b, a.why()) for b, a in zip(bodies, answers, strict=True) if not a.ok]
    where = (
        f"over HTTP ({adapters.split(endpoint.url)[1]})"
        if endpoint.kind == "http"
        else f"in process ({endpoint.callable or endpoint.path})"
    )
    return ScoredSet(
        rows,
        answers,
        [read_answer(m.model.outputs, a.body) if a.ok else Reading(None, None) for a in answers],
        describe(source),
        f"measured by calling the {target} {where}",
        False,
        failed=failed,
    )


# -- judging a scored set ----------------------------------------------------------------------------


def fmt_metric(value: float | None) -> str:
    """A metric as shown in findings: three decimals, or n/a."""
    return "n/a" if value is None else f"{value:.3f}"


def evidence_kind_of(*sets: ScoredSet) -> EvidenceKind:
    """IMPORTED when any of the sets was read from a predictions file, else MEASURED."""
    return EvidenceKind.IMPORTED if any(s.imported for s in sets) else EvidenceKind.MEASURED


def labelled_gap(ctx: CheckContext, role: str = "evaluation", target: str = "model") -> Finding | None:
    """A finding when the labelled set, the label or the model's answers are not declared."""
    source, loc = labelled_source(ctx, role)
    if source is None:
        return Finding(
            severity=Severity.HIGH,
            message=f"No labelled {role} set ({'.'.join(loc)}).",
            expected=".".join(loc),
            observed="missing or placeholder",
            location=ctx.at(*loc[:1]),
            remediation="Declare a labelled, production-shaped sample the model was not trained on.",
        )
    if not has_target(ctx.loaded, target):
        return Finding(
            severity=Severity.HIGH,
            message="No endpoint and no predictions file: the model's answers cannot be read.",
            expected="model.endpoint",
            observed="missing or placeholder",
            location=ctx.at("model"),
            remediation="Declare model.endpoint, or model.predictions for a vendor model.",
        )
    return None


def truth_of(ctx: CheckContext, rows: Sequence[dict[str, Any]]) -> list[Any]:
    """Each row's label, or None where absent: binary as positive (True) or negative (False); regression as
    a number (None when it is not one); multiclass as the class's text."""
    evaluation = ctx.manifest.evaluation
    if evaluation is None:
        return [None] * len(rows)
    out: list[Any] = []
    for row in rows:
        value = row.get(evaluation.label)
        if value is None:
            out.append(None)
        elif evaluation.task == "regression":
            out.append(number(value))
        elif evaluation.task == "multiclass":
            out.append(class_text(value))
        else:
            out.append(same_value(value, evaluation.positive_label))
    return out


def class_text(value: Any) -> str:
    """A class label as text, 1 == 1.0 == "1" (so labels read from CSV match the model's answers)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def task_of(ctx: CheckContext) -> str:
    return ctx.manifest.evaluation.task if ctx.manifest.evaluation else "binary"


def unanswered_gap(ctx: CheckContext, s: ScoredSet, max_missing: float) -> Finding | None:
    """A finding when too many rows got no usable answer (failed calls, or no imported prediction)."""
    lost = s.unmatched if s.imported else len(s.failed)
    if not s.rows or lost / len(s.rows) <= max_missing:
        return None
    if s.imported:
        return Finding(
            severity=Severity.HIGH,
            message=f"{lost} of {len(s.rows)} rows of {s.source} have no prediction in the predictions file.",
            expected=f"<= {numbers.pct(max_missing)} without",
            observed=f"{numbers.pct(lost / len(s.rows))}",
            location=ctx.at("model", "predictions"),
            remediation="Ask for predictions on every row, joined by predictions.key.",
        )
    row, why = s.failed[0]
    return Finding(
        severity=Severity.HIGH,
        message=f"{lost} of {len(s.rows)} rows of {s.source} got no answer ({why}).",
        expected=f"<= {numbers.pct(max_missing)} unanswered",
        observed=f"{numbers.pct(lost / len(s.rows))}",
        location=ctx.at("model", "endpoint"),
        remediation="Fix the failing inputs first (see ROB-001).",
        evidence={"example_input": masked_json(ctx.manifest, row)},
    )


@dataclass(frozen=True)
class Measured:
    """A metric on a set of rows: its value, 95 % interval (None when not computable) and the rows used."""

    value: float | None
    interval: Interval | None
    n: int


def _probabilities(raw: Any, classes: Sequence[Any]) -> dict[str, float] | None:
    if isinstance(raw, dict):
        out = {class_text(k): number(v) for k, v in raw.items()}
    elif isinstance(raw, list) and classes and len(raw) == len(classes):
        out = {class_text(c): number(v) for c, v in zip(classes, raw, strict=True)}
    else:
        return None
    return None if any(v is None for v in out.values()) else {k: float(v or 0.0) for k, v in out.items()}


def measure(
    name: str,
    truth: list[Any],
    s: ScoredSet,
    index: Sequence[int] | None = None,
    evaluation: Any = None,
    *,
    with_interval: bool = True,
) -> Measured:
    """``name`` over the rows in ``index`` (default all) with a label and a usable answer, with its
    interval. ``evaluation`` (the manifest's) says the task, the classes and k."""
    idx = range(len(s.rows)) if index is None else index
    task = evaluation.task if evaluation is not None else "binary"
    if task == "regression":
        keep = [i for i in idx if truth[i] is not None and s.readings[i].score is not None]
        t, p = [float(truth[i]) for i in keep], [float(s.readings[i].score or 0.0) for i in keep]
        value = M.regression(name, t, p) if keep else None
        return Measured(value, M.interval(name, t, p, None) if with_interval and value is not None else None, len(keep))
    if task == "multiclass":
        k = evaluation.top_k
        if name in M.NEEDS_PROBABILITIES:
            pairs = [(i, _probabilities(s.readings[i].probabilities, evaluation.classes)) for i in idx]
            kept = [(i, pr) for i, pr in pairs if truth[i] is not None and pr is not None]
            t, probs = [truth[i] for i, _ in kept], [pr for _, pr in kept if pr is not None]
            value = M.multiclass(name, t, None, probs, k) if kept else None
            iv = M.interval(name, t, None, None, probs, k) if with_interval and value is not None else None
            return Measured(value, iv, len(kept))
        keep = [i for i in idx if truth[i] is not None and s.readings[i].decision is not None]
        t, d = [truth[i] for i in keep], [class_text(s.readings[i].decision) for i in keep]
        value = M.multiclass(name, t, d, None, k) if keep else None
        return Measured(value, M.interval(name, t, d, None) if with_interval and value is not None else None, len(keep))
    if name in M.NEEDS_SCORE:
        keep = [i for i in idx if truth[i] is not None and s.readings[i].score is not None]
        scores = [float(s.readings[i].score or 0.0) for i in keep]
        labels = [bool(truth[i]) for i in keep]
        value = M.compute(name, labels, None, scores) if keep else None
        iv = M.interval(name, labels, None, scores) if with_interval and value is not None else None
        return Measured(value, iv, len(keep))
    keep = [i for i in idx if truth[i] is not None and s.readings[i].positive is not None]
    decisions = [bool(s.readings[i].positive) for i in keep]
    labels = [bool(truth[i]) for i in keep]
    value = M.compute(name, labels, decisions, None) if keep else None
    iv = M.interval(name, labels, decisions, None) if with_interval and value is not None else None
    return Measured(value, iv, len(keep))


def metric_on(
    name: str, truth: list[Any], s: ScoredSet, index: Sequence[int] | None = None, evaluation: Any = None
) -> float | None:
    """``name`` over the rows in ``index`` (default all) with a label and a usable answer."""
    return measure(name, truth, s, index, evaluation, with_interval=False).value


def groups_of(rows: Sequence[dict[str, Any]], column: str) -> dict[str, list[int]]:
    """Row indices by the value of ``column`` (``(missing)`` for none)."""
    out: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        value = row.get(column)
        out.setdefault("(missing)" if value is None else str(value), []).append(i)
    return out
