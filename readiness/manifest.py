"""The manifest: what the candidate model is and what surrounds it, as validated pydantic models.

A manifest is YAML (see docs/manifest.md and the committed JSON Schema). :func:`load_manifest` reads
it safely, interpolates ``${VAR}`` from the environment, validates it and maps every validation error
back to the file, line and field it came from.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from readiness.errors import ManifestError, ManifestErrors
from readiness.yamlsource import YamlSource, dotted, load_yaml, validation_errors

API_VERSION = "readiness/v1"
PLACEHOLDER = re.compile(
    r"^\s*(|tbd|todo|fixme|xxx|n/?a|none|\?+|<[^>]*>|\.\.\.|changeme|fill[ -]?me)\s*$", re.IGNORECASE
)


def is_placeholder(value: Any) -> bool:
    """True for values that stand for "not filled in yet": TBD, TODO, <owner>, empty, ..."""
    if value is None:
        return True
    if isinstance(value, str):
        return bool(PLACEHOLDER.match(value))
    if isinstance(value, (list, dict)):
        return len(value) == 0
    return False


class Strict(BaseModel):
    """Base for every manifest section: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


class Attested(Strict):
    """A section whose facts are stated by a person, not measured: who said so and when."""

    attested_by: str | None = Field(None, description="Who states that this section is true.")
    attested_on: date | None = Field(None, description="When it was stated (YYYY-MM-DD).")


