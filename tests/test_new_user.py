"""What a new user meets first: `init` per profile, the honest answer "we use no third party", check patterns
on the command line, a history whose times tell runs apart, profile typos reported where they were made,
`init --ask` that asks again, shell completion, and one clear finding when there is nothing to send."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from support import NOW, invoke, run_cli

from readiness.api import assess
from readiness.engine import RunOptions
from readiness.profile import load_profile

REGULATED = {"finma": "finma", "dora": "dora", "rbi-free-ai": "rbi", "eu-ai-act-high-risk": "ai_act", "hipaa": "hhs"}


@pytest.mark.parametrize("profile,regulator", sorted(REGULATED.items()))
def test_init_writes_each_profiles_regulator_reporting(tmp_path, profile, regulator):
    target = tmp_path / "readiness.yaml"
    r = invoke("init", str(target), "--profile", profile, "--no-input")
    assert r.code == 0, r.err
    doc = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert doc["incident_response"]["regulator_reporting"] == {regulator: "TODO"}
    assert load_profile(profile).settings("INC-001").params["required_regulators"] == [regulator]
    text = target.read_text(encoding="utf-8")
    assert "# data:" in text and "#   production:" in text and "# no_third_parties:" in text  # commented examples
    # the placeholder is a named gap, with the fix, not a pass
    a = assess(target, profile, options=RunOptions(now=NOW, only=("INC-001",)))
    inc = next(o.result for o in a.outcomes if o.id == "INC-001")
    assert any(f"No reporting deadline for {regulator} ('TODO' is a placeholder)" in f.message for f in inc.findings), (
        inc.findings
    )
    assert any(f"regulator_reporting.{regulator}" in (f.remediation or "") for f in inc.findings)


def test_init_for_the_default_profile_has_no_regulator(tmp_path):
    target = tmp_path / "readiness.yaml"
    assert invoke("init", str(target), "--no-input").code == 0
    assert "regulator_reporting" not in (yaml.safe_load(target.read_text())["incident_response"] or {})


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


NONE = "no_third_parties: {reason: Hosted on our own cluster; no vendor API or data feed., "


def test_no_third_parties_is_an_attested_passing_answer(tmp_path):
    stated = write(
        tmp_path / "a.yaml",
        "model: {id: m, name: M, version: '1'}\n" + NONE + "attested_by: Marta Keller, attested_on: 2026-11-20}\n",
    )
    a = assess(stated, options=RunOptions(now=NOW, only=("TPR-001", "MAN-001")))
    tpr = next(o for o in a.outcomes if o.id == "TPR-001")
    assert tpr.result.status.value == "pass" and "No third party, attested" in tpr.result.summary
    assert tpr.result.attestation is not None and tpr.result.attestation.by == "Marta Keller"
    assert not tpr.stale and (tpr.effective_score or 0) > 0  # a fresh attestation scores
    man = next(o.result for o in a.outcomes if o.id == "MAN-001")
    assert not any("third_parties" in f.message for f in man.findings)
    # an empty list says nothing: a named gap with the way to say "none"
    empty = write(tmp_path / "b.yaml", "model: {id: m, name: M, version: '1'}\nthird_parties: []\n")
    outcomes = assess(empty, options=RunOptions(now=NOW, only=("TPR-001",))).outcomes
    tpr = next(o.result for o in outcomes if o.id == "TPR-001")
    assert tpr.status.value == "warn" and "no_third_parties" in (tpr.findings[0].remediation or "")
    # both at once contradict each other: a manifest error with the line
    both = write(
        tmp_path / "c.yaml",
        "model: {id: m, name: M, version: '1'}\nthird_parties: [{name: Bureau}]\n"
        + NONE
        + "attested_by: Marta Keller, attested_on: 2026-11-20}\n",
    )
    r = invoke("validate", str(both))
    assert r.code == 2 and "c.yaml:1: no_third_parties says there is none, but third_parties lists 1" in r.err


def test_only_and_skip_take_patterns_and_commas(tmp_path):
    path = write(tmp_path / "m.yaml", "model: {id: m, name: M, version: '1'}\n")
    a = assess(path, options=RunOptions(now=NOW, only=("tpr-*", "own-001")))
    ran = {o.id for o in a.outcomes if o.result.status.value != "skipped"}
    assert ran == {"OWN-001"} | {f"TPR-00{i}" for i in range(1, 9)}
    r = invoke(
        "assess", str(path), "--only", "TPR-*,OWN-00?", "--skip", "tpr-00[1-7]", "-f", "json", "-o", str(tmp_path)
    )
    assert r.code in (0, 1), r.err
    import json

    outcomes = json.loads((tmp_path / "assessment.json").read_text())["outcomes"]
    ran = {o["id"] for o in outcomes if o["result"]["status"] != "skipped"}
    assert ran == {"TPR-008", "OWN-001", "OWN-002", "OWN-003", "OWN-004"}
    bad = invoke("assess", str(path), "--only", "NOPE-*")
    assert bad.code == 2 and "--only NOPE-*: matches no check" in bad.err


def test_history_shows_date_and_time_even_in_a_narrow_terminal(tmp_path):
    path = write(tmp_path / "m.yaml", "model: {id: m, name: M, version: '1'}\n")
    store = tmp_path / "h.sqlite"
    for _ in range(2):
        assert run_cli(
            "assess", str(path), "--only", "OWN-001", "--history", str(store), "-f", "json", "-o", str(tmp_path / "o")
        ).code in (0, 1)
    shown = run_cli("history", str(path), "--history", str(store), env={"COLUMNS": "80"})
    assert shown.code == 0, shown.err
    times = [line.split("│")[1].strip() for line in shown.out.splitlines() if line.strip()[:1].isdigit()]
    assert len(times) == 2 and all(len(t) == 19 and t[10] == " " and t[13] == ":" for t in times), shown.out


def test_a_typo_in_a_users_profile_names_the_users_file_and_line(tmp_path):
    manifest = write(tmp_path / "m.yaml", "model: {id: m, name: M, version: '1'}\n")
    profile = write(
        tmp_path / "mine.yaml", "name: mine\nextends: default\nchecks:\n  LAT-001: {params: {max_foo: 3}}\n"
    )
    r = invoke("validate", str(manifest), "--profile", str(profile))
    assert r.code == 2
    assert f"{profile}:4: checks.LAT-001.params: check LAT-001 has no parameter(s) max_foo" in r.err, r.err
    assert "<bundled>" not in r.err and "min_throughput_ratio" in r.err  # what it does take


def test_init_ask_asks_again_after_a_bad_answer(tmp_path):
    target = tmp_path / "readiness.yaml"
    answers = "Credit PD\n1.0.0\nMarta Keller\nnot-an-address\nmarta@bank.example\nhuge\nhigh\nautomated\nftp://x\n\n"
    done = subprocess.run(
        [sys.executable, "-m", "readiness", "init", str(target), "--ask"],
        input=answers,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "must be an email address (got 'not-an-address'); try again" in done.stderr
    assert "must be one of low, medium, high, critical (got 'huge'); try again" in done.stderr
    assert "must be an http:// or https:// URL (got 'ftp://x'); try again" in done.stderr
    model = yaml.safe_load(target.read_text())["model"]
    assert model["risk_tier"] == "high" and model["decision_effect"] == "automated" and model["name"] == "Credit PD"


def test_shell_completion_is_offered():
    r = run_cli("--help")
    assert "--install-completion" in r.out and "--show-completion" in r.out
    shown = run_cli("--show-completion", "bash", env={"SHELL": "/bin/bash"})
    assert shown.code == 0 and "_READINESS_COMPLETE" in shown.out, shown.out + shown.err


def test_nothing_to_send_is_one_clear_finding_not_locusts_table(tmp_path):
    target = tmp_path / "readiness.yaml"
    assert invoke("init", str(target), "--no-input").code == 0
    a = assess(target, options=RunOptions(now=NOW, only=("LAT-002", "LAT-003", "LAT-005")))
    for o in a.outcomes:
        if o.id in {"LAT-002", "LAT-003", "LAT-005"}:
            assert o.result.status.value == "fail", (o.id, o.result.summary)
            assert o.result.summary == "Nothing to send: load not run"
            (finding,) = o.result.findings
            assert finding.message.startswith("No production data sample or request example to build requests")
            assert "Type" not in finding.message and "|" not in finding.message  # no Locust table


def test_a_metric_that_cannot_be_computed_says_what_to_declare(tmp_path):
    from test_statistics import split_world

    path = split_world(tmp_path, 1)  # imported decisions, no score
    path.write_text(
        path.read_text().replace(
            "evaluation: {label: defaulted}", "evaluation: {label: defaulted, metrics: {auc: {min: 0.7}}}"
        )
    )
    ev = next(
        o.result for o in assess(path, options=RunOptions(now=NOW, only=("EVAL-001",))).outcomes if o.id == "EVAL-001"
    )
    assert ev.status.value == "fail"
    (finding,) = [f for f in ev.findings if "auc" in f.message]
    assert finding.message == (
        "auc cannot be computed: the answers carry no score (declare model.outputs.score), or the labels have one "
        "class only."
    )
    assert finding.location.field == "evaluation.metrics.auc" and "docs/serving.md" in finding.remediation
