"""No PASS without evidence, as a contract: every registered check, run against each broken evidence
source that readiness.testing ships (no endpoint, refused connections, every answer a 400, every answer
a 500, answers without the declared output, an empty data file, all-null columns), never passes, and
says what was missing."""

from __future__ import annotations

import pytest
from support import NOW

from readiness.api import assess
from readiness.engine import RunOptions
from readiness.model import Status
from readiness.registry import load_registry
from readiness.testing import BROKEN_EVIDENCE, FakeModel, broken_manifest

CASES = [  # (model evidence, server behaviour, data evidence): every source in BROKEN_EVIDENCE is met
    ("no endpoint", None, "empty data file"),
    ("refused", None, "all-null columns"),
    ("every answer 400", "status:400", "empty data file"),
    ("every answer 500", "status:500", "all-null columns"),
    ("no declared output", "no_output", "all-null columns"),
]


def test_the_cases_cover_every_broken_source():
    covered = {m for m, _, _ in CASES} | {d for _, _, d in CASES}
    assert covered == set(BROKEN_EVIDENCE)


@pytest.mark.parametrize("model,behaviour,data", CASES, ids=[f"{m}+{d}" for m, _, d in CASES])
def test_no_check_passes_on_broken_evidence(tmp_path, model, behaviour, data):
    fake = FakeModel(behaviour).start() if behaviour else None
    try:
        path = broken_manifest(tmp_path, fake.url if fake else model, data)
        a = assess(path, options=RunOptions(now=NOW))
    finally:
        if fake:
            fake.stop()
    assert {o.id for o in a.outcomes} == {reg.check.id for reg in load_registry()}  # every check ran
    passed = [(o.id, o.result.summary) for o in a.outcomes if o.status is Status.PASS]
    assert passed == [], passed
    for o in a.outcomes:
        assert o.result.summary.strip(), o.id
        if o.status in {Status.FAIL, Status.ERROR}:  # and it says what was missing
            said = o.result.summary + " ".join(f.message for f in o.result.findings)
            assert len(said) > 20, (o.id, said)
        assert "Crashed" not in o.result.summary, (o.id, o.result.summary)
    assert a.verdict.value == "not_ready"
    if fake:
        assert fake.requests > 0  # the checks really called the broken server
