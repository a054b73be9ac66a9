"""JUnit XML: a test suite per area, a test case per check, for CI systems that read test reports.

FAIL is a failure, ERROR an error; NOT_APPLICABLE, SKIPPED and waived checks are skipped. Control
characters that XML 1.0 cannot carry are removed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from readiness.model import Assessment, Outcome, Status

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def safe(text: object) -> str:
    return _INVALID_XML.sub("", str(text if text is not None else ""))


def detail(o: Outcome) -> str:
    lines = [o.result.summary]
    for f in o.result.findings:
        loc = f.location
        where = f" ({loc.file}:{loc.line} {loc.field or ''})" if loc and loc.line else ""
        lines.append(f"[{f.severity.label}] {f.message}{where}")
        if f.expected or f.observed:
            lines.append(f"    expected: {f.expected or '-'}; found: {f.observed or '-'}")
        if f.remediation:
            lines.append(f"    fix: {f.remediation}")
    if o.remediation and o.status not in {Status.PASS, Status.NOT_APPLICABLE}:
        lines.append(f"How to fix: {o.remediation}")
    return safe("\n".join(lines))


def render(assessment: Assessment) -> bytes:
    areas: dict[str, list[Outcome]] = {}
    for o in assessment.outcomes:
        areas.setdefault(o.area, []).append(o)
    total_time = sum(o.duration_s for o in assessment.outcomes)
    root = ET.Element(
        "testsuites",
        name=safe(f"readiness {assessment.manifest.model_name}"),
        tests=str(len(assessment.outcomes)),
        time=f"{total_time:.3f}",
    )
    counts = {"failures": 0, "errors": 0, "skipped": 0}
    for area, outcomes in areas.items():
        suite = ET.SubElement(
            root,
            "testsuite",
            name=safe(area),
            tests=str(len(outcomes)),
            time=f"{sum(o.duration_s for o in outcomes):.3f}",
        )
        local = {"failures": 0, "errors": 0, "skipped": 0}
        for o in outcomes:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=safe(f"readiness.{area}"),
                name=safe(f"{o.id} {o.title}"),
                time=f"{o.duration_s:.3f}",
                file=safe(assessment.manifest.path),
            )
            message = safe(o.result.summary)
            if o.waived:
                w = o.waiver or {}
                waived = f"{o.status.value} waived until {w.get('expires')}, approved by {w.get('approved_by')}"
                ET.SubElement(case, "skipped", message=safe(f"{waived}: {w.get('reason') or ''}".rstrip(": ")))
                local["skipped"] += 1
            elif o.status in {Status.FAIL} or (o.status in {Status.PASS, Status.WARN} and o.stale):
                el = ET.SubElement(case, "failure", message=message, type="blocking" if o.blocking else "gap")
                el.text = detail(o)
                local["failures"] += 1
            elif o.status is Status.ERROR:
                el = ET.SubElement(case, "error", message=message, type="error")
                el.text = detail(o)
                local["errors"] += 1
            elif o.status in {Status.NOT_APPLICABLE, Status.SKIPPED}:
                ET.SubElement(case, "skipped", message=message)
                local["skipped"] += 1
            else:
                ET.SubElement(case, "system-out").text = detail(o)
        for key, value in local.items():
            suite.set(key, str(value))
            counts[key] += value
    for key, value in counts.items():
        root.set(key, str(value))
    ET.indent(root)
    body: bytes = ET.tostring(root, encoding="utf-8")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body + b"\n"
