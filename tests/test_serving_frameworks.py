"""Real serving frameworks, started by readiness as a team starts them: MLServer 1.7 with its scikit-learn
runtime (Open Inference Protocol v2, one [1, k] tensor, predict_proba asked for by name) and the MLflow
scoring server (`mlflow models serve --env-manager local`, dataframe_split and the other formats). The model
is trained in the test; readiness's AUC, Brier and group rates are compared with scikit-learn's.

The servers run from their own environment (.venv-serving, built by .ci/serving-env from the package index);
readiness runs from this one. Marked ``integration``: ``pytest --integration -m integration``."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

import pytest
from support import NOW, ROOT

from readiness.api import assess
from readiness.engine import RunOptions

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.serving]

SERVING = ROOT / ".venv-serving"
CHECKS = ("SRV-001", "LAT-001", "DET-001", "ROB-001", "EVAL-001", "FAIR-001")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    if not (SERVING / "bin" / "mlserver").exists() or not (SERVING / "bin" / "mlflow").exists():
        done = subprocess.run(["bash", str(ROOT / ".ci" / "serving-env")], capture_output=True, text=True, timeout=1800)
        assert done.returncode == 0, done.stderr[-3000:]
    out = tmp_path_factory.mktemp("serving")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    made = subprocess.run(
        [str(SERVING / "bin" / "python"), str(ROOT / "tests" / "serving_model.py"), str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert made.returncode == 0, made.stderr[-3000:]
    return out


COMMON = """
data:
  production: {{path: data/production.csv}}
  evaluation: {{path: data/evaluation.csv}}
evaluation:
  label: defaulted
  metrics: {{auc: {{min: 0.6}}, brier: {{max: 0.3}}}}
fairness: {{protected_attributes: [sex]}}
service_levels: {{latency_ms: {{p50: 250, p95: 500}}, peak_rps: 20, peak_concurrency: 2, max_error_rate: 0.01}}
load_test: {{duration_s: 2, warmup_s: 0.5, stages: [1.0]}}
{model}
"""


def run(folder: Path, model_yaml: str) -> dict:
    path = folder / f"readiness-{abs(hash(model_yaml)) % 10_000}.yaml"
    path.write_text(COMMON.format(model=model_yaml), encoding="utf-8")
    a = assess(path, options=RunOptions(now=NOW, only=CHECKS))
    return {o.id: o.result for o in a.outcomes if o.id in CHECKS}


def judged_like_sklearn(got: dict, folder: Path) -> None:
    expected = json.loads((folder / "expected.json").read_text())
    ev = got["EVAL-001"]
    assert ev.metrics["rows"] == 1200 and ev.evidence_kind.value == "measured"
    assert ev.metrics["metrics"]["auc"]["value"] == pytest.approx(expected["auc"], abs=1e-4)
    assert ev.metrics["metrics"]["brier"]["value"] == pytest.approx(expected["brier"], abs=1e-4)
    groups = got["FAIR-001"].metrics["groups"]["sex"]["groups"]
    for g in ("F", "M"):
        assert groups[g]["selection_rate"] == pytest.approx(expected["selection"][g], abs=1e-9)
    assert got["SRV-001"].status.value == "pass", got["SRV-001"].findings
    assert got["DET-001"].status.value == "pass", got["DET-001"].findings
    lat = got["LAT-001"]
    assert lat.status.value in {"pass", "warn"}, (lat.summary, lat.findings)  # measured, not an error
    assert lat.metrics["good_requests"] >= 72 and lat.metrics["p50"] > 0
    assert got["ROB-001"].status.value != "error", got["ROB-001"].summary
    print({k: f"{v.status.value}: {v.summary}" for k, v in got.items()})  # the verdicts, for the log


def test_mlserver_sklearn_runtime_over_v2(world):
    grpc, metrics = free_port(), free_port()
    model = f"""
model:
  id: credit
  name: Credit on MLServer
  version: 1.0.0
  endpoint:
    url: http://127.0.0.1:{{port}}
    protocol: v2
    model_name: credit
    request_outputs: [predict_proba]
    timeout_s: 10
  serve:
    command: [{SERVING}/bin/mlserver, start, mlserver]
    env: {{MLSERVER_HTTP_PORT: "{{port}}", MLSERVER_GRPC_PORT: "{grpc}", MLSERVER_METRICS_PORT: "{metrics}",
          MLSERVER_PARALLEL_WORKERS: "0"}}
    ready_url: http://127.0.0.1:{{port}}/v2/models/credit/ready
    port: auto
    ready_timeout_s: 120
  outputs: {{score: outputs.0.data.1, threshold: 0.5, positive: [decline]}}
"""
    got = run(world, model)
    judged_like_sklearn(got, world)


@pytest.mark.parametrize("fmt", ["dataframe_split", "dataframe_records", "inputs"])
def test_mlflow_scoring_server(world, fmt):
    model = f"""
model:
  id: credit
  name: Credit on MLflow
  version: 1.0.0
  endpoint: {{url: "http://127.0.0.1:{{port}}", protocol: mlflow, mlflow_format: {fmt}, timeout_s: 10}}
  serve:
    command: [{SERVING}/bin/mlflow, models, serve, -m, mlflow-model, --env-manager, local,
              -h, 127.0.0.1, -p, "{{port}}"]
    env: {{PATH: "{SERVING}/bin:{os.environ["PATH"]}"}}
    ready_url: http://127.0.0.1:{{port}}/ping
    port: auto
    ready_timeout_s: 120
  outputs: {{score: predictions.0.1, threshold: 0.5, positive: [decline]}}
"""
    got = run(world, model)
    judged_like_sklearn(got, world)
