"""The CI integrations as shipped: the GitHub Action's environment is built exactly as action.yml builds it (a
fresh virtualenv with only what its install step installs, from this checkout), its Assess and Gate steps run
on the bundled credit-risk example, and no check is SKIPPED for a missing extra; the GitLab template installs
the same extras; the pre-commit hook validates two manifests through `pre-commit try-repo`.

These build environments from the package index (about a minute each the first time), so they are marked
``integration`` and run with ``pytest --integration -m integration`` (CI does)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from support import EXAMPLES, ROOT

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SHIPPED = ROOT / ".venv-shipped"
EXTRA_MODULES = {
    "data": ["pandas", "great_expectations", "pyarrow", "sqlalchemy"],
    "load": ["locust"],
    "pdf": ["weasyprint"],
    "monitoring": ["prometheus_client", "promql_parser"],
}


def action() -> dict:
    return yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))


def steps() -> dict[str, dict]:
    return {s.get("name", s.get("uses", "")): s for s in action()["runs"]["steps"]}


def expand(text: str, inputs: dict[str, str]) -> str:
    return re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: inputs[m.group(1)], text)


def defaults() -> dict[str, str]:
    return {k: str(v.get("default", "")) for k, v in action()["inputs"].items()}


def extras_of(spec: str) -> set[str]:
    """The extras a package spec names, with the meta-extras of pyproject.toml expanded."""
    meta = {"checks": {"data", "load", "pdf", "monitoring"}, "all": {"data", "load", "pdf", "examples", "monitoring"}}
    found = set(re.findall(r"\[([^\]]+)\]", spec)[0].split(",")) if "[" in spec else set()
    out: set[str] = set()
    for e in found:
        out |= meta.get(e.strip(), {e.strip()})
    return out


@pytest.fixture(scope="module")
def shipped_python() -> Path:
    """A fresh virtualenv with only what the Action's install step installs (rebuilt when pyproject.toml
    or action.yml change), using the step's own command."""
    stamp = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + (ROOT / "action.yml").read_bytes()).hexdigest()
    marker = SHIPPED / ".stamp"
    if not (marker.exists() and marker.read_text() == stamp):
        shutil.rmtree(SHIPPED, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(SHIPPED)], check=True, timeout=120)
        install = steps()["Install readiness"]
        env = {
            **os.environ,
            "PATH": f"{SHIPPED / 'bin'}{os.pathsep}{os.environ['PATH']}",
            "GITHUB_ACTION_PATH": str(ROOT),
            **{k: expand(str(v), defaults()) for k, v in (install.get("env") or {}).items()},
        }
        env.pop("PYTHONPATH", None)
        done = subprocess.run(
            ["bash", "-e", "-c", install["run"]], env=env, capture_output=True, text=True, timeout=900
        )
        assert done.returncode == 0, done.stderr[-3000:]
        marker.write_text(stamp)
    return SHIPPED / "bin" / "python"


def test_the_actions_environment_has_every_extra_the_checks_need(shipped_python):
    from readiness.registry import load_registry

    needed = {name for reg in load_registry(plugins=False) for name in reg.check.extras}
    probe = (
        "import importlib.util, json, sys; "
        "print(json.dumps({m: bool(importlib.util.find_spec(m)) for m in sys.argv[1:]}))"
    )
    found = json.loads(
        subprocess.run(
            [str(shipped_python), "-c", probe, *sorted(needed)], capture_output=True, text=True, check=True, timeout=60
        ).stdout
    )
    assert all(found.values()), f"the Action's default extras lack {[m for m, ok in found.items() if not ok]}"
    # the GitLab template installs the same extras
    gitlab = yaml.safe_load((ROOT / "examples" / "ci" / "readiness.gitlab-ci.yml").read_text(encoding="utf-8"))
    assert extras_of(gitlab[".readiness"]["variables"]["READINESS_PACKAGE"]) == extras_of(f"x[{defaults()['extras']}]")
    assert set(EXTRA_MODULES) <= extras_of(f"x[{defaults()['extras']}]")


