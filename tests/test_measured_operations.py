"""MON-002, TPR-008 and LAT-007 against real servers on 127.0.0.1: a wired model passes, and each broken part
(a latency alert above the budget, an alert routed to the wrong receiver, an expression naming a metric the
model does not expose, an error counter that does not count, a model that answers 500 when its vendor is
down, a server that leaks memory per request) is named. promtool and amtool are the real ones."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from readiness import monitoring
from readiness.model import Status
from readiness.testing import run_check as _run_check
from readiness.testing import write_manifest

pytestmark = [pytest.mark.serving, pytest.mark.load]

HERE = Path(__file__).parent
SERVER = str(HERE / "monitored_server.py")
TOOLS = pytest.mark.skipif(
    shutil.which("promtool") is None or shutil.which("amtool") is None,
    reason="needs promtool and amtool: apt-get install prometheus prometheus-alertmanager (.ci/system-packages)",
)

RULES = """
groups:
  - name: toy
    rules:
      - alert: ToyLatency
        expr: histogram_quantile(0.99, sum(rate(toy_request_duration_seconds_bucket[5m])) by (le)) > {threshold}
        for: 5m
        labels: {{team: toy}}
      - alert: ToyErrors
        expr: sum(rate({errors}[5m])) / sum(rate(toy_requests_total[5m])) > 0.01
        for: 2m
        labels: {{team: toy}}
      - alert: ToyScoreShift
        expr: sum(rate(toy_score_sum[1h])) / sum(rate(toy_score_count[1h])) > 0.9
        labels: {{team: toy}}
"""
ROUTES = """
route:
  receiver: default
  routes:
    - matchers: ['team="{team}"']
      receiver: toy-oncall
