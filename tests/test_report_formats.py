"""HTML, PDF, Markdown, JUnit and SARIF: golden files, real parsers, the official schema, and proof
that rendering a hostile manifest fetches nothing."""

from __future__ import annotations

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jsonschema
import pypdf
import pytest
from junitparser import Error, Failure, JUnitXml, Skipped
from support import DATA, NOW, run_cli

from readiness.api import assess
from readiness.engine import RunOptions
from readiness.model import Assessment, CheckResult, Outcome, Status
from readiness.reports import html, junit, load_assessment, markdown, pdf, sarif

GOLDEN = Path(__file__).parent / "golden"
FIXED = DATA / "assessment-poc.json"
TEXT_FORMATS = {"report.html": html, "report.md": markdown, "junit.xml": junit, "readiness.sarif": sarif}


@pytest.fixture(scope="module")
def fixed() -> Assessment:
    return load_assessment(FIXED)


@pytest.mark.parametrize("name", sorted(TEXT_FORMATS))
def test_golden_and_byte_identical(fixed, name, request, monkeypatch):
    monkeypatch.chdir(Path(__file__).parent.parent)  # SARIF URIs are relative to the working folder
    module = TEXT_FORMATS[name]
    out = module.render(fixed)
    assert module.render(load_assessment(FIXED)) == out
    golden = GOLDEN / name
    if request.config.getoption("--update-goldens"):
        golden.write_bytes(out)
    assert out == golden.read_bytes()


def test_junit_reads_back_with_a_junit_parser(fixed, tmp_path):
    path = tmp_path / "junit.xml"
    path.write_bytes(junit.render(fixed))
    xml = JUnitXml.fromfile(str(path))
    suites = {s.name: s for s in xml}
    assert set(suites) == {o.area for o in fixed.outcomes}
    cases = {c.name.split()[0]: c for s in xml for c in s}
    assert len(cases) == len(fixed.outcomes)
    for o in fixed.outcomes:
        kinds = {type(r) for r in cases[o.id].result}
        expected = {
            Status.FAIL: {Failure},
            Status.ERROR: {Error},
            Status.SKIPPED: {Skipped},
            Status.NOT_APPLICABLE: {Skipped},
            Status.PASS: set(),
        }[o.status]
        assert kinds == expected, o.id
    assert sum(s.failures for s in xml) == sum(o.status is Status.FAIL for o in fixed.outcomes)


def test_junit_makes_control_characters_safe(fixed, tmp_path):
    o = fixed.outcomes[0]
    broken = o.model_copy(update={"result": o.result.model_copy(update={"summary": "bad \x00\x07\x1b text"})})
    a = fixed.model_copy(update={"outcomes": (broken, *fixed.outcomes[1:])})
    path = tmp_path / "j.xml"
    path.write_bytes(junit.render(a))
    case = next(c for s in JUnitXml.fromfile(str(path)) for c in s)
    assert case.result[0].message == "bad  text"


def test_sarif_is_valid_against_the_official_schema(fixed, monkeypatch):
    monkeypatch.chdir(Path(__file__).parent.parent)
    log = json.loads(sarif.render(fixed))
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(log)
    results = log["runs"][0]["results"]
    own = next(r for r in results if r["ruleId"] == "OWN-001")
    region = own["locations"][0]["physicalLocation"]
    assert region["artifactLocation"]["uri"] == "examples/poc-notebook/readiness.yaml"
    assert region["region"]["startLine"] == 14
    assert own["level"] == "error"
    assert {r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]} == {o.id for o in fixed.outcomes}


def test_markdown_stays_under_the_job_summary_limit(fixed):
    many = tuple(
        fixed.outcomes[1].model_copy(
            update={
                "id": f"BIG-{i:03d}",
                "result": fixed.outcomes[1].result.model_copy(update={"summary": "x" * 20000}),
            }
        )
        for i in range(1000)
    )
    big = fixed.model_copy(update={"outcomes": fixed.outcomes + many})
    out = markdown.render(big)
    assert len(out) < 1024 * 1024
    assert b"more checks in assessment.json" in out
    assert b"x" * 2001 not in out and b"(20000 characters)" in out  # one text never takes the page
    huge = fixed.model_copy(
        update={
            "manifest": fixed.manifest.model_copy(update={"model_name": "N" * 1_500_000}),
            "reasons": tuple("R" * 5000 for _ in range(400)),
        }
    )
    assert len(markdown.render(huge)) < 1024 * 1024


def pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_pdf_first_page_says_verdict_score_and_blocking_gaps(fixed):
    data = pdf.render(fixed)
    reader = pypdf.PdfReader(io.BytesIO(data))
    first = reader.pages[0].extract_text()
    assert "NOT READY" in first and f"{fixed.score:g}" in first
    for gap in fixed.blocking_gaps:
        assert gap in first
    assert "What to do next" in first
    assert "Contents" in reader.pages[1].extract_text()
    assert f"Page 1 of {len(reader.pages)}" in first


class Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        Recorder.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()


@pytest.fixture
def recorder():
    Recorder.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_hostile_manifest_is_escaped_and_nothing_is_fetched(write, recorder, tmp_path):
    secret_file = write("secret.txt", "TOP-SECRET-CONTENT")
    manifest = write(
        "m.yaml",
        f"""
        model:
          id: a
          name: "<script>alert(1)</script><img src='{recorder}/name.png'>"
          version: '1.0.0'
          intended_purpose: "<link rel=stylesheet href='file://{secret_file}'><img src=file://{secret_file}>"
        owners:
          production_owner: {{name: "<style>@import url({recorder}/css)</style>Eve"}}
    """,
    )
    a = assess(manifest, options=RunOptions(now=NOW))
    page = html.render(a).decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=" not in page and "<style>@import" not in page
    text = pdf_text(pdf.render(a))
    assert "<script>alert(1)</script>" in text.replace("\n", "")
    assert Recorder.hits == []
    assert "TOP-SECRET-CONTENT" not in text


def test_the_pdf_fetcher_refuses_network_and_local_files(recorder, write):
    from weasyprint import HTML

    secret_file = write("secret.css", "body { color: red }")
    fetcher = pdf.offline_fetcher()
    raw = (
        f"<link rel=stylesheet href='{recorder}/style.css'><link rel=stylesheet href='file://{secret_file}'>"
        f"<img src='{recorder}/img.png'><img src='data:image/svg+xml,<svg xmlns=\"http://www.w3.org/2000/svg\"/>'>"
        "<p>hello</p>"
    )
    HTML(string=raw, base_url="about:blank", url_fetcher=fetcher).write_pdf()
    assert Recorder.hits == []
    assert any(u.startswith(recorder) for u in fetcher.refused)
    assert any(u.startswith("file:") for u in fetcher.refused)


@pytest.mark.slow
def test_a_report_of_200_checks_renders(fixed):
    template = fixed.outcomes[0]
    outcomes = tuple(
        Outcome(
            id=f"GEN-{i:03d}",
            title=f"Generated check {i}",
            area=f"area_{i % 8}",
            weight=1,
            blocking=i % 50 == 0,
            result=CheckResult(
                status=[Status.PASS, Status.WARN, Status.FAIL][i % 3],
                score=[100, 50, 0][i % 3],
                summary=f"summary {i}",
                findings=template.result.findings[:2],
            ),
            duration_s=0.01,
            effective_score=[100, 50, 0][i % 3],
        )
        for i in range(200)
    )
    big = fixed.model_copy(update={"outcomes": outcomes, "gaps": (), "blocking_gaps": ()})
    page = html.render(big)
    assert page.count(b'class="check"') == 200
    data = pdf.render(big)
    assert len(pypdf.PdfReader(io.BytesIO(data)).pages) > 10


@pytest.mark.slow
@pytest.mark.e2e
def test_assess_writes_every_format_and_report_rerenders_them(tmp_path):
    out = tmp_path / "out"
    r = run_cli("assess", "examples/poc-notebook/readiness.yaml", "-f", "all", "-o", str(out))
    assert r.code == 1
    names = sorted(p.name for p in out.iterdir())
    assert names == ["assessment.json", "junit.xml", "readiness.sarif", "report.html", "report.md", "report.pdf"]
    again = tmp_path / "again"
    r = run_cli("report", str(out / "assessment.json"), "-f", "html,md,junit,sarif", "-o", str(again))
    assert r.code == 0, r.err
    for name in ("report.html", "report.md", "junit.xml", "readiness.sarif"):
        assert (again / name).read_bytes() == (out / name).read_bytes(), name
