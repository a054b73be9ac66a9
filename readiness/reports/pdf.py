"""PDF for executives: WeasyPrint over the same content as the HTML, with print CSS.

The URL fetcher refuses everything except ``data:`` URIs: the report's CSS and SVG are inline, fonts
come from the system (fontconfig), and nothing in a manifest can make the renderer open a network
connection or read a local file.
"""

from __future__ import annotations

import logging
from typing import Any

from readiness.model import Assessment
from readiness.reports.html import page

MAX_FINDINGS = 20
"""The PDF is a summary: long evidence tables stay in the HTML and JSON."""


def offline_fetcher() -> Any:
    from weasyprint.urls import URLFetcher

    class OfflineFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no type information
        """Allows data: URIs only; every other URL is refused (and so never requested)."""

        refused: list[str]

        def __init__(self) -> None:
            super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=1)
            self.refused = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            self.refused.append(url)
            raise ValueError(f"readiness renders offline; refused {url[:200]}")

    return OfflineFetcher()


def render(assessment: Assessment, fetcher: Any = None) -> bytes:
    from weasyprint import HTML

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    html = page(assessment, pdf=True, max_findings=MAX_FINDINGS)
    document = HTML(string=html, base_url="about:blank", url_fetcher=fetcher or offline_fetcher())
    pdf: bytes = document.write_pdf(presentational_hints=False, pdf_identifier=assessment.manifest.digest.encode()[:32])
    return pdf
