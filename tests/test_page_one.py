"""Page one tells the whole truth: its sections in order for NOT READY, READY with accepted risks and READY
clean assessments, the gauge coloured by the verdict, waivers in every format, requirement labels, and the
trend under one profile."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

import jsonschema
import pypdf
import pytest

from readiness.history import History
from readiness.model import Assessment, RequirementResult, Status, Verdict
from readiness.reports import charts, html, junit, markdown, pdf, sarif, view

DATA = Path(__file__).parent / "data"


def poc() -> Assessment:
    return Assessment.model_validate_json((DATA / "assessment-poc.json").read_text())


def waive(a: Assessment, check_id: str, days: int) -> Assessment:
    """``check_id`` failing under a waiver that expires ``days`` after the assessment."""
    expires = (a.finished_at + timedelta(days=days)).date().isoformat()
    outcomes = []
    for o in a.outcomes:
        if o.id == check_id:
            o = o.model_copy(
                update={
                    "result": o.result.model_copy(update={"status": Status.FAIL}),
                    "waived": True,
                    "waiver": {
                        "check": check_id,
                        "reason": "Feed fix CHG-1 in flight",
                        "requested_by": "Marta Keller",
                        "approved_by": "Elena Fischer",
                        "expires": expires,
                        "valid": True,
                        "problem": None,
                    },
                }
            )
        outcomes.append(o)
    return a.model_copy(update={"outcomes": tuple(outcomes)})


def ready(a: Assessment, *, clean: bool) -> Assessment:
    """The same model, READY: every check passes (and nothing is stale) when ``clean``."""
    outcomes = tuple(
        o.model_copy(
            update={"result": o.result.model_copy(update={"status": Status.PASS, "findings": ()}), "stale": False}
        )
        for o in a.outcomes
    )
    return a.model_copy(
        update={
            "verdict": Verdict.READY,
            "score": 96.0,
            "blocking_gaps": (),
            "reasons": (),
            "gaps": (),
            "outcomes": outcomes,
            "requirements": tuple(r.model_copy(update={"status": "pass"}) for r in a.requirements),
        }
    )


_PDFS: dict[str, bytes] = {}


def rendered(a: Assessment) -> bytes:
    """The PDF of ``a``, rendered once per distinct assessment in this module (WeasyPrint is the slow part)."""
    key = a.model_dump_json()
    if key not in _PDFS:
        _PDFS[key] = pdf.render(a)
    return _PDFS[key]


def first_page(a: Assessment) -> str:
    return pypdf.PdfReader(io.BytesIO(rendered(a))).pages[0].extract_text()


def gauge_colour(a: Assessment) -> str:
    svg = re.search(r'<svg[^>]*class="gauge".*?</svg>', html.page(a), re.S)
    assert svg is not None
    return re.findall(r'stroke="(#[0-9a-f]{6})"', svg.group(0))[1]  # after the grey track


def in_order(text: str, *parts: str) -> bool:
    at = [text.find(p) for p in parts]
    return all(i >= 0 for i in at) and at == sorted(at)


def test_not_ready_page_one_lists_gaps_with_measurements_then_requirements_then_actions():
    a = poc()
    text = first_page(a)
    assert in_order(text, "NOT READY", "Blocking gaps", "Requirements not met or unknown", "What to do next")
    assert "missing or placeholder against" in text  # the measurement beside the gap, not just its title
    assert "Nothing" not in text
    assert gauge_colour(a) == charts.RED  # a NOT READY model never shows a green gauge


def test_ready_with_a_waived_failure_shows_the_accepted_risk_and_an_amber_gauge():
    a = waive(ready(poc(), clean=True), "OWN-001", days=20)
    text = first_page(a)
    assert in_order(text, "READY", "with 1 accepted risk", "Accepted risks (1)", "What to do next")
    assert "Marta Keller" in text and "Elena Fischer" in text and "in 20 days" in text  # expiring within 30 days
    assert "Nothing:" not in text
    assert gauge_colour(a) == charts.AMBER
    md = markdown.render(a).decode()
    assert "### Accepted risks (1)" in md and "Feed fix CHG-1 in flight" in md and "(in 20 days)" in md


def test_ready_clean_page_one_says_nothing_to_do_and_the_gauge_is_green():
    a = ready(poc(), clean=True)
    text = first_page(a)
    assert "Nothing: every check passes, no risk is accepted, every requirement is met" in text
    assert gauge_colour(a) == charts.GREEN
    far = waive(a, "OWN-001", days=90)
    assert "in 90 days" not in html.page(far)  # only waivers expiring within 30 days are flagged


def test_waivers_reach_sarif_junit_and_the_requirement_rows(monkeypatch):
    monkeypatch.chdir(Path(__file__).parent.parent)
    a = waive(poc(), "GOV-001", days=40)
    log = json.loads(sarif.render(a))
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(log)
    waived = [r for r in log["runs"][0]["results"] if r["ruleId"] == "GOV-001"]
    assert waived and all(r["suppressions"][0]["kind"] == "external" for r in waived)
    assert waived[0]["suppressions"][0]["status"] == "accepted"
    assert "approved by Elena Fischer" in waived[0]["suppressions"][0]["justification"]
    assert not any("suppressions" in r for r in log["runs"][0]["results"] if r["ruleId"] != "GOV-001")
    case = next(c for c in ET.fromstring(junit.render(a)).iter("testcase") if c.get("name", "").startswith("GOV-001"))
    message = case.find("skipped").get("message")
    assert "fail waived until" in message and "Elena Fischer" in message and "Feed fix CHG-1" in message
    req = RequirementResult(
        id="R-1", title="Inventory", citation="x", confidence="CP", status="pass", checks=("GOV-001",)
    )
    labels = {q.result.id: q.label for q in view.requirements_of(a.model_copy(update={"requirements": (req,)}))}
    assert labels == {"R-1": "met (waived: GOV-001)"}


def test_terminal_and_pdf_give_one_wording_per_action():
    from rich.table import Table

    from readiness.reports import terminal

    a = poc()
    v = view.build(a)
    tables = [t for t in terminal.renderables(a) if isinstance(t, Table) and str(t.title).startswith("Gaps")]
    shown = [str(cell) for cell in tables[0].columns[2]._cells]
    assert shown[: len(v.actions)] == [x.todo for x in v.actions]  # the terminal's words are the view's
    page = " ".join(first_page(a).split())
    for x in v.actions[:3]:
        assert " ".join(x.todo.split())[:40] in page, x.todo


def test_the_trend_shows_only_runs_under_the_current_profile(tmp_path: Path):
    store = History(tmp_path / "h.sqlite")
    base = poc()
    for i, profile in enumerate(("finma", "dora", "finma")):
        info = base.profile.model_copy(update={"name": profile})
        store.record(base.model_copy(update={"profile": info, "finished_at": base.finished_at + timedelta(minutes=i)}))
    finma = store.trend(base.manifest.model_id, profile="finma")
    assert len(finma) == 2 and len(store.trend(base.manifest.model_id)) == 3
    a = base.model_copy(update={"trend": finma, "finished_at": base.finished_at + timedelta(minutes=5)})
    page = html.page(a)
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d \(this\)", page)  # runs on one day are told apart by time


@pytest.mark.parametrize("example", ["accepted risks", "poc-notebook under FINMA"])
def test_page_one_fits_on_page_one_and_reads_as_a_picture(example, tmp_path):
    # the stored fixture is the bundled poc-notebook example assessed under FINMA
    a = poc() if example.startswith("poc") else waive(ready(poc(), clean=True), "DQ-001", days=60)
    data = rendered(a)
    reader = pypdf.PdfReader(io.BytesIO(data))
    first = reader.pages[0].extract_text()
    assert "What to do next" in first and "0.3-notebook" in first  # the title's version is not broken
    assert len(reader.pages) >= 8 and f"Page 1 of {len(reader.pages)}" in first
    second = reader.pages[1].extract_text()
    assert "Contents" in second  # page one did not spill over
    assert "How to read this report" in second and "MU our own reading" in second  # the legend, explained
    last = reader.pages[-1].extract_text()
    assert "Appendix" in last and "Tool readiness" in last and "schema" in last  # kept together: no orphan row
    if shutil.which("pdftoppm") is None:
        pytest.skip("needs poppler's pdftoppm: apt-get install poppler-utils (.ci/system-packages)")
    (tmp_path / "r.pdf").write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(tmp_path / "r.pdf"), str(tmp_path / "p")], check=True
    )
    png = next(tmp_path.glob("p-*1.png"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000


def test_no_table_column_in_the_pdf_is_too_narrow_to_read():
    from weasyprint import HTML

    from readiness.reports.pdf import MAX_FINDINGS, offline_fetcher

    a = waive(poc(), "GOV-001", days=10)
    doc = HTML(
        string=html.page(a, pdf=True, max_findings=MAX_FINDINGS), base_url="about:blank", url_fetcher=offline_fetcher()
    ).render()
    tables = 0
    for page in doc.pages:
        width = page._page_box.width
        for box in page._page_box.descendants():
            widths = getattr(box, "column_widths", None)
            if type(box).__name__ != "TableBox" or not widths:
                continue
            tables += 1
            assert min(widths) >= 0.07 * width, (box.element.get("class"), widths)
            if "findings" in (box.element.get("class") or ""):
                assert widths[1] >= 0.25 * width  # the Finding column holds the sentence: never a sliver
    assert tables >= 5


def test_one_number_format_per_unit_in_every_format():
    from readiness import numbers
    from readiness.reports import terminal

    assert [numbers.ms(v) for v in (0.4123, 5.247, 11.367, 1008.2, 0.0)] == ["0.412", "5.25", "11.4", "1,008", "0"]
    assert (numbers.score(24.9975), numbers.points(7.46), numbers.score(None)) == ("25.0", "+7.5", "n/a")
    assert (numbers.pct(0.08), numbers.pct(0.0005), numbers.pct(0.001)) == ("8.0%", "0.05%", "0.1%")
    a = poc()
    outcomes = tuple(o.model_copy(update={"effective_score": 24.9975}) for o in a.outcomes)
    a = a.model_copy(update={"score": 24.9975, "outcomes": outcomes})
    for name, text in (
        ("html", html.page(a)),
        ("md", markdown.render(a).decode()),
        ("terminal", terminal.render(a).decode()),
    ):
        assert "24.9975" not in text and "25.0" in text, name


def test_a_stale_action_fits_what_is_stale():
    from readiness.model import Attestation, Gap

    a = poc()
    o = a.outcomes[0]
    gap = Gap(check_id=o.id, title=o.title, area=o.area, status=Status.PASS, blocking=False, gain=1.0)
    undated = o.model_copy(update={"stale": True, "result": o.result.model_copy(update={"status": Status.PASS})})
    assert view.action_for(gap, undated).todo.startswith("Say who states this and when")  # nothing to re-date
    old = undated.model_copy(
        update={
            "result": undated.result.model_copy(update={"attestation": Attestation(by="Marta Keller", on="2025-01-02")})
        }
    )
    todo = view.action_for(gap, old).todo
    assert todo.startswith("Re-confirm and re-date") and "Marta Keller attested it on 2025-01-02" in todo


def test_history_separates_profiles_and_shows_the_time(tmp_path: Path):
    from support import invoke

    manifest = Path(__file__).parent.parent / "examples" / "poc-notebook" / "readiness.yaml"
    store = History(tmp_path / "h.sqlite")
    base = poc()
    for i, (profile, score) in enumerate((("finma", 10.0), ("dora", 90.0), ("finma", 20.0))):
        info = base.profile.model_copy(update={"name": profile})
        at = base.finished_at + timedelta(minutes=7 * i)
        store.record(base.model_copy(update={"profile": info, "finished_at": at, "score": score}))
    r = invoke("history", str(manifest), "--history", str(tmp_path / "h.sqlite"))
    assert r.code == 0, r.out
    assert "finma ▁▂" in r.out and "dora █" in r.out  # one score line per profile, never one mixed line
    assert "12:07" in r.out and "12:14" in r.out  # runs of one day told apart by their time
    only = invoke("history", str(manifest), "--history", str(tmp_path / "h.sqlite"), "--profile", "dora", "--json")
    assert [row["profile"] for row in json.loads(only.out)] == ["dora"]
