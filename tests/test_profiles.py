"""Profiles: bundled ones load and cite their sources, extends/overrides/combination behave, and a
golden file per profile shows any change to a profile as a diff."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import DATA, NOW, invoke

from readiness.api import assess
from readiness.engine import RunOptions, validate_profile
from readiness.errors import ProfileError
from readiness.profile import list_profiles, load_profile, matches
from readiness.registry import load_registry

BUNDLED = [p.name for p in list_profiles()]
GOLDEN = Path(__file__).parent / "golden" / "profiles.json"
MANIFESTS = {"bank": DATA / "profiles" / "bank.yaml", "poc": DATA / "profiles" / "poc.yaml"}


def test_the_required_profiles_are_bundled():
    assert {
        "default",
        "finma",
        "dora",
        "rbi-free-ai",
        "eu-ai-act-high-risk",
        "us-mrm",
        "hipaa",
        "tier-poc",
        "tier-pilot",
        "tier-production",
        "tier-critical",
    } <= set(BUNDLED)


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_profile_is_valid_and_cites_with_confidence(name):
    profile = load_profile(name)
    validate_profile(load_registry(plugins=False), profile)
    if name not in {"default"} and not name.startswith("tier-"):
        assert profile.regime and profile.requirements
    for req in profile.requirements:
        assert req.citation and req.confidence in {"CP", "CM", "SC", "SC1", "MU"}
        if not req.checks:
            assert req.note and "verify by hand" in req.note


def test_sr_11_7_is_an_alias_of_us_mrm():
    assert load_profile("sr-11-7").name == "us-mrm"
    assert "rescinded" in (Path(__file__).parent.parent / "profiles" / "us-mrm.yaml").read_text()


def test_extends_merges_check_by_check(write):
    path = write("p.yaml", "name: mine\nextends: finma\nchecks:\n  OWN-003: {params: {min_levels: 3}}\n")
    p = load_profile(str(path))
    assert p.settings("OWN-003").params == {"min_levels": 3}
    assert p.settings("OWN-003").weight == 3  # inherited from default
    assert p.settings("INC-001").params == {"required_regulators": ["finma"]}  # inherited from finma
    assert [s.rsplit("/", 1)[-1] for s in p.sources] == ["default.yaml", "finma.yaml", "p.yaml"]


def test_combined_profiles_apply_later_over_earlier_and_share_parents():
    p = load_profile("finma", "tier-critical")
    assert p.name == "finma+tier-critical"
    assert p.pass_score == 90 and p.attestation_max_age_days == 180 and p.target_level == "CRITICAL"
    assert p.settings("INC-001").blocking is True
    assert p.settings("INC-001").params == {"required_regulators": ["finma"]}
    assert sum(s.endswith("default.yaml") for s in p.sources) == 1
    assert {r.id for r in p.requirements} >= {"FIN-01", "FIN-19"}


def test_overrides_switch_on_manifest_facts():
    p = load_profile("finma")
    high = p.for_manifest({"model": {"risk_tier": "high", "decision_effect": "advisory"}})
    low = p.for_manifest({"model": {"risk_tier": "low", "decision_effect": "advisory"}})
    assert high.settings("GOV-002").blocking is True
    assert low.settings("GOV-002").blocking is None
    assert high.settings("GOV-002").weight == 5  # the override adds to, never drops, other settings


def test_conditions():
    facts = {"model": {"risk_tier": "high", "supports_critical_function": True}}
    assert matches({"model.risk_tier": ["high", "critical"]}, facts)
    assert matches({"model.supports_critical_function": True, "not model.risk_tier": "low"}, facts)
    assert not matches({"model.risk_tier": "low"}, facts)
    assert not matches({"model.decision_effect": "automated"}, facts)


def test_profile_errors_are_located(write):
    cyc = write("a.yaml", "name: a\nextends: b.yaml\n")
    write("b.yaml", "name: b\nextends: a.yaml\n")
    with pytest.raises(ProfileError, match="extends cycle"):
        load_profile(str(cyc))
    bad = write("bad.yaml", "name: bad\npass_score: 120\n")
    with pytest.raises(ProfileError) as info:
        load_profile(str(bad))
    assert info.value.line == 2 and info.value.field == "pass_score"
    unknown = load_profile(
        str(
            write(
                "u.yaml",
                "name: u\nrequirements:\n  - {id: X-01, title: t, citation: c, confidence: CP, checks: [NOPE-001]}\n",
            )
        )
    )
    with pytest.raises(ProfileError, match="NOPE-001"):
        validate_profile(load_registry(plugins=False), unknown)
    r = invoke("validate", str(MANIFESTS["poc"]), "--profile", str(write("c.yaml", "name: c\nconfidence: high\n")))
    assert r.code == 2 and "c.yaml:2: confidence: unknown field" in r.err


def test_requirements_cite_the_catalogue_the_checks_cite(write):
    from readiness.citations import CATALOGUE

    prof = load_profile(
        str(
            write(
                "k.yaml",
                "name: k\nrequirements:\n  - {id: K-01, title: t, cite: [FINMA_GM_2_1, NIST_RMF_GOVERN_2_1]}\n",
            )
        )
    )
    (req,) = prof.requirements
    assert req.citation == "FINMA Guidance 08/2024 2.1 Governance; NIST AI RMF 1.0 GOVERN 2.1"
    assert req.confidence == "SC"  # the least sure of SC and CP
    for name in ("unknown.yaml", "both.yaml"):
        body = "[NO_SUCH_CLAUSE]" if name == "unknown.yaml" else "[FINMA_GM_2_1], citation: x, confidence: CP"
        bad = write(name, f"name: b\nrequirements:\n  - {{id: K-01, title: t, cite: {body}}}\n")
        with pytest.raises(ProfileError) as info:
            load_profile(str(bad))
        assert info.value.line == 3, str(info.value)
        assert ("NO_SUCH_CLAUSE" in str(info.value)) == (name == "unknown.yaml")
    # every bundled requirement that cites the catalogue shows the catalogue's words and confidence
    cited = [r for p in list_profiles() for r in load_profile(p.name).requirements if r.cite]
    assert len(cited) >= 20
    for r in cited:
        assert r.citation.startswith(CATALOGUE[r.cite[0]].source)


def summary(manifest: Path, profile: str) -> dict:
    a = assess(manifest, profile, options=RunOptions(now=NOW))
    return {
        "score": a.score,
        "verdict": a.verdict.value,
        "level": a.level,
        "blocking": list(a.blocking_gaps),
        "requirements": {r.id: r.status for r in a.requirements},
    }


@pytest.mark.slow
@pytest.mark.parametrize("name", BUNDLED)
def test_golden_per_profile(request, name):
    """One profile's verdicts on both manifests against tests/golden/profiles.json (a test per profile,
    so that the eleven spread over the workers)."""
    got = {f"{name}/{m}": summary(path, name) for m, path in MANIFESTS.items()}
    golden = json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}
    if request.config.getoption("--update-goldens"):
        import fcntl

        with open(GOLDEN.with_suffix(".lock"), "w") as lock:  # parallel workers update one file
            fcntl.flock(lock, fcntl.LOCK_EX)
            golden = json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}
            GOLDEN.write_text(json.dumps({**golden, **got}, indent=2, sort_keys=True) + "\n")
        return
    assert got == {k: golden.get(k) for k in got}
    assert not {k for k in golden if k.split("/")[0] not in BUNDLED}, "profiles.json names a profile no longer bundled"


def test_the_examples_meet_the_governance_bar():
    bank = summary(MANIFESTS["bank"], "finma")
    assert bank["verdict"] == "ready" and "fail" not in bank["requirements"].values()
    poc = summary(MANIFESTS["poc"], "finma")
    assert poc["verdict"] == "not_ready"
    assert {"GOV-001", "CHG-001", "CHG-002", "ROL-002", "MON-001"} <= set(poc["blocking"])


def test_profiles_show_prints_citations_and_overrides():
    r = invoke("profiles", "show", "dora")
    assert r.code == 0
    assert "Art. 28(8)" in r.out and "DOR-33" in r.out and "when model.supports_critical_function = True" in r.out