receivers: [{{name: default}}, {{name: toy-oncall}}]
"""


def manifest(
    tmp: Path, *server_args: str, threshold: str = "0.1", errors: str = "toy_errors_total", team: str = "toy"
) -> dict[str, Any]:
    (tmp / "rules.yml").write_text(RULES.format(threshold=threshold, errors=errors), encoding="utf-8")
    (tmp / "am.yml").write_text(ROUTES.format(team=team), encoding="utf-8")
    return {
        "model": {
            "endpoint": {"url": "http://127.0.0.1:{port}/predict", "request_example": {"x": 42}},
            "serve": {
                "command": [sys.executable, SERVER, "--port", "{port}", *server_args],
                "ready_url": "http://127.0.0.1:{port}/health",
                "port": "auto",
            },
            "outputs": {"score": "score", "decision": "decision"},
        },
        "load_test": {"duration_s": 1, "warmup_s": 0, "stages": [1.0], "min_samples": 0},
        "service_levels": {"latency_ms": {"p99": 100}, "peak_rps": 40, "peak_concurrency": 2, "max_error_rate": 0.01},
        "owners": {"on_call": {"rotation": "toy-oncall"}},
        "monitoring": {
            "metrics_url": "http://127.0.0.1:{port}/metrics",
            "metrics": {
                "requests": "toy_requests_total",
                "errors": "toy_errors_total",
                "latency": "toy_request_duration_seconds",
                "score": "toy_score",
            },
            "rules": ["rules.yml"],
            "alertmanager": {"config": "am.yml"},
        },
    }


def run_check(check: str, data: dict[str, Any], base_dir: Path, **kw: Any) -> Any:
    return _run_check(check, write_manifest(data, base_dir), **kw)


KINDS = {"required_kinds": ["latency", "errors", "output_quality"]}


def messages(result: Any) -> str:
    return " | ".join(f.message for f in result.findings)


@TOOLS
def test_wired_monitoring_is_proven_part_by_part(tmp_path: Path) -> None:
    result = run_check("MON-002", manifest(tmp_path), base_dir=tmp_path, params=KINDS)
    assert result.status is Status.PASS, messages(result)
    m = result.metrics
    # every request the load sent was counted, and the 1 s stage at 40 requests/s sent all 40
    assert m["request_counter_delta"] == m["requests_sent"] == 40
    assert m["error_counter_delta"] == m["error_answers"] == 10
    assert m["promtool"]["latency"]["fired"] == ["ToyLatency"]
    assert m["promtool"]["errors"]["fired"] == ["ToyErrors"]
    assert set(m["routes"]) == {"ToyLatency", "ToyErrors", "ToyScoreShift"}
    assert all(r == ["toy-oncall"] for r in m["routes"].values())
    assert m["not_verified"] == []


@TOOLS
def test_each_broken_part_is_named(tmp_path: Path) -> None:
    broken = manifest(tmp_path, "--no-count-errors", threshold="0.5", errors="toy_failures_total", team="other")
    result = run_check("MON-002", broken, base_dir=tmp_path, params=KINDS)
    assert result.status is Status.FAIL
    text = messages(result)
    assert "ToyLatency fires only above 500 ms at the p99, whose budget is 100 ms" in text
    assert "ToyLatency did not fire with p99 at 100-500 ms" in text  # promtool, on generated series
    assert "ToyErrors watches toy_failures_total, which the model does not expose" in text
    assert "No errors alert" in text
    assert "toy_errors_total grew by 0 after 10 error answers" in text
    assert "do not reach toy-oncall: ToyLatency -> default" in text


def test_without_promtool_and_amtool_the_parts_are_not_verified_never_passed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # neither tool can be found
    result = run_check("MON-002", manifest(tmp_path), base_dir=tmp_path, params=KINDS)
    assert result.status is Status.WARN
    assert "Not verified: the alerts firing on generated series (install Prometheus' promtool" in messages(result)
    assert "Not verified: alert routing (install Alertmanager's amtool" in messages(result)
    assert result.metrics["request_counter_delta"] == result.metrics["requests_sent"]  # what could run, ran


def test_no_monitoring_at_all_is_never_a_pass_and_production_tiers_require_it(tmp_path: Path) -> None:
    from readiness.profile import load_profile

    result = run_check("MON-002", {"monitoring": {"dashboards": []}}, base_dir=tmp_path)
    assert result.status is Status.NOT_APPLICABLE and result.metrics["needs"] == "monitoring.metrics_url"
    for tier in ("tier-production", "tier-critical"):
        settings = load_profile(tier).checks
        assert settings["MON-002"].required and settings["LAT-007"].required, tier
    assert load_profile("tier-critical").checks["TPR-008"].required


def vendor_manifest(tmp: Path, *server_args: str) -> dict[str, Any]:
    data = manifest(tmp, *server_args)
    data["third_parties"] = [
        {
            "name": "Toy vendor",
            "kind": "model_api",
            "critical_function": True,
            "runtime": {
                "url": "http://127.0.0.1:{port}/score",
                "env": "VENDOR_URL",
                "serve": {
                    "command": [sys.executable, SERVER, "--vendor", "--port", "{port}"],
                    "ready_url": "http://127.0.0.1:{port}/health",
                    "port": "auto",
                },
                "timeout_ms": 50,
                "fallback_decision": "refer",
                "degraded_flag": "degraded",
                "requests": 6,
            },
        }
    ]
    return data


def test_a_model_with_a_fallback_survives_every_vendor_fault(tmp_path: Path) -> None:
    result = run_check("TPR-008", vendor_manifest(tmp_path), base_dir=tmp_path)
    assert result.status is Status.PASS, messages(result)
    runs = result.metrics["Toy vendor"]
    assert runs["baseline_bytes_to_dependency"] > 0  # the model really called the vendor through the proxy
    assert set(runs["scenarios"]) == {"outage", "slow", "errors", "reset", "garbage"}
    for scenario, row in runs["scenarios"].items():
        assert row["fallback_share"] == 1.0 and row["errors"] == 0, scenario
        assert row["recovered_s"] is not None
    assert runs["scenarios"]["slow"]["p50_ms"] >= 45  # it waited for its 50 ms timeout, then fell back


def test_a_model_that_answers_500_when_its_vendor_is_down_fails(tmp_path: Path) -> None:
    result = run_check("TPR-008", vendor_manifest(tmp_path, "--on-vendor-failure", "500"), base_dir=tmp_path)
    assert result.status is Status.FAIL
    text = messages(result)
    assert "While Toy vendor was refusing connections, 6 of 6 answers were errors (HTTP 500" in text
    assert "answering garbage, 6 of 6 answers were errors" in text


def test_a_model_that_never_calls_its_declared_vendor_is_caught(tmp_path: Path) -> None:
    data = vendor_manifest(tmp_path)
    data["third_parties"][0]["runtime"]["env"] = "SOME_OTHER_VARIABLE"  # the model reads VENDOR_URL only
    result = run_check("TPR-008", data, base_dir=tmp_path)
    assert result.status is Status.FAIL
    assert "The model never called Toy vendor through SOME_OTHER_VARIABLE" in messages(result)


def memory_manifest(tmp: Path, *server_args: str, **levels: Any) -> dict[str, Any]:
    data = manifest(tmp, *server_args)
    data["load_test"] = {"duration_s": 2, "warmup_s": 0, "stages": [1.0], "min_samples": 0}
    data["service_levels"].update(peak_rps=60, **levels)
    return data


def test_memory_within_budget_passes_and_a_leak_over_budget_fails(tmp_path: Path) -> None:
    ok = run_check(
        "LAT-007",
        memory_manifest(tmp_path, memory_mb=2000, replicas=3, memory_total_mb=10000),
        base_dir=tmp_path,
        params={"stages": [1.0]},
    )
    assert ok.status is Status.PASS, messages(ok)
    assert 5 < ok.metrics["peak_mb"] < 2000 and ok.metrics["fleet_mb"] == pytest.approx(3 * ok.metrics["peak_mb"], 0.01)
    leaky = run_check(
        "LAT-007",
        memory_manifest(tmp_path, "--leak-kb", "400", memory_mb=10, replicas=100, memory_total_mb=1000),
        base_dir=tmp_path,
        params={"stages": [1.0], "max_growth_mb": 5},
    )
    assert leaky.status is Status.FAIL
    text = messages(leaky)
    assert "a leak signal" in text and "KB per request" in text
    assert "the per-replica budget is 10 MB" in text
    assert "100 replicas at" in text


def test_promql_analysis_and_rule_files() -> None:
    a = monitoring.analyse('0.3 < max(psi{feature="income", env=~"prod|dr"}) and on() vector(1)')
    assert a.comparisons[0].op == ">" and a.comparisons[0].threshold == 0.3  # flipped to read metric > number
    assert a.selectors[0].matchers == (("feature", "=", "income"), ("env", "=~", "prod|dr"))
    with pytest.raises(ValueError, match="not PromQL"):
        monitoring.analyse("sum(rate(x[5m])")
    assert monitoring.labels_for("psi", [a]) == {"feature": "income", "env": "prod"}
    assert monitoring.duration_s("1h30m") == 5400
    with pytest.raises(ValueError):
        monitoring.duration_s("5 minutes")


def test_a_broken_rules_file_names_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "rules.yml"
    path.write_text("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        for: soon\n")
    with pytest.raises(monitoring.MonitoringError) as err:
        monitoring.load_rules(path)
    assert str(path) in str(err.value) and ":4" in str(err.value) and "groups[0].rules[0].for" in str(err.value)


def test_a_missing_rules_or_alertmanager_file_is_a_manifest_error_with_its_line(tmp_path: Path) -> None:
    from readiness.errors import ManifestErrors
    from readiness.manifest import load_manifest

    path = write_manifest(
        {"monitoring": {"rules": ["rules/missing.yml"], "alertmanager": {"config": "am.yml"}}}, tmp_path
    )
    with pytest.raises(ManifestErrors) as err:
        load_manifest(path)
    text = str(err.value)
    assert "monitoring.rules[0]: file not found: rules/missing.yml" in text
    assert "monitoring.alertmanager.config: file not found: am.yml" in text
    assert all(e.line is not None for e in err.value.errors)


def test_tpr_005_is_measured_only_when_every_critical_vendor_was_rehearsed(tmp_path: Path) -> None:
    import json

    from support import invoke

    data = vendor_manifest(tmp_path)
    data["third_parties"][0].update(
        fallback="Refer to a credit officer",
        fallback_tested_on="2026-11-01",
        attested_by="Marta Keller",
        attested_on="2026-11-01",
    )
    results = {}
    for case, extra in (
        ("all rehearsed", []),
        (
            "one not",
            [
                {
                    "name": "Hosting",
                    "kind": "hosting",
                    "critical_function": True,
                    "fallback": "Second region",
                    "fallback_tested_on": "2026-11-01",
                    "attested_by": "Marta Keller",
                    "attested_on": "2026-11-01",
                }
            ],
        ),
    ):
        doc = {**data, "third_parties": data["third_parties"] + extra}
        path = write_manifest(doc, tmp_path, name=f"{case.replace(' ', '-')}.yaml")
        out = tmp_path / case.replace(" ", "-")
        r = invoke(
            "assess",
            str(path),
            "--only",
            "TPR-005,TPR-008",
            "--no-history",
            "-f",
            "json",
            "-o",
            str(out),
            "--as-of",
            "2026-11-22",
        )
        assert r.code in (0, 1), r.out
        got = {o["id"]: o["result"] for o in json.loads((out / "assessment.json").read_text())["outcomes"]}
        results[case] = got
    assert results["all rehearsed"]["TPR-005"]["evidence_kind"] == "measured"
    assert "measured by TPR-008" in results["all rehearsed"]["TPR-005"]["summary"]
    assert results["one not"]["TPR-005"]["evidence_kind"] == "attested"
    assert results["one not"]["TPR-008"]["metrics"]["not_rehearsed"] == ["Hosting"]


def test_a_model_that_answers_only_errors_never_passes_mon_002_or_lat_007(tmp_path: Path) -> None:
    broken = manifest(tmp_path, "--vendor-url", "http://127.0.0.1:9/score", "--on-vendor-failure", "500")
    mon = run_check("MON-002", broken, base_dir=tmp_path, params=KINDS)
    assert mon.status is Status.FAIL
    assert "No request of the load stage got a good answer" in messages(mon)
    broken["load_test"] = {"duration_s": 1, "warmup_s": 0, "stages": [1.0], "min_samples": 0}
    mem = run_check("LAT-007", broken, base_dir=tmp_path, params={"stages": [1.0]})
    assert mem.status in {Status.FAIL, Status.ERROR}  # memory under a load nobody answered is no measurement


def test_tpr_008_with_nothing_to_send_is_not_a_pass(tmp_path: Path) -> None:
    data = vendor_manifest(tmp_path)
    del data["model"]["endpoint"]["request_example"]
    result = run_check("TPR-008", data, base_dir=tmp_path)
    assert result.status is Status.FAIL and "Nothing to send" in result.summary
