"""The vendor-scorecard example: a vendor model with no endpoint, judged from its predictions file."""

from __future__ import annotations

import csv

from support import EXAMPLES, NOW

from readiness.api import assess
from readiness.engine import RunOptions

VENDOR = EXAMPLES / "vendor-scorecard"


def test_the_vendor_example_imports_its_evidence_and_names_what_a_live_model_must_show():
    a = assess(VENDOR / "readiness.yaml", options=RunOptions(now=NOW))
    got = {o.id: o.result for o in a.outcomes}
    imported = {k for k, r in got.items() if r.evidence_kind.value == "imported"}
    assert {"XAI-001", "EVAL-001", "FAIR-001"} <= imported
    assert a.verdict.value == "not_ready"
    live = ("SRV-001", "LAT-001", "DET-001", "ROB-001", "XAI-003")
    for check in live:  # under the default profile: not applicable, with the reason, never a measured FAIL
        assert got[check].status.value == "not_applicable", check
        assert "Predictions only" in got[check].summary and "live model" in got[check].summary, check
    assert not {"SRV-001", "LAT-001"} & set(a.blocking_gaps)
    # a regulated profile requires a live model: the same checks are blocking gaps, with that reason
    regulated = assess(VENDOR / "readiness.yaml", "finma", options=RunOptions(now=NOW))
    by_id = {o.id: o for o in regulated.outcomes}
    for check in live:
        o = by_id[check]
        assert o.status.value == "fail" and o.blocking, check
        assert "requires a live model" in o.result.findings[0].message, check
        assert check in regulated.blocking_gaps
    # the figures come from the file: recompute the recall from it by hand
    with open(VENDOR / "data" / "evaluation.csv", encoding="utf-8") as fh:
        labels = {r["application_id"]: r["defaulted"] == "1" for r in csv.DictReader(fh)}
    with open(VENDOR / "vendor" / "predictions.csv", encoding="utf-8") as fh:
        declined = {r["application_id"]: r["decision"] == "decline" for r in csv.DictReader(fh)}
    tp = sum(1 for k, bad in labels.items() if bad and declined[k])
    recall = got["EVAL-001"].metrics["metrics"]["recall"]["value"]
    assert abs(recall - tp / sum(labels.values())) < 1e-12
    fairness = " | ".join(f.message for f in got["FAIR-001"].findings)
    assert "too small to judge: 18-20 (n=45)" in fairness
