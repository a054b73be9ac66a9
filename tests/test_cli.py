"""The exit-code contract through the real entry point, and the everyday commands."""

from __future__ import annotations

import json
import subprocess
import sys

from support import ROOT, invoke, run_cli

from readiness.errors import ExitCode


def test_exit_codes_are_the_documented_values():
    assert [int(c) for c in ExitCode] == [0, 1, 2, 3]
    assert invoke("--help").out.count("3 internal error") == 1


def test_ready_manifest_exits_0(ready_manifest, tmp_path):
    r = invoke(
        "assess",
        str(ready_manifest),
        "--profile",
        str(tmp_path / "profile.yaml"),
        "-o",
        str(tmp_path / "out"),
        "--as-of",
        "2026-11-22",
    )
    assert r.code == 0, r.out + r.err
    assert "READY" in r.out and "NOT READY" not in r.out
    data = json.loads((tmp_path / "out" / "assessment.json").read_text())
    assert data["verdict"] == "ready"


def test_not_ready_exits_1_and_exit_zero_overrides(tmp_path):
    manifest = str(ROOT / "examples" / "poc-notebook" / "readiness.yaml")
    few = ("--only", "MAN-001,OWN-001", "--no-history")  # the exit code is the subject, not the checks
    r = invoke("assess", manifest, "-o", str(tmp_path), *few)
    assert r.code == 1
    assert "NOT READY" in r.out
    assert invoke("assess", manifest, "-o", str(tmp_path), "--exit-zero", *few).code == 0


def test_fail_under_raises_the_bar(ready_manifest, tmp_path):
    r = invoke(
        "assess",
        str(ready_manifest),
        "--profile",
        str(tmp_path / "profile.yaml"),
        "-o",
        str(tmp_path / "out"),
        "--fail-under",
        "99",
        "--as-of",
        "2026-11-22",
    )
    assert r.code == 1
    assert "below the threshold 99" in r.out


def test_usage_errors_exit_2_without_traceback(tmp_path, ready_manifest):
    cases = [
        ("assess", str(tmp_path / "missing.yaml")),
        ("assess", str(ready_manifest), "--profile", "no-such-profile"),
        ("assess", str(ready_manifest), "--format", "docx"),
        ("assess", str(ready_manifest), "--only", "XYZ-999"),
        ("assess", "--bogus-flag"),
        ("checks", "explain", "NOPE-001"),
        ("assess", str(ready_manifest), "--master-bind", "0.0.0.0:5557"),  # without --load-workers
        ("assess", str(ready_manifest), "--load-workers", "2", "--master-bind", "nohost"),
        ("assess", str(ready_manifest), "--load-workers", "2", "--master-bind", "h:99999"),
        ("assess", str(ready_manifest), "--load-workers", "2", "--workers", "2"),
        ("load-worker", "--master", "h:port"),
    ]
    for args in cases:
        r = invoke(*args)
        assert r.code == 2, (args, r.out, r.err)
        assert "Traceback" not in r.err, args
        assert r.err.startswith("readiness: error:"), (args, r.err)


def test_internal_error_exits_3_with_a_plain_traceback(ready_manifest):
    code = (
        "import sys, readiness.api as api\n"
        "def boom(*a, **k): raise RuntimeError('simulated bug')\n"
        "api.assess = boom\n"
        "from readiness.cli import main\n"
        f"main(['assess', {str(ready_manifest)!r}, '-f', 'terminal'])\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3
    assert "RuntimeError: simulated bug" in proc.stderr
    assert "internal error" in proc.stderr


def test_version_and_python_m():
    r = run_cli("--version")
    assert r.code == 0 and r.out.startswith("readiness ")
    from readiness import __version__

    assert __version__ in r.out


def test_validate_ok_and_broken(write):
    good = write("ok.yaml", "model: {id: a, name: A, version: '1'}\n")
    r = invoke("validate", str(good))
    assert r.code == 0 and "valid" in r.out
    bad = write("bad.yaml", "model: {id: a, name: A}\n")
    r = invoke("validate", str(bad))
    assert r.code == 2
    assert f"{bad}:1: model.version: required field is missing" in r.err


def test_checks_list_and_explain():
    r = invoke("checks", "list")
    assert r.code == 0
    for check_id in ("MAN-001", "OWN-001", "OWN-002", "OWN-003", "OWN-004", "SRV-001"):
        assert check_id in r.out
    r = invoke("checks", "explain", "OWN-003")
    assert r.code == 0
    assert "min_levels" in r.out and "Why it matters" in r.out and "How to fix" in r.out


def test_profiles_list_and_show():
    r = invoke("profiles", "list")
    assert r.code == 0 and "default" in r.out
    r = invoke("profiles", "show", "default")
    assert r.code == 0
    assert "pass score 75" in r.out and "level PRODUCTION" in r.out


def test_schema_command_prints_the_committed_schema():
    r = invoke("schema")
    assert r.code == 0
    assert r.out == (ROOT / "docs" / "manifest.schema.json").read_text()
    r = invoke("schema", "--assessment")
    assert r.out == (ROOT / "docs" / "assessment.schema.json").read_text()


def test_report_rerenders_an_assessment(ready_manifest, tmp_path):
    out = tmp_path / "out"
    invoke(
        "assess",
        str(ready_manifest),
        "--profile",
        str(tmp_path / "profile.yaml"),
        "-o",
        str(out),
        "-f",
        "json",
        "--as-of",
        "2026-11-22",
    )
    first = (out / "assessment.json").read_bytes()
    r = invoke("report", str(out / "assessment.json"), "-f", "json,terminal", "-o", str(tmp_path / "again"))
    assert r.code == 0, r.err
    assert (tmp_path / "again" / "assessment.json").read_bytes() == first
    assert "READY" in r.out
    r = invoke("report", str(ready_manifest))
    assert r.code == 2 and "not a readiness assessment" in r.err


def test_validate_takes_several_manifests_as_the_pre_commit_hook_passes_them(tmp_path):
    import re

    import yaml

    hook = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())[0]
    good = tmp_path / "a" / "readiness.yaml"
    bad = tmp_path / "b" / "readiness.yml"
    for path, version in ((good, "version: '1'"), (bad, "")):
        path.parent.mkdir()
        path.write_text(f"model: {{id: a, name: A, {version}}}\n")
    files = [str(p) for p in (good, bad) if re.search(hook["files"], str(p))]
    assert len(files) == 2 and hook["pass_filenames"] is True
    entry = hook["entry"].split()
    assert entry[0] == "readiness"
    r = run_cli(*entry[1:], files[0], files[0])  # as pre-commit runs it: the entry, then the file names
    assert r.code == 0 and r.out.count(": valid (") == 2, r.err
    r = run_cli(*entry[1:], *files)
    assert r.code == 2 and f"{good}: valid" in r.out
    assert f"{bad}:1: model.version: required field is missing" in r.err