def test_the_actions_steps_run_the_example_with_no_check_skipped(shipped_python, tmp_path):
    # the model's own dependencies, as a team's workflow installs them before the Action runs
    subprocess.run(
        [str(shipped_python), "-m", "pip", "install", "-q", "scikit-learn>=1.4", "numpy>=1.26"],
        check=True,
        capture_output=True,
        timeout=600,
    )
    folder = tmp_path / "credit-risk"
    shutil.copytree(EXAMPLES / "credit-risk", folder, ignore=shutil.ignore_patterns("readiness-history*", "logs"))
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs.txt"
    env = {
        **os.environ,
        "PATH": f"{shipped_python.parent}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_ACTION_PATH": str(ROOT),
        "READINESS_HISTORY": str(tmp_path / "h.db"),
    }
    env.pop("PYTHONPATH", None)
    inputs = {**defaults(), "manifest": str(folder / "readiness.yaml"), "output": str(tmp_path / "report")}
    step = steps()["Assess"]
    step_env = {k: expand(str(v), inputs) for k, v in (step.get("env") or {}).items()}
    done = subprocess.run(
        ["bash", "-e", "-c", step["run"]],
        cwd=tmp_path,
        env={**env, **step_env},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    a = json.loads((tmp_path / "report" / "assessment.json").read_text())
    skipped = {o["id"]: o["result"]["summary"] for o in a["outcomes"] if o["result"]["status"] == "skipped"}
    assert not skipped, skipped  # no "needs locust": every check ran
    errored = {o["id"]: o["result"]["summary"] for o in a["outcomes"] if o["result"]["status"] == "error"}
    assert not errored, errored
    assert out["exit_code"] in {"0", "1"} and float(out["score"]) > 50
    assert summary.read_text().startswith("## ")
    gate = steps()["Gate"]
    ran = subprocess.run(
        ["bash", "-e", "-c", gate["run"]], env={**env, "CODE": out["exit_code"]}, capture_output=True, timeout=30
    )
    assert ran.returncode == int(out["exit_code"])


def test_the_gitlab_template_runs_in_the_same_environment(shipped_python, tmp_path):
    gitlab = yaml.safe_load((ROOT / "examples" / "ci" / "readiness.gitlab-ci.yml").read_text(encoding="utf-8"))
    job = gitlab[".readiness"]
    script = [line for line in job["script"] if "pip install" not in line]  # installed above, as the job does
    manifest = EXAMPLES / "poc-notebook" / "readiness.yaml"
    env = {
        **os.environ,
        **{k: str(v) for k, v in job["variables"].items() if k != "PIP_CACHE_DIR"},
        "READINESS_MANIFEST": str(manifest),
        "PATH": f"{shipped_python.parent}{os.pathsep}{os.environ['PATH']}",
        "READINESS_HISTORY": str(tmp_path / "h.db"),
    }
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        ["bash", "-c", "\n".join(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 1, done.stderr[-2000:]  # the POC is not ready: the job fails, as it should
    report = tmp_path / "readiness-report"
    assert {"junit.xml", "report.pdf", "readiness.sarif"} <= {p.name for p in report.iterdir()}
    a = json.loads((report / "assessment.json").read_text())
    needs = {o["id"]: o["result"]["summary"] for o in a["outcomes"] if "needs" in o["result"]["summary"].lower()}
    assert not {k: v for k, v in needs.items() if "pip install" in v}, needs


def test_the_pre_commit_hook_validates_two_manifests(tmp_path):
    """`pre-commit try-repo` installs the hook from this checkout as pre-commit does for users, and runs it on
    two manifests: both are validated, one line each; a broken one fails the hook naming its file and line."""
    venv = tmp_path / "pc"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "pre-commit"], check=True, timeout=600)
    repo = tmp_path / "team"
    (repo / "a").mkdir(parents=True)
    (repo / "b").mkdir()
    shutil.copy(EXAMPLES / "poc-notebook" / "readiness.yaml", repo / "a" / "readiness.yaml")
    shutil.copy(EXAMPLES / "poc-notebook" / "serve.py", repo / "a" / "serve.py")
    (repo / "b" / "readiness.yaml").write_text("model: {id: b, name: B, version: '1'}\n", encoding="utf-8")
    git = {"cwd": repo, "check": True, "capture_output": True, "timeout": 60}
    subprocess.run(["git", "init", "-q"], **git)
    subprocess.run(["git", "add", "."], **git)
    clone = tmp_path / "hook-repo"  # try-repo needs a git repository: this checkout's files, committed
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=120)
    for name in ("pyproject.toml", ".pre-commit-hooks.yaml"):
        shutil.copy(ROOT / name, clone / name)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    env.pop("PYTHONPATH", None)
    ok = subprocess.run(
        [str(venv / "bin" / "pre-commit"), "try-repo", str(clone), "readiness-validate", "--all-files", "--verbose"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert ok.returncode == 0, ok.stdout[-3000:] + ok.stderr[-2000:]
    assert "a/readiness.yaml: valid" in ok.stdout and "b/readiness.yaml: valid" in ok.stdout
    (repo / "b" / "readiness.yaml").write_text("model: {id: b, name: B, version: '1', risk_tier: huge}\n")
    subprocess.run(["git", "add", "."], **git)
    bad = subprocess.run(
        [str(venv / "bin" / "pre-commit"), "try-repo", str(clone), "readiness-validate", "--all-files"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert bad.returncode != 0
    assert "b/readiness.yaml:1: model.risk_tier" in bad.stdout, bad.stdout[-2000:]
