"""Engine isolation: a check that crashes, hangs or breaks the contract becomes ERROR; the rest run."""

from __future__ import annotations

import threading
import time

import pytest
from support import NOW

from readiness.api import assess
from readiness.check import Check, CheckResult, Param
from readiness.engine import RunOptions
from readiness.errors import PluginError, ProfileError, UsageError
from readiness.model import Status
from readiness.profile import load_profile
from readiness.registry import Registry

RELEASE = threading.Event()


class Good(Check):
    id = "TST-001"
    area = "governance"
    title = "Always passes"
    rationale = "A control."
    remediation = "Nothing to do."

    def run(self, ctx):
        return CheckResult(status=Status.PASS, score=100, summary="fine")


class Crash(Check):
    id = "TST-002"
    area = "governance"
    title = "Raises"
    rationale = "Crashes on purpose."
    remediation = "Fix the bug."

    def run(self, ctx):
        raise ZeroDivisionError("boom in the check")


class Hang(Check):
    id = "TST-003"
    area = "governance"
    title = "Hangs"
    rationale = "Never returns on its own."
    remediation = "Add a timeout."
    timeout_s = 0.5

    def run(self, ctx):
        RELEASE.wait(30)
        return CheckResult(status=Status.PASS, score=100, summary="too late")


class Cheat(Check):
    id = "TST-004"
    area = "governance"
    title = "Claims a status only the engine may set"
    rationale = "Contract breach."
    remediation = "Return PASS, WARN, FAIL or NOT_APPLICABLE."

    def run(self, ctx):
        return CheckResult(status=Status.SKIPPED, score=100, summary="skipped myself")


class Needy(Check):
    id = "TST-005"
    area = "governance"
    title = "Needs a package that is not installed"
    rationale = "Extras."
    remediation = "Install it."
    extras = ("readiness_no_such_package_xyz",)
    install_hint = "pip install readiness-no-such-package"

    def run(self, ctx):  # pragma: no cover - must never run
        raise AssertionError("ran without its extra")


class Tunable(Check):
    id = "TST-006"
    area = "governance"
    title = "Reports its parameter"
    rationale = "Profiles set parameters."
    remediation = "None."
    params = {"limit": Param(3, "A limit.")}

    def run(self, ctx):
        return CheckResult(status=Status.PASS, score=100, summary=f"limit={ctx.params['limit']}")


def registry(*checks):
    reg = Registry()
    for c in checks:
        reg.add(c, "tests")
    return reg


@pytest.fixture
def setup(write):
    manifest = write("m.yaml", "model: {id: a, name: A, version: '1'}\n")
    profile = write("p.yaml", "name: t\npass_score: 0\nchecks:\n  TST-006: {params: {limit: 7}}\n")
    return manifest, load_profile(str(profile))


def test_crash_and_hang_become_error_and_the_others_still_run(setup):
    manifest, profile = setup
    start = time.perf_counter()
    a = assess(manifest, profile, registry=registry(Crash, Hang, Good, Cheat, Tunable), options=RunOptions(now=NOW))
    elapsed = time.perf_counter() - start
    RELEASE.set()
    by_id = {o.id: o for o in a.outcomes}
    assert by_id["TST-002"].status is Status.ERROR
    assert "ZeroDivisionError: boom in the check" in by_id["TST-002"].result.summary
    assert by_id["TST-003"].status is Status.ERROR
    assert "Timed out after 0.5 s" in by_id["TST-003"].result.summary
    assert by_id["TST-004"].status is Status.ERROR
    assert "only the engine may set" in by_id["TST-004"].result.summary
    assert by_id["TST-001"].status is Status.PASS
    assert by_id["TST-006"].result.summary == "limit=7"
    assert a.coverage.errored == 3
    assert elapsed < 10


def test_missing_extra_is_skipped_with_the_install_hint(setup):
    manifest, profile = setup
    a = assess(manifest, profile, registry=registry(Needy, Good, Tunable), options=RunOptions(now=NOW))
    skipped = a.outcome("TST-005")
    assert skipped.status is Status.SKIPPED
    assert "pip install readiness-no-such-package" in skipped.result.summary
    assert a.coverage.skipped == 1


def test_debug_reraises_the_check_exception(setup):
    manifest, profile = setup
    with pytest.raises(ZeroDivisionError):
        assess(manifest, profile, registry=registry(Crash, Tunable), options=RunOptions(now=NOW, debug=True))


def test_only_and_skip_select_checks(setup):
    manifest, profile = setup
    a = assess(
        manifest, profile, registry=registry(Good, Crash, Tunable), options=RunOptions(now=NOW, only=("TST-001",))
    )
    assert a.outcome("TST-001").status is Status.PASS
    assert a.outcome("TST-002").status is Status.SKIPPED
    a = assess(
        manifest, profile, registry=registry(Good, Crash, Tunable), options=RunOptions(now=NOW, skip=("TST-002",))
    )
    assert "excluded (--skip)" in a.outcome("TST-002").result.summary
    with pytest.raises(UsageError):
        assess(manifest, profile, registry=registry(Good, Tunable), options=RunOptions(only=("TST-999",)))


def test_profile_naming_an_unknown_check_or_parameter_is_an_error(write, setup):
    manifest, _ = setup
    bad = load_profile(str(write("bad.yaml", "name: bad\nchecks:\n  NOPE-001: {weight: 1}\n")))
    with pytest.raises(ProfileError, match="unknown check 'NOPE-001'"):
        assess(manifest, bad, registry=registry(Good, Tunable))
    bad = load_profile(str(write("bad2.yaml", "name: bad\nchecks:\n  TST-006: {params: {limt: 1}}\n")))
    with pytest.raises(ProfileError, match="no parameter"):
        assess(manifest, bad, registry=registry(Good, Tunable))


def test_duplicate_ids_are_refused():
    reg = registry(Good)
    with pytest.raises(PluginError, match="already provided by tests"):
        reg.add(Good, "someone[else]")


def test_check_metadata_is_validated_when_the_class_is_defined():
    with pytest.raises(TypeError, match="id 'bad id' must look like ABC-001"):

        class Bad(Check):  # noqa: F841
            id = "bad id"
            area = "governance"
            title = "t"
            rationale = "r"
            remediation = "x"

    with pytest.raises(TypeError, match="rationale must be a non-empty string"):

        class Bad2(Check):  # noqa: F841
            id = "TST-100"
            area = "governance"
            title = "t"
            rationale = ""
            remediation = "x"