class RiskTier(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


class DecisionEffect(StrEnum):
    none = "none"
    advisory = "advisory"
    automated = "automated"
    legal_or_similar = "legal_or_similar"


class Artifact(Strict):
    path: str = Field(description="Path to the model artifact, relative to the manifest.")
    sha256: str | None = Field(None, pattern=r"^[0-9a-fA-F]{64}$")
    registry_ref: str | None = Field(None, description="Model registry URI or id of this version.")


class Serve(Strict):
    """How readiness starts and stops the model server itself."""

    command: list[str] = Field(min_length=1, description="argv of the server; {port} is replaced.")
    ready_url: str = Field(description="URL that answers 2xx once the server is ready.")
    port: int | Literal["auto"] | None = Field(
        None, description="Port for {port} placeholders; 'auto' picks a free port on 127.0.0.1."
    )
    cwd: str | None = Field(None, description="Working directory, relative to the manifest.")
    env: dict[str, str] = Field(default_factory=dict)
    ready_timeout_s: float = Field(60.0, gt=0, le=3600)


class Endpoint(Strict):
    """How to reach the model: an HTTP endpoint, a Python callable, or a model file."""

    kind: Literal["http", "python", "file"] = "http"
    url: str | None = Field(None, description="Prediction URL (kind http); {port} is replaced.")
    protocol: Literal["json", "v2", "kserve-v1", "mlflow", "openai"] = Field(
        "json",
        description="json (the row as an object, or request_template); v2 (Open Inference Protocol: KServe, MLServer, "
        "Triton); kserve-v1 (KServe v1 and TensorFlow Serving: instances/predictions); mlflow (the MLflow scoring "
        "server); openai (chat completions). docs/serving.md shows each request and answer.",
    )
    layout: Literal["tensor", "columns"] = Field(
        "tensor",
        description="v2 and kserve-v1: tensor sends one [n, k] tensor (v2) or [[v1..vk]] instances (kserve-v1) in "
        "the order of columns; columns sends one v2 tensor per column (MLServer's pandas codec) or one object per "
        "instance.",
    )
    columns: list[str] = Field(
        default_factory=list,
        description="v2 and kserve-v1: the model's input columns, in the order the model expects (default: every "
        "column of the production sample, in its order).",
    )
    model_version: str | None = Field(None, description="v2: the model version, in the path when the url has none.")
    request_outputs: list[str] = Field(
        default_factory=list,
        description="v2: outputs requested by name, e.g. [predict_proba] for MLServer's scikit-learn runtime.",
    )
    tensor_name: str = Field("input-0", description="v2, layout tensor: the name of the one input tensor.")
    mlflow_format: Literal["dataframe_split", "dataframe_records", "inputs"] = Field(
        "dataframe_split", description="mlflow: how the row is sent (the scoring server accepts all three)."
    )
    method: Literal["POST", "GET", "PUT"] = "POST"
    headers: dict[str, str] = Field(default_factory=dict, description="Use ${ENV} for tokens.")
    timeout_s: float = Field(5.0, gt=0, le=600)
    callable: str | None = Field(None, pattern=r"^[\w.]+:[\w.]+$", description="module:function (kind python).")
    path: str | None = Field(None, description="Model file (kind file).")
    request_example: dict[str, Any] | None = Field(
        None, description="One request body; otherwise the first production row is sent."
    )
    request_template: dict[str, Any] | None = Field(
        None, description='Body built from each production row: "{column}" strings are replaced by values.'
    )
    response_field: str | None = Field(None, description="A key every good JSON answer has (protocol json).")
    model_name: str | None = Field(
        None, description="Model name: in the v2 and kserve-v1 path when the url has none; the openai body's model."
    )
    stream: bool = Field(False, description="openai: request a stream and measure time to first token.")

    @field_validator("url")
    @classmethod
    def _http_url(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^https?://", v):
            raise ValueError("must start with http:// or https://")
        return v

    @model_validator(mode="before")
    @classmethod
    def _standard_path(cls, data: Any) -> Any:
        """A url without a path gets its protocol's standard one: /v2/models/NAME[/versions/V]/infer,
        /v1/models/NAME:predict, /invocations (MLflow)."""
        if not isinstance(data, dict) or not isinstance(data.get("url"), str):
            return data
        from urllib.parse import urlsplit

        url, protocol, name = data["url"], data.get("protocol"), data.get("model_name")
        if urlsplit(url.replace("{port}", "1")).path not in {"", "/"}:
            return data
        base = url.rstrip("/")
        if protocol == "v2" and name:
            version = data.get("model_version")
            path = f"/v2/models/{name}" + (f"/versions/{version}" if version else "") + "/infer"
        elif protocol == "kserve-v1" and name:
            path = f"/v1/models/{name}:predict"
        elif protocol == "mlflow":
            path = "/invocations"
        else:
            return data
        return {**data, "url": base + path}

    @model_validator(mode="after")
    def _target(self) -> Endpoint:
        needed = {"http": "url", "python": "callable", "file": "path"}[self.kind]
        if getattr(self, needed) is None:
            raise ValueError(f"kind {self.kind} needs {needed}")
        return self


class LoadTest(Strict):
    """How the latency checks load the model: Locust in a subprocess, bounded in time."""

    duration_s: float = Field(10.0, gt=0, le=3600, description="Length of each load stage.")
    warmup_s: float = Field(1.0, ge=0, description="Dropped from the start of each stage.")
    users: int | None = Field(None, gt=0, description="Concurrent callers at 1x (default peak_concurrency or 10).")
    stages: list[float] = Field(default_factory=lambda: [1.0, 2.0], description="Multiples of peak to run.")
    workers: int = Field(1, ge=1, le=64, description="Locust worker processes (--workers overrides).")
    locustfile: str | None = Field(None, description="Your own locustfile; its requests are scored the same way.")
    sample_rows: int = Field(200, gt=0, le=100_000, description="Production rows used as request bodies.")
    min_samples: int | None = Field(
        None,
        ge=0,
        le=10_000_000,
        description="Good answers the peak stage needs; by default enough to estimate the highest budgeted "
        "percentile at 95 % (p99: 368, p99.9: 3,688). A paced stage runs longer to collect them "
        "(up to max_duration_s); 0 keeps duration_s.",
    )
    arrivals: Literal["constant", "poisson"] = Field(
        "constant",
        description="Open-loop arrivals at the declared peak: constant intervals, or poisson (exponential gaps, "
        "as independent clients arrive). A team's own locustfile keeps its own (closed-loop) pacing.",
    )
    max_duration_s: float = Field(
        120.0, gt=0, le=3600, description="Longest a stage may be stretched to collect min_samples."
    )
    in_process_calls: int = Field(20_000, gt=0, le=10_000_000, description="Calls for in-process timing.")


Scalar = str | int | float | bool


class Outputs(Strict):
    """How to read an answer: where the score and the decision are, and which decisions are adverse."""

    score: str | None = Field(None, description="Path to the score or probability of the positive class.")
    decision: str | None = Field(None, description="Path to the decision, e.g. decision.")
    positive: list[Scalar] = Field(
        default_factory=list, description="Decisions that mean the positive class (e.g. decline)."
    )
    threshold: float | None = Field(None, description="Without a decision path: score >= threshold is positive.")
    probabilities: str | None = Field(
        None,
        description="multiclass: path to the class probabilities, an object by class name or a list in the "
        "order of evaluation.classes (log_loss, top_k_accuracy).",
    )
    adverse: list[Scalar] = Field(
        default_factory=list, description="Adverse decisions: each must come with its reasons."
    )
    tolerance: float | None = Field(
        None,
        ge=0,
        description="For a model stochastic by design: the largest "
        "difference between numbers in replayed answers (DET-001).",
    )


class Predictions(Strict):
    """Predictions-only mode: answers imported from a file (a vendor's batch run), not measured."""

    path: str = Field(description="CSV or JSON Lines of key columns and answers, relative to the manifest.")
    key: str | list[str] = Field(
        default_factory=list, description="Column(s) joining answers to data rows (default data.keys)."
    )
    produced_by: str | None = Field(None, description="Who produced the file, e.g. the vendor's batch run.")
    produced_on: date | None = None

    @property
    def key_columns(self) -> list[str]:
        return [self.key] if isinstance(self.key, str) else list(self.key)


class Model(Strict):
    id: str = Field(min_length=1, description="Stable identifier, e.g. the inventory id.")
    name: str = Field(min_length=1)
    version: str = Field(min_length=1)
    kind: Literal["predictive", "genai", "agentic"] = "predictive"
    artifact: Artifact | None = None
    risk_tier: RiskTier | None = None
    risk_tier_rationale: str | None = None
    inventory_id: str | None = None
    intended_purpose: str | None = None
    decision_effect: DecisionEffect | None = None
    client_facing: bool | None = None
    supports_critical_function: bool | None = None
    endpoint: Endpoint | None = None
    serve: Serve | None = None
    outputs: Outputs = Field(default_factory=Outputs)
    predictions: Predictions | None = None


class DataSource(Strict):
    path: str | None = Field(None, description="File path relative to the manifest (csv, parquet, jsonl).")
    url: str | None = Field(None, description="SQLAlchemy URL; use ${ENV} for credentials.")
    table: str | None = None
    query: str | None = None
    format: Literal["csv", "parquet", "jsonl", "sql"] | None = None
    engine: Literal["pandas", "spark"] = "pandas"
    sample: int | None = Field(None, gt=0, description="Read at most this many rows.")

    @model_validator(mode="after")
    def _one_source(self) -> DataSource:
        if self.engine == "spark":
            if sum(x is not None for x in (self.path, self.table, self.query)) != 1 or self.url is not None:
                raise ValueError("engine spark reads exactly one of path, table (a catalog table) or query")
        elif (self.path is None) == (self.url is None):
            raise ValueError("give exactly one of path (a file) or url (a database)")
        return self


class ColumnRule(Strict):
    """What one column of the production data must look like."""

    type: Literal["int", "float", "number", "str", "bool", "timestamp", "category"] | None = None
    required: bool = Field(False, description="The column must exist in the production data.")
    max_null_rate: float | None = Field(None, ge=0, le=1)
    min: float | None = None
    max: float | None = None
    allowed: list[str | int | float | bool] | None = None
    pattern: str | None = Field(None, description="A regular expression every value must match in full.")
    unique: bool = False
    personal: bool = Field(False, description="Personal data: example values are masked in every output.")
    drift: bool = Field(True, description="Compare this column's distribution with the reference sample.")

    @field_validator("pattern")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                re.compile(v)
            except re.error as exc:
                raise ValueError(f"not a regular expression: {exc}") from None
        return v


TIMESTAMP_FORMATS = ("iso8601", "iso8601_space", "epoch_s", "epoch_ms", "epoch_us", "epoch_ns", "year")


class TimestampRule(Strict):
    column: str
    format: Literal["iso8601", "iso8601_space", "epoch_s", "epoch_ms", "epoch_us", "epoch_ns", "year"] = Field(
        "iso8601",
        description="How the timestamps are written: iso8601 (2026-11-01T09:30:00.123456+00:00), "
        "iso8601_space (a space instead of the T), epoch_s/ms/us/ns (numbers since 1970-01-01 UTC), or year "
        "(e.g. 2026). Epoch numbers are UTC by definition and have the precision of their unit.",
    )
    precision: Literal["s", "ms", "us", "ns"] = Field("us", description="Fractional digits that must be present.")
    require_utc: bool = Field(True, description="Every timestamp carries an offset, and it is UTC.")
    stream_key: str | None = Field(None, description="Timestamps must increase within each value of this column.")
    max_gap_s: float | None = Field(None, gt=0)
    max_future_s: float = Field(0.0, ge=0, description="Tolerance for records timed after the assessment.")


class Freshness(Strict):
    column: str
    max_age_hours: float = Field(gt=0)


class Volume(Strict):
    min_rows: int | None = Field(None, ge=0)
    max_rows: int | None = Field(None, ge=0)


class Expectation(Strict):
    type: str = Field(pattern=r"^expect_[a-z0-9_]+$", description="A Great Expectations expectation type.")
    kwargs: dict[str, Any] = Field(default_factory=dict)


class Data(Strict):
    reference: DataSource | None = Field(None, description="Training or reference sample.")
    production: DataSource | None = Field(None, description="Production-shaped sample.")
    evaluation: DataSource | None = Field(None, description="Labelled evaluation set.")
    personal_data_columns: list[str] = Field(default_factory=list)
    columns: dict[str, ColumnRule] = Field(default_factory=dict, description="Per-column rules.")
    keys: list[str] = Field(default_factory=list, description="Columns that together identify a record.")
    timestamps: TimestampRule | None = None
    freshness: Freshness | None = None
    volume: Volume | None = None
    expectations: list[Expectation] = Field(default_factory=list, description="Great Expectations, inline.")
    expectation_suites: list[str] = Field(default_factory=list, description="Great Expectations 1.x suite files.")


class LatencyBudget(Strict):
    p50: float | None = Field(None, gt=0)
    p95: float | None = Field(None, gt=0)
    p99: float | None = Field(None, gt=0)
    p999: float | None = Field(None, gt=0)


class ServiceLevels(Attested):
    latency_ms: LatencyBudget | None = None
    ttft_ms: LatencyBudget | None = Field(
        None, description="openai streams: time to first token budget (LAT-001 gates on it)."
    )
    tpot_ms: LatencyBudget | None = Field(
        None, description="openai streams: time per output token budget, between tokens (LAT-001 gates on it)."
    )
    max_error_rate: float | None = Field(None, ge=0, le=1)
    peak_rps: float | None = Field(None, gt=0)
    peak_concurrency: int | None = Field(None, gt=0)
    cold_start_s: float | None = Field(None, gt=0)
    memory_mb: float | None = Field(None, gt=0, description="Memory budget of one replica (LAT-007), in MB.")
    replicas: int | None = Field(None, gt=0, description="Replicas run in production (LAT-007 multiplies by it).")
    memory_total_mb: float | None = Field(
        None, gt=0, description="Memory the node or cluster has for all the replicas together, in MB."
    )


class Person(Strict):
    name: str
    email: str | None = None
    role: str | None = None
    kind: Literal["person", "team"] | None = Field(
        None, description="Whether this is a named person or a team/alias; inferred when absent."
    )


class OnCall(Strict):
    rotation: str | None = Field(None, description="Pager rotation or schedule id.")
    tool: str | None = None
    members: list[str] = Field(default_factory=list)


class Escalation(Strict):
    level: int = Field(ge=1)
    contact: str
    within_minutes: int | None = Field(None, gt=0)


class Handover(Attested):
    date: Annotated[date, Field(description="When operation was handed to the production owner.")]
    from_: str | None = Field(None, alias="from")
    to: str | None = None
    record: str | None = Field(None, description="Link or id of the signed handover record.")


class Owners(Attested):
    production_owner: Person | None = None
    on_call: OnCall | None = None
    escalation: list[Escalation] = Field(default_factory=list)
    poc_team: list[str] = Field(default_factory=list)
    developers: list[str] = Field(default_factory=list)
    validator: Person | None = None
    accountable_executive: Person | None = None
    handover: Handover | None = None


class Explainability(Attested):
    per_decision_reasons: bool | None = None
    method: str | None = None
    response_path: str | None = Field(None, description="Where reasons are in a response, e.g. reason_codes.")
    reason_code_catalogue: list[str] = Field(default_factory=list)
    explainer: str | None = Field(None, pattern=r"^[\w.]+:[\w.]+$")
    model_card: str | None = Field(None, description="Path to the model card (Markdown).")


class DecisionStore(Strict):
    """Where the serving stack writes its decisions, for readiness to read them back after the run."""

    path: str | None = Field(
        None, description="A file relative to the manifest: JSON Lines (.jsonl) or SQLite (.sqlite, .db)."
    )
    url: str | None = Field(None, description="A SQLAlchemy URL (PostgreSQL, ...); use ${ENV} for credentials.")
    table: str | None = Field(None, description="The table, for SQLite or a URL.")
    query: str | None = Field(None, description="A SELECT instead of a table (SQLite or a URL).")
    http: str | None = Field(
        None, description="A URL answering one decision as JSON; {request_id} is replaced: .../decisions/{request_id}"
    )

    @model_validator(mode="after")
    def _one_source(self) -> DecisionStore:
        given = [k for k in ("path", "url", "http") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("give exactly one of path, url or http")
        suffix = Path(self.path).suffix.lower() if self.path else ""
        if (self.url or suffix in {".sqlite", ".sqlite3", ".db"}) and not (self.table or self.query):
            raise ValueError("a SQL store needs table or query")
        if self.path and suffix not in {".jsonl", ".ndjson", ".sqlite", ".sqlite3", ".db"}:
            raise ValueError("path must be a .jsonl or a SQLite file (.sqlite, .db)")
        return self


class TraceFields(Strict):
    """The names the decision store uses (defaults: the same names)."""

    request_id: str = "request_id"
    timestamp: str = "timestamp"
    model_version: str = "model_version"
    decision: str | None = Field("decision", description="The decision as answered; null if not logged.")
    score: str | None = Field("score", description="The score as answered; null if not logged.")
    reasons: str | None = Field("reasons", description="The reasons given (a list, or JSON text of one).")
    inputs: str | None = Field("inputs", description="The inputs as received (an object, or JSON text of one).")
    input_hash: str | None = Field(
        None, description="Instead of inputs: sha256 of the request body as canonical JSON (sorted keys, no spaces)."
    )


class Trace(Strict):
    """AUD-003: readiness tags its own requests and reconstructs each decision from the team's store."""

    store: DecisionStore
    fields: TraceFields = Field(default_factory=TraceFields)
    request_id_header: str = Field("X-Request-ID", min_length=1)
    probes: int = Field(20, ge=1, le=1000, description="Tagged requests sent.")
    max_lag_s: float = Field(5.0, gt=0, le=600, description="How long a decision may take to reach the store.")


class AuditLogging(Attested):
    enabled: bool | None = None
    fields: list[str] = Field(default_factory=list)
    sample_path: str | None = Field(None, description="A JSON Lines sample of the decision log.")
    retention_days: int | None = Field(None, gt=0)
    tamper_evident: bool | None = None
    timestamp_precision: Literal["s", "ms", "us", "ns"] | None = None
    personal_fields: list[str] = Field(
        default_factory=list, description="Log fields that would hold personal data: must be hashed or masked."
    )
    field_map: dict[str, str] = Field(
        default_factory=dict, description="Required field -> the name your log uses, e.g. request_id: trace_id."
    )
    trace: Trace | None = Field(None, description="How AUD-003 reads back the decisions of its own tagged requests.")


class Sla(Strict):
    availability: float | None = Field(None, gt=0, le=100, description="Percent, e.g. 99.9.")
    p99_ms: float | None = Field(None, gt=0, description="The vendor's p99 latency commitment.")
    support_hours: str | None = None
    document: str | None = Field(None, description="Contract or SLA reference.")


class RuntimeDependency(Strict):
    """TPR-008: a service the model calls while it answers, and how the model finds it. readiness puts its
    own fault-injecting proxy on 127.0.0.1 between the two and rehearses the vendor's failures."""

    url: str = Field(description="Where the dependency answers (http://host:port/...); {port} is its stub's port.")
    env: str = Field(
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="Environment variable of model.serve that holds the dependency's URL; readiness sets it "
        "to the proxy's.",
    )
    serve: Serve | None = Field(None, description="A local stand-in of the vendor that readiness starts, if any.")
    timeout_ms: float | None = Field(
        None, gt=0, le=600_000, description="The model's own timeout for this dependency; 'slow' waits beyond it."
    )
    fallback_decision: str | None = Field(None, description="The decision the model answers while it falls back.")
    degraded_flag: str | None = Field(
        None, description="Path in the answer that is true while the model runs degraded, e.g. degraded."
    )
    scenarios: list[Literal["outage", "slow", "errors", "reset", "garbage"]] = Field(
        default_factory=lambda: ["outage", "slow", "errors", "reset", "garbage"],  # type: ignore[arg-type]
        description="Faults to rehearse.",
    )
    requests: int = Field(20, ge=1, le=1000, description="Requests sent to the model during each scenario.")
    max_recover_s: float = Field(10.0, gt=0, le=600, description="How soon normal answers must return.")


class NoThirdParties(Attested):
    """The attested answer "this model uses no third party": no external model API, hosting provider or
    data vendor (hosting counts). The third-party checks pass on it while it is fresh; an SBOM that names a
    vendor contradicts it (TPR-007)."""

    reason: str = Field(
        min_length=10, description="Why there is none, e.g. 'hosted on our own cluster; no vendor API'."
    )


class ThirdParty(Attested):
    name: str
    service: str | None = None
    kind: Literal["model_api", "hosting", "data", "other"] = "other"
    register_id: str | None = None
    critical_function: bool | None = None
    sla: Sla | None = None
    data_locations: list[str] = Field(default_factory=list)
    exit_strategy: str | None = None
    exit_tested_on: date | None = None
    fallback: str | None = None
    fallback_tested_on: date | None = None
    runtime: RuntimeDependency | None = Field(
        None, description="How the model calls this vendor while it answers (TPR-008 rehearses its outages)."
    )


class Approval(Strict):
    by: str
    role: str | None = None
    approved_on: date | None = None


class ChangeManagement(Attested):
    version_scheme: str | None = None
    approvals: list[Approval] = Field(default_factory=list)
    implementers: list[str] = Field(default_factory=list)
    champion: str | None = None
    risk_assessment: str | None = Field(None, description="Reference of the change's risk assessment.")
    ticket: str | None = None


class Rollout(Attested):
    strategy: Literal["shadow", "canary", "champion_challenger", "percentage", "region", "big_bang"] | None = None
    stages: list[dict[str, Any]] = Field(default_factory=list)
    success_criteria: str | None = None


class DrillAction(Strict):
    """A command (argv, run in the manifest's folder; ``{port}`` is the model's port) or an HTTP call that
    changes the serving state for a drill."""

    command: list[str] | None = Field(None, min_length=1)
    url: str | None = Field(None, description="An admin URL; {port} is the model's port.")
    method: Literal["POST", "PUT", "PATCH", "DELETE", "GET"] = "POST"
    body: Any = None
    timeout_s: float = Field(30.0, gt=0, le=600)

    @model_validator(mode="after")
    def _one_way(self) -> DrillAction:
        if (self.command is None) == (self.url is None):
            raise ValueError("give exactly one of command or url")
        return self


class RollbackDrill(Strict):
    """ROL-003: roll back under a light load, measure until every answer comes from the previous version,
    then roll forward and see the candidate answer again."""

    rollback: DrillAction
    forward: DrillAction
    previous_version: str = Field(min_length=1, description="The version that must answer after the rollback.")
    version_path: str = Field("model_version", description="Where an answer says which version answered.")
    rto_s: float | None = Field(
        None, gt=0, description="Recovery time objective; default rollback.recovery_time_minutes."
    )
    max_failed: int = Field(0, ge=0, description="Requests allowed to fail during the switch.")
    interval_s: float = Field(0.05, ge=0.005, le=5, description="Time between the drill's requests.")


class Rollback(Attested):
    procedure: str | None = None
    tested_on: date | None = None
    recovery_time_minutes: float | None = Field(None, gt=0)
    drill: RollbackDrill | None = None


class Alert(Strict):
    metric: str
    threshold: str | float | None = None
    route: str | None = None
    kind: Literal["latency", "errors", "drift", "output_quality", "other"] = "other"


class MetricNames(Strict):
    """Which series on the model's /metrics page are which (MON-002)."""

    requests: str | None = Field(None, description="Counter of prediction requests, e.g. model_requests_total.")
    errors: str | None = Field(None, description="Counter of failed requests, e.g. model_errors_total.")
    latency: str | None = Field(
        None, description="Histogram of request duration (its base name), e.g. model_request_duration_seconds."
    )
    latency_unit: Literal["seconds", "milliseconds", "microseconds"] | None = Field(
        None, description="Unit of the latency histogram; by default read from its name (seconds)."
    )
    score: str | None = Field(None, description="Histogram or summary of the scores the model answers.")
    drift: str | None = Field(None, description="Gauge of input drift, e.g. model_feature_psi.")
    other: list[str] = Field(default_factory=list, description="Further model-specific series that must be exposed.")


class AlertRouting(Strict):
    config: str = Field(description="The team's Alertmanager configuration file.")
    receiver: str | None = Field(
        None, description="Receiver every model alert must reach; by default owners.on_call.rotation."
    )


class Monitoring(Attested):
    dashboards: list[str] = Field(default_factory=list)
    alerts: list[Alert] = Field(default_factory=list)
    metrics_url: str | None = Field(None, description="The model's Prometheus metrics page; {port} is replaced.")
    metrics: MetricNames = Field(default_factory=MetricNames)
    rules: list[str] = Field(default_factory=list, description="Prometheus alerting-rule files, as deployed.")
    rule_tests: list[str] = Field(default_factory=list, description="The team's own promtool rule unit tests.")
    alertmanager: AlertRouting | None = Field(None, description="The Alertmanager configuration alerts go through.")


class IncidentResponse(Attested):
    runbook: str | None = None
    regulator_reporting: dict[str, str] = Field(
        default_factory=dict, description="Regulator -> deadline, e.g. finma: 24h, dora: 4h."
    )
    kill_switch: bool | None = None
    continuity_tested_on: date | None = None


class StopDrill(Strict):
    """HUM-002: pull the stop control under a light load, measure until no answer is an automated decision,
    release it and measure until the model decides again."""

    stop: DrillAction
    release: DrillAction
    stopped_decision: str | None = Field(None, description="What a stopped model answers instead, e.g. refer.")
    stopped_status: int | None = Field(None, ge=200, le=599, description="Or the HTTP status it answers, e.g. 503.")
    max_stop_s: float = Field(5.0, gt=0, le=600, description="How soon automated decisions must cease.")
    max_recover_s: float = Field(30.0, gt=0, le=600, description="How soon they must resume after the release.")
    interval_s: float = Field(0.05, ge=0.005, le=5, description="Time between the drill's requests.")

    @model_validator(mode="after")
    def _stopped_answer(self) -> StopDrill:
        if self.stopped_decision is None and self.stopped_status is None:
            raise ValueError("say what a stopped model answers: stopped_decision or stopped_status")
        return self


class HumanOversight(Attested):
    mode: Literal["human_in_the_loop", "human_on_the_loop", "none"] | None = None
    override_supported: bool | None = None
    override_logged: bool | None = None
    stop_control: bool | None = None
    stop_drill: StopDrill | None = None


class DataProtection(Attested):
    personal_data: bool | None = None
    impact_assessment: str | None = None
    lawful_basis: str | None = None
    residency: list[str] = Field(default_factory=list)
    notices: bool | None = None
    erasure_policy_days: int | None = Field(None, gt=0)


class Validation(Attested):
    """Independent validation of the model, by someone who did not build it."""

    validator: Person | None = None
    report: str | None = None
    validated_on: date | None = None
    open_findings: int | None = Field(None, ge=0)


class Waiver(Strict):
    check: str = Field(pattern=r"^[A-Z][A-Z0-9]{1,5}-\d{3}$")
    reason: str = Field(min_length=10)
    requested_by: str
    approved_by: str
    expires: date


SECTIONS = (
    "service_levels",
    "owners",
    "explainability",
    "audit_logging",
    "third_parties",
    "change_management",
    "rollout",
    "rollback",
    "monitoring",
    "incident_response",
    "human_oversight",
    "data_protection",
    "data",
    "validation",
)


class MetricTarget(Strict):
    min: float | None = Field(None, description="Fail below this value.")
    max: float | None = Field(None, description="Fail above this value (brier, calibration_error).")
    poc_claim: float | None = Field(None, description="What the proof of concept claimed (the lab number).")


MetricName = Literal[
    "auc",
    "accuracy",
    "precision",
    "recall",
    "f1",
    "brier",
    "calibration_error",
    "rmse",
    "mae",
    "r2",
    "mape",
    "macro_f1",
    "weighted_f1",
    "log_loss",
    "top_k_accuracy",
]
TASK_METRICS: dict[str, tuple[str, ...]] = {
    "binary": ("auc", "accuracy", "precision", "recall", "f1", "brier", "calibration_error"),
    "regression": ("rmse", "mae", "r2", "mape"),
    "multiclass": ("accuracy", "macro_f1", "weighted_f1", "log_loss", "top_k_accuracy"),
}


class Evaluation(Strict):
    """Quality on the labelled evaluation set (data.evaluation) against thresholds and the POC claim."""

    label: str = Field(description="Column of data.evaluation with the true outcome.")
    task: Literal["binary", "regression", "multiclass"] = Field(
        "binary",
        description="binary: a positive class (positive_label) and a score; regression: the answer's "
        "model.outputs.score is the predicted number; multiclass: model.outputs.decision is the predicted "
        "class and model.outputs.probabilities (optional) each class's probability.",
    )
    positive_label: Scalar = Field(1, description="Label value of the positive class (binary).")
    classes: list[Scalar] = Field(
        default_factory=list,
        description="multiclass: the classes in the order of a probabilities list (not needed when the "
        "answer gives probabilities by class name).",
    )
    top_k: int = Field(2, ge=1, le=100, description="multiclass: k of top_k_accuracy.")
    metrics: dict[MetricName, MetricTarget] = Field(default_factory=dict)
    max_rows: int = Field(5000, gt=0, le=1_000_000, description="Rows scored at most.")

    @model_validator(mode="after")
    def _metrics_of_task(self) -> Evaluation:
        allowed = TASK_METRICS[self.task]
        wrong = [m for m in self.metrics if m not in allowed]
        if wrong:
            raise ValueError(
                f"{', '.join(wrong)} is not a {self.task} metric; {self.task} metrics are {', '.join(allowed)} "
                "(set evaluation.task to binary, regression or multiclass)"
            )
        return self


class Fairness(Strict):
    protected_attributes: list[str] = Field(min_length=1, description="Columns of data.evaluation.")
    bands: dict[str, list[float]] = Field(
        default_factory=dict,
        description="Band edges for a numeric attribute, e.g. age: [25, 40, 60] gives <25, 25-40, 40-60, >=60; "
        "a numeric attribute with more than 10 values and no bands is cut in quartiles.",
    )
    intersections: list[list[str]] = Field(
        default_factory=list,
        description="Attributes judged together, e.g. [[sex, age]]: groups such as 'F × 25-40'.",
    )

    @model_validator(mode="after")
    def _intersections(self) -> Fairness:
        for combo in self.intersections:
            if len(combo) < 2:
                raise ValueError(f"an intersection needs two attributes or more, got {combo}")
        return self

    favourable_outcome: Literal["negative", "positive"] = Field(
        "negative", description="Which predicted class is the favourable one (credit: negative, approve)."
    )


class Champion(Strict):
    """The model in production today, to compare the candidate with on a golden set."""

    name: str | None = None
    version: str = Field(min_length=1)
    endpoint: Endpoint | None = None
    serve: Serve | None = None
    predictions: Predictions | None = None
    golden: DataSource | None = Field(None, description="Labelled golden set (default data.evaluation).")
    metric: MetricName | None = Field(
        None, description="Metric compared (default: auc, rmse for regression, macro_f1 for multiclass)."
    )
    slices: list[str] = Field(default_factory=list, description="Columns to compare the models by slice.")

    @model_validator(mode="after")
    def _reachable(self) -> Champion:
        if self.endpoint is None and self.predictions is None:
            raise ValueError("give the champion an endpoint or its predictions")
        return self


class Manifest(Strict):
    """The whole manifest. Only ``model`` is required; the profile decides what else must be there."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        title="readiness manifest",
    )

    api_version: Literal["readiness/v1"] = Field("readiness/v1", alias="apiVersion")
    model: Model
    data: Data | None = None
    service_levels: ServiceLevels | None = None
    owners: Owners | None = None
    explainability: Explainability | None = None
    audit_logging: AuditLogging | None = None
    third_parties: list[ThirdParty] | None = None
    no_third_parties: NoThirdParties | None = Field(
        None, description="Instead of third_parties: the attested statement that the model uses none."
    )
    change_management: ChangeManagement | None = None
    rollout: Rollout | None = None
    rollback: Rollback | None = None
    monitoring: Monitoring | None = None
    incident_response: IncidentResponse | None = None
    human_oversight: HumanOversight | None = None
    data_protection: DataProtection | None = None
    validation: Validation | None = None
    evaluation: Evaluation | None = None
    fairness: Fairness | None = None
    champion: Champion | None = None
    sbom: str | None = Field(None, description="A CycloneDX SBOM (JSON), to find unregistered vendors.")
    load_test: LoadTest = Field(default_factory=LoadTest)
    waivers: list[Waiver] = Field(default_factory=list)

    @model_validator(mode="after")
    def _vendors_or_none(self) -> Manifest:
        if self.no_third_parties is not None and self.third_parties:
            raise ValueError(
                "no_third_parties says there is none, but third_parties lists "
                f"{len(self.third_parties)}: keep one of the two"
            )
        return self


@dataclass(frozen=True)
class LoadedManifest:
    """A validated manifest with its source: path, text, digest, line map and secrets."""

    manifest: Manifest
    source: YamlSource

    @property
    def path(self) -> Path:
        return self.source.path

    @property
    def base_dir(self) -> Path:
        return self.source.path.parent

    @property
    def digest(self) -> str:
        return "sha256:" + hashlib.sha256(self.source.text.encode("utf-8")).hexdigest()

    @property
    def secrets(self) -> frozenset[str]:
        return frozenset(self.source.secrets)

    def resolve(self, relative: str) -> Path:
        """A path from the manifest, relative to the manifest's folder."""
        return (self.base_dir / relative).resolve()

    def line_of(self, *loc: str | int) -> int | None:
        return self.source.line_of(tuple(loc))


def load_manifest(path: str | Path, env: dict[str, str] | None = None) -> LoadedManifest:
    """Read, interpolate and validate a manifest; raise ManifestError(s) with file:line: field."""
    path = Path(path)
    source = load_yaml(path, error=ManifestError, env=env)
    if not isinstance(source.data, dict):
        raise ManifestError("the manifest must be a mapping (key: value) at the top level", file=str(path), line=1)
    try:
        manifest = Manifest.model_validate(source.data)
    except ValidationError as exc:
        raise ManifestErrors(validation_errors(exc, source, ManifestError)) from None
    loaded = LoadedManifest(manifest=manifest, source=source)
    missing = [
        ManifestError(
            f"file not found: {rel} (paths are relative to the manifest)",
            file=str(path),
            line=source.line_of(loc),
            field=dotted(loc),
        )
        for loc, rel, want_dir in _paths(manifest)
        if not _exists(loaded.resolve(rel), want_dir)
    ]
    if missing:
        raise ManifestErrors(missing)
    return loaded


def _exists(path: Path, want_dir: bool) -> bool:
    return path.is_dir() if want_dir else path.is_file()


def _paths(m: Manifest) -> Iterator[tuple[tuple[str | int, ...], str, bool]]:
    """Every file or folder the manifest names: (location, relative path, is a folder)."""
    model = m.model
    if model.artifact is not None:
        yield ("model", "artifact", "path"), model.artifact.path, False
    if model.endpoint is not None and model.endpoint.path:
        yield ("model", "endpoint", "path"), model.endpoint.path, False
    if model.serve is not None and model.serve.cwd:
        yield ("model", "serve", "cwd"), model.serve.cwd, True
    if model.predictions is not None:
        yield ("model", "predictions", "path"), model.predictions.path, False
    if m.champion is not None:
        for name in ("predictions", "golden"):
            src = getattr(m.champion, name)
            if src is not None and src.path:
                yield ("champion", name, "path"), src.path, False
        if m.champion.serve is not None and m.champion.serve.cwd:
            yield ("champion", "serve", "cwd"), m.champion.serve.cwd, True
    if m.data is not None:
        for name in ("reference", "production", "evaluation"):
            src = getattr(m.data, name)
            if src is not None and src.path:
                yield ("data", name, "path"), src.path, False
        for i, suite in enumerate(m.data.expectation_suites):
            yield ("data", "expectation_suites", i), suite, False
    if m.explainability is not None and m.explainability.model_card:
        yield ("explainability", "model_card"), m.explainability.model_card, False
    if m.audit_logging is not None and m.audit_logging.sample_path:
        yield ("audit_logging", "sample_path"), m.audit_logging.sample_path, False
    if m.sbom:
        yield ("sbom",), m.sbom, False
    if m.load_test.locustfile:
        yield ("load_test", "locustfile"), m.load_test.locustfile, False
    if m.monitoring is not None:
        for key in ("rules", "rule_tests"):
            for i, name in enumerate(getattr(m.monitoring, key)):
                yield ("monitoring", key, i), name, False
        if m.monitoring.alertmanager is not None:
            yield ("monitoring", "alertmanager", "config"), m.monitoring.alertmanager.config, False
    for i, party in enumerate(m.third_parties or []):
        if party.runtime is not None and party.runtime.serve is not None and party.runtime.serve.cwd:
            yield ("third_parties", i, "runtime", "serve", "cwd"), party.runtime.serve.cwd, True
