"""History, approval, diff and regressions; `readiness init`; and the CI files, exercised for real."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from support import DATA, EXAMPLES, ROOT, invoke

from readiness.diff import compare
from readiness.reports import load_assessment


@pytest.fixture
def bank(tmp_path) -> Path:
    """The fixed bank manifest, copied so that a test may edit it."""
    folder = tmp_path / "bank"
    shutil.copytree(DATA / "profiles", folder)
    text = (folder / "bank.yaml").read_text()
    text = text.replace("../../../examples/credit-risk/", str(EXAMPLES / "credit-risk") + "/")
    (folder / "bank.yaml").write_text(text)
    return folder / "bank.yaml"


def assess(manifest: Path, history: Path, *extra: str):
    # DQ-008 (Great Expectations: seconds to import) is not what the history tests are about
    return invoke(
        "assess",
        str(manifest),
        "--history",
        str(history),
        "-f",
        "json",
        "-o",
        str(manifest.parent / "out"),
        "--as-of",
        "2026-11-22",
        "--skip",
        "DQ-008",
        *extra,
    )


def test_two_assessments_finishing_at_once_are_both_stored(bank, tmp_path):
    history = tmp_path / "h.sqlite"
    env = {**os.environ, "COLUMNS": "120"}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "readiness",
                "assess",
                str(bank),
                "--history",
                str(history),
                "-f",
                "json",
                "-o",
                str(tmp_path / f"o{i}"),
                "--as-of",
                "2026-11-22",
                "--skip",
                "DQ-008",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for i in range(4)
    ]
    codes = [p.wait(timeout=120) for p in procs]
    assert codes == [0, 0, 0, 0], [p.stderr.read() for p in procs]
    with sqlite3.connect(history) as con:
        assert con.execute("SELECT count(*) FROM assessments").fetchone()[0] == 4
        assert con.execute("SELECT count(DISTINCT assessment_id) FROM check_status").fetchone()[0] == 4


def test_regression_against_the_approved_baseline(bank, tmp_path):
    history = tmp_path / "h.sqlite"
    assert assess(bank, history).code == 0
    r = invoke("approve", str(bank), "--history", str(history), "--by", "Elena Fischer", "--note", "CAB-1")
    assert r.code == 0 and "as the baseline, by Elena Fischer" in r.out
    assert assess(bank, history, "--fail-on-regression").code == 0  # nothing changed
    text = bank.read_text().replace("tested_on: 2026-10-10", "tested_on: 2025-10-10")
    bank.write_text(text)
    r = assess(bank, history, "--fail-on-regression")
    assert r.code == 1
    assert "ROL-002 worsened pass -> fail" in r.err and "score fell" in r.err
    r = invoke("diff", str(bank), "--history", str(history), "--format", "json")
    assert r.code == 1
    diff = json.loads(r.out)
    assert diff["manifest_changed"] is True
    assert "ROL-002" in diff["new_gaps"]
    assert any(c["check_id"] == "ROL-002" and c["worse"] for c in diff["status_changes"])
    assert diff["score_delta"] < 0
    r = invoke("history", str(bank), "--history", str(history), "--json")
    rows = json.loads(r.out)
    assert [row["approved_by"] for row in rows] == ["Elena Fischer", None, None]
    assert rows[0]["score"] > rows[-1]["score"]
    a = json.loads((bank.parent / "out" / "assessment.json").read_text())
    assert [p["approved"] for p in a["trend"]] == [True, False]


def test_improvement_is_not_a_regression(bank, tmp_path):
    history = tmp_path / "h.sqlite"
    worse = bank.read_text().replace("tested_on: 2026-10-10", "tested_on: 2025-10-10")
    good = bank.read_text()
    bank.write_text(worse)
    assess(bank, history)
    invoke("approve", str(bank), "--history", str(history), "--by", "Elena Fischer")
    bank.write_text(good)
    r = assess(bank, history, "--fail-on-regression")
    assert r.code == 0, r.err
    assert "0 regression(s)" in r.err


def test_diff_of_two_files_and_expired_waivers(tmp_path):
    base = load_assessment(DATA / "assessment-poc.json")
    waived = tuple(o.model_copy(update={"waived": True}) if o.id == "OWN-003" else o for o in base.outcomes)
    old = base.model_copy(update={"outcomes": waived})
    d = compare(old, base)
    assert d.expired_waivers == ["OWN-003"]
    assert "waiver for OWN-003 no longer counts" in d.regressions(base.profile.levels)
    (tmp_path / "a.json").write_text(old.model_dump_json())
    (tmp_path / "b.json").write_text(base.model_dump_json())
    r = invoke("diff", str(tmp_path / "a.json"), str(tmp_path / "b.json"), "--format", "md")
    assert r.code == 1 and "Regressed" in r.out
    r = invoke("diff", str(tmp_path / "b.json"), str(tmp_path / "b.json"))
    assert r.code == 0 and "0 regression(s)" in r.out


def test_no_history_records_nothing_and_approve_needs_an_assessment(bank, tmp_path):
    history = tmp_path / "h.sqlite"
    r = invoke("assess", str(bank), "--no-history", "-f", "json", "-o", str(tmp_path / "o"), "--only", "OWN-001")
    verdict = json.loads((tmp_path / "o" / "assessment.json").read_text())["verdict"]
    assert r.code == (0 if verdict == "ready" else 1), (verdict, r.code)
    r = invoke("approve", str(bank), "--history", str(history), "--by", "X Y")
    assert r.code == 2 and "run `readiness assess` first" in r.err
    r = invoke("assess", str(bank), "--no-history", "--fail-on-regression")
    assert r.code == 2


def test_init_scaffolds_a_valid_manifest_and_never_overwrites(tmp_path):
    target = tmp_path / "readiness.yaml"
    r = invoke(
        "init",
        str(target),
        "--no-input",
        "--name",
        "Fraud scorer",
        "--owner",
        "Ana Ruiz",
        "--owner-email",
        "ana.ruiz@bank.example",
        "--risk-tier",
        "high",
        "--profile",
        "finma",
    )
    assert r.code == 0, r.err
    text = target.read_text()
    assert text.startswith("# yaml-language-server: $schema=readiness.schema.json\n")
    assert json.loads((tmp_path / "readiness.schema.json").read_text())["title"] == "readiness manifest"
    assert invoke("validate", str(target), "--profile", "finma").code == 0
    r = invoke("assess", str(target), "--profile", "finma", "--no-history", "-f", "json", "-o", str(tmp_path / "o"))
    assert r.code == 1
    a = json.loads((tmp_path / "o" / "assessment.json").read_text())
    man = next(o for o in a["outcomes"] if o["id"] == "MAN-001")
    assert man["result"]["status"] == "fail"  # every TODO is reported as a gap
    assert any("placeholder" in f["message"] for f in man["result"]["findings"])
    data = yaml.safe_load(text)
    assert data["model"]["name"] == "Fraud scorer" and data["owners"]["production_owner"]["name"] == "Ana Ruiz"
    before = target.read_text()
    r = invoke("init", str(target), "--no-input")
    assert r.code == 2 and "--force" in r.err and target.read_text() == before
    assert invoke("init", str(target), "--no-input", "--force").code == 0


def test_init_asks_its_questions(tmp_path):
    target = tmp_path / "m.yaml"
    answers = "Churn model\n2.0.0\nMarta Keller\nmarta.keller@bank.example\nlow\nadvisory\n\n"
    proc = subprocess.run(
        [sys.executable, "-m", "readiness", "init", str(target), "--ask"],
        input=answers,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    data = yaml.safe_load(target.read_text())
    assert data["model"] == {
        **data["model"],
        "id": "churn-model",
        "name": "Churn model",
        "version": "2.0.0",
        "risk_tier": "low",
    }
    assert data["owners"]["production_owner"] == {"name": "Marta Keller", "email": "marta.keller@bank.example"}


def test_init_rejects_a_bad_answer_before_writing(tmp_path):
    target = tmp_path / "m.yaml"
    r = invoke("init", str(target), "--no-input", "--risk-tier", "extreme")
    # the flag is named, not a line of a file that was never written
    assert r.code == 2 and "--risk-tier: must be one of low, medium, high, critical" in r.err, r.err
    assert "nothing was written" in r.err and str(target) not in r.err
    assert not target.exists()


def action_steps() -> dict:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    return {s.get("name", s.get("uses")): s for s in action["runs"]["steps"]}


def run_step(step: dict, inputs: dict, env: dict, cwd: Path) -> subprocess.CompletedProcess:
    def expand(text: str) -> str:
        return re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: inputs[m.group(1)], text)

    step_env = {k: expand(str(v)) for k, v in (step.get("env") or {}).items()}
    assert step["shell"] == "bash"
    return subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=cwd, capture_output=True, text=True, env={**env, **step_env}, timeout=300
    )


@pytest.mark.slow
@pytest.mark.e2e
@pytest.mark.parametrize("manifest,expected", [("poc-notebook", "1"), ("bank", "0")])
def test_github_action_steps(tmp_path, bank, manifest, expected):
    steps = action_steps()
    path = bank if manifest == "bank" else EXAMPLES / "poc-notebook" / "readiness.yaml"
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs.txt"
    bin_dir = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "PATH": bin_dir + os.pathsep + os.environ["PATH"],
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_ACTION_PATH": str(ROOT),
        "READINESS_HISTORY": str(tmp_path / "h.db"),
    }
    inputs = {
        "manifest": str(path),
        "profile": str(DATA / "ci-smoke.yaml"),  # the action's steps are the subject, not the checks
        "fail-under": "",
        "fail-on-regression": "false",
        "output": str(tmp_path / "report"),
    }
    r = run_step(steps["Assess"], inputs, env, tmp_path)
    assert r.returncode == 0, r.stderr
    out = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert out["exit_code"] == expected
    assert out["verdict"] == ("ready" if expected == "0" else "not_ready")
    assert float(out["score"]) > 0
    assert summary.read_text().startswith("## ")
    annotations = [line for line in r.stdout.splitlines() if line.startswith("::")]
    assert annotations[-1].startswith("::notice title=readiness::")
    if expected == "1":
        errors = [a for a in annotations if a.startswith("::error ")]
        assert 0 < len(errors) <= 10 and "line=" in errors[0]
    gate = run_step(steps["Gate"] | {"env": {"CODE": out["exit_code"]}}, inputs, env, tmp_path)
    assert gate.returncode == int(expected)


def test_gitlab_template_and_pre_commit_hook_are_consistent():
    template = yaml.safe_load((EXAMPLES / "ci" / "readiness.gitlab-ci.yml").read_text())
    job = template[".readiness"]
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["reports"]["junit"] == "readiness-report/junit.xml"
    assert any("--format" in line and "junit" in line and "--output readiness-report" in line for line in job["script"])
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "readiness-validate")
    assert hook["entry"] == "readiness validate"
    pattern = re.compile(hook["files"])
    assert pattern.search("models/credit/readiness.yaml") and pattern.search("readiness.yml")
    assert not pattern.search("other.yaml")
    r = invoke(*hook["entry"].split()[1:], str(EXAMPLES / "credit-risk" / "readiness.yaml"))
    assert r.code == 0


@pytest.mark.slow
@pytest.mark.e2e
def test_gitlab_job_script_runs(tmp_path):
    job = yaml.safe_load((EXAMPLES / "ci" / "readiness.gitlab-ci.yml").read_text())[".readiness"]
    env = {
        **os.environ,
        **{k: str(v) for k, v in job["variables"].items()},
        "READINESS_MANIFEST": str(EXAMPLES / "poc-notebook" / "readiness.yaml"),
        "READINESS_PROFILE": str(DATA / "ci-smoke.yaml"),  # the job's script is the subject, not the checks
        "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"],
        "READINESS_HISTORY": str(tmp_path / "h.db"),
    }
    script = [line for line in job["script"] if "pip install" not in line]  # readiness is installed here
    r = subprocess.run(
        ["bash", "-c", "\n".join(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert r.returncode == 1  # the job fails because the model is not ready
    assert (tmp_path / "readiness-report" / "junit.xml").is_file()


def test_ci_runs_the_readmes_test_command_and_fails_when_a_test_fails(tmp_path):
    """.ci/run calls the README's test command as written, and a failing test anywhere in that && list
    fails the script (under `set -e` a failure inside an && list is otherwise ignored)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = readme.split("Run the tests:", 1)[1].split("```bash", 1)[1].split("```", 1)[0].strip()
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    line = next(
        ln for ln in script.splitlines() if ln.startswith(command.replace("pip install -e", "pip install -q -e"))
    )
    assert line.endswith("|| exit $?"), line
    # the same shape with a failing step in the middle: the script must stop with that step's code
    fake = tmp_path / "run"
    fake.write_text("set -euo pipefail\ntrue && (exit 3) && true || exit $?\necho reached\n", encoding="utf-8")
    done = subprocess.run(["bash", str(fake)], capture_output=True, text=True, timeout=10)
    assert done.returncode == 3 and "reached" not in done.stdout
